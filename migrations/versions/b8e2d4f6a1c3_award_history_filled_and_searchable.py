"""The award history filled: nominees carry their search key, decisions already issued
become award records, and names are searchable by any part (trigram index on PostgreSQL)

Revision ID: b8e2d4f6a1c3
Revises: e1a2c3b4d5f6
Create Date: 2026-12-01 09:50:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8e2d4f6a1c3'
down_revision = "e1a2c3b4d5f6"
branch_labels = None
depends_on = None


def _search_key(text):
    # Frozen copy of app/services/names.search_key (a migration never imports the app).
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def _backfill_search_keys(bind):
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, name FROM nominees WHERE id > :last ORDER BY id LIMIT 5000"),
            {"last": last}).all()
        if not rows:
            return
        bind.execute(sa.text("UPDATE nominees SET search_key = :k WHERE id = :i"),
                     [{"k": _search_key(name), "i": id_} for id_, name in rows])
        last = rows[-1][0]


def _backfill_award_records(bind):
    """Every awarded (not struck) nominee of an issued decision, as the issue effect
    records it now (app/services/awards.py record_decision)."""
    pg = bind.dialect.name == "postgresql"
    year = ("CAST(EXTRACT(YEAR FROM d.issued_on) AS INTEGER)" if pg
            else "CAST(substr(d.issued_on, 1, 4) AS INTEGER)")
    bind.execute(sa.text(f"""
        INSERT INTO award_records (source, nominee_id, decision_id, campaign_id, subject_kind,
            name, title, position_title, organisation, identity_key, search_key, unit_id,
            unit_name, award_form_id, form_name, decision_number, decided_on, year,
            issuer_name, issuing_level, achievement_summary, money, created_at,
            created_by_id)
        SELECT 'system', n.id, d.id, d.campaign_id, n.kind, n.name, n.title,
            n.position_title, n.organisation, n.identity_key, n.search_key, u.id, u.name,
            n.award_form_id, af.name,
            CASE WHEN d.number < 10 THEN '0' ELSE '' END || CAST(d.number AS VARCHAR(12))
                || '/' || d.symbol,
            d.issued_on, {year},
            'Chủ tịch ' || iu.name,
            CASE WHEN iu.locality IS NOT NULL THEN 'Cấp ' || iu.locality
                 WHEN iu.kind = 'province' THEN 'Cấp tỉnh' ELSE '' END,
            n.achievement_summary,
            (SELECT r.value FROM rule_values r WHERE r.key = 'muc_luong_co_so'
                AND r.effective_from <= d.issued_on
                AND (r.effective_to IS NULL OR r.effective_to >= d.issued_on)
                ORDER BY r.effective_from DESC LIMIT 1)
              * CASE WHEN n.kind = 'collective' THEN af.money_multiplier_collective
                     ELSE af.money_multiplier_individual END,
            CURRENT_TIMESTAMP, d.issued_by_id
        FROM nominees n
        JOIN decisions d ON d.id = n.decision_id
        JOIN dossiers ds ON ds.id = n.dossier_id
        JOIN units u ON u.id = ds.unit_id
        JOIN award_forms af ON af.id = n.award_form_id
        JOIN campaigns c ON c.id = d.campaign_id
        JOIN units iu ON iu.id = c.issuer_unit_id
        WHERE d.state = 'issued' AND d.number IS NOT NULL AND d.issued_on IS NOT NULL
          AND n.struck = false
          AND NOT EXISTS (SELECT 1 FROM award_records ar WHERE ar.nominee_id = n.id)
    """))


def upgrade():
    with op.batch_alter_table('nominees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=255), nullable=False,
                                      server_default=''))
        # The appraisal looks for the same subject across campaigns (same-year proposals).
        batch_op.create_index('ix_nominees_identity_key', ['identity_key'], unique=False)
    bind = op.get_bind()
    _backfill_search_keys(bind)
    _backfill_award_records(bind)
    if bind.dialect.name == "postgresql":
        # A name searched by any part ("van an") cannot use a b-tree; a trigram index can.
        # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            savepoint.commit()
        except sa.exc.DBAPIError:
            savepoint.rollback()
        else:
            op.create_index('ix_award_records_search_key_trgm', 'award_records',
                            ['search_key'], postgresql_using='gin',
                            postgresql_ops={'search_key': 'gin_trgm_ops'})


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_award_records_search_key_trgm")
    op.execute("DELETE FROM award_records WHERE source = 'system'")
    with op.batch_alter_table('nominees', schema=None) as batch_op:
        batch_op.drop_index('ix_nominees_identity_key')
        batch_op.drop_column('search_key')
