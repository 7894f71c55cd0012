"""The Cờ thi đua's own record (flag_awards), written when a decision granting it is
issued; the cluster papers' numbers from the leader unit's registers (issue 24)

Revision ID: a9d3f1c7e5b2
Revises: b8d2f4a6c0e1
Create Date: 2026-12-08 00:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a9d3f1c7e5b2"
down_revision = "b8d2f4a6c0e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "flag_awards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("award_record_id", sa.Integer(),
                  sa.ForeignKey("award_records.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id")),
        sa.Column("unit_name", sa.String(255), nullable=False),
        sa.Column("cluster_year_id", sa.Integer(), sa.ForeignKey("cluster_years.id")),
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("clusters.id")),
        sa.Column("cluster_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("votes", sa.Integer()),
        sa.Column("voters", sa.Integer()),
        sa.Column("decision_number", sa.String(60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("signer_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("signer_title", sa.String(255), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_flag_awards_year", "flag_awards", ["year", "cluster_id"])
    op.create_index("ix_flag_awards_decision_id", "flag_awards", ["decision_id"])
    op.create_index("ix_flag_awards_unit_id", "flag_awards", ["unit_id"])
    op.create_index("ix_flag_awards_cluster_year_id", "flag_awards", ["cluster_year_id"])
    with op.batch_alter_table("cluster_years") as batch:
        batch.add_column(sa.Column("pact_number", sa.Integer()))
        batch.add_column(sa.Column("pact_symbol", sa.String(40)))
        batch.add_column(sa.Column("vote_number", sa.Integer()))
        batch.add_column(sa.Column("vote_symbol", sa.String(40)))


def downgrade():
    with op.batch_alter_table("cluster_years") as batch:
        batch.drop_column("vote_symbol")
        batch.drop_column("vote_number")
        batch.drop_column("pact_symbol")
        batch.drop_column("pact_number")
    op.drop_index("ix_flag_awards_cluster_year_id", table_name="flag_awards")
    op.drop_index("ix_flag_awards_unit_id", table_name="flag_awards")
    op.drop_index("ix_flag_awards_decision_id", table_name="flag_awards")
    op.drop_index("ix_flag_awards_year", table_name="flag_awards")
    op.drop_table("flag_awards")
