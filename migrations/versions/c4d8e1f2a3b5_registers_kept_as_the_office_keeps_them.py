"""Registers kept as the Văn thư keeps them: the numbers given (unique per register), the
last-used number set by hand with an audit row, and where it was set (base)

Revision ID: c4d8e1f2a3b5
Revises: b7e2c4a9d1f3
Create Date: 2026-12-01 05:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4d8e1f2a3b5"
down_revision = "b7e2c4a9d1f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("number_registers") as batch:
        batch.add_column(sa.Column("base_number", sa.Integer(), nullable=False,
                                   server_default="0"))
    # The numbers given before this revision have no entry: none of them is a gap.
    op.execute("UPDATE number_registers SET base_number = last_number")
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("register_id", sa.Integer(), sa.ForeignKey("number_registers.id"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(16)),
        sa.Column("item_id", sa.Integer()),
        sa.Column("entered", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("register_id", "number"),
    )
    op.create_table(
        "register_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("register_id", sa.Integer(), sa.ForeignKey("number_registers.id"),
                  nullable=False),
        sa.Column("old_last", sa.Integer(), nullable=False),
        sa.Column("new_last", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_register_changes_register_id", "register_changes", ["register_id"])


def downgrade():
    op.drop_index("ix_register_changes_register_id", table_name="register_changes")
    op.drop_table("register_changes")
    op.drop_table("register_entries")
    with op.batch_alter_table("number_registers") as batch:
        batch.drop_column("base_number")
