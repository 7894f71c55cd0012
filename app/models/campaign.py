"""A campaign (phong trào thi đua): its content areas, targets, award forms and units."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import WorkflowItemMixin
from app.models.distribution import DistributionList
from app.models.org import Unit, User
from app.models.reference import AwardForm

LAUNCH_TYPES = ("ke_hoach", "chi_thi", "cong_van")
# "movement": a phong trào thi đua (theo đợt, chuyên đề); "regular": a year's regular
# emulation (thi đua thường xuyên, Luật TĐKT 2022 Điều 16), with its registrations.
CAMPAIGN_KINDS = ("movement", "regular")


class Campaign(WorkflowItemMixin, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        # the Board's list of years, and a year looked up by its number
        sa.Index("ix_campaigns_kind_year", "kind", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    theme: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    purpose: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # "Tổ chức thực hiện": who does what, printed in the launch document.
    implementation: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    issuer_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    launch_type: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="ke_hoach")
    launch_number: Mapped[str | None] = mapped_column(sa.String(40))
    launch_date: Mapped[date | None] = mapped_column(sa.Date)
    period_start: Mapped[date] = mapped_column(sa.Date, nullable=False)
    period_end: Mapped[date] = mapped_column(sa.Date, nullable=False)
    plan_deadline: Mapped[date | None] = mapped_column(sa.Date)
    dossier_deadline: Mapped[date | None] = mapped_column(sa.Date)
    accepts_late: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="movement",
                                      server_default="movement")
    # A regular year: its number, the units' registration deadline (the year-end proposal
    # deadline is dossier_deadline), and whether a title nominee without a matching
    # registration is blocked (True) or only flagged to the appraiser (DOMAIN.md §4.4).
    year: Mapped[int | None] = mapped_column(sa.Integer)
    registration_deadline: Mapped[date | None] = mapped_column(sa.Date)
    block_unregistered: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False,
                                                     server_default=sa.false())
    # A dossier whose unit never sent its plan: "warn" (the appraisal checklist says so) or
    # "block" (its appraisal cannot be completed); workflows/guards.py UNSENT_PLAN_RULES.
    unsent_plan: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="warn",
                                             server_default="warn")
    # Share (in %) of the unit council's members that must vote for a nominee.
    vote_threshold: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Who signs the launch document, and the Nơi nhận of the launch and of its decisions.
    signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    launch_recipients_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("distribution_lists.id"))
    decision_recipients_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("distribution_lists.id"))
    launched_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    issuer: Mapped[Unit] = relationship(foreign_keys=[issuer_unit_id])
    signer: Mapped["User | None"] = relationship(foreign_keys=[signer_id])
    launch_recipients: Mapped["DistributionList | None"] = relationship(
        foreign_keys=[launch_recipients_id])
    decision_recipients: Mapped["DistributionList | None"] = relationship(
        foreign_keys=[decision_recipients_id])
    contents: Mapped[list["CampaignContent"]] = relationship(
        back_populates="campaign",
        cascade="all, delete-orphan",
        order_by="CampaignContent.position",
        lazy="selectin",
    )
    award_forms: Mapped[list["CampaignAwardForm"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    # Thousands of rows at a province's scale: loaded only by the use cases that ask.
    participants: Mapped[list["CampaignParticipant"]] = relationship(
        cascade="all, delete-orphan"
    )

    @property
    def targets(self):
        return [t for c in self.contents for t in c.targets]


class CampaignContent(db.Model):
    __tablename__ = "campaign_contents"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    campaign: Mapped[Campaign] = relationship(back_populates="contents")
    targets: Mapped[list["CampaignTarget"]] = relationship(
        back_populates="content",
        cascade="all, delete-orphan",
        order_by="CampaignTarget.position",
        lazy="selectin",
    )


class CampaignTarget(db.Model):
    """A numeric target (chỉ tiêu), e.g. "Doanh nghiệp thành lập mới ≥ 100 doanh nghiệp"."""

    __tablename__ = "campaign_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_contents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    label: Mapped[str] = mapped_column(sa.Text, nullable=False)
    measure_unit: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="")
    comparison: Mapped[str] = mapped_column(sa.String(4), nullable=False, default=">=")
    value: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), nullable=False)

    content: Mapped[CampaignContent] = relationship(back_populates="targets")
    # Which units the target applies to, as the Board sets it: no rows in either list means
    # every participating unit; otherwise the units of these kinds and these units. Loaded
    # only where asked (campaigns.load_scopes): the steps test applicability in SQL.
    scope_kinds: Mapped[list["CampaignTargetKind"]] = relationship(
        cascade="all, delete-orphan", order_by="CampaignTargetKind.unit_kind")
    scope_units: Mapped[list["CampaignTargetUnit"]] = relationship(
        cascade="all, delete-orphan", order_by="CampaignTargetUnit.unit_id")

    @property
    def applies_to_kinds(self) -> list[str]:
        return [k.unit_kind for k in self.scope_kinds]

    @property
    def applies_to_units(self) -> list[str]:
        return [u.unit.code for u in self.scope_units]


class CampaignTargetKind(db.Model):
    """A kind of unit (Unit.kind) a target applies to."""

    __tablename__ = "campaign_target_kinds"

    target_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_targets.id", ondelete="CASCADE"), primary_key=True)
    unit_kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


class CampaignTargetUnit(db.Model):
    """A unit a target applies to, named by the Board."""

    __tablename__ = "campaign_target_units"

    target_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_targets.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True, index=True)

    unit: Mapped[Unit] = relationship(lazy="joined")


class CampaignAwardForm(db.Model):
    """An award form the campaign offers, with its per-unit quota (None = no quota)."""

    __tablename__ = "campaign_award_forms"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), primary_key=True)
    quota_per_unit: Mapped[int | None] = mapped_column(sa.Integer)

    award_form: Mapped[AwardForm] = relationship(lazy="joined")


class CampaignParticipant(db.Model):
    __tablename__ = "campaign_participants"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True, index=True)

    unit: Mapped[Unit] = relationship(lazy="joined")
