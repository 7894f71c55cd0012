"""What a unit sends: its plan (kế hoạch hưởng ứng) and its dossier (hồ sơ đề nghị)."""
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.extensions import db
from app.models.base import WorkflowItemMixin
from app.models.campaign import Campaign, CampaignTarget
from app.models.org import Unit
from app.models.reference import AwardForm


class SubmissionMixin(WorkflowItemMixin):
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # Set when sent to the unit head after the deadline of a campaign that accepts late items.
    late: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class SignedMixin:
    """Numbered from the unit's own register when its head signs it off."""

    number: Mapped[int | None] = mapped_column(sa.Integer)
    symbol: Mapped[str | None] = mapped_column(sa.String(40))
    signed_on: Mapped[date | None] = mapped_column(sa.Date)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Plan(SignedMixin, SubmissionMixin, db.Model):
    __tablename__ = "plans"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "unit_id"),
        sa.Index("ix_plans_unit_id_state", "unit_id", "state"),
        # the inbox and the progress counts read waiting items from here alone
        sa.Index("ix_plans_waiting", "state", "campaign_id", "unit_id", "state_changed_at", "id"),
        # a Board's inbox: the first items of a campaign in a state, in waiting order
        sa.Index("ix_plans_queue", "state", "campaign_id", "state_changed_at", "id",
                 postgresql_include=["unit_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship(lazy="joined")
    # Collections load on access: a list of plans never drags their text along.
    sections: Mapped[list["PlanSection"]] = relationship(cascade="all, delete-orphan")
    commitments: Mapped[list["PlanCommitment"]] = relationship(cascade="all, delete-orphan")
    exemptions: Mapped[list["PlanExemption"]] = relationship(cascade="all, delete-orphan")


class PlanSection(db.Model):
    """The unit's text for one content area of the campaign."""

    __tablename__ = "plan_sections"

    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    content_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_contents.id"), primary_key=True
    )
    text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


class PlanCommitment(db.Model):
    """The unit's own figure for one campaign target."""

    __tablename__ = "plan_commitments"

    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_targets.id"), primary_key=True)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    target: Mapped[CampaignTarget] = relationship(lazy="joined")


class PlanExemption(db.Model):
    """A campaign target that does not apply to the unit ("Không áp dụng"), and why: it
    takes no figure in the plan and no result in the dossier."""

    __tablename__ = "plan_exemptions"

    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_targets.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)


class Dossier(SignedMixin, SubmissionMixin, db.Model):
    __tablename__ = "dossiers"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "unit_id"),
        sa.Index("ix_dossiers_unit_id_state", "unit_id", "state"),
        sa.Index("ix_dossiers_waiting", "state", "campaign_id", "unit_id", "state_changed_at",
                 "id"),
        sa.Index("ix_dossiers_queue", "state", "campaign_id", "state_changed_at", "id",
                 postgresql_include=["unit_id"]),
        # the campaign overview's one scan, from the index alone on PostgreSQL
        sa.Index("ix_dossiers_campaign_figures", "campaign_id",
                 postgresql_include=["state", "unit_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # The unit council's meeting (Hội đồng Thi đua – Khen thưởng của đơn vị).
    council_meeting_date: Mapped[date | None] = mapped_column(sa.Date)
    council_members_total: Mapped[int | None] = mapped_column(sa.Integer)
    council_members_present: Mapped[int | None] = mapped_column(sa.Integer)
    council_chair: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    council_secretary: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    # The minutes (biên bản): the number the unit gave it, the meeting's start and end, and
    # the members present, one a line ("Ông Nguyễn Văn A, Phó Giám đốc - Phó Chủ tịch").
    council_minutes_number: Mapped[int | None] = mapped_column(sa.Integer)
    # The ký hiệu it was typed with, as the council's book writes it ("BB-HĐTĐKT" of
    # "12/BB-HĐTĐKT"); empty: BB- and the council's symbol (the unit's data).
    council_minutes_symbol: Mapped[str | None] = mapped_column(sa.String(40))
    council_started_at: Mapped[time | None] = mapped_column(sa.Time)
    council_ended_at: Mapped[time | None] = mapped_column(sa.Time)
    council_members: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # When the Board began appraising: the "appraisal not started" rule reads it.
    appraisal_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The date whose eligibility rules apply: the day the Board received it (kept here,
    # so a later rule version does not change the verdict of an earlier dossier).
    rules_date: Mapped[date | None] = mapped_column(sa.Date)

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship(lazy="joined")
    # Collections load on access: a list of dossiers never drags their nominees along.
    results: Mapped[list["DossierResult"]] = relationship(cascade="all, delete-orphan")
    nominees: Mapped[list["Nominee"]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="Nominee.position")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan")


class DossierResult(db.Model):
    """What the unit achieved against one campaign target."""

    __tablename__ = "dossier_results"

    dossier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_targets.id"), primary_key=True)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


NOMINEE_KINDS = ("collective", "individual")
VERDICTS = ("accepted", "declined")


class Nominee(db.Model):
    __tablename__ = "nominees"
    __table_args__ = (
        sa.Index("ix_nominees_campaign_id_identity_key", "campaign_id", "identity_key"),
        # accepted and in no decision yet: the decision queue's recount, read from the index
        sa.Index("ix_nominees_undecided", "dossier_id", "award_form_id",
                 postgresql_where=sa.text("verdict = 'accepted' AND decision_id IS NULL"),
                 sqlite_where=sa.text("verdict = 'accepted' AND decision_id IS NULL")),
        # the appraisal looks for the same subject in other campaigns of the year
        sa.Index("ix_nominees_identity_key", "identity_key"),
        # the campaign overview's one scan, from the index alone on PostgreSQL
        sa.Index("ix_nominees_campaign_figures", "campaign_id",
                 postgresql_include=["award_form_id", "dossier_id", "decision_id", "verdict",
                                     "struck"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # Denormalised so the duplicate check is one indexed query per campaign.
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="")  # Ông / Bà
    position_title: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    identity_key: Mapped[str] = mapped_column(sa.String(600), nullable=False)
    # The name without diacritics, lower case (app/services/names.py): copied into the
    # award history when the decision is issued, where search needs it.
    search_key: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="",
                                            server_default="")
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), nullable=False)
    achievement_summary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    votes_for: Mapped[int | None] = mapped_column(sa.Integer)
    verdict: Mapped[str | None] = mapped_column(sa.String(16))
    verdict_reason: Mapped[str | None] = mapped_column(sa.Text)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"), index=True)
    struck: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    strike_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)

    dossier: Mapped[Dossier] = relationship(back_populates="nominees")
    award_form: Mapped[AwardForm] = relationship(lazy="joined")


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    nominee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("nominees.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(255), nullable=False, unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")
