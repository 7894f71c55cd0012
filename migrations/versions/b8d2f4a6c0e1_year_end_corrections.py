"""The unit's year-end records corrected after entry (issue 24's open gaps): the unit heads'
decisions as rows of their own (their award records point at them), and the audit rows of
every correction and of who decides a unit's titles

Revision ID: b8d2f4a6c0e1
Revises: c1a5e7b9d2f3
Create Date: 2026-12-08 00:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b8d2f4a6c0e1"
down_revision = "c1a5e7b9d2f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("award_form_id", sa.Integer(), sa.ForeignKey("award_forms.id"),
                  nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("signer", sa.String(255), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id")),
    )
    op.create_index("ix_unit_decisions_unit_year", "unit_decisions", ["unit_id", "year"])
    with op.batch_alter_table("award_records") as batch:
        batch.add_column(sa.Column("unit_decision_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_award_records_unit_decision_id_unit_decisions", "unit_decisions",
                                 ["unit_decision_id"], ["id"])
        batch.create_index("ix_award_records_unit_decision_id", ["unit_decision_id"])
    op.create_table(
        "result_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_result_changes_unit", "result_changes", ["unit_id", "id"])
    # The decisions entered before: the records the year-end entry wrote (source import, a
    # unit-level form, «Quyết định của …»), one decision per number, date, signer and year.
    entered = """FROM award_records r JOIN award_forms f ON f.id = r.award_form_id
        WHERE r.source = 'import' AND f.level = 'unit' AND r.unit_id IS NOT NULL
          AND r.decision_id IS NULL AND r.achievement_summary LIKE 'Quyết định của %'"""
    op.execute(f"""INSERT INTO unit_decisions (unit_id, award_form_id, number, decided_on,
        signer, year, created_at, created_by_id)
        SELECT r.unit_id, r.award_form_id, r.decision_number, r.decided_on, r.issuer_name,
               r.year, MIN(r.created_at), MIN(r.created_by_id) {entered}
        GROUP BY r.unit_id, r.award_form_id, r.decision_number, r.decided_on, r.issuer_name,
                 r.year""")
    op.execute(f"""UPDATE award_records SET unit_decision_id = (
        SELECT d.id FROM unit_decisions d WHERE d.unit_id = award_records.unit_id
          AND d.award_form_id = award_records.award_form_id
          AND d.number = award_records.decision_number
          AND d.decided_on = award_records.decided_on
          AND d.signer = award_records.issuer_name AND d.year = award_records.year)
        WHERE id IN (SELECT r.id {entered})""")


def downgrade():
    op.drop_index("ix_result_changes_unit", table_name="result_changes")
    op.drop_table("result_changes")
    with op.batch_alter_table("award_records") as batch:
        batch.drop_index("ix_award_records_unit_decision_id")
        batch.drop_constraint("fk_award_records_unit_decision_id_unit_decisions", type_="foreignkey")
        batch.drop_column("unit_decision_id")
    op.drop_index("ix_unit_decisions_unit_year", table_name="unit_decisions")
    op.drop_table("unit_decisions")
