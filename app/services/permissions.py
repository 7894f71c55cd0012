"""Who may see what, and who may do what, each refusal with its reason.

Seeing is a filter on queries: an item outside a user's scope does not exist
for them (404), whatever route asks. Doing is a role check on top.
"""
import sqlalchemy as sa

from app.models import (
    AwardRecord,
    Campaign,
    CampaignParticipant,
    Decision,
    Dossier,
    Nominee,
    Plan,
    Registration,
)
from app.services.errors import Forbidden
from workflows import CAMPAIGN, DECISION
from workflows.roles import ADMIN, BOARD, CHAIRMAN, CLERK, PROVINCE, ROLES, UNIT_SCOPED

PROVINCE_WIDE_SUBMISSIONS = BOARD | CHAIRMAN
PROVINCE_WIDE_DECISIONS = PROVINCE
PROVINCE_WIDE_CAMPAIGNS = PROVINCE | ADMIN
PROVINCE_WIDE_AWARDS = PROVINCE | ADMIN


def _unit_roles(user):
    return user.roles & UNIT_SCOPED


def visible(user, model):
    """A WHERE clause limiting ``model`` rows to what ``user`` may see."""
    roles = user.roles
    if model in (Plan, Dossier, Registration):
        if roles & PROVINCE_WIDE_SUBMISSIONS:
            return sa.true()
        # a unit's Văn thư issues its own unit's papers (esigning.issue_paper)
        if _unit_roles(user) or (roles & CLERK and user.unit_id is not None):
            return model.unit_id == user.unit_id
        return sa.false()
    if model is Decision:
        if roles & PROVINCE_WIDE_DECISIONS:
            return sa.true()
        if _unit_roles(user):
            own_nominee = (
                sa.select(Nominee.id)
                .join(Dossier, Dossier.id == Nominee.dossier_id)
                .where(Nominee.decision_id == Decision.id, Dossier.unit_id == user.unit_id)
                .exists()
            )
            return sa.and_(Decision.state.in_(DECISION.final), own_nominee)
        return sa.false()
    if model is Campaign:
        if roles & PROVINCE_WIDE_CAMPAIGNS:
            return sa.true()
        if _unit_roles(user):
            participates = (
                sa.select(CampaignParticipant.unit_id)
                .where(CampaignParticipant.campaign_id == Campaign.id,
                       CampaignParticipant.unit_id == user.unit_id)
                .exists()
            )
            return sa.and_(Campaign.state != CAMPAIGN.initial, participates)
        return sa.false()
    if model is AwardRecord:
        # The award history: the province's offices see every award; a unit its own
        # (the unit the award was made through).
        if roles & PROVINCE_WIDE_AWARDS:
            return sa.true()
        if _unit_roles(user):
            return AwardRecord.unit_id == user.unit_id
        return sa.false()
    raise ValueError(f"no visibility rule for {model}")


def acting_role(user, roles, item) -> str | None:
    """The role in which ``user`` may act on ``item`` among ``roles``, if any: a unit-scoped
    role counts only on the user's own unit's items."""
    for role in sorted(user.roles & roles):
        if role in UNIT_SCOPED and getattr(item, "unit_id", None) != user.unit_id:
            continue
        return role
    return None


def refusal(user, roles, item, what="thực hiện bước này") -> str | None:
    """Why ``user`` may not act on ``item`` in one of ``roles`` (None when they may)."""
    if acting_role(user, roles, item):
        return None
    needed = ", ".join(ROLES[r] for r in sorted(roles))
    scope = " của đơn vị liên quan" if roles <= UNIT_SCOPED else ""
    return f"Chỉ {needed}{scope} mới được {what}."


def step_refusal(user, step, item) -> str | None:
    """Why ``user`` may not fire ``step`` on ``item`` (None when they may)."""
    if step.system:
        return "Bước này do hệ thống thực hiện khi xử lý quyết định khen thưởng."
    return refusal(user, step.roles, item)


def require_role(user, roles, what):
    if not (user.roles & set(roles)):
        needed = ", ".join(ROLES[r] for r in sorted(roles))
        raise Forbidden(f"Chỉ {needed} mới được {what}.")
