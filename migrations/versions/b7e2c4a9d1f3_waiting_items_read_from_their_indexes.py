"""Waiting items read from their indexes: (state, campaign, unit, waiting since) on plans
and dossiers, so the inbox and the progress counts scan no table rows

Revision ID: b7e2c4a9d1f3
Revises: 3c1d2e4f5a6b
Create Date: 2026-12-01 03:40:00

"""
from alembic import op

revision = "b7e2c4a9d1f3"
down_revision = "3c1d2e4f5a6b"
branch_labels = None
depends_on = None

COLUMNS = ["state", "campaign_id", "unit_id", "state_changed_at", "id"]


def upgrade():
    for table in ("plans", "dossiers"):
        op.create_index(f"ix_{table}_waiting", table, COLUMNS)


def downgrade():
    for table in ("plans", "dossiers"):
        op.drop_index(f"ix_{table}_waiting", table_name=table)
