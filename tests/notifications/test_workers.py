"""The delivery workers: none inside the app under TESTING, the loop's single round, and
two worker processes draining one outbox on PostgreSQL (each message sent once)."""
import multiprocessing
import re
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from app import create_app
from app.delivery.worker import run
from app.extensions import db
from app.models import OutboxMessage
from tests import helpers
from tests.conftest import ON_POSTGRES
from tests.notifications.conftest import deliver_all
from tests.notifications.support import addr, rows
from tests.notifications.workers import deliver_until_empty


def _before_request_names(app):
    return [f.__name__ for f in app.before_request_funcs.get(None, [])]


def test_no_worker_thread_is_started_under_testing(app, client):
    assert app.testing and app.config["OUTBOX_WORKER_IN_PROCESS"]
    assert "_ensure_worker" not in _before_request_names(app)
    client.get("/api/v1/notifications")
    assert not [t for t in threading.enumerate() if t.name == "outbox-worker"]


def test_outside_testing_the_app_would_start_one(tmp_path):
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/w.sqlite3",
            "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path)}
    served = create_app({**base, "TESTING": False})
    assert "_ensure_worker" in _before_request_names(served)  # started on the first request
    apart = create_app({**base, "TESTING": False, "OUTBOX_WORKER_IN_PROCESS": False})
    assert "_ensure_worker" not in _before_request_names(apart)


def test_one_round_of_the_worker_loop_delivers_what_is_due(app, world, smtp_server):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    assert run(app, once=True) == {"sent": 5, "retry": 0, "failed": 0}
    assert sorted(m.to for m in smtp_server.take()) == sorted(
        [addr("staff_a"), addr("head_a"), addr("head_a"), addr("staff_b"), addr("head_b")])
    assert {r.status for r in rows()} == {"sent"}
    assert run(app, once=True) == {"sent": 0, "retry": 0, "failed": 0}


MESSAGES = 200
MARK = re.compile(r"MÃ-(\d{3})-HẾT")


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="claims with SKIP LOCKED: PostgreSQL only")
def test_two_workers_deliver_each_message_once(app, world, smtp_server):
    for i in range(MESSAGES):
        db.session.add(OutboxMessage(
            item_type="plan", item_id=1, template="test.race", recipient_name=f"Người {i}",
            recipient_email=f"r{i}@tdkt.test", status="pending",
            payload={"subject": f"[TĐKT] Thư thử nghiệm MÃ-{i:03d}-HẾT", "lead": f"Thư số {i}.",
                     "title": "Thử nghiệm", "to_state_label": "Đang soạn", "attachments": []}))
    db.session.commit()

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    worker_config = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "SECRET_KEY", "PUBLIC_BASE_URL",
        "MAIL_SERVER", "MAIL_PORT")}
    worker_config.update(TESTING=True, OUTBOX_BATCH=7)  # small batches: many claims each
    procs = [ctx.Process(target=deliver_until_empty, args=(worker_config, barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    totals = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0

    assert sum(t["sent"] for t in totals) == MESSAGES
    assert all(t["retry"] == t["failed"] == 0 for t in totals)
    assert all(t["sent"] > 0 for t in totals), totals  # both took part
    marks = Counter()
    for message in smtp_server.received:
        (mark,) = MARK.findall(message.subject)
        assert f"Thư số {int(mark)}." in message.text()
        assert message.to == f"r{int(mark)}@tdkt.test"
        marks[mark] += 1
    assert marks == Counter({f"{i:03d}": 1 for i in range(MESSAGES)})
    db.session.expire_all()
    assert db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                              .group_by(OutboxMessage.status)).all() == [("sent", MESSAGES)]
    assert deliver_all() == {"sent": 0, "retry": 0, "failed": 0}
