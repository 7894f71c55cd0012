"""An issued decision may be recalled by the Office (thu hồi, NĐ 30 Điều 18 k4), and a new
decision may cancel (hủy bỏ) or replace (thay thế) an issued one; a cancellation marks the
old decision's awards cancelled, with what is to be recovered

Revision ID: d7a9c1e3f5b2
Revises: c3e1a7d9b542
Create Date: 2026-12-07 21:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d7a9c1e3f5b2"
down_revision = "c3e1a7d9b542"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("act", sa.String(16), nullable=True))
        batch.add_column(sa.Column("amends_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("act_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("recalled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("recalled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recall_reason", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_decisions_amends_id_decisions", "decisions",
                                 ["amends_id"], ["id"])
        batch.create_foreign_key("fk_decisions_recalled_by_id_users", "users",
                                 ["recalled_by_id"], ["id"])
        batch.create_index("ix_decisions_amends_id", ["amends_id"])
    with op.batch_alter_table("award_records") as batch:
        batch.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("recover_objects", sa.String(255), nullable=True))
        batch.add_column(sa.Column("recover_money", sa.Numeric(14, 0), nullable=True))
        batch.create_foreign_key("fk_award_records_cancelled_by_id_decisions", "decisions",
                                 ["cancelled_by_id"], ["id"])
        batch.create_index("ix_award_records_cancelled_by_id", ["cancelled_by_id"])


def downgrade():
    with op.batch_alter_table("award_records") as batch:
        batch.drop_index("ix_award_records_cancelled_by_id")
        batch.drop_constraint("fk_award_records_cancelled_by_id_decisions", type_="foreignkey")
        for name in ("recover_money", "recover_objects", "cancelled_on", "cancelled_by_id"):
            batch.drop_column(name)
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_amends_id")
        batch.drop_constraint("fk_decisions_recalled_by_id_users", type_="foreignkey")
        batch.drop_constraint("fk_decisions_amends_id_decisions", type_="foreignkey")
        for name in ("recall_reason", "recalled_by_id", "recalled_at", "act_reason",
                     "amends_id", "act"):
            batch.drop_column(name)
