"""The regular-emulation year is a campaign of kind "regular" with its year, registration
deadline and «block a title nominee without registration»; the units' registrations (đăng
ký thi đua) and their entries; award forms say whether they are a title (danh hiệu)

Revision ID: e6a4674cc2b1
Revises: 5b8e2f0a9c14
Create Date: 2026-12-07 20:53:27.121169

"""
import sqlalchemy as sa
from alembic import op

revision = 'e6a4674cc2b1'
down_revision = '5b8e2f0a9c14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('symbol', sa.String(length=40), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(), nullable=False),
    sa.Column('audit_head', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_registrations_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_registrations_signed_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_registrations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('campaign_id', 'unit_id', name=op.f('uq_registrations_campaign_id_unit_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_campaign_state', ['campaign_id', 'state', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_state'), ['state'], unique=False)
        batch_op.create_index('ix_registrations_unit_id_state', ['unit_id', 'state'], unique=False)

    op.create_table('registration_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position_title', sa.String(length=255), nullable=False),
    sa.Column('organisation', sa.String(length=255), nullable=False),
    sa.Column('identity_key', sa.String(length=600), nullable=False),
    sa.Column('search_key', sa.String(length=255), nullable=False),
    sa.Column('award_form_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_form_id'], ['award_forms.id'], name=op.f('fk_registration_entries_award_form_id_award_forms')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_registration_entries_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_entries_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_entries'))
    )
    with op.batch_alter_table('registration_entries', schema=None) as batch_op:
        batch_op.create_index('ix_registration_entries_match', ['campaign_id', 'identity_key', 'award_form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_entries_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('award_forms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=8), server_default='award', nullable=False))

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='movement', nullable=False))
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('registration_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('block_unregistered', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_index('ix_campaigns_kind_year', ['kind', 'year'], unique=False)



def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_kind_year')
        batch_op.drop_column('block_unregistered')
        batch_op.drop_column('registration_deadline')
        batch_op.drop_column('year')
        batch_op.drop_column('kind')

    with op.batch_alter_table('award_forms', schema=None) as batch_op:
        batch_op.drop_column('category')

    with op.batch_alter_table('registration_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_entries_registration_id'))
        batch_op.drop_index('ix_registration_entries_match')

    op.drop_table('registration_entries')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_unit_id_state')
        batch_op.drop_index(batch_op.f('ix_registrations_state'))
        batch_op.drop_index('ix_registrations_campaign_state')

    op.drop_table('registrations')
