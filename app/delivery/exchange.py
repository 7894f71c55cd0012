"""Delivering edXML packages: the outbox rows of channel "edxml" (app/services/exchange.py),
claimed, built and handed to the configured transport (app.axis) exactly as mail rows are
claimed and sent: one row's failure is that row's alone, a transport that is away is
retried with the outbox's back-off, a worker killed mid-send leaves its claim to lapse and
another sends the row again under the same send id (the axis keeps one copy)."""
import logging
import uuid

from flask import current_app

from app.axis import Refused, TransportError
from app.clock import now_utc
from app.delivery import _failed, _renew, claim
from app.extensions import db
from app.services import exchange

log = logging.getLogger(__name__)


def _refused(row, reason):
    """The axis refused the package for good (not a repeat): failed at once, its reason
    kept, listed for the Board, who can resend it once the cause is fixed."""
    row.attempts += 1
    row.status, row.last_error = "failed", f"Trục từ chối: {reason}"[:2000]
    row.claimed_by = row.claimed_at = None
    log.warning("edXML package %s refused: %s", row.send_id, reason)


def deliver_packages(limit=None) -> dict:
    """Send the packages that are due, once (nothing when the exchange is off)."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    carrier = exchange.transport()
    if carrier is None:
        return counts
    worker_id = uuid.uuid4().hex
    rows = claim(worker_id, limit or current_app.config["OUTBOX_BATCH"], exchange.CHANNEL)
    for index, row in enumerate(rows):
        try:
            package = exchange.package_of(row)
            result = carrier.send(package, row.send_id)
        except Exception as error:  # noqa: BLE001 - the axis away, or this row's own fault
            db.session.rollback()
            if not isinstance(error, TransportError):
                log.exception("edXML package %s could not be built", row.send_id)
            _failed(row, error)
            counts["failed" if row.status == "failed" else "retry"] += 1
        else:
            if isinstance(result, Refused):
                _refused(row, result.reason)
                counts["failed"] += 1
            else:  # accepted, or a repeat the axis already holds
                row.status, row.sent_at = "sent", now_utc()
                row.attempts += 1
                row.claimed_by = row.claimed_at = None
                row.last_error = None
                counts["sent"] += 1
        _renew(worker_id, rows[index + 1:])
        db.session.commit()
    return counts
