"""The public verification links of kept documents (/xac-minh/<token>, the QR code's link)

Revision ID: c5e7a9b1d3f4
Revises: c4d6e8f0a2b5
Create Date: 2026-12-07 15:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e7a9b1d3f4"
down_revision = "c4d6e8f0a2b5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verification_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["stored_documents.id"],
                                name=op.f("fk_verification_links_document_id_stored_documents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_links")),
        sa.UniqueConstraint("document_id", name=op.f("uq_verification_links_document_id")),
        sa.UniqueConstraint("token", name=op.f("uq_verification_links_token")),
    )
    # the register's lookup by a file's hash
    with op.batch_alter_table("stored_documents") as batch:
        batch.create_index("ix_stored_documents_sha256", ["sha256"])


def downgrade():
    with op.batch_alter_table("stored_documents") as batch:
        batch.drop_index("ix_stored_documents_sha256")
    op.drop_table("verification_links")
