"""Signing authority as data: which papers a collective body (Ủy ban nhân dân) issues as a
collective (TM.), the quyền hạn each signer may use (KT., Q., TL., TUQ.), and the one
chosen for each signed paper

Revision ID: d5f1a7b3c9e2
Revises: c4d8e1f2a3b5
Create Date: 2026-12-01 05:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d5f1a7b3c9e2"
down_revision = "c4d8e1f2a3b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("collective_name", sa.String(120)))
        batch.add_column(sa.Column("collective_papers", sa.String(255)))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("signing_modes", sa.String(64)))
    op.create_table(
        "paper_signatures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("paper", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_paper_signatures_item", "paper_signatures",
                    ["item_type", "item_id", "paper"])
    # Existing People's Committees: a commune's papers are all the collective's; the
    # province issues its launch papers (công văn, kế hoạch) as the collective, and the
    # Chairman decides awards in his own name. Admins can change both afterwards.
    op.execute("UPDATE units SET collective_name = 'Ủy ban nhân dân', collective_papers = '*' "
               "WHERE kind = 'commune' AND header_lines LIKE 'ỦY BAN NHÂN DÂN%'")
    op.execute("UPDATE units SET collective_name = 'Ủy ban nhân dân', "
               "collective_papers = 'cong_van,ke_hoach' "
               "WHERE kind = 'province' AND header_lines LIKE 'ỦY BAN NHÂN DÂN%'")


def downgrade():
    op.drop_index("ix_paper_signatures_item", table_name="paper_signatures")
    op.drop_table("paper_signatures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("signing_modes")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("collective_papers")
        batch.drop_column("collective_name")
