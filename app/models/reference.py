"""Reference data that the law changes: every row carries the dates it is in force.

Nothing here is a constant in code: a new decree is a new row with a new
effective date, and documents dated before it keep citing the old one.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.clock import now_utc
from app.extensions import db
from app.models.base import TimestampMixin
from app.models.org import User


class EffectiveMixin:
    effective_from: Mapped[date] = mapped_column(sa.Date, nullable=False)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    # Where the fact comes from and how sure we are ([V], [S], [U] in DOMAIN.md).
    source_note: Mapped[str | None] = mapped_column(sa.Text)
    # Optimistic locking for the admin's edits: every UPDATE says ``WHERE version = ?``,
    # so of two people editing one row from the same page, the second gets a conflict.
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1,
                                         server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    @classmethod
    def in_force(cls, on: date):
        return sa.and_(
            cls.effective_from <= on,
            sa.or_(cls.effective_to.is_(None), cls.effective_to >= on),
        )


class AwardForm(EffectiveMixin, TimestampMixin, db.Model):
    __tablename__ = "award_forms"
    __table_args__ = (sa.UniqueConstraint("code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    # collective, individual or both
    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="both")
    # "title": a danh hiệu thi đua (registered for at the start of the year, DOMAIN.md
    # §4.4); "award": a hình thức khen thưởng (Bằng khen, Giấy khen), never registered for.
    category: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="award",
                                          server_default="award")
    money_multiplier_individual: Mapped[float | None] = mapped_column(sa.Numeric(6, 2))
    money_multiplier_collective: Mapped[float | None] = mapped_column(sa.Numeric(6, 2))
    # The heading printed on the award itself, e.g. "BẰNG KHEN".
    certificate_title: Mapped[str | None] = mapped_column(sa.String(120))
    # The certificate's model (mẫu) and the paper it is printed on (A4 or A3, landscape or
    # portrait), with where that comes from and how sure it is ([V]/[S]/[U]).
    certificate_model: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="",
                                                   server_default="")
    certificate_paper: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="A4",
                                                   server_default="A4")
    certificate_orientation: Mapped[str] = mapped_column(
        sa.String(10), nullable=False, default="landscape", server_default="landscape")
    certificate_source_note: Mapped[str] = mapped_column(
        sa.String(500), nullable=False, default="", server_default="")


class LegalBasis(EffectiveMixin, TimestampMixin, db.Model):
    """One "Căn cứ" line for a kind of document."""

    __tablename__ = "legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    document_kind: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)


class RuleValue(EffectiveMixin, TimestampMixin, db.Model):
    """A number the rules set: vote thresholds, time limits, money bases."""

    __tablename__ = "rule_values"
    __table_args__ = (sa.UniqueConstraint("key", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    value: Mapped[float] = mapped_column(sa.Numeric(12, 2), nullable=False)
    label: Mapped[str] = mapped_column(sa.String(255), nullable=False)


class DocumentType(EffectiveMixin, TimestampMixin, db.Model):
    """A kind of administrative document: its printed name and its ký hiệu abbreviation."""

    __tablename__ = "document_types"
    __table_args__ = (sa.UniqueConstraint("code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    title: Mapped[str] = mapped_column(sa.String(120), nullable=False)  # "QUYẾT ĐỊNH"
    abbreviation: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # "QĐ"


class AttachmentRequirement(EffectiveMixin, TimestampMixin, db.Model):
    """A paper the dossier must carry: per dossier, or per nominee."""

    __tablename__ = "attachment_requirements"
    __table_args__ = (sa.UniqueConstraint("code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    per: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # dossier | nominee


class ReferenceChange(db.Model):
    """Audit row of one reference row added, replaced or edited: by a file (`flask seed
    reference`, `flask reference import`, the demo) or on the admin page, with the values
    before and after (only the fields that changed)."""

    __tablename__ = "reference_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(sa.String(32), nullable=False)  # award_forms, …
    row_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    row_key: Mapped[str] = mapped_column(sa.String(255), nullable=False)  # code and date
    action: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # added|replaced|edited
    origin: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # file | page
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False,
                                                 index=True)

    user: Mapped[User | None] = relationship(lazy="joined")
