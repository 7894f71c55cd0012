"""Council minutes (biên bản) as NĐ 30 wants them: the number the unit gave it, when the
meeting started and ended, and who of the council was present (one a line)

Revision ID: a3d5f7b9c1e2
Revises: d4f1a7c3e9b2
Create Date: 2026-12-01 06:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3d5f7b9c1e2"
down_revision = "d4f1a7c3e9b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("council_minutes_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("council_started_at", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("council_ended_at", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("council_members", sa.Text(), server_default="",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("council_members")
        batch_op.drop_column("council_ended_at")
        batch_op.drop_column("council_started_at")
        batch_op.drop_column("council_minutes_number")
