"""Delivery: outbox rows rendered into Vietnamese mail and sent by Flask-Mail.

Rows are written by the services in the transaction of what causes them
(app/services/outbox.py); this package only claims them, renders them and sends them,
so a step that rolled back tells no one and a committed one is never forgotten.
"""
import hashlib
import logging
import smtplib
import uuid
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc
from app.delivery.message import VietnameseMessage
from app.extensions import db, mail
from app.models import OutboxMessage, StoredDocument
from app.services import storage
from workflows import PROCESSES

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "[TĐKT]"


def item_link(kind, item_id) -> str:
    """The item's page, under the configured public base URL."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/{PROCESSES[kind].collection}/{item_id}"


def _attachments(payload):
    """The stored final documents named in the payload: bytes exactly as kept."""
    out = []
    for ref in payload.get("attachments", []):
        doc = db.session.scalars(sa.select(StoredDocument).where(
            StoredDocument.item_type == ref["item_type"], StoredDocument.item_id == ref["item_id"],
            StoredDocument.name == ref["name"], StoredDocument.superseded_at.is_(None))).first()
        if doc is None:
            raise LookupError(f"document {ref} is not kept yet")
        out.append((doc.filename, storage.read(doc.storage_key, doc.sha256)))
    return out


def _render_template(template, /, **context):
    """Mail is rendered outside any request (worker thread, CLI): straight from the Jinja
    environment, so the pages' context processors (which expect a request) never run."""
    return current_app.jinja_env.get_template(template).render(**context)


def render(row: OutboxMessage):
    """(subject, text, html, attachments) of one outbox row."""
    payload = row.payload or {}
    if payload.get("subject"):  # reminders carry their own wording
        subject, lead = payload["subject"], payload.get("lead", "")
    else:
        subject = f"{SUBJECT_PREFIX} {payload['trigger_label']}: {payload['title']}"
        actor = payload.get("actor") or "Hệ thống"
        lead = f"{actor} đã thực hiện «{payload['trigger_label']}» đối với {payload['title']}."
    attachments = _attachments(payload)
    context = {"name": row.recipient_name or "anh/chị", "lead": lead, "subject": subject,
               "title": payload.get("title", ""), "payload": payload,
               "link": item_link(row.item_type, row.item_id),
               "attachments": [name for name, _ in attachments]}
    return (subject, _render_template("email/notification.txt", **context),
            _render_template("email/notification.html", **context), attachments)


def _mail_domain() -> str:
    """The domain mail is sent from: MAIL_DEFAULT_SENDER's, else PUBLIC_BASE_URL's host."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    address = sender[1] if isinstance(sender, (tuple, list)) else parseaddr(sender)[1]
    domain = (address.rpartition("@")[2] if "@" in address else "") or urlsplit(
        current_app.config.get("PUBLIC_BASE_URL") or "").hostname or "localhost"
    try:
        return domain.strip().lower().encode("idna").decode("ascii")
    except UnicodeError:
        return "localhost"


def message_id(row: OutboxMessage) -> str:
    """The Message-ID of every copy of one outbox row: delivery is at least once (a worker
    killed between the server's acceptance and its commit sends the row again), and a
    reader or a receiving system must see the copy as the same message. Derived from the
    row alone (its id, when it was written, to whom), so any worker, at any time, gives the
    same one; the hash keeps two installations' rows of the same id apart."""
    digest = hashlib.sha256(
        f"{row.id}|{row.created_at:%Y-%m-%dT%H:%M:%S.%f}|{row.recipient_email}".encode()
    ).hexdigest()[:16]
    return f"<outbox-{row.id}.{digest}@{_mail_domain()}>"


def build_message(row: OutboxMessage) -> VietnameseMessage:
    subject, text, html, attachments = render(row)
    message = VietnameseMessage(subject=subject, recipients=[(row.recipient_name,
                                                              row.recipient_email)],
                                body=text, html=html)
    message.msgId = message_id(row)  # Flask-Mail's own is new for every copy
    for filename, data in attachments:
        message.attach(filename=filename, data=data,
                       content_type="application/pdf" if filename.lower().endswith(".pdf")
                       else "application/vnd.openxmlformats-officedocument."
                            "wordprocessingml.document")
    return message


def claim(worker_id: str, limit: int, channel: str = "mail") -> list[OutboxMessage]:
    """Mark up to ``limit`` due rows as ours in one statement, and commit.

    PostgreSQL: rows another worker is claiming are skipped (FOR UPDATE SKIP LOCKED);
    SQLite: the single UPDATE runs under the database's write lock. A row claimed by a
    worker that died is claimed again once its lease has run out.
    """
    now = now_utc()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due = (sa.select(OutboxMessage.id)
           .where(OutboxMessage.channel == channel, sa.or_(
               sa.and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
               sa.and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - lease)))
           .order_by(OutboxMessage.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status="sending", claimed_by=worker_id, claimed_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.claimed_by == worker_id, OutboxMessage.status == "sending",
        OutboxMessage.channel == channel)
        .order_by(OutboxMessage.id)).all()


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: doubling from OUTBOX_BACKOFF_SECONDS, capped at
    OUTBOX_BACKOFF_MAX_SECONDS so a long outage is still tried regularly."""
    config = current_app.config
    return min(config["OUTBOX_BACKOFF_SECONDS"] * 2 ** min(attempts - 1, 30),
               config["OUTBOX_BACKOFF_MAX_SECONDS"])


def _failed(row, error):
    """Record a failed try; the row waits for the next, or fails once the retry window
    (OUTBOX_RETRY_HOURS from when it was written) or the cap on tries (when set) is out."""
    config = current_app.config
    row.attempts += 1
    row.last_error = f"{error.__class__.__name__}: {error}"[:2000]
    log.warning("outbox message %s not sent (try %s): %s", row.id, row.attempts, row.last_error)
    row.claimed_by = row.claimed_at = None
    next_at = now_utc() + timedelta(seconds=retry_delay(row.attempts))
    window_ends = row.created_at + timedelta(hours=config["OUTBOX_RETRY_HOURS"])
    cap = config["OUTBOX_MAX_ATTEMPTS"]
    if (cap and row.attempts >= cap) or next_at > window_ends:
        row.status = "failed"
    else:
        row.status, row.next_attempt_at = "pending", next_at


def _renew(worker_id, rows):
    """Our claim on the rows still to send is renewed: only a worker that stopped lets its
    lease run out, so the lease can be short."""
    ids = [r.id for r in rows]
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker_id)
            .values(claimed_at=now_utc()).execution_options(synchronize_session=False))


def deliver_due(limit=None) -> dict:
    """Send what is due, once. Each row is committed as sent right after its send."""
    worker_id = uuid.uuid4().hex
    rows = claim(worker_id, limit or current_app.config["OUTBOX_BATCH"])
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not rows:
        return counts
    try:
        connection = mail.connect()
        connection.__enter__()
    except (OSError, smtplib.SMTPException) as error:
        for row in rows:  # the server is away: every claimed row waits for the next try
            _failed(row, error)
            counts["failed" if row.status == "failed" else "retry"] += 1
        db.session.commit()
        return counts
    try:
        for index, row in enumerate(rows):
            try:
                connection.send(build_message(row))
            except Exception as error:  # noqa: BLE001 - one row's fault is that row's alone
                # Whatever this row's problem (a header Flask-Mail refuses, a broken payload,
                # the server dropping us), it is recorded on this row and retried or failed
                # by the back-off; the rest of the batch goes on and no claim is left behind.
                db.session.rollback()
                _failed(row, error)
                counts["failed" if row.status == "failed" else "retry"] += 1
            else:
                row.status, row.sent_at = "sent", now_utc()
                row.attempts += 1
                row.claimed_by = row.claimed_at = None
                row.last_error = None
                counts["sent"] += 1
            _renew(worker_id, rows[index + 1:])
            db.session.commit()
    finally:
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):
            pass
    return counts
