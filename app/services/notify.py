"""Who is told of a step: outbox rows written in the step's own transaction.

Each step names its audiences in workflows/ (``Step.notify``); this module turns
an audience into people. Delivery happens later, from the outbox, so a step that
rolls back tells no one and a step that commits is never forgotten.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    CampaignParticipant,
    Dossier,
    Nominee,
    OutboxMessage,
    Unit,
    User,
    UserRole,
    WorkflowEvent,
)
from workflows import PROCESSES

PROVINCE_ROLES = {"board_appraiser", "board_head", "chairman", "office_clerk"}


def _users_with_roles(roles, unit_ids=None):
    query = (
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(roles), User.active.is_(True))
    )
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    return db.session.scalars(query.distinct()).all()


def _drafter(kind, item):
    """The person who last sent the item up (or created it, for a decision)."""
    trigger = "submit"
    actor_id = db.session.scalar(
        sa.select(WorkflowEvent.actor_id)
        .where(WorkflowEvent.item_type == kind, WorkflowEvent.item_id == item.id,
               WorkflowEvent.trigger == trigger)
        .order_by(WorkflowEvent.id.desc())
        .limit(1)
    )
    actor_id = actor_id or getattr(item, "created_by_id", None)
    user = db.session.get(User, actor_id) if actor_id else None
    return [user] if user and user.active else []


def recipients(kind, item, audience):
    if audience in PROVINCE_ROLES:
        return _users_with_roles({audience})
    if audience in ("unit_staff", "unit_head"):
        return _users_with_roles({audience}, [item.unit_id])
    if audience == "unit":
        return _users_with_roles({"unit_staff", "unit_head"}, [item.unit_id])
    if audience == "drafter":
        return _drafter(kind, item)
    if audience == "participants":
        units = sa.select(CampaignParticipant.unit_id).where(
            CampaignParticipant.campaign_id == item.id)
        return _users_with_roles({"unit_staff", "unit_head"}, units)
    if audience == "distribution":
        return []  # addresses, not accounts: see _addresses
    if audience == "awardee_units":
        units = (
            sa.select(Dossier.unit_id)
            .join(Nominee, Nominee.dossier_id == Dossier.id)
            .where(Nominee.decision_id == item.id, Nominee.struck.is_(False))
        )
        return _users_with_roles({"unit_staff", "unit_head"}, units)
    raise ValueError(f"unknown audience {audience!r}")


def _addresses(kind, item, audience):
    """Recipients that are not accounts: (name, email) pairs."""
    if audience == "distribution":
        # The decision's Nơi nhận: what is printed and what is mailed are the same entries.
        return [(r.label, r.email) for r in item.recipients if r.email]
    if audience == "awardee_units":
        units = db.session.execute(
            sa.select(Unit.name, Unit.email).distinct()
            .join(Dossier, Dossier.unit_id == Unit.id)
            .join(Nominee, Nominee.dossier_id == Dossier.id)
            .where(Nominee.decision_id == item.id, Nominee.struck.is_(False),
                   Unit.email.is_not(None))
        ).all()
        return [(name, email) for name, email in units]
    return []


# Steps whose message carries documents: (kind, trigger) -> names of the item's documents.
ATTACHED = {("decision", "issue"): ("decision",)}


def enqueue(kind, item, event, step, actor=None):
    """One outbox row per person or address told, never the actor themself.

    People without an e-mail address still get the in-app notification.
    """
    process = PROCESSES[kind]
    told = {}
    addresses = {}
    for audience in step.notify:
        if audience != "distribution":
            for user in recipients(kind, item, audience):
                if actor is not None and user.id == actor.id:
                    continue
                told.setdefault(user.id, user)
        for name, email in _addresses(kind, item, audience):
            addresses.setdefault(email.strip().lower(), (name, email.strip()))
    payload = {
        "item_type": kind,
        "item_id": item.id,
        "trigger": event.trigger,
        "trigger_label": process.trigger_label(event.trigger),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "to_state_label": process.states[event.to_state],
        "comment": event.comment,
        "actor": actor.full_name if actor else None,
        "title": _title(kind, item),
        "attachments": [{"item_type": kind, "item_id": item.id, "name": name}
                        for name in ATTACHED.get((kind, event.trigger), ())],
    }
    mailed = set()
    for user in told.values():
        email = (user.email or "").strip() or None
        if email:
            mailed.add(email.lower())
        db.session.add(_row(kind, item, event, payload, user.full_name, email, user.id))
    for key, (name, email) in addresses.items():
        if key not in mailed:
            db.session.add(_row(kind, item, event, payload, name, email, None))


def _row(kind, item, event, payload, name, email, user_id):
    return OutboxMessage(
        event_id=event.id, item_type=kind, item_id=item.id,
        template=f"{kind}.{event.trigger}", recipient_user_id=user_id,
        recipient_name=name, recipient_email=email, payload=payload,
        # no address: an in-app notification only, nothing for the mail worker
        status="pending" if email else "in_app")


def _title(kind, item):
    """A line naming the item in the message: what it is and for which campaign or unit."""
    if kind == "campaign":
        return item.title
    if kind in ("plan", "dossier"):
        what = "Kế hoạch hưởng ứng" if kind == "plan" else "Hồ sơ đề nghị khen thưởng"
        return f"{what} của {item.unit.name}"
    number = f" số {item.number_label}" if item.number else ""
    return f"Quyết định{number} {item.title[0].lower()}{item.title[1:]}"
