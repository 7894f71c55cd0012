"""Targets the Board marks as applying to some kinds of unit or to named units only
(no rows: every participating unit); a target that does not apply is not asked of a unit

Revision ID: b8d0f2a4c6e8
Revises: b8e2d4f6a1c3
Create Date: 2026-12-01 09:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b8d0f2a4c6e8"
down_revision = "b8e2d4f6a1c3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaign_target_kinds",
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["campaign_targets.id"], ondelete="CASCADE",
                                name=op.f("fk_campaign_target_kinds_target_id_campaign_targets")),
        sa.PrimaryKeyConstraint("target_id", "unit_kind", name=op.f("pk_campaign_target_kinds")),
    )
    op.create_table(
        "campaign_target_units",
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["campaign_targets.id"], ondelete="CASCADE",
                                name=op.f("fk_campaign_target_units_target_id_campaign_targets")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_campaign_target_units_unit_id_units")),
        sa.PrimaryKeyConstraint("target_id", "unit_id", name=op.f("pk_campaign_target_units")),
    )
    op.create_index(op.f("ix_campaign_target_units_unit_id"), "campaign_target_units",
                    ["unit_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_campaign_target_units_unit_id"), table_name="campaign_target_units")
    op.drop_table("campaign_target_units")
    op.drop_table("campaign_target_kinds")
