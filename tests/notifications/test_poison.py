"""A message that cannot be built or sent fails on its own: it is recorded with its error,
retried or failed, and never holds up another message."""
from flask_mail import BadHeaderError

from app import delivery
from app.delivery import deliver_due
from app.extensions import db
from app.models import OutboxMessage
from tests.notifications.support import addr, rows


def _row(name, email, payload=None, **kw):
    payload = payload if payload is not None else {
        "trigger_label": "Phát động", "title": "Phong trào thi đua", "attachments": []}
    row = OutboxMessage(item_type="campaign", item_id=1, template="campaign.launch",
                        recipient_name=name, recipient_email=email, payload=payload, **kw)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_message_that_cannot_be_built_holds_up_no_other(world, smtp_server, config,
                                                          monkeypatch):
    """Flask-Mail refuses a header it finds unsafe (BadHeaderError), whatever the cause:
    that row is recorded with its error and tried again later; its batch-mates go."""
    config(OUTBOX_BATCH=10, OUTBOX_MAX_ATTEMPTS=2, OUTBOX_BACKOFF_SECONDS=0)
    poison = _row("Hỏng", addr("staff_a"))
    others = [_row(f"Người nhận {i}", f"r{i}@tdkt.test") for i in range(9)]
    real = delivery.build_message

    def build(row):
        if row.id == poison.id:
            raise BadHeaderError("header refused")
        return real(row)

    monkeypatch.setattr(delivery, "build_message", build)
    assert deliver_due() == {"sent": 9, "retry": 1, "failed": 0}
    assert {r.to for r in smtp_server.take()} == {f"r{i}@tdkt.test" for i in range(9)}
    db.session.expire_all()
    assert all(r.status == "sent" for r in others)
    assert (poison.status, poison.attempts, poison.claimed_by) == ("pending", 1, None)
    assert "BadHeaderError" in poison.last_error

    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 1}
    assert rows(status="sending") == []
    assert (poison.status, poison.attempts) == ("failed", 2)


def test_a_broken_payload_fails_its_own_row_only(world, smtp_server, config):
    config(OUTBOX_MAX_ATTEMPTS=1)
    broken = _row("Hỏng", addr("staff_a"), payload={"trigger_label": "x", "title": "y",
                                                    "attachments": ["not a reference"]})
    fine = _row("Người nhận", addr("head_a"))
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 1}
    db.session.expire_all()
    assert (broken.status, fine.status) == ("failed", "sent")
    assert broken.last_error
