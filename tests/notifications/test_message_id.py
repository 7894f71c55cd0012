"""One outbox row, one Message-ID (issue 20, item 13). Delivery is at least once: a worker
killed after the server took a message but before its commit sends the row again. The copy
must carry the same Message-ID, so a reader or a receiving system knows it for the same
message. Proven with a real worker process, SIGKILLed while the SMTP server holds its
answer to the DATA it has just received, and a second worker started after it."""
import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.delivery import build_message, message_id
from app.extensions import db
from app.models import OutboxMessage
from tests import helpers
from tests.notifications.conftest import Received, deliver_all, free_port
from tests.notifications.support import rows

ROOT = Path(__file__).resolve().parents[2]
SENDER = "Ban Thi đua - Khen thưởng <thidua@langson.gov.vn>"
MESSAGES = 6
HELD = 3  # the server holds its answer to this message's DATA until the worker is dead
ID = re.compile(r"^<outbox-(\d+)\.[0-9a-f]{16}@langson\.gov\.vn>$")


def _outbox(count):
    for i in range(count):
        db.session.add(OutboxMessage(
            item_type="plan", item_id=1, template="test.copy", recipient_name=f"Người {i}",
            recipient_email=f"r{i}@tdkt.test", status="pending",
            payload={"subject": f"[TĐKT] Thư số {i}", "lead": f"Thư số {i}.",
                     "title": "Thử nghiệm", "attachments": []}))
    db.session.commit()
    return rows()


def test_every_copy_of_a_row_has_the_rows_message_id(app, world, smtp_server, config):
    config(MAIL_DEFAULT_SENDER=SENDER)
    helpers.make_campaign(world)  # four messages
    made = rows()
    first = [build_message(r).msgId for r in made]
    again = [build_message(r).msgId for r in rows()]  # read afresh: the same
    assert first == again
    assert len(set(first)) == len(made)
    assert all(ID.match(m) and ID.match(m).group(1) == str(r.id)
               for m, r in zip(first, made, strict=True))
    assert deliver_all()["sent"] == 4
    got = {r.to: r.msg["Message-ID"] for r in smtp_server.take()}
    assert got == {r.recipient_email: message_id(r) for r in made}
    # sent again (a resend by the Board, or the same row after a crash): the same identity
    db.session.execute(sa.update(OutboxMessage).values(status="pending", sent_at=None))
    db.session.commit()
    assert deliver_all()["sent"] == 4
    assert {r.to: r.msg["Message-ID"] for r in smtp_server.take()} == got


def test_without_a_sender_address_the_public_host_names_the_domain(app, world, config):
    config(MAIL_DEFAULT_SENDER="Ban Thi đua", PUBLIC_BASE_URL="https://tdkt.langson.gov.vn/")
    (row, *_) = _outbox(1)
    assert message_id(row).endswith("@tdkt.langson.gov.vn>")


class _HoldingCollector:
    """Records every DATA as it arrives; for the HELD-th, records it and then holds the
    answer (no 250) until ``release`` is set: the client has sent the whole message and
    waits, as it would for a slow or dying relay."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.content)))
            hold = len(self.received) == HELD
        if hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"


def _worker(app, port, logs):
    """`flask notifications work`, configured through the environment as in production."""
    env = {**os.environ,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TDKT_ENV": "development",
           "SECRET_KEY": "message-id-test-" + "k" * 32, "UPLOAD_FOLDER": app.config[
               "UPLOAD_FOLDER"], "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
           "MAIL_SUPPRESS_SEND": "0", "MAIL_DEFAULT_SENDER": SENDER,
           "OUTBOX_WORKER_IN_PROCESS": "0", "OUTBOX_LEASE_SECONDS": "2",
           "OUTBOX_BATCH": "50", "PUBLIC_BASE_URL": "http://tdkt.test"}
    out = open(logs, "ab")  # noqa: SIM115 - the child keeps its own copy
    try:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi.py",
                                 "notifications", "work", "--poll", "1"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    finally:
        out.close()


def _wait(condition, what, timeout, logs):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout} s:\n"
                                 + logs.read_text(errors="replace")[-3000:])
        time.sleep(0.05)


def _statuses():
    db.session.expire_all()
    return dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                   .group_by(OutboxMessage.status)).all())


def test_a_worker_killed_mid_send_then_restarted_sends_copies_with_one_message_id(
        app, world, config, tmp_path):
    config(MAIL_DEFAULT_SENDER=SENDER)
    made = _outbox(MESSAGES)
    expected = {r.id: message_id(r) for r in made}
    handler = _HoldingCollector()
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    logs = tmp_path / "workers.log"
    worker = restarted = None
    try:
        worker = _worker(app, port, logs)
        _wait(handler.holding.is_set, "the held send", 60, logs)
        worker.kill()  # SIGKILL, mid-send: the server has the message, the row says sending
        assert worker.wait(timeout=10) == -9
        handler.release.set()
        assert _statuses() == {"sent": HELD - 1, "sending": MESSAGES - HELD + 1}

        restarted = _worker(app, port, logs)  # takes the rows once their lease runs out
        _wait(lambda: _statuses() == {"sent": MESSAGES}, "the restarted delivery", 60, logs)
        restarted.terminate()
        assert restarted.wait(timeout=20) == 0
    finally:
        for proc in (worker, restarted):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        handler.release.set()
        server.stop()

    with handler.lock:
        received = list(handler.received)
    by_id = defaultdict(list)
    for message in received:
        by_id[message.msg["Message-ID"]].append(message)
    # nothing lost: every row arrived, under its own Message-ID and no other
    assert set(by_id) == set(expected.values())
    for row in made:
        copies = by_id[expected[row.id]]
        assert {c.to for c in copies} == {row.recipient_email}
        assert {c.subject for c in copies} == {row.payload["subject"]}
    # the held message arrived twice: two copies, one identity
    copies = sorted(len(c) for c in by_id.values())
    assert copies == [1] * (MESSAGES - 1) + [2], copies
    (twice,) = [m for m, c in by_id.items() if len(c) == 2]
    assert twice == expected[made[HELD - 1].id]
    assert len(received) == MESSAGES + 1

