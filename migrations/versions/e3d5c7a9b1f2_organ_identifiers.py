"""Organ identifiers (mã định danh, QCVN 102:2016): units and Nơi nhận entries may carry
one, the From/To of the edXML exchange packages; an entry without one keeps receiving by mail

Revision ID: e3d5c7a9b1f2
Revises: 5b8e2f0a9c14
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e3d5c7a9b1f2"
down_revision = "5b8e2f0a9c14"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("organ_id", sa.String(13), nullable=True))
        batch.create_index("ix_units_organ_id", ["organ_id"])
    for table in ("distribution_entries", "decision_recipients"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organ_id", sa.String(13), nullable=True))


def downgrade():
    for table in ("decision_recipients", "distribution_entries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("organ_id")
    with op.batch_alter_table("units") as batch:
        batch.drop_index("ix_units_organ_id")
        batch.drop_column("organ_id")
