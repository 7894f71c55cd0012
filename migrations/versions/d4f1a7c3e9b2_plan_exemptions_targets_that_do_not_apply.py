"""Plan exemptions: a campaign target a unit marks "Không áp dụng", with its reason; it
takes no figure in the plan and no result in the dossier

Revision ID: d4f1a7c3e9b2
Revises: c8e1f4a2b6d0
Create Date: 2026-12-01 05:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d4f1a7c3e9b2"
down_revision = "c8e1f4a2b6d0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_exemptions",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE",
                                name=op.f("fk_plan_exemptions_plan_id_plans")),
        sa.ForeignKeyConstraint(["target_id"], ["campaign_targets.id"],
                                name=op.f("fk_plan_exemptions_target_id_campaign_targets")),
        sa.PrimaryKeyConstraint("plan_id", "target_id", name=op.f("pk_plan_exemptions")),
    )


def downgrade():
    op.drop_table("plan_exemptions")
