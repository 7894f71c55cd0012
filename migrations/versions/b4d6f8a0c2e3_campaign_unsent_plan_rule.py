"""A campaign's rule for a dossier whose unit never sent its plan (unsent_plan)

warn (the default: the appraisal checklist says so) or block (its appraisal cannot be
completed until the plan reaches the Board).

Revision ID: b4d6f8a0c2e3
Revises: a3c5e7f9b1d2
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b4d6f8a0c2e3"
down_revision = "a3c5e7f9b1d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("unsent_plan", sa.String(8), nullable=False,
                                   server_default="warn"))


def downgrade():
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("unsent_plan")
