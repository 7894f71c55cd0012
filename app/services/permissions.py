"""Who may see what, and who may do what, each refusal with its reason.

Seeing is a filter on queries: an item outside a user's scope does not exist
for them (404), whatever route asks. Doing is a role check on top.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AwardRecord,
    Campaign,
    CampaignParticipant,
    Decision,
    Dossier,
    Hold,
    Initiative,
    Nominee,
    Plan,
    Registration,
    Unit,
    User,
    YearRating,
)
from app.services.errors import Forbidden
from workflows import CAMPAIGN, DECISION
from workflows.roles import ADMIN, BOARD, BODY_SCOPED, CHAIRMAN, PROVINCE, ROLES, UNIT_SCOPED

PROVINCE_WIDE_SUBMISSIONS = BOARD | CHAIRMAN
# A body-scoped role among these (the Văn thư) counts province-wide only for the Văn thư
# of the province's Ủy ban: ``province_wide``.
PROVINCE_WIDE_DECISIONS = PROVINCE
PROVINCE_WIDE_CAMPAIGNS = PROVINCE | ADMIN
PROVINCE_WIDE_AWARDS = PROVINCE | ADMIN

# The kind of a Văn phòng (Unit.kind): its Văn thư is also the Văn thư of the body it is
# the office of, its parent (Văn phòng UBND tỉnh → Ủy ban nhân dân tỉnh). Which unit that
# is, is data: the units' kinds and parents (reference data, `flask units import`).
OFFICE = "office"
PROVINCE_KIND = "province"


def _unit_roles(user):
    return user.roles & UNIT_SCOPED


# -- the Văn thư's bodies (workflows/roles.py BODY_SCOPED, BODIES) --------------------------


def served(user) -> tuple[int, ...]:
    """The ids of the bodies whose Văn thư ``user`` is: her own unit, and the body her
    unit is the Văn phòng of. Empty for anyone without a body-scoped role."""
    if not user.roles & BODY_SCOPED or user.unit_id is None:
        return ()
    unit = user.unit
    if unit.kind == OFFICE and unit.parent_id is not None:
        return (unit.id, unit.parent_id)
    return (unit.id,)


def _serves_province(user) -> bool:
    """Whether ``user`` is the Văn thư of the province's own Ủy ban (through its office)."""
    unit = user.unit if user.roles & BODY_SCOPED and user.unit_id is not None else None
    if unit is None:
        return False
    return unit.kind == PROVINCE_KIND or (
        unit.kind == OFFICE and unit.parent is not None and unit.parent.kind == PROVINCE_KIND)


def province_wide(user, roles) -> bool:
    """Whether ``user`` holds one of ``roles`` province-wide: any of them but a body-scoped
    one, or a body-scoped one as the Văn thư of the province's Ủy ban."""
    held = user.roles & roles
    if held - BODY_SCOPED:
        return True
    return bool(held) and _serves_province(user)


def require_province_wide(user, roles, what):
    if not province_wide(user, roles):
        needed = ", ".join(ROLES[r] for r in sorted(roles - BODY_SCOPED))
        raise Forbidden(f"Chỉ {needed} hoặc Văn thư của Ủy ban nhân dân mới được {what}.")


def body_id(item, body) -> int | None:
    """The id of the body ``body`` (workflows/roles.py BODIES) names for ``item``."""
    if body == "unit":
        return getattr(item, "unit_id", None)
    if body == "issuer":
        if isinstance(item, Campaign):
            return item.issuer_unit_id
        campaign = getattr(item, "campaign", None)
        return campaign.issuer_unit_id if campaign is not None else None
    if body == "proposer":
        signer = getattr(item, "proposal_signed_by", None)
        return signer.unit_id if signer is not None else None
    raise ValueError(f"unknown body {body!r}")


def body_clause(model, body, ids):
    """The SQL condition that the body ``body`` names for a row of ``model`` is one of
    ``ids`` (unit ids, or bound parameters): the set-based form of ``body_id``."""
    if body == "unit" and hasattr(model, "unit_id"):
        return model.unit_id.in_(ids)
    if body == "issuer" and model is Campaign:
        return Campaign.issuer_unit_id.in_(ids)
    if body == "issuer" and hasattr(model, "campaign_id"):
        return model.campaign_id.in_(sa.select(Campaign.id).where(
            Campaign.issuer_unit_id.in_(ids)))
    if body == "proposer" and model is Decision:
        return Decision.proposal_signed_by_id.in_(sa.select(User.id).where(
            User.unit_id.in_(ids)))
    return sa.false()


def reads_whole_decision(user, decision) -> bool:
    """Whether ``user`` reads every nominee of a decision she may see: the province's
    offices, and the Văn thư of the body that issues it or seals its tờ trình (a unit's
    people read their own unit's)."""
    if province_wide(user, PROVINCE_WIDE_DECISIONS):
        return True
    bodies = served(user)
    return bool(bodies) and (body_id(decision, "issuer") in bodies
                             or body_id(decision, "proposer") in bodies)


def clerk_units(body):
    """A SELECT of the units whose Văn thư serves the body ``body`` (an id): the body
    itself and its Văn phòng."""
    return sa.select(Unit.id).where(sa.or_(
        Unit.id == body, sa.and_(Unit.parent_id == body, Unit.kind == OFFICE)))


def visible(user, model):
    """A WHERE clause limiting ``model`` rows to what ``user`` may see."""
    roles = user.roles
    bodies = served(user)
    if model in (Plan, Dossier, Registration):
        if roles & PROVINCE_WIDE_SUBMISSIONS:
            return sa.true()
        if _unit_roles(user):
            return model.unit_id == user.unit_id
        # a Văn thư issues the papers of the bodies she serves (esigning.issue_paper)
        if bodies:
            return model.unit_id.in_(bodies)
        return sa.false()
    if model is Decision:
        if province_wide(user, PROVINCE_WIDE_DECISIONS):
            return sa.true()
        clauses = []
        if bodies:
            # the decisions her body issues, and those whose tờ trình her body seals
            clauses += [body_clause(Decision, "issuer", bodies),
                        body_clause(Decision, "proposer", bodies)]
        if _unit_roles(user) or bodies:
            own_nominee = (
                sa.select(Nominee.id)
                .join(Dossier, Dossier.id == Nominee.dossier_id)
                .where(Nominee.decision_id == Decision.id, Dossier.unit_id == user.unit_id)
                .exists()
            )
            clauses.append(sa.and_(Decision.state.in_(DECISION.final), own_nominee))
        return sa.or_(*clauses) if clauses else sa.false()
    if model is Campaign:
        if province_wide(user, PROVINCE_WIDE_CAMPAIGNS):
            return sa.true()
        if _unit_roles(user) or bodies:
            participates = (
                sa.select(CampaignParticipant.unit_id)
                .where(CampaignParticipant.campaign_id == Campaign.id,
                       CampaignParticipant.unit_id == user.unit_id)
                .exists()
            )
            launched = sa.and_(Campaign.state != CAMPAIGN.initial, participates)
            return sa.or_(launched, body_clause(Campaign, "issuer", bodies)) if bodies \
                else launched
        return sa.false()
    if model is AwardRecord:
        # The award history: the province's offices see every award; a unit its own
        # (the unit the award was made through).
        if province_wide(user, PROVINCE_WIDE_AWARDS):
            return sa.true()
        if _unit_roles(user) or bodies:
            return AwardRecord.unit_id == user.unit_id
        return sa.false()
    if model in (YearRating, Hold, Initiative):
        return private_results(user, model)
    raise ValueError(f"no visibility rule for {model}")


def private_results(user, table):
    """Ratings and holds (and the initiatives register beside them): only the subject's
    unit and the Board's appraisers see them (issue 24). ``table`` may be an alias."""
    if user is None:  # the system itself (an evaluation with every evidence)
        return sa.true()
    if user.roles & BOARD:
        return sa.true()
    if _unit_roles(user):
        return table.unit_id == user.unit_id
    return sa.false()


def acting_role(user, roles, item, body=None) -> str | None:
    """The role in which ``user`` may act on ``item`` among ``roles``, if any: a unit-scoped
    role counts only on the user's own unit's items; a body-scoped one (the Văn thư) only
    when she serves the body the step or edit names (``body``, workflows/roles.py BODIES)."""
    for role in sorted(user.roles & roles):
        if role in UNIT_SCOPED and getattr(item, "unit_id", None) != user.unit_id:
            continue
        if role in BODY_SCOPED and body_id(item, body or "unit") not in served(user):
            continue
        return role
    return None


def _clerk_of(item, body) -> str | None:
    """How a refusal names the Văn thư who may act: of the body's Văn phòng, if it has one,
    else of the body itself."""
    found = body_id(item, body or "unit")
    if found is None:
        return None
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(clerk_units(found)))
                               .order_by(Unit.id)).all()
    office = next((u for u in units if u.id != found), None)
    own = next((u for u in units if u.id == found), None)
    return (office or own).name if (office or own) else None


def refusal(user, roles, item, what="thực hiện bước này", body=None) -> str | None:
    """Why ``user`` may not act on ``item`` in one of ``roles`` (None when they may)."""
    if acting_role(user, roles, item, body):
        return None
    if roles <= BODY_SCOPED:
        clerk = _clerk_of(item, body)
        return f"Chỉ Văn thư của {clerk or 'cơ quan ban hành'} mới được {what}."
    needed = ", ".join(ROLES[r] for r in sorted(roles))
    scope = " của đơn vị liên quan" if roles <= UNIT_SCOPED else ""
    return f"Chỉ {needed}{scope} mới được {what}."


def step_refusal(user, step, item) -> str | None:
    """Why ``user`` may not fire ``step`` on ``item`` (None when they may)."""
    if step.system:
        return "Bước này do hệ thống thực hiện khi xử lý quyết định khen thưởng."
    if step.body:
        return refusal(user, step.roles, item, f"thực hiện «{step.label}»", step.body)
    return refusal(user, step.roles, item)


def require_role(user, roles, what):
    if not (user.roles & set(roles)):
        needed = ", ".join(ROLES[r] for r in sorted(roles))
        raise Forbidden(f"Chỉ {needed} mới được {what}.")
