"""An issued decision may be recalled by the Office (thu hồi, NĐ 30 Điều 18 k4), and a new
decision may cancel (hủy bỏ) or replace (thay thế) an issued one; a cancellation marks the
old decision's awards cancelled, with what is to be recovered. Incoming edXML packages for
the Board (incoming_packages): checked, refused with a 02, or attached to a dossier

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


    op.create_table(
        "incoming_packages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("received_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(255), nullable=False, unique=True),
        sa.Column("document_id", sa.String(200), nullable=False),
        sa.Column("from_organ_id", sa.String(13), nullable=False),
        sa.Column("from_name", sa.String(255), nullable=False),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("promulgation_date", sa.Date()),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("business_type", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("pdf_name", sa.String(255)),
        sa.Column("pdf_sha256", sa.String(64)),
        sa.Column("reply_key", sa.String(255)),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id")),
        sa.Column("attachment_id", sa.Integer(),
                  sa.ForeignKey("attachments.id", ondelete="SET NULL")),
        sa.Column("attached_at", sa.DateTime()),
        sa.Column("attached_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.CheckConstraint("status IN ('accepted', 'refused')", name=op.f("ck_incoming_packages_status")),
    )
    op.create_index("ix_incoming_packages_status_received", "incoming_packages",
                    ["status", "received_at"])
    op.create_index("ix_incoming_packages_received_at", "incoming_packages", ["received_at"])
    op.create_index("ix_incoming_packages_sha256", "incoming_packages", ["sha256"])
    op.create_index("ix_incoming_packages_dossier_id", "incoming_packages", ["dossier_id"])


def downgrade():
    op.drop_table("incoming_packages")
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
