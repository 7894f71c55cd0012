"""Reference data edited on the admin page: a version per row (a second editor of one row
gets a conflict), and reference_changes, the audit row of every row added, replaced or
edited, by a file or on the page

Revision ID: a3c5e7f9b1d2
Revises: d2f4a6c8e0b1
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3c5e7f9b1d2"
down_revision = "d2f4a6c8e0b1"
branch_labels = None
depends_on = None

TABLES = ("award_forms", "legal_bases", "rule_values", "document_types",
          "attachment_requirements")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                          server_default="1"))
    op.create_table(
        "reference_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_reference_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_changes")),
    )
    with op.batch_alter_table("reference_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_changes_created_at"), ["created_at"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("reference_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_changes_created_at"))
    op.drop_table("reference_changes")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
