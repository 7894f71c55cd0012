"""Anchors of the audit record: each anchor's roots, and the leaves it added, kept in the
database beside the copy written outside it (app/services/audit_anchor.py)

Revision ID: b1d3f5a7c9e0
Revises: b4d6f8a0c2e3
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b1d3f5a7c9e0"
down_revision = "b4d6f8a0c2e3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("prev_root", sa.String(length=64), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("tsa_token", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
        sa.UniqueConstraint("root", name=op.f("uq_audit_anchors_root")),
    )
    op.create_table(
        "audit_anchor_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["anchor_id"], ["audit_anchors.id"],
                                name=op.f("fk_audit_anchor_leaves_anchor_id_audit_anchors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor_leaves")),
    )
    with op.batch_alter_table("audit_anchor_leaves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_anchor_leaves_anchor_id"), ["anchor_id"],
                              unique=False)
        batch_op.create_index("ix_audit_anchor_leaves_kind_key", ["kind", "key", "id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("audit_anchor_leaves", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_anchor_leaves_kind_key")
        batch_op.drop_index(batch_op.f("ix_audit_anchor_leaves_anchor_id"))
    op.drop_table("audit_anchor_leaves")
    op.drop_table("audit_anchors")
