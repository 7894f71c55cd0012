"""The award history: every award a person or collective received, issued here or imported

Revision ID: a6c8e0f2b4d7
Revises: c5f7b9d1e3a4
Create Date: 2026-12-01 09:29:18.497162

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c8e0f2b4d7'
down_revision = 'c5f7b9d1e3a4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('nominee_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=16), nullable=False),
    sa.Column('position_title', sa.String(length=255), nullable=False),
    sa.Column('organisation', sa.String(length=255), nullable=False),
    sa.Column('identity_key', sa.String(length=600), nullable=False),
    sa.Column('search_key', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sa.String(length=255), nullable=False),
    sa.Column('award_form_id', sa.Integer(), nullable=False),
    sa.Column('form_name', sa.String(length=255), nullable=False),
    sa.Column('decision_number', sa.String(length=60), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('issuer_name', sa.String(length=255), nullable=False),
    sa.Column('issuing_level', sa.String(length=60), nullable=False),
    sa.Column('achievement_summary', sa.Text(), nullable=False),
    sa.Column('money', sa.Numeric(precision=14, scale=0), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('system', 'import')", name=op.f('ck_award_records_source')),
    sa.ForeignKeyConstraint(['award_form_id'], ['award_forms.id'], name=op.f('fk_award_records_award_form_id_award_forms')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_award_records_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_award_records_created_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_award_records_decision_id_decisions')),
    sa.ForeignKeyConstraint(['nominee_id'], ['nominees.id'], name=op.f('fk_award_records_nominee_id_nominees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_award_records_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_records')),
    sa.UniqueConstraint('nominee_id', name=op.f('uq_award_records_nominee_id'))
    )
    with op.batch_alter_table('award_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_records_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_records_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_records_identity_key'), ['identity_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_records_search_key'), ['search_key'], unique=False)
        batch_op.create_index('ix_award_records_unit_year', ['unit_id', 'year'], unique=False)
        batch_op.create_index('ix_award_records_year_form', ['year', 'award_form_id'], unique=False)



def downgrade():
    with op.batch_alter_table('award_records', schema=None) as batch_op:
        batch_op.drop_index('ix_award_records_year_form')
        batch_op.drop_index('ix_award_records_unit_year')
        batch_op.drop_index(batch_op.f('ix_award_records_search_key'))
        batch_op.drop_index(batch_op.f('ix_award_records_identity_key'))
        batch_op.drop_index(batch_op.f('ix_award_records_decision_id'))
        batch_op.drop_index(batch_op.f('ix_award_records_campaign_id'))

    op.drop_table('award_records')
