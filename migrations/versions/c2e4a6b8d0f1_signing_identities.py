"""Signing identities: a person's or an organisation's registered certificate, its
signature or seal image and where its key is (issue 21)

Revision ID: c2e4a6b8d0f1
Revises: c5e7a9b1d3f4
Create Date: 2026-12-07 15:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c2e4a6b8d0f1"
down_revision = "c5e7a9b1d3f4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("seal_mm", sa.Float(), nullable=True),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("key_path", sa.String(length=500), nullable=True),
        sa.Column("passphrase_setting", sa.String(length=64), nullable=True),
        sa.Column("token_label", sa.String(length=64), nullable=True),
        sa.Column("key_label", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)",
                           name=op.f("ck_signing_identities_one_holder")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_signing_identities_user_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_signing_identities_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_identities")),
        sa.UniqueConstraint("user_id", name=op.f("uq_signing_identities_user_id")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_signing_identities_unit_id")),
    )


def downgrade():
    op.drop_table("signing_identities")
