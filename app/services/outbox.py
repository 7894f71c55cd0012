"""The outbox: every message the system owes someone, written in the transaction of what
caused it, and what people read of it.

Writing: a step tells its audiences (declared beside each step in workflows/,
``Step.notify``); the daily reminders tell units of deadlines and the Board of waiting
items. Delivery happens later, from these rows (app/delivery), so a step that rolls back
tells no one and one that commits is never forgotten.

Reading: each person's notifications, who was told about an item, failed mail and
sending it again.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    Campaign,
    CampaignParticipant,
    Dossier,
    Nominee,
    OutboxMessage,
    Plan,
    Registration,
    ReminderLog,
    StoredDocument,
    Unit,
    User,
    WorkflowEvent,
)
from app.services import bulk, reference
from app.services.errors import Conflict, NotFound
from app.services.org import holder_ids, role_holders
from app.services.paging import paginate
from app.services.permissions import PROVINCE_WIDE_DECISIONS, require_role
from app.services.tx import transaction
from workflows import DOSSIER, PLAN, PROCESSES, REGISTRATION
from workflows.roles import APPRAISER, BOARD, CLERK, PROVINCE, UNIT, UNIT_SCOPED


def _message(kind, item_id, template, payload, name, email, user_id=None, event_id=None):
    return OutboxMessage(
        event_id=event_id, item_type=kind, item_id=item_id, template=template,
        recipient_user_id=user_id, recipient_name=name, recipient_email=email,
        payload=payload,
        # no address: an in-app notification only, nothing for the mail worker
        status="pending" if email else "in_app")


# -- a step's audiences --------------------------------------------------------------------------


def _drafter(kind, item):
    """The person who last sent the item up (or created it, for a decision): a SELECT the
    step's one INSERT … SELECT of its messages reads, not a round trip of its own."""
    actor = (sa.select(WorkflowEvent.actor_id)
             .where(WorkflowEvent.item_type == kind, WorkflowEvent.item_id == item.id,
                    WorkflowEvent.trigger == "submit")
             .order_by(WorkflowEvent.id.desc())
             .limit(1).scalar_subquery())
    created_by = getattr(item, "created_by_id", None)
    if created_by is not None:
        actor = sa.func.coalesce(actor, created_by)
    return sa.select(User.id).where(User.id == actor, User.active.is_(True))


def _awardee_units(decision):
    return (sa.select(Dossier.unit_id)
            .join(Nominee, Nominee.dossier_id == Dossier.id)
            .where(Nominee.decision_id == decision.id, Nominee.struck.is_(False)))


def recipients(kind, item, audience):
    """A SELECT of the ids of the accounts an audience names for this item (None: the
    audience names addresses, not accounts)."""
    if audience in PROVINCE:
        return holder_ids({audience})
    if audience in UNIT_SCOPED:
        return holder_ids({audience}, [item.unit_id])
    if audience == "unit":
        return holder_ids(UNIT, [item.unit_id])
    if audience == "drafter":
        return _drafter(kind, item)
    if audience == "participants":
        return holder_ids(UNIT, sa.select(CampaignParticipant.unit_id).where(
            CampaignParticipant.campaign_id == item.id))
    if audience == "distribution":
        return None  # addresses, not accounts: see _addresses
    if audience == "awardee_units":
        return holder_ids(UNIT, _awardee_units(item))
    # every audience a step may name is declared in workflows/roles.py (AUDIENCES) and
    # checked when the process is defined; this one was declared and not resolved here
    raise ValueError(f"unknown audience {audience!r}")


def _addresses(item, audience):
    """Recipients that are not accounts: (name, email, scope) triples, the scope saying
    whose nominees the message may name (see ``details``)."""
    if audience == "distribution":
        # The decision's Nơi nhận: what is printed and what is mailed are the same entries.
        # Outside the system (or a unit's shared box): named no one the paper leaves out.
        return [(r.label, r.email, OUTSIDE) for r in item.recipients if r.email]
    if audience == "awardee_units":
        return db.session.execute(
            sa.select(Unit.name, Unit.email, Unit.id).distinct()
            .where(Unit.id.in_(_awardee_units(item)), Unit.email.is_not(None))).all()
    return []


def _title(process, item):
    """A line naming the item in the message: what it is and for which campaign or unit."""
    if process.name == "campaign":
        return item.title
    if process.name == "decision":
        number = f" số {item.number_label}" if item.number else ""
        return f"Quyết định{number} {item.title[0].lower()}{item.title[1:]}"
    return f"{process.noun.capitalize()} của {item.unit.name}"


MAX_NAMED = 20  # names listed in one line of a notification; the rest are counted


def _names(nominees, reason_key):
    shown = [n["name"] + (f" ({n[reason_key]})" if n.get(reason_key) else "")
             for n in nominees[:MAX_NAMED]]
    more = len(nominees) - len(shown)
    return ", ".join(shown) + (f" và {more} tập thể, cá nhân khác" if more > 0 else "")


# Whose nominees a message may name (``details``): the province's offices (Board, Chairman,
# Office) every one; a unit's people, by its id, only their own unit's; an address outside
# the system no one (what the decision itself publishes, its count, is all it reads).
EVERYONE = "everyone"
OUTSIDE = "outside"


def details(kind, to_state, snapshot, scope=EVERYONE, unit_of=None) -> list[str]:
    """What a step did to whom, read from the content snapshot its event keeps: the
    verdicts when a dossier's appraisal ends, the struck nominees of a decision.

    ``scope``: EVERYONE, OUTSIDE or a unit's id: a struck person and the Chairman's
    reason reach only their own unit (and the province's offices). ``unit_of``: {dossier
    id: unit id} for a decision's nominees (a dossier's are all of its own unit)."""
    snapshot = snapshot or {}
    nominees = snapshot.get("nominees") or []
    if scope != EVERYONE:
        units = unit_of or {}
        nominees = [n for n in nominees if scope != OUTSIDE and
                    units.get(n.get("dossier_id"), snapshot.get("unit_id")) == scope]
    lines = []
    if kind == "dossier" and to_state in ("appraised", "rejected"):
        accepted = [n for n in nominees if n.get("verdict") == "accepted"]
        declined = [n for n in nominees if n.get("verdict") == "declined"]
        if accepted:
            lines.append(f"Được chấp nhận ({len(accepted)}): {_names(accepted, None)}.")
        if declined:
            lines.append(f"Không được chấp nhận ({len(declined)}): "
                         f"{_names(declined, 'verdict_reason')}.")
    listed = snapshot.get("nominees") or []
    if kind == "decision" and listed:
        # the list's size is the decision's own (published) figure; names only in scope
        kept = sum(1 for n in listed if not n.get("struck"))
        lines.append(f"Danh sách khen thưởng: {kept} tập thể, cá nhân.")
        struck = [n for n in nominees if n.get("struck")]
        if struck:
            lines.append(f"Bị loại khỏi danh sách ({len(struck)}): "
                         f"{_names(struck, 'strike_reason')}.")
    return lines


def _nominee_units(kind, item, snapshot):
    """{dossier id: unit id} of a decision's nominees (one query; none for other kinds or
    a snapshot naming no one)."""
    if kind != "decision" or not (snapshot or {}).get("nominees"):
        return {}
    return dict(db.session.execute(
        sa.select(Dossier.id, Dossier.unit_id).where(Dossier.id.in_(
            sa.select(Nominee.dossier_id).where(Nominee.decision_id == item.id)))).all())


def _attachments(kind, item, step):
    """The step's papers (the DOCX: the editable draft), each followed by its electronic
    original when it was issued electronically ("<name>_issued_pdf", app/services/
    esigning.py), else by its signed scan when the Office attached one ("<name>_signed"):
    one query, and only for a step that sends papers. An electronic original above
    ``SIGNED_PDF_MAIL_MAX_MB`` goes as a link instead: (attachments, links)."""
    if not step.attaches:
        return [], []
    kept = dict(db.session.execute(sa.select(StoredDocument.name, StoredDocument.size).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item.id,
        StoredDocument.name.in_([f"{n}{suffix}" for n in step.attaches
                                 for suffix in ("_signed", "_issued_pdf")]),
        StoredDocument.superseded_at.is_(None))).all())
    limit = float(current_app.config.get("SIGNED_PDF_MAIL_MAX_MB") or 10) * 1024 * 1024
    out, links = [], []
    for name in step.attaches:
        out.append({"item_type": kind, "item_id": item.id, "name": name})
        issued = f"{name}_issued_pdf"
        if issued in kept and kept[issued] > limit:
            base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            links.append({"label": f"Bản điện tử đã ký số (PDF, "
                                   f"{kept[issued] / (1024 * 1024):.1f} MB)",
                          "url": f"{base}/api/v1/{PROCESSES[kind].collection}/{item.id}"
                                 f"/signed-pdfs/{issued}"})
            continue
        for suffix in ("_issued_pdf", "_signed"):
            if f"{name}{suffix}" in kept:
                out.append({"item_type": kind, "item_id": item.id, "name": f"{name}{suffix}"})
                break
    return out, links


def tell(process, item, event, step, actor=None):
    """One outbox row per person or address the step's audiences name, never the actor.

    People without an e-mail address still get the in-app notification. The people's
    rows are written by one INSERT … SELECT, however many units a campaign has. What a
    row names is scoped by its reader (``details``): the province's offices read every
    nominee; a unit's people and address only their own unit's; other addresses none.
    """
    kind = process.name
    selects = [q for q in (recipients(kind, item, a) for a in step.notify) if q is not None]
    addresses = {}
    for audience in step.notify:
        for name, email, scope in _addresses(item, audience):
            addresses.setdefault(email.strip().lower(), (name, email.strip(), scope))
    base = {
        "item_type": kind,
        "item_id": item.id,
        "trigger": event.trigger,
        "trigger_label": step.label,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "to_state_label": process.states[event.to_state],
        "comment": event.comment,
        "actor": actor.full_name if actor else None,
        "title": _title(process, item),
    }
    base["attachments"], links = _attachments(kind, item, step)
    if links:
        base["links"] = links
    unit_of = _nominee_units(kind, item, event.snapshot)
    snapshot = event.snapshot or {}
    named = {unit_of.get(n.get("dossier_id"), snapshot.get("unit_id"))
             for n in snapshot.get("nominees") or []} - {None}

    def payload(scope):
        return {**base, "details": details(kind, event.to_state, event.snapshot, scope,
                                           unit_of)}

    template = f"{kind}.{event.trigger}"
    mailed = set()
    if selects:
        told = sa.union(*selects).subquery()
        people = sa.select(User).where(User.id.in_(sa.select(told.c[0])))
        if actor is not None:
            people = people.where(User.id != actor.id)
        email = sa.func.nullif(sa.func.trim(sa.func.coalesce(User.email, "")), "")
        bulk.insert_from(OutboxMessage, {
            "event_id": sa.literal(event.id), "item_type": sa.literal(kind),
            "item_id": sa.literal(item.id), "template": sa.literal(template),
            "recipient_user_id": User.id, "recipient_name": User.full_name,
            "recipient_email": email, "payload": _payload_by_reader(payload, named),
            # no address: an in-app notification only, nothing for the mail worker
            "status": sa.case((email.is_(None), "in_app"), else_="pending"),
        }, people.order_by(User.id))
        if addresses:
            mailed = {e.lower() for e in db.session.scalars(
                people.with_only_columns(email).where(email.is_not(None)))}
    for key, (name, address, scope) in addresses.items():
        if key not in mailed:
            db.session.add(_message(kind, item.id, template, payload(scope), name, address,
                                    event_id=event.id))


def _payload_by_reader(payload, units):
    """The payload each recipient account reads, as one SQL expression of the INSERT …
    SELECT: everything for the province's offices, its own unit's part for a unit's
    people (a CASE over the ``units`` whose nominees the details name; one literal when
    nothing differs)."""
    def literal(value):
        return sa.literal(value, OutboxMessage.payload.type)

    full, outside = payload(EVERYONE), payload(OUTSIDE)
    per_unit = {u: payload(u) for u in sorted(units)}
    if all(p == full for p in (outside, *per_unit.values())):
        return literal(full)
    return sa.case(
        (User.id.in_(holder_ids(PROVINCE)), literal(full)),
        *((User.unit_id == u, literal(p)) for u, p in per_unit.items() if p != outside),
        else_=literal(outside))


# -- deadline reminders -----------------------------------------------------------------------------


def _remind(process, item, user, day, subject, lead):
    """One row per item, person and day; the unique log row makes a second run a no-op."""
    kind = process.name
    exists = db.session.scalar(sa.select(ReminderLog.id).where(
        ReminderLog.item_type == kind, ReminderLog.item_id == item.id,
        ReminderLog.user_id == user.id, ReminderLog.day == day))
    if exists:
        return 0
    db.session.add(ReminderLog(item_type=kind, item_id=item.id, user_id=user.id, day=day))
    db.session.add(_message(
        kind, item.id, f"reminder.{kind}",
        {"subject": subject, "lead": lead, "title": lead, "item_type": kind,
         "item_id": item.id, "to_state_label": process.states[item.state], "attachments": []},
        user.full_name, user.email, user.id))
    return 1


def send_reminders(day=None) -> dict:
    """Remind units of plans and dossiers due within REMINDER_DAYS that are still with
    them, and the Board's appraisers of items waiting longer than the appraisal time."""
    day = day or today()
    within = current_app.config["REMINDER_DAYS"]
    appraisal_days = int(reference.rule("appraisal_days", day, 5))
    counts = {"unit": 0, "board": 0}
    with transaction():
        for process, model, deadline in ((PLAN, Plan, Campaign.plan_deadline),
                                         (DOSSIER, Dossier, Campaign.dossier_deadline),
                                         (REGISTRATION, Registration,
                                          Campaign.registration_deadline)):
            what = process.noun
            due = db.session.execute(
                sa.select(model, deadline).join(Campaign, Campaign.id == model.campaign_id)
                .where(Campaign.state == "launched", model.state.in_(process.editable),
                       deadline.is_not(None), deadline >= day,
                       deadline <= day + timedelta(days=within))).all()
            for item, until in due:
                left = (until - day).days
                when = "hôm nay" if left == 0 else f"còn {left} ngày"
                subject = (f"[TĐKT] Nhắc hạn: {what} của {item.unit.name} hết hạn "
                           f"ngày {until:%d/%m/%Y}")
                lead = (f"Hạn gửi {what} của {item.unit.name} là ngày {until:%d/%m/%Y} "
                        f"({when}); {what} hiện chưa được gửi.")
                for user in role_holders(UNIT, [item.unit_id]):
                    counts["unit"] += _remind(process, item, user, day, subject, lead)
            cutoff = now_utc() - timedelta(days=appraisal_days)
            waiting = db.session.scalars(sa.select(model).where(
                model.state.in_(process.waiting_for("board_appraiser")),
                model.state_changed_at <= cutoff)).all()
            appraisers = role_holders(APPRAISER) if waiting else []
            for item in waiting:
                days = (now_utc() - item.state_changed_at).days
                subject = f"[TĐKT] Quá thời hạn thẩm định: {what} của {item.unit.name}"
                lead = (f"{what.capitalize()} của {item.unit.name} đã chờ xử lý {days} ngày, "
                        f"quá thời hạn {appraisal_days} ngày.")
                for user in appraisers:
                    counts["board"] += _remind(process, item, user, day, subject, lead)
    return counts


# -- reading and resending ----------------------------------------------------------------------


def mine(user, unread_only=False, page=1, per_page=20):
    """A page of this person's notifications, newest first."""
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient_user_id == user.id)
    if unread_only:
        query = query.where(OutboxMessage.read_at.is_(None))
    return paginate(query.order_by(OutboxMessage.id.desc()), page, per_page)


def open_notification(user, message_id):
    """One of this person's notifications, marked read now that it is opened."""
    with transaction():
        row = db.session.scalar(sa.select(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.recipient_user_id == user.id))
        if row is None:
            raise NotFound("Không tìm thấy thông báo.")
        if row.read_at is None:
            row.read_at = now_utc()
    return row


def unread_count(user) -> int:
    # count(*), answered from the (recipient, read_at) index without reading the rows
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient_user_id == user.id, OutboxMessage.read_at.is_(None)))


def mark_read(user, ids=None) -> int:
    """Mark the given notifications (or all) of this user as read."""
    with transaction():
        query = sa.update(OutboxMessage).where(
            OutboxMessage.recipient_user_id == user.id, OutboxMessage.read_at.is_(None))
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        result = db.session.execute(query.values(read_at=now_utc())
                                    .execution_options(synchronize_session=False))
    return result.rowcount


def for_item(user, kind, item):
    """Who was told about an item the caller has loaded (so may see), and whether delivery
    succeeded."""
    query = sa.select(OutboxMessage).where(
        OutboxMessage.item_type == kind, OutboxMessage.item_id == item.id)
    if kind == "decision" and not user.roles & PROVINCE_WIDE_DECISIONS:
        # An issued decision names many units: each sees what its own people were told,
        # not the other units' addresses.
        own = sa.select(User.id).where(User.unit_id == user.unit_id)
        query = query.where(OutboxMessage.recipient_user_id.in_(own))
    told = db.session.scalars(query.order_by(OutboxMessage.id)).all()
    if user.roles & FIXES_MAIL:
        return told
    return [_without_addresses(row) for row in told]


# Addresses and mail-server errors go to those who fix mail problems (the Board, on the
# outbox page); everyone else sees who was told and whether it went.
FIXES_MAIL = BOARD


# What the delivery recorded ("ClassName: message", app.delivery) in the words of those who
# fix mail: the first that matches; the raw error stays on the row, in the log and in the
# outbox page's detail.
_MAIL_ERRORS = (
    (("ConnectionRefusedError",), "Máy chủ thư từ chối kết nối (máy chủ không chạy hoặc "
                                  "sai cổng)."),
    (("TimeoutError", "socket.timeout", "timed out"),
     "Máy chủ thư không trả lời (hết thời gian chờ)."),
    (("gaierror", "Name or service not known", "nodename nor servname"),
     "Không tìm thấy máy chủ thư (tên máy chủ sai)."),
    (("SMTPRecipientsRefused",), "Máy chủ thư từ chối địa chỉ người nhận."),
    (("SMTPSenderRefused",), "Máy chủ thư từ chối địa chỉ người gửi."),
    (("SMTPAuthenticationError",), "Máy chủ thư không chấp nhận tên đăng nhập hoặc "
                                   "mật khẩu."),
    (("SSLError", "SSLCertVerificationError", "STARTTLS", "TLS"),
     "Không thiết lập được kết nối bảo mật (TLS) với máy chủ thư."),
    (("SMTPServerDisconnected", "ConnectionResetError", "BrokenPipeError"),
     "Máy chủ thư ngắt kết nối giữa chừng."),
    (("SMTPDataError", "SMTPResponseException"), "Máy chủ thư không nhận nội dung thư."),
)


def error_words(raw: str | None) -> str:
    """A recorded delivery error as a sentence; «Lỗi khi gửi thư.» when it is none known."""
    if not raw:
        return ""
    for marks, words in _MAIL_ERRORS:
        if any(mark in raw for mark in marks):
            return words
    return "Lỗi khi gửi thư."


def _without_addresses(row):
    shown = {column.key: getattr(row, column.key) for column in OutboxMessage.__table__.columns}
    return {**shown, "recipient_email": None, "last_error": None}


# Who sees, on an item's page, whether its mail went: the Board, who fix mail problems on
# the outbox page, and the Office, who issues decisions. Nobody else sees deliveries there,
# and nobody sees addresses or server errors there (those are on the outbox page only).
SEES_DELIVERY = BOARD | CLERK
# Mail that has not gone and needs someone: failed for good, or still retrying after an error.
PROBLEMS = "problems"


def _undelivered_mail():
    return sa.or_(OutboxMessage.status == "failed",
                  sa.and_(OutboxMessage.status.in_(("pending", "sending")),
                          OutboxMessage.last_error.is_not(None)))


def delivery_summary(user, kind, item):
    """For an item the caller has loaded: who was told and only whether the mail went
    ("sent", "waiting", "undelivered" or "in_app"); None for those who do not see it."""
    if not user.roles & SEES_DELIVERY:
        return None
    rows = db.session.execute(
        sa.select(OutboxMessage.recipient_name, OutboxMessage.status,
                  OutboxMessage.last_error, OutboxMessage.payload)
        .where(OutboxMessage.item_type == kind, OutboxMessage.item_id == item.id)
        .order_by(OutboxMessage.id)).all()
    return [{"name": name, "state": _delivery_state(status, error),
             "about": (payload or {}).get("trigger_label") or "Nhắc hạn"}
            for name, status, error, payload in rows]


def _delivery_state(status, error):
    if status in ("sent", "in_app"):
        return status
    if status == "failed" or error:
        return "undelivered"
    return "waiting"


def undelivered(user, status="failed", page=1, per_page=20):
    """A page of the messages in one delivery state, failed ones by default (Board);
    ``problems``: failed ones and those still retrying after an error."""
    require_role(user, BOARD, "xem thư chưa gửi được")
    where = _undelivered_mail() if status == PROBLEMS else OutboxMessage.status == status
    return paginate(sa.select(OutboxMessage).where(where)
                    .order_by(OutboxMessage.id.desc()), page, per_page)


def resend_failed(by=None) -> int:
    """Put every failed message back in the queue at once (after an outage that outlasted
    the retry window); returns how many. ``by``: the Board member, or None (console)."""
    if by is not None:
        require_role(by, BOARD, "gửi lại thư")
    with transaction():
        result = db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now_utc(), created_at=now_utc(),
                    claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False))
    return result.rowcount


def resend(message_id, by=None):
    """Put a failed message back in the queue, its tries counted afresh and its claim
    released. ``by``: the Board member asking; None for the operator at the console."""
    if by is not None:
        require_role(by, BOARD, "gửi lại thư")
    with transaction():
        row = db.session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            raise NotFound("Không tìm thấy thư.")
        if row.status != "failed":
            raise Conflict("Chỉ gửi lại được thư đã gửi thất bại.",
                           details={"status": row.status}, code="not_failed")
        # tries and the retry window start afresh
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now_utc()
        row.created_at = now_utc()
        row.claimed_by = row.claimed_at = None
    return row


_UNSENT = ("pending", "sending")


def gauges() -> tuple[int, float, int]:
    """For the metrics scrape: mail not yet sent, the age in seconds of its oldest row (0
    when none), and mail failed for good. One aggregate statement over the rows the status
    index selects (sent and in-app rows, the bulk of the table, are not read)."""
    unsent = OutboxMessage.status.in_(_UNSENT)
    depth, oldest, failed = db.session.execute(
        sa.select(sa.func.count().filter(unsent),
                  sa.func.min(OutboxMessage.created_at).filter(unsent),
                  sa.func.count().filter(OutboxMessage.status == "failed"))
        .where(OutboxMessage.status.in_((*_UNSENT, "failed")))).one()
    age = max((now_utc() - oldest).total_seconds(), 0.0) if oldest else 0.0
    return depth or 0, age, failed or 0
