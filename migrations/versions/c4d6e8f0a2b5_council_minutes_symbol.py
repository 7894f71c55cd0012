"""The unit council's own symbol in its biên bản (…/BB-HĐTĐKT rather than the unit's
…/BB-UBND), and the symbol a dossier's minutes number was typed with ("12/BB-HĐTĐKT")

Revision ID: c4d6e8f0a2b5
Revises: b1d3f5a7c9e0
Create Date: 2026-12-07 15:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4d6e8f0a2b5"
down_revision = "b1d3f5a7c9e0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("council_symbol", sa.String(32)))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("council_minutes_symbol", sa.String(40)))


def downgrade():
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("council_minutes_symbol")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("council_symbol")
