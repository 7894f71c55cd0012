"""Issued decisions travel as edXML packages through the outbox (a channel and a stable
send id per row), and the recipients' status messages (01–06) are kept

Revision ID: c3e1a7d9b542
Revises: e3d5c7a9b1f2
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c3e1a7d9b542"
down_revision = "e3d5c7a9b1f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=False,
                                   server_default="mail"))
        batch.add_column(sa.Column("send_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("document_id", sa.String(120), nullable=True))
        batch.create_unique_constraint("uq_outbox_send_id", ["send_id"])
        batch.create_index("ix_outbox_document_id", ["document_id"])
        batch.create_index("ix_outbox_channel_status_next_attempt_at",
                           ["channel", "status", "next_attempt_at"])
    op.create_table(
        "exchange_receipts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=True),
        sa.Column("organ_id", sa.String(13), nullable=False),
        sa.Column("document_id", sa.String(120), nullable=False),
        sa.Column("status_code", sa.String(2), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("staff", sa.String(255), nullable=True),
        sa.Column("stated_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("message_sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("message_sha256", name="uq_exchange_receipts_message_sha256"),
    )
    op.create_index("ix_exchange_receipts_decision_organ", "exchange_receipts",
                    ["decision_id", "organ_id", "stated_at"])
    op.create_index("ix_exchange_receipts_status_code", "exchange_receipts",
                    ["status_code", "decision_id"])
    op.create_index("ix_exchange_receipts_outbox_id", "exchange_receipts", ["outbox_id"])


def downgrade():
    op.drop_table("exchange_receipts")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_channel_status_next_attempt_at")
        batch.drop_index("ix_outbox_document_id")
        batch.drop_column("document_id")
        batch.drop_constraint("uq_outbox_send_id", type_="unique")
        batch.drop_column("send_id")
        batch.drop_column("channel")
