"""The finance department that pays the award money, as data on the unit: a decision whose
awards cost money names it among Điều 3's executors

Revision ID: c5f7b9d1e3a4
Revises: b4e6a8c0d2f3
Create Date: 2026-12-01 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5f7b9d1e3a4"
down_revision = "b4e6a8c0d2f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pays_awards", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("pays_awards")
