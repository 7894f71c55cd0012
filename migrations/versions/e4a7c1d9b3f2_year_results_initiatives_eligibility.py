"""The unit's year-end results (ratings, holds), the initiatives register, eligibility
rules as reference data, the level of an award form, whose head decides a unit's titles,
and the date whose rules a dossier keeps (issue 24)

Revision ID: e4a7c1d9b3f2
Revises: d7a9c1e3f5b2
Create Date: 2026-12-07 21:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e4a7c1d9b3f2"
down_revision = "d7a9c1e3f5b2"
branch_labels = None
depends_on = None


def _who():
    return [sa.Column("subject_kind", sa.String(16), nullable=False),
            sa.Column("name", sa.String(255), nullable=False),
            sa.Column("organisation", sa.String(255), nullable=False, server_default=""),
            sa.Column("identity_key", sa.String(600), nullable=False)]


def _made():
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"))]


def upgrade():
    op.create_table(
        "year_ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        *_who(),
        sa.Column("collective_key", sa.String(600), nullable=False, server_default=""),
        sa.Column("rating", sa.String(8), nullable=False),
        *_made(),
        sa.UniqueConstraint("year", "identity_key"),
        sa.CheckConstraint("rating IN ('htxs', 'httot', 'ht', 'kht')", name="rating"),
    )
    op.create_index("ix_year_ratings_identity_year", "year_ratings", ["identity_key", "year"])
    op.create_index("ix_year_ratings_collective_year", "year_ratings",
                    ["collective_key", "year"])
    op.create_index("ix_year_ratings_unit_year", "year_ratings", ["unit_id", "year"])
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        *_who(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_paper", sa.String(255), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date()),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        *_made(),
        sa.CheckConstraint("kind IN ('discipline', 'inspection', 'complaint')", name="kind"),
    )
    op.create_index("ix_holds_identity", "holds", ["identity_key", "starts_on"])
    op.create_index("ix_holds_unit", "holds", ["unit_id"])
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(120), nullable=False, server_default=""),
        sa.Column("recognised_by", sa.String(255), nullable=False),
        sa.Column("decision_number", sa.String(60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        *_made(),
        sa.CheckConstraint("scope IN ('unit', 'province')", name="scope"),
    )
    op.create_index("ix_initiatives_unit_year", "initiatives", ["unit_id", "year"])
    op.create_table(
        "initiative_authors",
        sa.Column("initiative_id", sa.Integer(),
                  sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("identity_key", sa.String(600), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("organisation", sa.String(255), nullable=False, server_default=""),
    )
    op.create_index("ix_initiative_authors_identity", "initiative_authors", ["identity_key"])
    op.create_table(
        "eligibility_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("award_form_code", sa.String(32), nullable=False),
        sa.Column("ground", sa.String(16), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("more_favourable", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date()),
        sa.Column("source_note", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("code", "effective_from"),
    )
    op.create_index("ix_eligibility_rules_code", "eligibility_rules", ["code"])
    op.create_index("ix_eligibility_rules_form", "eligibility_rules",
                    ["award_form_code", "ground"])
    op.create_index("ix_award_records_identity_year", "award_records", ["identity_key", "year"])
    with op.batch_alter_table("award_forms") as batch:
        batch.add_column(sa.Column("level", sa.String(16), nullable=False,
                                   server_default="province"))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("rules_date", sa.Date()))
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("titles_decided_by_id", sa.Integer()))
        batch.create_foreign_key("fk_units_titles_decided_by_id_units", "units",
                                 ["titles_decided_by_id"], ["id"])
        batch.create_index("ix_units_titles_decided_by_id", ["titles_decided_by_id"])


def downgrade():
    with op.batch_alter_table("units") as batch:
        batch.drop_index("ix_units_titles_decided_by_id")
        batch.drop_constraint("fk_units_titles_decided_by_id_units", type_="foreignkey")
        batch.drop_column("titles_decided_by_id")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("rules_date")
    with op.batch_alter_table("award_forms") as batch:
        batch.drop_column("level")
    op.drop_index("ix_award_records_identity_year", "award_records")
    for table in ("eligibility_rules", "initiative_authors", "initiatives", "holds",
                  "year_ratings"):
        op.drop_table(table)
