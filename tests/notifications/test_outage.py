"""When the mail server is away: steps still succeed, their mail waits (tries counted, the
error kept) and arrives exactly once when the server is back; after the last try a message
is failed, shown to the Board and sent again on request; a step that fails tells no one."""
import signal
import smtplib
import socket
import ssl
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import now_utc
from app.delivery import deliver_due
from app.extensions import db
from app.models import OutboxMessage, WorkflowEvent
from app.services import outbox
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import addr, count_rows, rows

NOTHING = {"sent": 0, "retry": 0, "failed": 0}


def test_steps_succeed_while_the_server_is_away_and_mail_arrives_once_later(
        world, api, smtp_server, config):
    campaign = helpers.make_campaign(world)  # four participants told of the launch
    smtp_server.stop()
    plan = helpers.complete_plan(world, campaign)
    r = api("staff_a").fire("plan", plan.id, "submit")
    assert r.status_code == 200, r.get_json()
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    assert plan.state == "submitted"
    waiting = rows(status="pending")
    assert len(waiting) == 6

    # first try: the server refuses; every row waits, its try counted, the error kept
    before = now_utc()
    assert deliver_due() == {"sent": 0, "retry": 6, "failed": 0}
    for row in rows():
        assert (row.status, row.attempts, row.sent_at, row.claimed_by) == (
            "pending", 1, None, None)
        assert "refused" in row.last_error.lower()
        # back-off: OUTBOX_BACKOFF_SECONDS (60) before the next try
        assert before + timedelta(seconds=55) <= row.next_attempt_at
        assert row.next_attempt_at <= now_utc() + timedelta(seconds=65)
    assert deliver_due() == NOTHING  # not due yet

    config(OUTBOX_BACKOFF_SECONDS=0)
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=now_utc()))
    db.session.commit()  # the minute has passed
    assert deliver_due() == {"sent": 0, "retry": 6, "failed": 0}
    assert {(r.status, r.attempts) for r in rows()} == {("pending", 2)}

    smtp_server.start()
    assert deliver_all() == {"sent": 6, "retry": 0, "failed": 0}
    assert deliver_all() == NOTHING
    got = smtp_server.take()
    assert Counter((r.to, r.subject) for r in got) == Counter({
        (addr("staff_a"), f"[TĐKT] Phát động: {campaign.title}"): 1,
        (addr("head_a"), f"[TĐKT] Phát động: {campaign.title}"): 1,
        (addr("staff_b"), f"[TĐKT] Phát động: {campaign.title}"): 1,
        (addr("head_b"), f"[TĐKT] Phát động: {campaign.title}"): 1,
        (addr("head_a"), "[TĐKT] Trình thủ trưởng: Kế hoạch hưởng ứng của Sở Y tế"): 1,
        (addr("appraiser"), "[TĐKT] Ký duyệt, gửi Ban TĐKT: Kế hoạch hưởng ứng của Sở Y tế"): 1,
    })
    for row in rows():
        assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
        assert row.sent_at is not None


def _one_failed_message(world, smtp_server, config):
    """The launch delivered; then the server goes away and the head's mail fails for good."""
    campaign = helpers.make_campaign(world)
    deliver_all()
    smtp_server.take()
    config(OUTBOX_MAX_ATTEMPTS=2, OUTBOX_BACKOFF_SECONDS=0)
    smtp_server.stop()
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    assert deliver_due() == {"sent": 0, "retry": 1, "failed": 0}
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 1}
    (row,) = rows(status="failed")
    assert (row.attempts, row.recipient_email) == (2, addr("head_a"))
    assert "refused" in row.last_error.lower()
    assert deliver_due() == NOTHING  # a failed message waits for a person
    return row


def test_a_failed_message_is_shown_to_the_board_and_sent_again(world, api, smtp_server, config):
    row = _one_failed_message(world, smtp_server, config)
    for who in ("board_head", "appraiser"):
        r = api(who).get("/api/v1/outbox")
        assert r.status_code == 200
        (item,) = r.get_json()["items"]
        assert (item["id"], item["status"], item["attempts"], item["recipient_email"]) == (
            row.id, "failed", 2, addr("head_a"))
        assert item["last_error"] == row.last_error
    for who in ("staff_a", "head_a", "staff_b", "chairman", "clerk"):
        assert api(who).get("/api/v1/outbox").status_code == 403
        assert api(who).post(f"/api/v1/outbox/{row.id}/resend").status_code == 403
    assert {i["id"] for i in api("appraiser").get("/api/v1/outbox?status=sent")
            .get_json()["items"]} == {r.id for r in rows(status="sent")}

    smtp_server.start()
    assert deliver_all() == NOTHING and not smtp_server.received
    r = api("appraiser").post(f"/api/v1/outbox/{row.id}/resend")
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["attempts"]) == ("pending", 0)
    assert api("appraiser").post(f"/api/v1/outbox/{row.id}/resend").status_code == 409
    assert api("appraiser").post("/api/v1/outbox/999999/resend").status_code == 404

    assert deliver_all() == {"sent": 1, "retry": 0, "failed": 0}
    (message,) = smtp_server.take()
    assert message.to == addr("head_a")
    assert message.subject == "[TĐKT] Trình thủ trưởng: Kế hoạch hưởng ứng của Sở Y tế"
    (row,) = rows(id=row.id)
    assert (row.status, row.attempts) == ("sent", 1)
    assert api("board_head").get("/api/v1/outbox").get_json()["items"] == []


def test_the_command_line_resends_and_delivers(app, world, smtp_server, config):
    row = _one_failed_message(world, smtp_server, config)
    # a claim left on the row (a worker that died mid-send) is released, as by the API
    row.claimed_by, row.claimed_at = "worker-that-died", now_utc()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "resend", str(row.id)])
    assert result.exit_code == 0, result.output
    (again,) = rows(id=row.id)
    assert (again.status, again.attempts, again.claimed_by, again.claimed_at) == (
        "pending", 0, None, None)
    assert runner.invoke(args=["notifications", "resend", str(row.id)]).exit_code == 2

    smtp_server.start()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = runner.invoke(args=["notifications", "work", "--once"])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert result.exit_code == 0, result.output
    assert "Delivered: 1 sent, 0 to retry, 0 failed." in result.output
    assert [m.to for m in smtp_server.take()] == [addr("head_a")]
    assert rows(id=row.id)[0].status == "sent"


def test_a_step_that_fails_after_writing_its_outbox_rows_tells_no_one(
        world, api, smtp_server, monkeypatch):
    campaign = helpers.make_campaign(world)
    deliver_all()
    smtp_server.take()
    plan = helpers.complete_plan(world, campaign)
    before = count_rows()
    original = outbox.tell
    written = []

    def enqueue_then_fail(process, item, event, step, actor=None):
        original(process, item, event, step, actor=actor)
        db.session.flush()  # the rows are in the database, inside the step's transaction
        written.append(count_rows() - before)
        raise RuntimeError("hỏng sau khi ghi hộp thư đi")

    monkeypatch.setattr(outbox, "tell", enqueue_then_fail)
    with pytest.raises(RuntimeError, match="hộp thư đi"):
        helpers.fire(world, "plan", plan, "staff_a", "submit")
    r = api("staff_a").fire("plan", plan.id, "submit")
    assert r.status_code == 500
    assert written == [1, 1]

    db.session.expire_all()
    assert count_rows() == before
    assert plan.state == "draft"
    assert not db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)).where(
        WorkflowEvent.item_type == "plan", WorkflowEvent.trigger == "submit"))
    assert deliver_all() == NOTHING
    assert not smtp_server.received


def test_the_outbox_page_says_what_failed_in_words(world, client, smtp_server, config, caplog):
    """Issue 22 #10: the Board reads «Máy chủ thư từ chối kết nối», not the exception; the
    raw error stays in the log and in the page's technical detail."""
    import re

    from tests.web.test_views import login

    with caplog.at_level("WARNING", logger="app.delivery"):
        row = _one_failed_message(world, smtp_server, config)
    assert any(str(row.id) in r.getMessage() and row.last_error in r.getMessage()
               for r in caplog.records)
    login(client, "appraiser")
    page = client.get("/outbox").get_data(as_text=True)
    (cell,) = re.findall(r"<td>(Máy chủ thư[^<]*)<details[^>]*><summary>Chi tiết kỹ thuật"
                         r"</summary><code[^>]*>([^<]*)</code>", page)
    assert cell[0].startswith("Máy chủ thư từ chối kết nối")
    assert "ConnectionRefusedError" in cell[1]
    # the main text is the sentence: the exception appears only in the detail
    assert page.count("ConnectionRefusedError") == 1


@pytest.mark.parametrize(("error", "words"), [
    (ConnectionRefusedError(111, "Connection refused"), "từ chối kết nối"),
    (TimeoutError("timed out"), "hết thời gian chờ"),
    (socket.gaierror(-2, "Name or service not known"), "Không tìm thấy máy chủ"),
    (smtplib.SMTPRecipientsRefused({"a@x.test": (550, b"no such user")}),
     "từ chối địa chỉ người nhận"),
    (smtplib.SMTPSenderRefused(553, b"denied", "tdkt@x.test"),
     "từ chối địa chỉ người gửi"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
     "tên đăng nhập hoặc mật khẩu"),
    (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
     "kết nối bảo mật (TLS)"),
    (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."),
     "kết nối bảo mật (TLS)"),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     "ngắt kết nối"),
    (ValueError("something odd"), "Lỗi khi gửi thư."),
])
def test_mail_errors_read_as_sentences(error, words):
    # recorded as app.delivery records it
    assert words in outbox.error_words(f"{error.__class__.__name__}: {error}")
