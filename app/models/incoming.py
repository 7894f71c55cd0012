"""Incoming edXML packages (issue 23 item 6): what arrived for the Board, the checks'
verdict, the 02 answer of a refused one, and the dossier a good one was attached to."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_utc
from app.extensions import db


class IncomingPackage(db.Model):
    __tablename__ = "incoming_packages"
    # the «Văn bản đến» list: newest first, filtered by verdict
    __table_args__ = (sa.Index("ix_incoming_packages_status_received", "status", "received_at"),
                      sa.CheckConstraint("status IN ('accepted', 'refused')", name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False,
                                                  index=True)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # upload, api, exchange
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(255), nullable=False, unique=True)
    # what the package says of itself (empty when it could not be read)
    document_id: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    from_organ_id: Mapped[str] = mapped_column(sa.String(13), nullable=False, default="")
    from_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    code: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    promulgation_date: Mapped[date | None] = mapped_column(sa.Date)
    subject: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    business_type: Mapped[int | None] = mapped_column(sa.Integer)
    # accepted: every check held; refused: ``reason`` says which did not (sent back as 02)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # the signed PDF (its first attachment) of an accepted package, kept for attaching
    pdf_name: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # the 02 status message answering a refused one (kept; handed to the exchange)
    reply_key: Mapped[str | None] = mapped_column(sa.String(255))
    dossier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dossiers.id"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attachments.id", ondelete="SET NULL"))
    attached_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    attached_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
