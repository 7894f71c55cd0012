"""Deadline reminders, run daily by cron: `flask reminders send`. Idempotent per day."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Campaign, Dossier, OutboxMessage, Plan, ReminderLog, User, UserRole
from app.services import reference
from app.services.clock import now_utc, today
from app.services.tx import transaction
from workflows import PROCESSES

UNIT_WAITING = ("draft", "returned")
BOARD_WAITING = ("submitted", "in_appraisal")
WHAT = {"plan": "kế hoạch hưởng ứng", "dossier": "hồ sơ đề nghị khen thưởng"}


def _holders(roles, unit_id=None):
    query = (sa.select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role.in_(roles), User.active.is_(True)))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return db.session.scalars(query.distinct()).all()


def _remind(kind, item, user, day, subject, lead):
    """One row per item, person and day; the unique log row makes a second run a no-op."""
    exists = db.session.scalar(sa.select(ReminderLog.id).where(
        ReminderLog.item_type == kind, ReminderLog.item_id == item.id,
        ReminderLog.user_id == user.id, ReminderLog.day == day))
    if exists:
        return 0
    db.session.add(ReminderLog(item_type=kind, item_id=item.id, user_id=user.id, day=day))
    db.session.add(OutboxMessage(
        item_type=kind, item_id=item.id, template=f"reminder.{kind}",
        recipient_user_id=user.id, recipient_name=user.full_name, recipient_email=user.email,
        status="pending" if user.email else "in_app",
        payload={"subject": subject, "lead": lead, "title": lead, "item_type": kind,
                 "item_id": item.id, "to_state_label": PROCESSES[kind].states[item.state],
                 "attachments": []}))
    return 1


def send_reminders(day=None) -> dict:
    day = day or today()
    within = current_app.config["REMINDER_DAYS"]
    appraisal_days = int(reference.rule("appraisal_days", day, 5))
    counts = {"unit": 0, "board": 0}
    with transaction():
        for kind, model, deadline in (("plan", Plan, Campaign.plan_deadline),
                                      ("dossier", Dossier, Campaign.dossier_deadline)):
            due = db.session.execute(
                sa.select(model, deadline).join(Campaign, Campaign.id == model.campaign_id)
                .where(Campaign.state == "launched", model.state.in_(UNIT_WAITING),
                       deadline.is_not(None), deadline >= day,
                       deadline <= day + timedelta(days=within))).all()
            for item, until in due:
                left = (until - day).days
                when = "hôm nay" if left == 0 else f"còn {left} ngày"
                subject = (f"[TĐKT] Nhắc hạn: {WHAT[kind]} của {item.unit.name} hết hạn "
                           f"ngày {until:%d/%m/%Y}")
                lead = (f"Hạn gửi {WHAT[kind]} của {item.unit.name} là ngày {until:%d/%m/%Y} "
                        f"({when}); {WHAT[kind]} hiện chưa được gửi.")
                for user in _holders({"unit_staff", "unit_head"}, item.unit_id):
                    counts["unit"] += _remind(kind, item, user, day, subject, lead)
            cutoff = now_utc() - timedelta(days=appraisal_days)
            waiting = db.session.scalars(sa.select(model).where(
                model.state.in_(BOARD_WAITING), model.state_changed_at <= cutoff)).all()
            appraisers = _holders({"board_appraiser"}) if waiting else []
            for item in waiting:
                days = (now_utc() - item.state_changed_at).days
                subject = (f"[TĐKT] Quá thời hạn thẩm định: {WHAT[kind]} của {item.unit.name}")
                lead = (f"{WHAT[kind].capitalize()} của {item.unit.name} đã chờ xử lý {days} ngày, "
                        f"quá thời hạn {appraisal_days} ngày.")
                for user in appraisers:
                    counts["board"] += _remind(kind, item, user, day, subject, lead)
    return counts
