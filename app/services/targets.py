"""Which of a campaign's targets apply to which unit, as the Board sets it: every
participating unit (no scope rows), or the units of some kinds (Unit.kind) and/or units
named one by one. A target that does not apply to a unit is not asked of it: not in its
plan or dossier, not counted as missing by the guards or the checklist, not on its papers.
Decided in SQL, inside the queries that read the targets (no statement of its own)."""
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    CampaignContent,
    CampaignTarget,
    CampaignTargetKind,
    CampaignTargetUnit,
    Plan,
    PlanExemption,
    Unit,
)

# What a unit reads beside a target the Board did not set for it.
BOARD_REASON = "Ban Thi đua – Khen thưởng xác định chỉ tiêu này không áp dụng cho đơn vị."


def applies(unit_id):
    """A condition on ``CampaignTarget`` rows: the target applies to the unit ``unit_id``
    (a value or a column), by the Board's scope."""
    kind = sa.select(Unit.kind).where(Unit.id == unit_id).scalar_subquery()
    kinds = sa.select(CampaignTargetKind.target_id).where(
        CampaignTargetKind.target_id == CampaignTarget.id)
    units = sa.select(CampaignTargetUnit.target_id).where(
        CampaignTargetUnit.target_id == CampaignTarget.id)
    return sa.or_(
        sa.and_(~kinds.exists(), ~units.exists()),
        kinds.where(CampaignTargetKind.unit_kind == kind).exists(),
        units.where(CampaignTargetUnit.unit_id == unit_id).exists(),
    )


def _board_exclusions(campaign_id, unit_id):
    return (sa.select(CampaignTarget.id.label("target_id"),
                      sa.literal(BOARD_REASON).label("reason"))
            .join(CampaignContent, CampaignContent.id == CampaignTarget.content_id)
            .where(CampaignContent.campaign_id == campaign_id, ~applies(unit_id)))


def not_applying(campaign_id, unit_id) -> set[int]:
    """The ids of the campaign's targets the Board did not set for the unit."""
    return set(db.session.scalars(
        sa.select(sa.literal_column("target_id")).select_from(
            _board_exclusions(campaign_id, unit_id).subquery())))


def exempt(campaign_id, unit_id) -> dict[int, str]:
    """{target id: why} for every target the unit owes nothing on: those the Board did not
    set for it and those its plan marks «Không áp dụng», in one statement."""
    own = (sa.select(PlanExemption.target_id, PlanExemption.reason)
           .join(Plan, Plan.id == PlanExemption.plan_id)
           .where(Plan.campaign_id == campaign_id, Plan.unit_id == unit_id))
    rows = db.session.execute(sa.union_all(own, _board_exclusions(campaign_id, unit_id))).all()
    return dict(rows)  # the Board's reason, listed last, wins
