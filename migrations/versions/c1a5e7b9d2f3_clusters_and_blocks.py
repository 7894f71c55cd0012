"""Clusters and blocks (cụm, khối thi đua): members, each year's leader and deputy, the
pact's confirmations, the scoring table, the members' scores and the vote (issue 24)

Revision ID: c1a5e7b9d2f3
Revises: e6a4674cc2b1
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c1a5e7b9d2f3"
down_revision = "e6a4674cc2b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
    )
    op.create_index("ix_clusters_kind", "clusters", ["kind"])
    op.create_table(
        "cluster_members",
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("clusters.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.UniqueConstraint("unit_id", "kind", name="uq_cluster_member_kind"),
    )
    op.create_table(
        "cluster_years",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("clusters.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("leader_unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("deputy_unit_id", sa.Integer(), sa.ForeignKey("units.id")),
        sa.Column("flag_quota", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("votes_recorded_at", sa.DateTime()),
        sa.Column("votes_recorded_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.UniqueConstraint("cluster_id", "campaign_id", name="uq_cluster_year"),
    )
    op.create_index("ix_cluster_years_campaign_id", "cluster_years", ["campaign_id"])
    op.create_index("ix_cluster_years_leader_unit_id", "cluster_years", ["leader_unit_id"])
    op.create_index("ix_cluster_years_deputy_unit_id", "cluster_years", ["deputy_unit_id"])
    op.create_table(
        "cluster_pact_signatures",
        sa.Column("cluster_year_id", sa.Integer(),
                  sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "cluster_criteria",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cluster_year_id", sa.Integer(),
                  sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("max_points", sa.Numeric(7, 2), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
    )
    op.create_index("ix_cluster_criteria_cluster_year_id", "cluster_criteria",
                    ["cluster_year_id"])
    op.create_table(
        "cluster_score_sheets",
        sa.Column("cluster_year_id", sa.Integer(),
                  sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("submitted_at", sa.DateTime()),
        sa.Column("reviewed_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("reviewed_at", sa.DateTime()),
    )
    op.create_index("ix_cluster_score_sheets_unit_id", "cluster_score_sheets", ["unit_id"])
    op.create_index("ix_cluster_score_sheets_state", "cluster_score_sheets", ["state"])
    op.create_table(
        "cluster_scores",
        sa.Column("criterion_id", sa.Integer(),
                  sa.ForeignKey("cluster_criteria.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("cluster_year_id", sa.Integer(),
                  sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), nullable=False),
        sa.Column("points", sa.Numeric(7, 2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("adjusted_points", sa.Numeric(7, 2)),
        sa.Column("adjust_reason", sa.Text()),
    )
    op.create_index("ix_cluster_scores_unit_id", "cluster_scores", ["unit_id"])
    op.create_index("ix_cluster_scores_year_unit", "cluster_scores",
                    ["cluster_year_id", "unit_id"])
    op.create_table(
        "cluster_votes",
        sa.Column("cluster_year_id", sa.Integer(),
                  sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.String(12), nullable=False),
    )


def downgrade():
    for table in ("cluster_votes", "cluster_scores", "cluster_score_sheets", "cluster_criteria",
                  "cluster_pact_signatures", "cluster_years", "cluster_members", "clusters"):
        op.drop_table(table)
