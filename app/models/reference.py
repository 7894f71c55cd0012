"""Reference data that the law changes: every row carries the dates it is in force.

Nothing here is a constant in code: a new decree is a new row with a new
effective date, and documents dated before it keep citing the old one.
"""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TimestampMixin


class EffectiveMixin:
    effective_from: Mapped[date] = mapped_column(sa.Date, nullable=False)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    # Where the fact comes from and how sure we are ([V], [S], [U] in DOMAIN.md).
    source_note: Mapped[str | None] = mapped_column(sa.Text)

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
