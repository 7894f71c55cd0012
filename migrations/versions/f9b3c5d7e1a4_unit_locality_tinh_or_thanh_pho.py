"""The kind of area a People's Committee governs, as data (tỉnh, or thành phố for a
centrally-run city), so no paper says "tỉnh" for a city

Revision ID: f9b3c5d7e1a4
Revises: e7a2b4c6d8f0
Create Date: 2026-12-01 06:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f9b3c5d7e1a4"
down_revision = "e7a2b4c6d8f0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("locality", sa.String(40)))
    # What the papers said until now: every province-level committee was a "tỉnh".
    op.execute("UPDATE units SET locality = 'thành phố' "
               "WHERE kind = 'province' AND name LIKE 'Ủy ban nhân dân thành phố%'")
    op.execute("UPDATE units SET locality = 'tỉnh' "
               "WHERE kind = 'province' AND locality IS NULL")


def downgrade():
    with op.batch_alter_table("units") as batch:
        batch.drop_column("locality")
