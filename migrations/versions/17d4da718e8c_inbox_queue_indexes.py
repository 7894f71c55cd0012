"""A Board's inbox read a page at a time: (state, campaign, waiting since, id) on plans and
dossiers (unit included on PostgreSQL), so the first items of each campaign in a waiting
state come in order from the index, whatever the length of the queue (issue 22 #16)

Revision ID: 17d4da718e8c
Revises: c2e4a6b8d0f1
Create Date: 2026-12-07 18:00:00

"""
from alembic import op

revision = "17d4da718e8c"
down_revision = "c2e4a6b8d0f1"
branch_labels = None
depends_on = None

COLUMNS = ["state", "campaign_id", "state_changed_at", "id"]


def upgrade():
    for table in ("plans", "dossiers"):
        op.create_index(f"ix_{table}_queue", table, COLUMNS, postgresql_include=["unit_id"])


def downgrade():
    for table in ("plans", "dossiers"):
        op.drop_index(f"ix_{table}_queue", table_name=table)
