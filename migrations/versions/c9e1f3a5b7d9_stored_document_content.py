"""A kept final's composed content (JSON) in its row, so its preview shows what was signed;
in the database rather than beside the file, so backups and storage moves carry it

Revision ID: c9e1f3a5b7d9
Revises: b8d0f2a4c6e8
Create Date: 2026-12-01 11:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9e1f3a5b7d9"
down_revision = "b8d0f2a4c6e8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stored_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("stored_documents", schema=None) as batch_op:
        batch_op.drop_column("content")
