"""Electronic exchange (issue 23): an issued decision's edXML package travels through the
outbox like mail, and the recipients' status messages (01–06) come back and are kept.

Sending. ``enqueue_package`` adds, in the caller's transaction, one outbox row per package
(channel "edxml") with a stable send id: every copy of the row the worker sends (after a
crash, a retry, a resend) is the same package to the axis, which refuses a repeated id.
``EDXML_MODE`` "handoff" (default): one package to the Office's own document system with
every recipient that has an organ id in To; "direct": one package per recipient. The
package itself is built when it is sent (app/delivery/exchange.py), from the issued
decision as it is kept then.

Receipts. ``take_status`` checks a status message (it parses, answers a package we sent,
comes from an organ it was sent to) and keeps it once, whether it came by polling
(``poll``) or by the axis' callback (``check_callback_secret`` first). A 02 (Từ chối tiếp
nhận) tells the issuing body's Office (its clerks' notifications). ``receipts`` gives the
decision page each recipient's latest status; ``not_received`` the Board's overview.
"""
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import axis
from app.clock import local_zone, now_utc, today
from app.extensions import db
from app.models import Campaign, Decision, ExchangeReceipt, OutboxMessage, Unit, User
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.org import holder_ids
from app.services.tx import transaction
from workflows.roles import BOARD, CHAIRMAN, CLERK

CHANNEL = "edxml"
STATUS_NAMES = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
}
# what counts as received by the recipient's Văn thư (02 is a refusal)
RECEIVED = ("01", "03", "04", "05", "06")
BUSINESS_LABELS = {0: "Gửi văn bản điện tử (edXML)", 1: "Thu hồi văn bản điện tử (edXML)",
                   2: "Cập nhật văn bản điện tử (edXML)", 3: "Thay thế văn bản điện tử (edXML)"}


def enabled() -> bool:
    return bool(current_app.config.get("EXCHANGE_TRANSPORT"))


def transport():
    """The configured transport (app.axis), or None when the exchange is off."""
    config = current_app.config
    return axis.make(config.get("EXCHANGE_TRANSPORT", ""), {
        "url": config.get("EXCHANGE_AXIS_URL", ""),
        "system_id": config.get("EXCHANGE_SYSTEM_ID", ""),
        "secret": config.get("EXCHANGE_SECRET", ""),
        "timeout": config.get("EXCHANGE_TIMEOUT_SECONDS", 30),
        "outgoing": config.get("EXCHANGE_OUTGOING_DIR", ""),
        "incoming": config.get("EXCHANGE_INCOMING_DIR", ""),
    })


def mode() -> str:
    value = (current_app.config.get("EDXML_MODE") or "handoff").strip().lower()
    return value if value in ("handoff", "direct") else "handoff"


# -- identifiers ----------------------------------------------------------------------------------


def _organ_of(thing) -> str | None:
    value = (getattr(thing, "organ_id", None) or "").strip()
    return value or None


def normal_document_id(value: str) -> str | None:
    """``organ,YYYY/MM/DD,number/symbol`` with the number without leading zeros, so "05"
    and "5" name the same document; None when it is not of that form."""
    parts = (value or "").split(",")
    if len(parts) != 3:
        return None
    organ, day, code = (p.strip() for p in parts)
    number, _, symbol = code.partition("/")
    if len(organ) != 13 or not symbol or not number.isdigit():
        return None
    try:
        datetime.strptime(day, "%Y/%m/%d")
    except ValueError:
        return None
    return f"{organ},{day},{int(number)}/{symbol}"


def decision_document_id(decision) -> str | None:
    """The issued decision's DocumentId (normalised), from its issuing body's organ id;
    None when it has no number yet or its body no organ id."""
    if not decision.number or not decision.issued_on:
        return None
    campaign = db.session.get(Campaign, decision.campaign_id)
    organ = _organ_of(db.session.get(Unit, campaign.issuer_unit_id))
    if organ is None:
        return None
    return normal_document_id(f"{organ},{decision.issued_on:%Y/%m/%d},{decision.number}/"
                              f"{decision.symbol}")


def recipient_organs(decision) -> list[tuple[str, str]]:
    """(organ id, name) of the decision's Nơi nhận entries that carry an organ id, each once."""
    seen, out = set(), []
    for entry in decision.recipients:
        organ = _organ_of(entry)
        if organ and organ not in seen:
            seen.add(organ)
            out.append((organ, entry.label))
    return out


def packaged_organs(decision) -> set[str]:
    """The organ ids the decision's edXML packages go to (rows written so far, this
    transaction's included): those Nơi nhận entries get the package instead of mail."""
    if not enabled() or not isinstance(decision, Decision) or decision.id is None:
        return set()
    db.session.flush()
    organs = set()
    for payload in db.session.scalars(sa.select(OutboxMessage.payload).where(
            OutboxMessage.item_type == "decision", OutboxMessage.item_id == decision.id,
            OutboxMessage.channel == CHANNEL)):
        organs.update((payload or {}).get("to_organs", []))
    return organs


# -- sending --------------------------------------------------------------------------------------


def enqueue_package(decision, business_type=0, reason=None, replaces=None):
    """Add, in the caller's transaction, the outbox rows of one package of ``decision`` to
    its recipients with an organ id (none when the exchange is off or none has one): one row
    in hand-off mode (every recipient in To), one per recipient in direct mode. Each row has
    its own stable send id. Returns the rows."""
    if not enabled():
        return []
    organs = recipient_organs(decision)
    document_id = decision_document_id(decision)
    if not organs or document_id is None:
        return []  # no one to send to, or no DocumentId (its body has no organ id): mail
    groups = [organs] if mode() == "handoff" else [[o] for o in organs]
    label = BUSINESS_LABELS.get(int(business_type), BUSINESS_LABELS[0])
    number = f" số {decision.number_label}" if decision.number else ""
    rows = []
    for group in groups:
        names = ", ".join(name for _, name in group)
        row = OutboxMessage(
            item_type="decision", item_id=decision.id, template=f"exchange.package.{business_type}",
            recipient_name=(f"Hệ thống quản lý văn bản của Văn phòng (chuyển tới: {names})"
                            if mode() == "handoff" else names)[:255],
            recipient_email=None, channel=CHANNEL, status="pending",
            send_id=uuid.uuid4().hex, document_id=document_id,
            payload={"business_type": int(business_type), "reason": reason,
                     "replaces": replaces, "to_organs": [o for o, _ in group],
                     "organ_names": {o: n for o, n in group}, "trigger_label": label,
                     "title": f"Quyết định{number}", "attachments": []})
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


REPLY_ITEM = "incoming"  # outbox rows answering an incoming package (item_id: its row)


def enqueue_reply(incoming):
    """Add, in the caller's transaction (the one that records the refusal), the outbox row
    that sends the 02 answering a refused incoming package back to its sending organ (NĐ 30
    Điều 21 k2), through the configured transport, under a stable send id; none when the
    exchange is off (the 02 stays kept and served by the API)."""
    if not enabled() or not incoming.reply_key:
        return None
    organ = (incoming.from_organ_id or "").strip()
    name = incoming.from_name or organ or "Cơ quan gửi"
    row = OutboxMessage(
        item_type=REPLY_ITEM, item_id=incoming.id, template="exchange.status.02",
        recipient_name=name[:255], recipient_email=None, channel=CHANNEL, status="pending",
        send_id=uuid.uuid4().hex, document_id=(incoming.document_id or "")[:120] or None,
        payload={"kind": "status", "status_code": "02", "reply_key": incoming.reply_key,
                 "to_organs": [organ] if organ else [], "organ_names": {organ: name},
                 "trigger_label": "Trả lại văn bản đến (02 – Từ chối tiếp nhận)",
                 "title": f"Văn bản {incoming.code}" if incoming.code else "Văn bản đến",
                 "reason": incoming.reason, "attachments": []})
    db.session.add(row)
    db.session.flush()
    return row


def enqueue_issued(decision):
    """The issue step's hook: the issued decision's package (type 0), when it was issued
    electronically (the package carries the signed PDF); a paper issue goes by mail."""
    from app.services import esigning

    if not enabled():
        return []
    db.session.flush()
    if esigning.issued_pdf(decision.id) is None:
        return []
    return enqueue_package(decision, 0)


def package_of(row) -> bytes:
    """The package bytes of an outbox row, built from the decision as it is kept now (or,
    for a 02 answering an incoming package, the status message kept with it)."""
    from app.services import exchange_packages, storage  # the edxml branch's builder

    if row.item_type == REPLY_ITEM:
        return storage.read((row.payload or {})["reply_key"])

    decision = db.session.get(Decision, row.item_id)
    if decision is None:
        raise LookupError(f"decision {row.item_id} is gone")
    payload = row.payload or {}
    names = payload.get("organ_names") or {}
    return exchange_packages.package_for(
        decision, business_type=payload.get("business_type", 0), reason=payload.get("reason"),
        replaces=payload.get("replaces"),
        to_organs=[{"organ_id": o, "name": names.get(o) or o}
                   for o in payload.get("to_organs", [])])


# -- receipts -------------------------------------------------------------------------------------


def check_callback_secret(system_id: str | None, secret: str | None) -> bool:
    """The axis' callback carries the configured system id and secret, as our requests do."""
    config = current_app.config
    expected = config.get("EXCHANGE_SECRET") or ""
    if not expected or not secret:
        return False
    same_secret = hmac.compare_digest(secret.encode(), expected.encode())
    wanted_id = config.get("EXCHANGE_SYSTEM_ID") or ""
    same_id = not wanted_id or hmac.compare_digest((system_id or "").encode(), wanted_id.encode())
    return same_secret and same_id


def _parse(data: bytes):
    from app.edxml import EdxmlError, parse_status  # the one place that knows the format

    try:
        return parse_status(data)
    except EdxmlError as error:
        raise Invalid(f"Thông điệp trạng thái không hợp lệ: {error}",
                      code="status_invalid") from error


def _stated_at(message) -> datetime:
    stamp = message.timestamp
    if stamp is None:
        return now_utc()
    if stamp.tzinfo is None:  # the receiver's local time (the province's)
        stamp = stamp.replace(tzinfo=local_zone())
    return stamp.astimezone(UTC).replace(tzinfo=None)


def _store(data: bytes, source: str):
    """Check one status message and keep it (in the caller's transaction): the receipt,
    or None when the same message was kept already. Invalid when it does not answer a
    package we sent, from an organ it went to."""
    message = _parse(data)
    code = (message.status_code or "").strip()
    if code not in STATUS_NAMES:
        raise Invalid("Mã trạng thái phải từ 01 đến 06.", code="status_code_invalid")
    answered = normal_document_id(message.response_for.document_id)
    organ = (message.from_organ.organ_id or "").strip()
    if answered is None:
        raise Invalid("Thông điệp trạng thái không nêu mã văn bản (DocumentId) hợp lệ.",
                      code="document_id_invalid")
    if code == "02" and not (message.description or "").strip():
        raise Invalid("Trạng thái 02 (Từ chối tiếp nhận) phải nêu lý do.", code="reason_missing")
    sends = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.document_id == answered, OutboxMessage.channel == CHANNEL,
        OutboxMessage.item_type == "decision").order_by(OutboxMessage.id)).all()
    if not sends:
        raise Invalid("Thông điệp trạng thái trả lời một văn bản không do hệ thống gửi.",
                      code="not_our_package", details={"document_id": answered})
    send = next((s for s in reversed(sends) if organ in (s.payload or {}).get("to_organs", [])),
                None)
    if send is None:
        raise Invalid("Thông điệp trạng thái đến từ một cơ quan không được gửi văn bản này.",
                      code="not_a_recipient", details={"organ_id": organ})
    digest = hashlib.sha256(data).hexdigest()
    if db.session.scalar(sa.select(ExchangeReceipt.id).where(
            ExchangeReceipt.message_sha256 == digest)):
        return None
    staff = message.staff
    receipt = ExchangeReceipt(
        decision_id=send.item_id, outbox_id=send.id, organ_id=organ, document_id=answered,
        status_code=code, description=(message.description or "").strip()[:4000] or None,
        staff=(", ".join(x for x in (staff.staff, staff.department) if x) or None)
        if staff else None,
        stated_at=_stated_at(message), received_at=now_utc(), source=source,
        message_sha256=digest)
    db.session.add(receipt)
    if code == "02":
        _alert_office(send, receipt)
    return receipt


def _alert_office(send, receipt):
    """A 02 tells the issuing body's Office in their notifications, with the reason: the
    body's own clerks; when it has none, the Office's (a unit of kind "office", e.g. Văn
    phòng UBND tỉnh, who issue for the Ủy ban); else every clerk."""
    from app.services.outbox import _message  # one row shape for every notification

    decision = db.session.get(Decision, send.item_id)
    campaign = db.session.get(Campaign, decision.campaign_id)
    clerks = (db.session.scalars(holder_ids(CLERK, [campaign.issuer_unit_id])).all()
              or db.session.scalars(holder_ids(CLERK, sa.select(Unit.id).where(
                  Unit.kind == "office"))).all()
              or db.session.scalars(holder_ids(CLERK)).all())
    organ_name = (send.payload or {}).get("organ_names", {}).get(receipt.organ_id) \
        or receipt.organ_id
    title = f"Quyết định số {decision.number_label}" if decision.number else decision.title
    subject = f"[TĐKT] {organ_name} từ chối tiếp nhận {title}"
    lead = (f"{organ_name} đã từ chối tiếp nhận {title} gửi qua trục liên thông. "
            f"Lý do: {receipt.description}")
    for user in db.session.scalars(sa.select(User).where(User.id.in_(clerks))
                                   .order_by(User.id)):
        db.session.add(_message(
            "decision", decision.id, "exchange.refused",
            {"subject": subject, "lead": lead, "title": title, "item_type": "decision",
             "item_id": decision.id, "trigger_label": "Từ chối tiếp nhận",
             "to_state_label": "Từ chối tiếp nhận", "attachments": []},
            user.full_name, user.email, user.id))


def take_status(data: bytes, source="callback"):
    """One status message, in its own transaction (the callback)."""
    with transaction():
        return _store(data, source)


def poll(limit=200) -> dict:
    """Fetch the status messages waiting at the transport, keep each (each in its own
    transaction: a bad one does not hold up the others) and acknowledge what was kept or
    refused for good. Returns counts."""
    carrier = transport()
    counts = {"kept": 0, "repeated": 0, "refused": 0}
    if carrier is None:
        return counts
    done = []
    for incoming in carrier.fetch_statuses()[:limit]:
        try:
            receipt = take_status(incoming.data, "poll")
        except Invalid as error:
            current_app.logger.warning("status message %s refused: %s", incoming.handle,
                                       error.message)
            counts["refused"] += 1
        else:
            counts["kept" if receipt is not None else "repeated"] += 1
        done.append(incoming.handle)
    carrier.acknowledge(done)
    return counts


# -- reads ----------------------------------------------------------------------------------------


def may_see(user) -> bool:
    return bool(set(user.roles) & (BOARD | CHAIRMAN | CLERK))


def receipts(decision) -> list[dict]:
    """Per recipient with an organ id that a package went to: its latest status and the
    time the recipient stated, newest first among equals by id (two queries)."""
    sends = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_type == "decision", OutboxMessage.item_id == decision.id,
        OutboxMessage.channel == CHANNEL).order_by(OutboxMessage.id)).all()
    if not sends:
        return []
    latest = {}
    for row in db.session.scalars(sa.select(ExchangeReceipt).where(
            ExchangeReceipt.decision_id == decision.id)
            .order_by(ExchangeReceipt.stated_at, ExchangeReceipt.id)):
        latest[row.organ_id] = row
    out, seen = [], set()
    for send in sends:
        payload = send.payload or {}
        for organ in payload.get("to_organs", []):
            if organ in seen:
                continue
            seen.add(organ)
            receipt = latest.get(organ)
            out.append({
                "organ_id": organ, "name": payload.get("organ_names", {}).get(organ, organ),
                "send_state": send.status, "sent_at": send.sent_at,
                "status_code": receipt.status_code if receipt else None,
                "status_name": STATUS_NAMES.get(receipt.status_code) if receipt else None,
                "reason": receipt.description if receipt and receipt.status_code == "02"
                else None,
                "stated_at": receipt.stated_at if receipt else None,
            })
    return out


def decision_receipts(user, decision_id) -> list[dict]:
    """The API's read: the province's offices see the receipts of any issued decision."""
    if not may_see(user):
        raise Forbidden("Chỉ Ban Thi đua – Khen thưởng, lãnh đạo và Văn phòng UBND xem được "
                        "trạng thái văn bản điện tử.")
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("Không tìm thấy quyết định.")
    return receipts(decision)


def working_days_ago(days: int, on=None):
    """The date ``days`` working days (Monday to Friday) before ``on`` (today)."""
    day = on or today()
    while days > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def not_received(limit=None) -> list[dict]:
    """Issued decisions whose package was sent EXCHANGE_RECEIPT_WORKING_DAYS working days
    ago or more and that some recipient has not received (its latest status is none, or a
    02: a refusal after a 01 is not a receipt): [{decision_id, missing: [{organ_id, name}]}], two queries."""
    days = int(current_app.config.get("EXCHANGE_RECEIPT_WORKING_DAYS") or 2)
    before = datetime.combine(working_days_ago(days) + timedelta(days=1), datetime.min.time(),
                              tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)
    sends = db.session.execute(sa.select(OutboxMessage.item_id, OutboxMessage.payload)
                               .where(OutboxMessage.channel == CHANNEL,
                                      OutboxMessage.item_type == "decision",
                                      OutboxMessage.status == "sent",
                                      OutboxMessage.sent_at < before)).all()
    wanted, names = {}, {}
    for item_id, payload in sends:
        payload = payload or {}
        if payload.get("business_type", 0) == 0:
            wanted.setdefault(item_id, set()).update(payload.get("to_organs", []))
            names.update(payload.get("organ_names", {}))
    if not wanted:
        return []
    latest = {}  # (decision, organ) -> its latest code: a 02 after a 01 is not received
    for decision_id, organ, code in db.session.execute(
            sa.select(ExchangeReceipt.decision_id, ExchangeReceipt.organ_id,
                      ExchangeReceipt.status_code)
            .where(ExchangeReceipt.decision_id.in_(sorted(wanted)))
            .order_by(ExchangeReceipt.stated_at, ExchangeReceipt.id)):
        latest[(decision_id, organ)] = code
    got = {}
    for (decision_id, organ), code in latest.items():
        if code in RECEIVED:
            got.setdefault(decision_id, set()).add(organ)
    out = [{"decision_id": d, "missing": [{"organ_id": o, "name": names.get(o, o)}
                                          for o in sorted(organs - got.get(d, set()))]}
           for d, organs in sorted(wanted.items()) if organs - got.get(d, set())]
    return out[:limit] if limit else out
