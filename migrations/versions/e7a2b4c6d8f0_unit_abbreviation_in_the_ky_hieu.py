"""A unit's own abbreviation in the ký hiệu of its papers, in Vietnamese (SLĐTBXH); a
commune's People's Committee issues as UBND (TTr-UBND)

Revision ID: e7a2b4c6d8f0
Revises: d5f1a7b3c9e2
Create Date: 2026-12-01 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e7a2b4c6d8f0"
down_revision = "d5f1a7b3c9e2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("abbreviation", sa.String(32)))
    # A commune's papers are issued by its People's Committee: TTr-UBND, KH-UBND.
    op.execute("UPDATE units SET abbreviation = 'UBND' "
               "WHERE kind = 'commune' AND header_lines LIKE 'ỦY BAN NHÂN DÂN%'")


def downgrade():
    with op.batch_alter_table("units") as batch:
        batch.drop_column("abbreviation")
