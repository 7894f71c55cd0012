"""The award register summed per year, award form and unit (award_tallies), so the
overview's year figures read a few thousand sums instead of a year's records; filled from
the records already there. Covering indexes for the campaign overview's one scan of a
campaign's nominees and dossiers (PostgreSQL reads them without the tables)

Revision ID: d2f4a6c8e0b1
Revises: c9e1f3a5b7d9
Create Date: 2026-12-01 13:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2f4a6c8e0b1"
down_revision = "c9e1f3a5b7d9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "award_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("award_form_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("unit_name", sa.String(length=255), nullable=False),
        sa.Column("awards", sa.Integer(), nullable=False),
        sa.Column("money", sa.Numeric(precision=16, scale=0), nullable=False),
        sa.ForeignKeyConstraint(["award_form_id"], ["award_forms.id"],
                                name=op.f("fk_award_tallies_award_form_id_award_forms")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_award_tallies_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_tallies")),
    )
    op.create_index("ix_award_tallies_year", "award_tallies", ["year", "award_form_id"])
    op.execute(
        "INSERT INTO award_tallies (year, award_form_id, unit_id, unit_name, awards, money) "
        "SELECT year, award_form_id, unit_id, unit_name, count(id), coalesce(sum(money), 0) "
        "FROM award_records GROUP BY year, award_form_id, unit_id, unit_name")
    # PostgreSQL's covering indexes (INCLUDE); SQLite keeps its plain campaign indexes
    op.create_index("ix_nominees_campaign_figures", "nominees", ["campaign_id"],
                    postgresql_include=["award_form_id", "dossier_id", "decision_id",
                                        "verdict", "struck"])
    op.create_index("ix_dossiers_campaign_figures", "dossiers", ["campaign_id"],
                    postgresql_include=["state", "unit_id"])


def downgrade():
    op.drop_index("ix_dossiers_campaign_figures", table_name="dossiers")
    op.drop_index("ix_nominees_campaign_figures", table_name="nominees")
    op.drop_index("ix_award_tallies_year", table_name="award_tallies")
    op.drop_table("award_tallies")
