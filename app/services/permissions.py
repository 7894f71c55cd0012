"""Who may see what, and who may do what, each refusal with its reason.

Seeing is a filter on queries: an item outside a user's scope does not exist
for them (404), whatever route asks. Doing is a role check on top.
"""
import sqlalchemy as sa

from app.models import (
    UNIT_SCOPED_ROLES,
    Campaign,
    CampaignParticipant,
    Decision,
    Dossier,
    Nominee,
    Plan,
)
from app.services.errors import Forbidden

BOARD = {"board_appraiser", "board_head"}
PROVINCE_WIDE_SUBMISSIONS = BOARD | {"chairman"}
PROVINCE_WIDE_DECISIONS = BOARD | {"chairman", "office_clerk"}
PROVINCE_WIDE_CAMPAIGNS = BOARD | {"chairman", "office_clerk", "admin"}

ROLE_LABELS = {
    "unit_staff": "Cán bộ thi đua – khen thưởng đơn vị",
    "unit_head": "Thủ trưởng đơn vị",
    "board_appraiser": "Chuyên viên Ban Thi đua – Khen thưởng",
    "board_head": "Lãnh đạo Ban Thi đua – Khen thưởng",
    "chairman": "Chủ tịch / Phó Chủ tịch UBND tỉnh",
    "office_clerk": "Văn thư Văn phòng UBND tỉnh",
    "admin": "Quản trị hệ thống",
}


def _unit_roles(user):
    return user.roles & UNIT_SCOPED_ROLES


def visible(user, model):
    """A WHERE clause limiting ``model`` rows to what ``user`` may see."""
    roles = user.roles
    if model in (Plan, Dossier):
        if roles & PROVINCE_WIDE_SUBMISSIONS:
            return sa.true()
        if _unit_roles(user):
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
            return sa.and_(Decision.state == "issued", own_nominee)
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
            return sa.and_(Campaign.state != "draft", participates)
        return sa.false()
    raise ValueError(f"no visibility rule for {model}")


def acting_role(user, step, item) -> str | None:
    """The role in which ``user`` may fire ``step`` on ``item``, if any."""
    for role in sorted(user.roles & step.roles):
        if role in UNIT_SCOPED_ROLES and getattr(item, "unit_id", None) != user.unit_id:
            continue
        return role
    return None


def refusal(user, step, item) -> str | None:
    """Why ``user`` may not fire ``step`` on ``item`` (None when they may)."""
    if step.system:
        return "Bước này do hệ thống thực hiện khi xử lý quyết định khen thưởng."
    if acting_role(user, step, item):
        return None
    needed = ", ".join(ROLE_LABELS[r] for r in sorted(step.roles))
    return f"Chỉ {needed} của đơn vị liên quan mới được thực hiện bước này." if (
        step.roles <= UNIT_SCOPED_ROLES) else f"Chỉ {needed} mới được thực hiện bước này."


def require_role(user, roles, what):
    if not (user.roles & set(roles)):
        needed = ", ".join(ROLE_LABELS[r] for r in sorted(roles))
        raise Forbidden(f"Chỉ {needed} mới được {what}.")


def require_own_unit_staff(user, item, what):
    """Editing a unit's plan or dossier is its own staff's job."""
    if "unit_staff" not in user.roles or item.unit_id != user.unit_id:
        raise Forbidden(f"Chỉ cán bộ thi đua – khen thưởng của đơn vị mới được {what}.")


def may_edit(user, item) -> bool:
    """A unit's plan or dossier is written by its own staff while it is a draft or returned."""
    return ("unit_staff" in user.roles and getattr(item, "unit_id", None) == user.unit_id
            and item.state in ("draft", "returned"))


def may_appraise(user, dossier) -> bool:
    return "board_appraiser" in user.roles and dossier.state == "in_appraisal"


def may_compose(user, decision) -> bool:
    return "board_appraiser" in user.roles and decision.state == "drafting"


def may_strike(user, decision) -> bool:
    return "chairman" in user.roles and decision.state == "awaiting_chairman"
