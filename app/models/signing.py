"""Who may sign digitally, as registered by the administrator: a person's certificate with
their signature image, or an organisation's (a unit's) certificate with its seal image,
and where the key is (NĐ 30/2020 Phụ lục I 7–8; issue 21)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.extensions import db
from app.models.org import Unit, User

HOLDERS = ("person", "organisation")
# pkcs12: a key file under instance/ (demo and development only; production refuses a
# person's); pkcs11: an HSM/token on the server (an organisation's seal only); remote: the
# person's own token or their CA's remote-signing service (the key never comes here).
BACKENDS = ("pkcs12", "pkcs11", "remote")


class SigningIdentity(db.Model):
    __tablename__ = "signing_identities"
    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # HOLDERS
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), unique=True)
    certificate_pem: Mapped[str] = mapped_column(sa.Text, nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    serial: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    not_before: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    not_after: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    # The signature image (blue, transparent) or the seal image (red, transparent), PNG.
    image_png: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    seal_mm: Mapped[float | None] = mapped_column(sa.Float)  # the seal's real diameter
    backend: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # BACKENDS
    # pkcs12: the key file (relative to instance/) and the setting that holds its passphrase
    key_path: Mapped[str | None] = mapped_column(sa.String(500))
    passphrase_setting: Mapped[str | None] = mapped_column(sa.String(64))
    # pkcs11: the token and the key's label (the module and PIN are settings)
    token_label: Mapped[str | None] = mapped_column(sa.String(64))
    key_label: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)

    user: Mapped[User | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
