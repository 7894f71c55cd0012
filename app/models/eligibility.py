"""The unit's year-end results, the holds on a person or collective, the initiatives
register, and the eligibility rules that read them with the award history (issue 24).

Everything is keyed on the year and the subject's identity (``dossiers.identity_key``:
kind|name|organisation, normalised), the key the nominees and the award records carry,
so a rule joins a whole proposal to its evidence in SQL.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_utc
from app.extensions import db
from app.models.base import TimestampMixin
from app.models.reference import EffectiveMixin

# The year-end ratings (Nghị định về đánh giá, xếp loại): hoàn thành xuất sắc / tốt /
# hoàn thành / không hoàn thành nhiệm vụ.
RATINGS = {
    "htxs": "Hoàn thành xuất sắc nhiệm vụ",
    "httot": "Hoàn thành tốt nhiệm vụ",
    "ht": "Hoàn thành nhiệm vụ",
    "kht": "Không hoàn thành nhiệm vụ",
}
HOLD_KINDS = {
    "discipline": "Kỷ luật / đang xem xét kỷ luật",
    "inspection": "Thanh tra, kiểm tra có dấu hiệu vi phạm",
    "complaint": "Khiếu nại, tố cáo đang xác minh",
}
SCOPES = {"unit": "Trong đơn vị", "province": "Phạm vi toàn tỉnh"}
SEVERITIES = {"block": "Chặn", "warn": "Cảnh báo"}
# A rule applies to the nominees of one ground: công trạng (the year's merit, where the
# multi-year conditions apply) or a movement's (a chuyên đề campaign: none of them).
GROUNDS = {"merit": "Khen thưởng công trạng", "movement": "Khen thưởng theo phong trào",
           "any": "Mọi loại hình"}


class YearRating(db.Model):
    """A person's or a collective's rating for a year, as its unit recorded it. A person's
    row names the collective (phòng, trường …) they belong to that year: the collective's
    members are the people rated under it."""

    __tablename__ = "year_ratings"
    __table_args__ = (
        sa.UniqueConstraint("year", "identity_key"),
        sa.Index("ix_year_ratings_identity_year", "identity_key", "year"),
        sa.Index("ix_year_ratings_collective_year", "collective_key", "year"),
        sa.Index("ix_year_ratings_unit_year", "unit_id", "year"),
        sa.CheckConstraint("rating IN ('htxs', 'httot', 'ht', 'kht')", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    organisation: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    identity_key: Mapped[str] = mapped_column(sa.String(600), nullable=False)
    # the collective this person is a member of that year (its identity key); "" for none
    collective_key: Mapped[str] = mapped_column(sa.String(600), nullable=False, default="")
    rating: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Hold(db.Model):
    """A discipline, an inspection or a complaint that stops any award while it runs (ND
    152/2025), with the paper it rests on and its end date (open while unknown). After a
    discipline period, achievements count from its end."""

    __tablename__ = "holds"
    __table_args__ = (
        sa.Index("ix_holds_identity", "identity_key", "starts_on"),
        sa.Index("ix_holds_unit", "unit_id"),
        sa.CheckConstraint("kind IN ('discipline', 'inspection', 'complaint')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    organisation: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    identity_key: Mapped[str] = mapped_column(sa.String(600), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    source_paper: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Initiative(db.Model):
    """A recognised initiative (sáng kiến): who recognised it, by which decision, and the
    scope of its effect (the unit, or the province)."""

    __tablename__ = "initiatives"
    __table_args__ = (
        sa.Index("ix_initiatives_unit_year", "unit_id", "year"),
        sa.CheckConstraint("scope IN ('unit', 'province')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    level: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    recognised_by: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    decision_number: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    decided_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    scope: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class InitiativeAuthor(db.Model):
    __tablename__ = "initiative_authors"
    __table_args__ = (sa.Index("ix_initiative_authors_identity", "identity_key"),)

    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True)
    identity_key: Mapped[str] = mapped_column(sa.String(600), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    organisation: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")


class EligibilityRule(EffectiveMixin, TimestampMixin, db.Model):
    """One condition a nominee for an award form must meet, as reference data: its
    condition in the small vocabulary of app/services/eligibility.py (kind + parameters),
    whether an unmet one blocks or warns, its source and confidence tag, and its version
    (code + effective date). A version marked ``more_favourable`` also applies to dossiers
    received before it, where it is more favourable to the nominee."""

    __tablename__ = "eligibility_rules"
    __table_args__ = (
        sa.UniqueConstraint("code", "effective_from"),
        sa.Index("ix_eligibility_rules_form", "award_form_code", "ground"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    award_form_code: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    ground: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="merit")
    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="both")
    label: Mapped[str] = mapped_column(sa.Text, nullable=False)
    condition: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    severity: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="block")
    more_favourable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class UnitDecision(db.Model):
    """A decision of a unit's head on its own titles (LĐTT, CSTĐCS, TTLĐTT, Giấy khen) as
    the unit entered it: its number, date, signer and year. Each name it awards is an award
    record (``award_records.unit_decision_id``), so a correction of the decision reaches
    exactly its records."""

    __tablename__ = "unit_decisions"
    __table_args__ = (sa.Index("ix_unit_decisions_unit_year", "unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), nullable=False)
    number: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    decided_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    signer: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


# What a change record names (result_changes.item_type).
CHANGE_ITEMS = {"rating": "Xếp loại", "hold": "Vụ việc", "initiative": "Sáng kiến",
                "unit_decision": "Quyết định danh hiệu của đơn vị",
                "unit": "Đơn vị quyết định danh hiệu"}
CHANGE_ACTIONS = {"added": "Thêm", "edited": "Sửa", "removed": "Xóa"}


class ResultChange(db.Model):
    """One audit row per change of a unit's year-end records after entry (a rating set or
    removed on the page, a hold, an initiative or a unit decision corrected or removed) and
    of who decides a unit's titles: who, when, what it was and what it became. Rows are only
    ever added. Private like the records: read by the unit and the Board."""

    __tablename__ = "result_changes"
    __table_args__ = (sa.Index("ix_result_changes_unit", "unit_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    item_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    action: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
