"""The certificate's model (mẫu) and paper size as reference data on each award form, with
the source and confidence of that fact, instead of A4 landscape fixed in code

Revision ID: b4e6a8c0d2f3
Revises: a3d5f7b9c1e2
Create Date: 2026-12-01 06:25:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4e6a8c0d2f3"
down_revision = "a3d5f7b9c1e2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("award_forms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_model", sa.String(255), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("certificate_paper", sa.String(8), server_default="A4",
                                      nullable=False))
        batch_op.add_column(sa.Column("certificate_orientation", sa.String(10),
                                      server_default="landscape", nullable=False))
        batch_op.add_column(sa.Column("certificate_source_note", sa.String(500),
                                      server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("award_forms", schema=None) as batch_op:
        batch_op.drop_column("certificate_source_note")
        batch_op.drop_column("certificate_orientation")
        batch_op.drop_column("certificate_paper")
        batch_op.drop_column("certificate_model")
