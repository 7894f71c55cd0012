"""The award history: every award a person or collective received, whether the system
issued it or an earlier decision was typed in (imported from Excel).

A record is a snapshot: the name, the unit and the form as the decision printed them,
so a later rename or a moved person does not rewrite history. The eligibility of many
awards depends on earlier ones (DOMAIN.md §6): this is where the Board looks.
"""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.extensions import db
from app.models.reference import AwardForm

AWARD_SOURCES = ("system", "import")


class AwardRecord(db.Model):
    __tablename__ = "award_records"
    __table_args__ = (
        # The yearly statistics group by year and form, or by unit and year.
        sa.Index("ix_award_records_year_form", "year", "award_form_id"),
        sa.Index("ix_award_records_unit_year", "unit_id", "year"),
        # The eligibility rules read a subject's awards of given years (issue 24).
        sa.Index("ix_award_records_identity_year", "identity_key", "year"),
        sa.CheckConstraint("source IN ('system', 'import')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="system")
    # Set for an award this system issued; empty for an imported one.
    nominee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("nominees.id", ondelete="SET NULL"), unique=True)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    # Who: individual or collective, as the decision named them.
    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="")
    position_title: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    # The nominee's identity (kind|name|organisation, normalised) and the name without
    # diacritics, lower case, for search: "nguyen van an" finds "Nguyễn Văn An".
    identity_key: Mapped[str] = mapped_column(sa.String(600), nullable=False, index=True)
    search_key: Mapped[str] = mapped_column(sa.String(255), nullable=False, index=True)
    # The unit at the time (its row when known, and its name as it was).
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    unit_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), nullable=False)
    form_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    # The decision: "05/QĐ-UBND", its date, and who decided at which level
    # ("Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn", level "tỉnh").
    decision_number: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    decided_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    issuer_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    issuing_level: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")
    achievement_summary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # The award money as decided (multiplier × mức lương cơ sở then); empty when unknown.
    money: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 0))
    # Cancelled by a later decision (hủy bỏ): which one, from when, and what the awardee
    # gives back (the award's object, e.g. "Bằng khen", and the money received).
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"),
                                                        index=True)
    cancelled_on: Mapped[date | None] = mapped_column(sa.Date)
    recover_objects: Mapped[str | None] = mapped_column(sa.String(255))
    recover_money: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 0))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The unit head's decision (unit_decisions) this record was entered with on the year-end
    # page or API: its corrections reach exactly these records. Not part of the anchored
    # snapshot (audit_anchor.AWARD_FIELDS): it only groups.
    unit_decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit_decisions.id"), index=True)

    award_form: Mapped[AwardForm] = relationship()

    def __repr__(self):
        return f"<AwardRecord {self.id} {self.name!r} {self.form_name!r} {self.decision_number}>"


class AwardTally(db.Model):
    """The award register summed per year, award form and unit (as the records name it):
    what the overview's year figures read instead of a year's records (100,000 of them at
    ten times a province).

    Recounted a whole year at a time, in the transaction that adds that year's records
    (app/services/awards.py)."""

    __tablename__ = "award_tallies"
    __table_args__ = (sa.Index("ix_award_tallies_year", "year", "award_form_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    unit_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    awards: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    money: Mapped[Decimal] = mapped_column(sa.Numeric(16, 0), nullable=False, default=0)
