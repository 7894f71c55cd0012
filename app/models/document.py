"""Documents kept at the moment they became final: bytes on disk, hash in the row."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_utc
from app.extensions import db


class StoredDocument(db.Model):
    """A final DOCX: written once, never changed, served byte for byte."""

    __tablename__ = "stored_documents"
    __table_args__ = (sa.Index("ix_stored_documents_item", "item_type", "item_id", "name"),
                      # the public verification finds a file's kept copy by its hash
                      sa.Index("ix_stored_documents_sha256", "sha256"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(40), nullable=False)  # "decision", "minutes", …
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)  # Vietnamese
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(255), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    # A plan returned and signed again gets a new number: the old paper is kept, superseded.
    superseded_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # What the DOCX was rendered from (docgen's content as JSON), so its preview shows what
    # was signed whatever the records say since; loaded only by the preview.
    content: Mapped[str | None] = mapped_column(sa.Text, deferred=True)


class PaperSignature(db.Model):
    """Who signed a paper and under which authority, as chosen at signing: the printed
    block's lines above the name ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")."""

    __tablename__ = "paper_signatures"
    __table_args__ = (sa.Index("ix_paper_signatures_item", "item_type", "item_id", "paper"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    paper: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    mode: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    lines: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)


class VerificationLink(db.Model):
    """The unguessable token of a kept document's public verification page (/xac-minh/…),
    the link its QR code carries: made when first asked for, never changed."""

    __tablename__ = "verification_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stored_documents.id", ondelete="CASCADE"), nullable=False, unique=True)
    token: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
