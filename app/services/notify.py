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
    if audience == "awardee_units":
        units = (
            sa.select(Dossier.unit_id)
            .join(Nominee, Nominee.dossier_id == Dossier.id)
            .where(Nominee.decision_id == item.id, Nominee.struck.is_(False))
        )
        return _users_with_roles({"unit_staff", "unit_head"}, units)
    raise ValueError(f"unknown audience {audience!r}")


def enqueue(kind, item, event, step, actor=None):
    """One outbox row per person told, never the actor themself."""
    process = PROCESSES[kind]
    told = {}
    for audience in step.notify:
        for user in recipients(kind, item, audience):
            if actor is not None and user.id == actor.id:
                continue
            told.setdefault(user.id, user)
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
    }
    for user in told.values():
        db.session.add(OutboxMessage(
            event_id=event.id,
            item_type=kind,
            item_id=item.id,
            template=f"{kind}.{event.trigger}",
            recipient_user_id=user.id,
            recipient_name=user.full_name,
            recipient_email=user.email,
            payload=payload,
        ))
