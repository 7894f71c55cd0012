"""A unit may make digital signing of its papers mandatory (NĐ 30 Điều 5): a signer
without a registered certificate is then refused instead of following the paper path

Revision ID: 5b8e2f0a9c14
Revises: 17d4da718e8c
Create Date: 2026-12-07 18:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "5b8e2f0a9c14"
down_revision = "17d4da718e8c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("esign_required", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("units") as batch:
        batch.drop_column("esign_required")
