"""Issue 23, items 3 and 4, against the stand-in axis (tests/axis.py): the issued decision's
packages go through the outbox (one accepted copy per send id, whatever is resent), the
recipients' status messages come back by polling and by callback and reach the decision
page, the Office's inbox and the Board's overview; forged or foreign statuses are refused;
an axis outage and a worker killed with SIGKILL mid-send lose nothing.

The module shares one electronically issued decision (its printing and sealing is the
expensive part); each test starts from freshly enqueued packages and an empty axis."""
import multiprocessing
import os
import signal
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy import event

from app.delivery.exchange import deliver_packages
from app.extensions import db
from app.models import Decision, ExchangeReceipt, OutboxMessage, User
from app.services import esigning, exchange, outbox, overview
from app.services.errors import Invalid
from app.services.inbox import refused_packages
from app.services.tx import transaction
from tests import helpers
from tests.axis import StandInAxis
from tests.conftest import ON_POSTGRES, PASSWORD_HASH
from tests.exchange.support import ISSUER, ORGANS, RECIPIENTS, LiveApp, issued_decision, packages
from tests.signing.support import DEPUTY, UBND_NAME, DemoSet
from tests.web.test_views import login

SYSTEM_ORGAN = "000.00.99.H29"
CALLBACK = "/api/v1/exchange/statuses"


def _empty_tables(app):
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if ON_POSTGRES:
                conn.execute(sa.text(f"TRUNCATE {', '.join(t.name for t in tables)} "
                                     "RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database():
    """The module's tables are emptied once, after its last test (``province``)."""
    yield


@pytest.fixture(scope="module")
def province(app):
    axis = StandInAxis()
    demo = DemoSet(app.instance_path)
    demo.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    demo.holder("ubnd", UBND_NAME, seal=True)
    settings = {**axis.config(), **demo.config(), "EDXML_MODE": "direct",
                "EDXML_SYSTEM_ORGAN_ID": SYSTEM_ORGAN, "EXCHANGE_POLL_SECONDS": 0}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    esigning._VERIFIED.clear()
    try:
        with app.app_context():
            world = helpers.build_world(PASSWORD_HASH)
            decision = issued_decision(world, demo)
            issued = {
                "packages": [(r.send_id, r.payload["to_organs"], r.document_id, r.status)
                             for r in packages(decision.id)],
                "mailed": set(db.session.scalars(sa.select(OutboxMessage.recipient_email).where(
                    OutboxMessage.item_type == "decision", OutboxMessage.item_id == decision.id,
                    OutboxMessage.template == "decision.issue",
                    OutboxMessage.recipient_user_id.is_(None)))),
                "label": decision.number_label, "issued_on": decision.issued_on,
                "number": decision.number,
            }
            decision_id = decision.id
            db.session.remove()
        yield SimpleNamespace(axis=axis, decision_id=decision_id, issued=issued, demo=demo,
                              settings=settings)
    finally:
        axis.stop()
        app.config.update(saved)
        demo.remove()
        _empty_tables(app)


@pytest.fixture
def fresh(province, ctx):
    """The decision's packages enqueued afresh (as the issue step does), nothing received."""
    province.axis.reset()
    province.axis.callback_url = None
    db.session.execute(sa.delete(ExchangeReceipt))
    db.session.execute(sa.delete(OutboxMessage).where(sa.or_(
        OutboxMessage.channel == "edxml", OutboxMessage.template == "exchange.refused")))
    db.session.commit()
    decision = db.session.get(Decision, province.decision_id)
    with transaction():
        rows = exchange.enqueue_package(decision)
    return SimpleNamespace(axis=province.axis, decision=decision,
                           send_ids=[r.send_id for r in rows])


def _user(name):
    return db.session.scalar(sa.select(User).where(User.username == name))


@pytest.fixture
def api(app, ctx):
    """api("clerk").get(...): the JSON API with that user's bearer token."""
    def make(name):
        token = helpers.token_for(_user(name))
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client
    return make


def _receipts(decision_id):
    db.session.expire_all()
    return {r["organ_id"]: r for r in exchange.receipts(db.session.get(Decision, decision_id))}


class _Statements:
    def __init__(self):
        self.n = 0

    def __call__(self, *_):
        self.n += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_):
        event.remove(db.engine, "before_cursor_execute", self)


def test_the_issue_enqueues_a_package_per_recipient_with_an_organ_id_and_mails_the_others(
        province):
    issued = province.issued
    assert [organs for _, organs, _, _ in issued["packages"]] == [[o] for o in ORGANS]
    send_ids = [s for s, _, _, _ in issued["packages"]]
    assert len(set(send_ids)) == 3 and all(len(s) == 32 for s in send_ids)
    number = issued["number"]
    assert {d for _, _, d, _ in issued["packages"]} == {
        f"{ISSUER},{issued['issued_on']:%Y/%m/%d},{number}/QĐ-UBND"}
    assert {s for _, _, _, s in issued["packages"]} == {"pending"}
    # the Nơi nhận with an organ id get the package, not the mail; the rest keep the mail
    with_organ = {email for _, email, organ in RECIPIENTS if organ and email}
    assert "baolangson@tdkt.test" in issued["mailed"]
    assert not with_organ & issued["mailed"]


def test_each_package_is_accepted_once_whatever_is_resent_and_a_refusal_is_kept(fresh):
    axis, decision = fresh.axis, fresh.decision
    axis.refuse[fresh.send_ids[2]] = "Cơ quan nhận chưa đăng ký trên trục."
    assert deliver_packages() == {"sent": 2, "retry": 0, "failed": 1}
    rows = {r.send_id: r for r in packages(decision.id)}
    refused = rows[fresh.send_ids[2]]
    assert refused.status == "failed" and "Cơ quan nhận chưa đăng ký" in refused.last_error
    assert outbox.error_words(refused.last_error) == "Trục liên thông từ chối gói tin."
    assert set(axis.accepted) == set(fresh.send_ids[:2])
    for send_id in fresh.send_ids[:2]:  # each package is the decision's, to its one organ
        header = axis.packages[send_id].header
        assert [o.organ_id for o in header.to_organs] == rows[send_id].payload["to_organs"]
        assert exchange.normal_document_id(header.document_id) == rows[send_id].document_id
        assert header.from_organ.organ_id == SYSTEM_ORGAN  # direct mode

    # the Board resends the refused one once its cause is fixed; every row sent again
    # (a crash before the commit, a resend) is the same send id: the axis keeps one copy
    del axis.refuse[fresh.send_ids[2]]
    outbox.resend(refused.id)
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.channel == "edxml")
                       .values(status="pending"))
    db.session.commit()
    assert deliver_packages() == {"sent": 3, "retry": 0, "failed": 0}
    assert sorted(axis.accepted) == sorted(fresh.send_ids)
    assert dict(axis.duplicates) == {s: 1 for s in fresh.send_ids[:2]}
    assert {r.status for r in packages(decision.id)} == {"sent"}


def test_statuses_by_polling_and_callback_reach_the_page_the_office_and_the_overview(
        fresh, app, client, api):
    axis, decision = fresh.axis, fresh.decision
    rejected = ORGANS[2]
    reason = "Văn bản gửi sai thẩm quyền tiếp nhận của Công an tỉnh."
    axis.schedule = {"*": ["01", "03", "06"], rejected: ["01", ("02", reason)]}
    assert deliver_packages()["sent"] == 3
    assert {r["status_code"] for r in _receipts(decision.id).values()} == {None}

    axis.advance()  # every recipient: 01, taken in by polling
    assert exchange.poll() == {"kept": 3, "repeated": 0, "refused": 0}
    assert axis.pending == {}  # acknowledged: the axis forgets them
    assert {o: r["status_code"] for o, r in _receipts(decision.id).items()} == {
        o: "01" for o in ORGANS}

    live = LiveApp(app)
    try:  # 03 from two, 02 from the third: by the axis' callback
        axis.callback_url = live.url + CALLBACK
        axis.advance()
        assert axis.callback_answers == [200, 200, 200]
    finally:
        axis.callback_url = None
        live.stop()
    shown = _receipts(decision.id)
    assert {o: r["status_code"] for o, r in shown.items()} == {
        ORGANS[0]: "03", ORGANS[1]: "03", rejected: "02"}
    assert shown[rejected]["reason"] == reason and shown[rejected]["stated_at"] is not None

    # the 02 alerts the Office: its notification and its inbox, with the reason
    clerk = _user("clerk")
    told = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "exchange.refused")).all()
    assert [(m.recipient_user_id, reason in m.payload["lead"]) for m in told] == [(clerk.id, True)]
    alerts = refused_packages(clerk)
    assert [(a["decision_id"], a["organ_id"], a["reason"]) for a in alerts] == [
        (decision.id, rejected, reason)]
    assert refused_packages(_user("appraiser")) == []
    login(client, "clerk")
    page = client.get("/").get_data(as_text=True)
    assert "Văn bản điện tử bị từ chối tiếp nhận (1)" in page and reason in page

    # the Board's overview: nothing overdue yet; two working days on, the refused one is
    assert overview.not_received(_user("board_head"))["count"] == 0
    for row in packages(decision.id):
        row.sent_at -= timedelta(days=7)
    db.session.commit()
    late = overview.not_received(_user("board_head"))
    assert late["count"] == 1 and late["working_days"] == 2
    assert late["decisions"][0]["missing"] == [{"organ_id": rejected, "name": "Công an tỉnh"}]
    assert api("board_head").get("/api/v1/dashboard/not-received").get_json()["count"] == 1

    axis.advance()  # 06 from the two that registered it; nothing more from the third
    assert exchange.poll()["kept"] == 2
    listed = api("clerk").get(f"/api/v1/decisions/{decision.id}/receipts")
    assert listed.status_code == 200
    assert {r["organ_id"]: r["status_code"] for r in listed.get_json()} == {
        ORGANS[0]: "06", ORGANS[1]: "06", rejected: "02"}
    g.pop("_login_user", None)  # a bearer request inside the test's app context left it
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "06 – Hoàn thành" in page and "02 – Từ chối tiếp nhận" in page and reason in page
    assert api("staff_a").get(f"/api/v1/decisions/{decision.id}/receipts").status_code == 403

    assert decision.id and clerk.roles and clerk.unit.kind  # loaded: only the reads count
    with _Statements() as counted:  # the page's and the inbox's reads: a fixed number
        exchange.receipts(decision)
        refused_packages(clerk)
    assert counted.n <= 3


def test_forged_or_foreign_status_messages_are_refused_and_nothing_is_stored(fresh, client):
    axis = fresh.axis
    assert deliver_packages()["sent"] == 3
    good = axis.status_for(fresh.send_ids[0], ORGANS[0], "03")
    headers = {"SystemId": axis.system_id, "Secret": axis.secret,
               "Content-Type": "application/xml"}
    for forged in ({**headers, "Secret": "wrong"}, {"Content-Type": "application/xml"},
                   {**headers, "SystemId": "someone.else"}):
        answer = client.post(CALLBACK, data=good, headers=forged)
        assert answer.status_code == 401 and answer.is_json
        assert answer.get_json()["error"]["code"] == "unauthorized"
    foreign = axis.status_for(fresh.send_ids[0], "000.00.77.H29", "01")  # not sent to them
    for bad, code in ((foreign, "not_a_recipient"), (b"<not-xml", None),
                      (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', None)):
        answer = client.post(CALLBACK, data=bad, headers=headers)
        assert answer.status_code in (400, 422) and answer.is_json
        if code:
            assert answer.get_json()["error"]["code"] == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeReceipt)) == 0
    unreasoned = axis.status_for(fresh.send_ids[0], ORGANS[0], "02", "LYDO").replace(
        b"LYDO", b"")  # a 02 without its reason
    with pytest.raises(Invalid) as refused:
        exchange.take_status(unreasoned)
    assert refused.value.code in ("reason_missing", "status_invalid")

    assert client.post(CALLBACK, data=good, headers=headers).get_json() == {"stored": True}
    assert client.post(CALLBACK, data=good, headers=headers).get_json() == {"stored": False}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeReceipt)) == 1


# -- an outage of the axis, and a worker killed mid-send -------------------------------------


def _work(settings, stop):
    """The worker process: a fresh app on the test's settings, running the delivery loop
    (mail and packages) of `flask notifications work` until stopped or killed."""
    from app import create_app
    from app.delivery.worker import run

    run(create_app(settings), poll=1, stop=stop)


def _worker(app, province):
    """A delivery worker in its own process (forked: no second start-up of the
    interpreter), with a retry schedule of a second instead of minutes."""
    settings = {**app.config, **province.settings, "MAIL_SUPPRESS_SEND": True,
                "OUTBOX_WORKER_IN_PROCESS": False, "OUTBOX_LEASE_SECONDS": 2,
                "OUTBOX_BACKOFF_SECONDS": 1, "OUTBOX_BACKOFF_MAX_SECONDS": 1,
                "EXCHANGE_TIMEOUT_SECONDS": 5}
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    process = context.Process(target=_work, args=(settings, stop), daemon=True)
    process.start()
    process.stop = stop
    return process


def _states(decision_id):
    return [(r.send_id[:8], r.status, r.attempts, r.last_error) for r in packages(decision_id)]


def _wait(condition, what, decision_id, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout} s: "
                                 f"{_states(decision_id)}")
        time.sleep(0.1)


def test_after_an_outage_and_a_worker_killed_mid_send_every_package_arrives_once(
        fresh, app, province):
    axis, decision = fresh.axis, fresh.decision
    with transaction():  # one more send of the decision: six packages in all
        exchange.enqueue_package(decision)
    send_ids = [r.send_id for r in packages(decision.id)]
    assert len(send_ids) == 6
    axis.down()  # the outage: connections refused
    worker = restarted = None
    try:
        worker = _worker(app, province)
        # every package tried and put back for a retry, more than once, while the axis is away
        _wait(lambda: all(r.status == "pending" and r.attempts >= 2
                          and "TransportError" in (r.last_error or "")
                          for r in packages(decision.id)), "the retries", decision.id)
        assert axis.accepted == {}
        axis.hold = threading.Event()
        axis.up()  # back, on the same port; it holds its answer to the first package
        _wait(axis.holding.is_set, "the held send", decision.id)
        os.kill(worker.pid, signal.SIGKILL)  # mid-send: the axis has it, the row says sending
        worker.join(10)
        assert worker.exitcode == -signal.SIGKILL
        axis.hold.set()
        _wait(lambda: len(axis.accepted) == 1, "the held package kept", decision.id)
        held = next(iter(axis.accepted))
        axis.hold = None
        assert {r.send_id: r.status for r in packages(decision.id)}[held] == "sending"

        restarted = _worker(app, province)  # takes the rows once their lease runs out
        _wait(lambda: {r.status for r in packages(decision.id)} == {"sent"},
              "the restarted delivery", decision.id)
        restarted.stop.set()
        restarted.join(20)
        assert restarted.exitcode == 0
    finally:
        for process in (worker, restarted):
            if process is not None and process.is_alive():
                process.kill()
                process.join()
    # nothing lost, one accepted copy per package: the held one came again, was refused
    # as a repeat, and counted as delivered
    assert sorted(axis.accepted) == sorted(send_ids)
    assert dict(axis.duplicates) == {held: 1}
    rows = {r.send_id: r for r in packages(decision.id)}
    for send_id, package in axis.packages.items():
        assert [o.organ_id for o in package.header.to_organs] == rows[send_id].payload[
            "to_organs"]
