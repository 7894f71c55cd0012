"""The decision queue as a tally: per campaign and award form, the accepted nominees of
appraised dossiers that no decision holds yet, recounted by the changes that move it, so
the appraiser's home page reads a few rows instead of counting every such nominee; a
partial index on those nominees serves the recount

Revision ID: a9c3e5f7b1d2
Revises: a6c8e0f2b4d7
Create Date: 2026-12-01 09:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9c3e5f7b1d2"
down_revision = "a6c8e0f2b4d7"
branch_labels = None
depends_on = None

UNDECIDED = "verdict = 'accepted' AND decision_id IS NULL"


def upgrade():
    op.create_table(
        "decision_queue",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("award_form_id", sa.Integer(), nullable=False),
        sa.Column("nominees", sa.Integer(), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["award_form_id"], ["award_forms.id"],
                                name=op.f("fk_decision_queue_award_form_id_award_forms")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE",
                                name=op.f("fk_decision_queue_campaign_id_campaigns")),
        sa.PrimaryKeyConstraint("campaign_id", "award_form_id", name=op.f("pk_decision_queue")),
    )
    op.create_index("ix_nominees_undecided", "nominees", ["dossier_id", "award_form_id"],
                    postgresql_where=sa.text(UNDECIDED), sqlite_where=sa.text(UNDECIDED))
    # the tally of what is there already (the states of workflows/dossier.py: DECIDABLE)
    op.execute(
        "INSERT INTO decision_queue (campaign_id, award_form_id, nominees, dossiers) "
        "SELECT d.campaign_id, n.award_form_id, count(*), count(DISTINCT d.id) "
        "FROM dossiers d JOIN nominees n ON n.dossier_id = d.id "
        "WHERE d.state IN ('appraised', 'in_proposal') AND n.verdict = 'accepted' "
        "AND n.decision_id IS NULL "
        "GROUP BY d.campaign_id, n.award_form_id")


def downgrade():
    op.drop_index("ix_nominees_undecided", table_name="nominees")
    op.drop_table("decision_queue")
