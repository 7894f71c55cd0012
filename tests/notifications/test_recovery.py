"""Outbox recovery (issue 10 #14): a killed worker's rows come back after a short lease;
a weekend outage does not fail Monday's mail (capped back-off, retried for
OUTBOX_RETRY_HOURS); the Board resends every failed message at once (API, page, CLI)."""
from datetime import timedelta

import sqlalchemy as sa
from freezegun import freeze_time

from app.clock import now_utc
from app.delivery import claim, deliver_due
from app.extensions import db
from app.models import OutboxMessage
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import rows
from tests.web.test_views import csrf_of, login


def test_a_killed_workers_rows_wait_only_a_short_lease(app, world, smtp_server):
    helpers.make_campaign(world)  # four messages
    assert len(claim("killed-worker", 50)) == 4  # then the process is killed
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    lease = app.config["OUTBOX_LEASE_SECONDS"]
    assert lease <= 120
    with freeze_time(now_utc() + timedelta(seconds=lease + 1)):
        assert deliver_due() == {"sent": 4, "retry": 0, "failed": 0}
    assert len(smtp_server.take()) == 4


def test_a_worker_renews_its_claim_while_it_sends(app, world, smtp_server, monkeypatch):
    """A batch slower than the lease is not taken over by another worker."""
    from app import delivery

    helpers.make_campaign(world)
    seen, real = [], delivery.build_message
    start = now_utc()

    def slow(row):
        with freeze_time(start + timedelta(seconds=200 * (len(seen) + 1))):
            seen.append(db.session.scalar(sa.select(OutboxMessage.claimed_at).where(
                OutboxMessage.id == row.id)))
            delivery._renew("probe", [])  # the clock has moved on; nothing else to do
        return real(row)

    monkeypatch.setattr(delivery, "build_message", slow)
    original_renew = delivery._renew

    def renew(worker_id, rest):
        with freeze_time(start + timedelta(seconds=200 * len(seen))):
            original_renew(worker_id, rest)

    monkeypatch.setattr(delivery, "_renew", renew)
    assert deliver_due()["sent"] == 4
    # each later row's claim was renewed after the previous send, never left to lapse
    assert all(b > a for a, b in zip(seen, seen[1:], strict=False)), seen


def test_a_weekend_outage_does_not_fail_mondays_mail(app, world, smtp_server, config):
    config(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_MAX_SECONDS=1800, OUTBOX_RETRY_HOURS=72)
    smtp_server.stop()
    start = now_utc()
    helpers.make_campaign(world)
    now, tries = start, 0
    while now < start + timedelta(hours=60):  # Friday evening to Monday morning
        with freeze_time(now):
            counts = deliver_due()
        assert counts["failed"] == 0, (now - start)
        tries += counts["retry"] // 4
        due = max(r.next_attempt_at for r in rows())
        assert due - now <= timedelta(seconds=1800)  # the back-off is capped
        now = due
    assert {r.status for r in rows()} == {"pending"}
    assert tries > 100  # still tried regularly
    smtp_server.start()
    with freeze_time(now):
        assert deliver_due() == {"sent": 4, "retry": 0, "failed": 0}


def test_past_the_retry_window_a_message_fails(app, world, smtp_server, config):
    config(OUTBOX_RETRY_HOURS=1, OUTBOX_BACKOFF_SECONDS=1800)
    smtp_server.stop()
    start = now_utc()
    helpers.make_campaign(world)
    assert deliver_due()["retry"] == 4
    with freeze_time(start + timedelta(minutes=31)):
        assert deliver_due() == {"sent": 0, "retry": 0, "failed": 4}


def _failed_rows(world, smtp_server, config, n_campaigns=2):
    config(OUTBOX_MAX_ATTEMPTS=1)
    smtp_server.stop()
    for _ in range(n_campaigns):
        helpers.make_campaign(world)
    deliver_all()
    failed = rows(status="failed")
    assert len(failed) == 4 * n_campaigns
    smtp_server.start()
    return failed


def test_the_board_resends_every_failed_message_at_once_by_api(world, api, smtp_server,
                                                                config):
    _failed_rows(world, smtp_server, config)
    assert api("staff_a").post("/api/v1/outbox/resend-failed").status_code == 403
    r = api("appraiser").post("/api/v1/outbox/resend-failed")
    assert r.status_code == 200 and r.get_json() == {"queued": 8}
    assert deliver_all() == {"sent": 8, "retry": 0, "failed": 0}
    assert api("appraiser").post("/api/v1/outbox/resend-failed").get_json() == {"queued": 0}


def test_the_board_resends_every_failed_message_from_the_page(app, client, world, smtp_server,
                                                               config):
    _failed_rows(world, smtp_server, config, 1)
    login(client, "board_head")
    page = client.get("/outbox").get_data(as_text=True)
    assert "Gửi lại tất cả thư thất bại" in page
    r = client.post("/outbox/resend-failed", data={"csrf_token": csrf_of(page)},
                    follow_redirects=True)
    assert "Đã đưa mọi thư gửi thất bại vào hàng đợi gửi lại." in r.get_data(as_text=True)
    assert {r.status for r in rows()} == {"pending"}


def test_the_command_line_resends_every_failed_message(app, world, smtp_server, config):
    _failed_rows(world, smtp_server, config, 1)
    result = app.test_cli_runner().invoke(args=["notifications", "resend", "--all-failed"])
    assert result.exit_code == 0, result.output
    assert "4 failed messages queued again." in result.output
    assert deliver_all()["sent"] == 4
    result = app.test_cli_runner().invoke(args=["notifications", "resend"])
    assert result.exit_code != 0
