"""Beyond one server: two web processes (gunicorn) and two delivery workers on one
PostgreSQL database, one S3 bucket (moto's server) and a real SMTP server (aiosmtpd). A
campaign is driven through the API, each request to the other web process in turn, the
numbering steps fired at once from both; then every register is consecutive, every kept
document and paper reads the same from either process, and every outbox row arrived as
exactly one mail. The sign-in limit, counted in Redis, holds across both processes."""
import hashlib
import io
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app import clock
from app.delivery import SUBJECT_PREFIX
from app.extensions import db
from app.models import (
    Attachment,
    NumberRegister,
    OutboxMessage,
    RegisterEntry,
    StoredDocument,
)
from tests import helpers
from tests.conftest import ON_POSTGRES, PG_URL
from tests.docgen.support import PDK_NOMINEES, SYT_NOMINEES
from tests.notifications.conftest import SmtpServer
from tests.scaleout.cluster import Cluster
from tests.tools import missing

pytestmark = [
    pytest.mark.postgres, pytest.mark.multiprocess,
    pytest.mark.skipif(not ON_POSTGRES, reason="several processes share one database: "
                       "PostgreSQL only (SQLite is the one-server embedded default)"),
]

REDIS_URL = "redis://127.0.0.1:6379/3"
SIGN_IN_LIMIT = 5
API = "/api/v1"


def _redis_or_none():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:  # noqa: BLE001 - no Redis here: the test that needs it says so
        return None


@pytest.fixture(scope="module")
def cluster(app, s3_server, tmp_path_factory):
    """Two gunicorn processes and two workers, with everything shared that must be."""
    smtp = SmtpServer()
    smtp.start()
    bucket = s3_server.new_bucket()
    redis_client = _redis_or_none()
    if redis_client is not None:
        redis_client.flushdb()  # this run's own index: counts from zero
    env = {
        "DATABASE_URL": PG_URL, "TDKT_ENV": "development",
        "SECRET_KEY": "cluster-test-" + "k" * 32,
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("never-used")),  # files go to S3
        **s3_server.env(bucket, prefix="cluster"),
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_SUPPRESS_SEND": "0",
        "OUTBOX_WORKER_IN_PROCESS": "0", "OUTBOX_POLL_SECONDS": "1",
        "OUTBOX_BACKOFF_SECONDS": "1",
        "RATELIMIT_STORAGE_URI": REDIS_URL if redis_client is not None else "memory://",
        "LOGIN_RATE_LIMIT": f"{SIGN_IN_LIMIT} per minute",
        "LOGIN_FREE_FAILURES": "1000",
        "PUBLIC_BASE_URL": "http://tdkt.test",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    group = Cluster(env, tmp_path_factory.mktemp("cluster-logs"))
    group.smtp, group.redis, group.bucket, group.s3 = smtp, redis_client, bucket, s3_server
    try:
        group.start()
        yield group
    finally:
        group.stop()
        smtp.stop()


def _ok(answer, status=200):
    assert answer.status == status, (answer.status, answer.body[:500],
                                     answer.logs() if answer.status >= 500 else "")
    return answer.json() if answer.body else None


def _fire(cluster, token, kind, item_id, trigger, **extra):
    version = _ok(cluster.call("GET", f"{API}/{kind}s/{item_id}", token))["version"]
    return _ok(cluster.call("POST", f"{API}/{kind}s/{item_id}/transitions", token,
                            {"trigger": trigger, "version": version, **extra}))


def _subject(row) -> str:
    payload = row.payload or {}
    if payload.get("subject"):
        return payload["subject"]
    return f"{SUBJECT_PREFIX} {payload['trigger_label']}: {payload['title']}"


def test_a_campaign_across_two_web_processes_and_two_workers(cluster, world):
    t0 = time.monotonic()
    tokens = {who: helpers.token_for(world.users[who]) for who in (
        "board_head", "appraiser", "chairman", "clerk", "staff_a", "head_a", "staff_b", "head_b")}
    call = cluster.call

    # -- the Board drafts and launches ------------------------------------------------------
    spec = helpers.campaign_spec()
    spec.update({k: v.isoformat() for k, v in spec.items() if isinstance(v, date)})
    campaign = _ok(call("POST", f"{API}/campaigns", tokens["board_head"], spec), 201)
    cid = campaign["id"]
    _fire(cluster, tokens["board_head"], "campaign", cid, "launch")
    targets = [t for c in campaign["contents"] for t in c["targets"]]

    # -- each unit: its plan signed, its dossier with papers appraised ----------------------
    nominee_ids = []
    for staff, head, nominees in (("staff_a", "head_a", SYT_NOMINEES),
                                  ("staff_b", "head_b", PDK_NOMINEES)):
        s, h = tokens[staff], tokens[head]
        pid = _ok(call("GET", f"{API}/plans?campaign_id={cid}", s))["items"][0]["id"]
        plan = _ok(call("GET", f"{API}/plans/{pid}", s))
        _ok(call("PATCH", f"{API}/plans/{pid}", s, {
            "version": plan["version"], "summary": "Kế hoạch hưởng ứng",
            "sections": [{"content_id": c["id"], "text": "Tổ chức hưởng ứng"}
                         for c in campaign["contents"]],
            "commitments": [{"target_id": t["id"], "value": t["value"]} for t in targets]}))
        _fire(cluster, s, "plan", pid, "submit")
        _fire(cluster, h, "plan", pid, "sign_off")

        did = _ok(call("GET", f"{API}/dossiers?campaign_id={cid}", s))["items"][0]["id"]
        dossier = _ok(call("GET", f"{API}/dossiers/{did}", s))
        _ok(call("PATCH", f"{API}/dossiers/{did}", s, {
            "version": dossier["version"], "summary": "Báo cáo tổng kết",
            "council_meeting_date": clock.today().isoformat(),  # the province's day, not UTC's
            "council_members_total": 9, "council_members_present": 9,
            "council_chair": "Trần Văn Bình", "council_secretary": "Nguyễn Thị Lan",
            "council_minutes_number": 3, "council_started_at": "08:00",
            "council_ended_at": "10:30", "council_members": "Ông Trần Văn Bình\nBà Nguyễn Thị Lan",
            "results": [{"target_id": t["id"], "value": t["value"]} for t in targets]}))
        ids = [_ok(call("POST", f"{API}/dossiers/{did}/nominees", s, dict(n)), 201)["id"]
               for n in nominees]
        papers = [("to_trinh", None), ("bien_ban", None)] + [("bao_cao_thanh_tich", n) for n in ids]
        for i, (kind, nominee_id) in enumerate(papers):
            # every paper different: each must come back as itself
            files = {"kind": kind, "file": FileStorage(
                io.BytesIO(helpers.PDF + f"%{did}-{i}".encode()), f"Tài liệu {i}.pdf",
                content_type="application/pdf")}
            if nominee_id:
                files["nominee_id"] = str(nominee_id)
            _ok(call("POST", f"{API}/dossiers/{did}/attachments", s, files=files), 201)
        _fire(cluster, s, "dossier", did, "submit")
        _fire(cluster, h, "dossier", did, "sign_off")
        _fire(cluster, tokens["appraiser"], "dossier", did, "start_appraisal")
        for nid in ids:
            _ok(call("PUT", f"{API}/dossiers/{did}/nominees/{nid}/verdict", tokens["appraiser"],
                     {"verdict": "accepted"}))
        _fire(cluster, tokens["appraiser"], "dossier", did, "complete_appraisal")
        nominee_ids += ids

    # -- one decision per awardee; the numbering steps fired at once from both processes ----
    a = tokens["appraiser"]
    decision_ids = []
    for nid in nominee_ids:
        dec = _ok(call("POST", f"{API}/decisions", a, {"campaign_id": cid, "award_form": "BKCT"}),
                  201)
        _ok(call("POST", f"{API}/decisions/{dec['id']}/nominees", a, {"nominee_ids": [nid]}))
        _fire(cluster, a, "decision", dec["id"], "submit")
        decision_ids.append(dec["id"])
    with ThreadPoolExecutor(len(decision_ids)) as pool:
        list(pool.map(lambda d: _fire(cluster, tokens["board_head"], "decision", d,
                                      "sign_proposal"), decision_ids))
    for d in decision_ids:
        _fire(cluster, tokens["chairman"], "decision", d, "approve")
    with ThreadPoolExecutor(len(decision_ids)) as pool:
        list(pool.map(lambda d: _fire(cluster, tokens["clerk"], "decision", d, "issue"),
                      decision_ids))
    assert min(cluster.served_by) > 50, cluster.served_by  # both processes did the work

    # -- every number consecutive: through the API, and in every register ---------------------
    issued = [_ok(call("GET", f"{API}/decisions/{d}", tokens["clerk"])) for d in decision_ids]
    n = len(decision_ids)
    assert sorted(int(d["number"].split("/")[0]) for d in issued) == list(range(1, n + 1))
    assert sorted(int(d["proposal_number"].split("/")[0]) for d in issued) == list(range(1, n + 1))
    db.session.expire_all()
    given = db.session.execute(sa.select(NumberRegister.id, RegisterEntry.number)
                               .join(RegisterEntry, RegisterEntry.register_id == NumberRegister.id)
                               ).all()
    by_register = {}
    for register_id, number in given:
        by_register.setdefault(register_id, []).append(number)
    assert len(by_register) >= 4  # launch, the units' plans and proposals, TTr-SNV, QĐ-UBND
    for numbers in by_register.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), by_register

    # -- every kept document and every paper: the same bytes from either process ----------
    documents = db.session.execute(sa.select(StoredDocument.item_type, StoredDocument.item_id,
                                             StoredDocument.name, StoredDocument.sha256)).all()
    assert len(documents) >= 2 + 2 * 2 + 2 * n  # launch, plans, proposal and minutes, decisions
    who = {"campaign": "board_head", "plan": "appraiser", "dossier": "appraiser",
           "decision": "clerk"}
    for kind, item_id, name, sha in documents:
        got = [call("GET", f"{API}/{kind}s/{item_id}/documents/{name}", tokens[who[kind]],
                    server=i) for i in (0, 1)]
        for answer in got:
            assert answer.status == 200 and hashlib.sha256(answer.body).hexdigest() == sha
            assert answer.headers["X-Content-SHA256"] == sha
    papers = db.session.execute(sa.select(Attachment.dossier_id, Attachment.id,
                                          Attachment.sha256)).all()
    assert len(papers) == 2 * 2 + len(nominee_ids)
    for dossier_id, attachment_id, sha in papers:
        for i in (0, 1):
            answer = call("GET", f"{API}/dossiers/{dossier_id}/attachments/{attachment_id}",
                          tokens["appraiser"], server=i)
            assert answer.status == 200 and hashlib.sha256(answer.body).hexdigest() == sha
    # the files are in the bucket, not on either process's disk
    listed = cluster_keys(cluster)
    assert len(listed) == len(documents) + len(papers)

    # -- every outbox row sent, each exactly once ----------------------------------------------
    deadline = time.monotonic() + 60
    while True:
        db.session.expire_all()
        states = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                         .group_by(OutboxMessage.status)).all())
        if set(states) == {"sent"} or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert set(states) == {"sent"}, states
    time.sleep(1.5)  # a second sending of any message would have arrived by now
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    received = cluster.smtp.received
    assert len(received) == len(rows) == states["sent"] > 30
    assert Counter((m.to, m.subject) for m in received) == Counter(
        (r.recipient_email, _subject(r)) for r in rows)
    # the workers read the kept papers from S3 to attach them, byte for byte
    kept = {sha for *_, sha in documents}
    attached = [data for m in received for _name, data in m.attachments()]
    assert attached and all(hashlib.sha256(data).hexdigest() in kept for data in attached)
    print(f"\ncluster: {sum(cluster.served_by)} requests {cluster.served_by}, {len(rows)} mails, "
          f"{len(documents)} documents, {len(papers)} papers in {time.monotonic() - t0:.1f} s")


def cluster_keys(cluster):
    pages = cluster.s3.client().get_paginator("list_objects_v2").paginate(
        Bucket=cluster.bucket, Prefix="cluster/")
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_the_sign_in_limit_holds_across_both_web_processes(cluster):
    if cluster.redis is None:
        missing(f"Redis is not reachable at {REDIS_URL}: the shared limit needs it")
    cluster.redis.flushdb()
    answers = [cluster.call("POST", f"{API}/auth/token", json_body={
        "username": "khong-co-ai", "password": "sai-mat-khau"}) for _ in range(2 * SIGN_IN_LIMIT)]
    # alternating: each process saw SIGN_IN_LIMIT attempts, which alone it would allow
    statuses = [a.status for a in answers]
    assert statuses[:SIGN_IN_LIMIT] == [401] * SIGN_IN_LIMIT, statuses
    assert statuses[SIGN_IN_LIMIT:] == [429] * SIGN_IN_LIMIT, statuses
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"]
    assert any(key.startswith(b"LIMITS") or b"auth" in key for key in cluster.redis.keys("*"))
