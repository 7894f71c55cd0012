"""A province at ten times its size, on PostgreSQL, under gunicorn: build, measure, print.

Usage: python bench/scale_bench.py [--scale 1.0] [--seconds 8]
       (make bench-scale)

At --scale 1.0: 3,000 units and 6,000 people, 36 campaigns from 2016 to 2026 (4 running),
about 100,000 plans and 100,000 dossiers, 1,000,000 nominees, 1.2 million attachment
rows, 950,000 workflow events, 2.4 million outbox rows; one Board appraiser with about
11,000 waiting items and 17,500 unread notifications; a decision of 2,000 awardees.
Everything is written set-based (INSERT … SELECT), in BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/tdkt_bench, created when missing; its public schema
is dropped and rebuilt).

Then the app runs under gunicorn (2 workers) and each operation is driven at 1 and at 8
clients; beside it, in the same run, a minimal Flask + Flask-SQLAlchemy app on the same
database gives the ceilings: a hello endpoint and a one-row-insert endpoint. Statement
counts come from the same requests replayed in-process. Times are for this machine in
this run: compare ratios, not absolutes.
"""
import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tdkt_bench"
APP_PORT, CEILING_PORT = 8701, 8702


# -- the data set ---------------------------------------------------------------------------


def ensure_database(url):
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = sa.create_engine(url.replace(f"/{name}", "/postgres").replace(
        "postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _rows(model, columns, source, **params):
    """INSERT INTO model SELECT … FROM source: raw SQL for the FROM and each column; every
    other column gets its Python default (app.services.bulk)."""
    from app.services import bulk

    query = sa.select().select_from(sa.text(source).bindparams(**params))
    return bulk.insert_from(model, {k: v if isinstance(v, sa.ClauseElement)
                                    else sa.literal_column(v) for k, v in columns.items()}, query)


def build(scale, awardees=None, esign=False):
    """The 10× province, set-based. Returns what the measurements need. ``awardees``: the
    big decision's size (default 2,000 × scale); ``esign``: it waits for the Chairman's
    «Phê duyệt» instead of being approved on paper (see :func:`register_signers`)."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models import (
        Attachment,
        CampaignParticipant,
        Decision,
        Dossier,
        Nominee,
        OutboxMessage,
        Plan,
        PlanCommitment,
        PlanSection,
        Registration,
        RegistrationEntry,
        Unit,
        User,
        UserRole,
        WorkflowEvent,
    )
    from app.services import campaigns, decision_queue
    from tests.helpers import build_world, campaign_spec, year_spec

    timings = {}
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()
    world = build_world(generate_password_hash("bench-password", method="pbkdf2:sha256:1000"))
    password_hash = world.users["staff_a"].password_hash
    n_units = max(int(3000 * scale), 20)
    ubnd = world.units["UBND"].id
    _rows(Unit, {"code": "'B' || lpad(g::text, 5, '0')", "name": "'Đơn vị số ' || g",
                 "kind": "CASE WHEN g % 3 = 0 THEN 'commune' ELSE 'department' END",
                 "parent_id": str(ubnd), "email": "'b' || g || '@bench.test'"},
          "generate_series(1, :n) AS g", n=n_units)
    for role, prefix in (("unit_staff", "staff"), ("unit_head", "head")):
        _rows(User, {"username": f"'{prefix}.' || u.code", "full_name": f"'{prefix} ' || u.code",
                     "password_hash": sa.literal(password_hash), "unit_id": "u.id",
                     "email": f"'{prefix}.' || lower(u.code) || '@bench.test'"},
              "units AS u WHERE u.code LIKE 'B%'")
        _rows(UserRole, {"user_id": "u.id", "role": f"'{role}'"},
              f"users AS u WHERE u.username LIKE '{prefix}.B%'")
    db.session.commit()
    timings["units and people"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    board = world.users["board_head"]
    made = []
    for year in range(2016, 2027):
        for n in range(4 if year < 2026 else 2):
            if len(made) == 36:
                break
            spec = campaign_spec(code=f"PT-{year}-{n}", title=f"Phong trào thi đua {n + 1} năm {year}")
            if year < 2026:
                spec.update(period_start=date(year, 3 + n, 1), period_end=date(year, 6 + n, 1),
                            plan_deadline=date(year, 3 + n, 15),
                            dossier_deadline=date(year, 6 + n, 1))
            made.append(campaigns.create_campaign(board, spec).id)
    running = made[-4:]
    current = running[-1]
    _rows(CampaignParticipant, {"campaign_id": "c.id", "unit_id": "u.id"},
          "campaigns AS c JOIN units AS u ON u.code LIKE 'B%' AND (u.id + c.id) % 100 < 93")
    db.session.execute(sa.text(
        "UPDATE campaigns SET state = CASE WHEN id = ANY(:running) THEN 'launched' "
        "ELSE 'closed' END, launch_number = id || '/KH-UBND', launch_date = period_start, "
        "launched_at = now(), accepts_late = true"), {"running": running})
    db.session.commit()
    plan_state = ("CASE WHEN c.state = 'closed' THEN 'approved' ELSE (ARRAY['draft', 'draft', "
                  "'awaiting_head', 'submitted', 'submitted', 'submitted', 'in_appraisal', "
                  "'in_appraisal', 'returned', 'approved'])[1 + (p.unit_id * 7 + c.id) % 10] END")
    dossier_state = ("CASE WHEN c.state = 'closed' THEN (ARRAY['decided', 'decided', 'decided', "
                     "'decided', 'rejected', 'appraised'])[1 + (p.unit_id + c.id) % 6] ELSE "
                     "(ARRAY['draft', 'draft', 'draft', 'awaiting_head', 'submitted', "
                     "'submitted', 'in_appraisal', 'in_appraisal', 'returned', 'appraised'])"
                     "[1 + (p.unit_id * 3 + c.id) % 10] END")
    source = ("campaign_participants AS p JOIN campaigns AS c ON c.id = p.campaign_id")
    _rows(Plan, {"campaign_id": "p.campaign_id", "unit_id": "p.unit_id", "state": plan_state,
                 "state_changed_at": "now() - ((p.unit_id % 20) || ' days')::interval"}, source)
    _rows(Dossier, {"campaign_id": "p.campaign_id", "unit_id": "p.unit_id",
                    "state": dossier_state, "council_members_total": "9",
                    "council_members_present": "9",
                    "state_changed_at": "now() - ((p.unit_id % 20) || ' days')::interval"},
          source)
    db.session.commit()
    timings["campaigns, plans, dossiers"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    bkct = db.session.scalar(sa.text("SELECT id FROM award_forms WHERE code = 'BKCT'"))
    _rows(Nominee, {"dossier_id": "d.id", "campaign_id": "d.campaign_id", "position": "g",
                    "kind": "CASE WHEN g = 1 THEN 'collective' ELSE 'individual' END",
                    "name": "'Người được đề nghị ' || d.id || '-' || g",
                    "identity_key": "'individual|' || d.id || '-' || g",
                    "search_key": "'nguoi duoc de nghi ' || d.id || '-' || g",
                    "award_form_id": str(bkct), "votes_for": "8",
                    "verdict": "CASE WHEN d.state IN ('appraised', 'decided', 'in_proposal') "
                               "THEN 'accepted' END",
                    "achievement_summary": "'Hoàn thành xuất sắc nhiệm vụ'"},
          "dossiers AS d CROSS JOIN generate_series(1, 10) AS g WHERE d.state <> 'draft'")
    staff_id = world.users["staff_a"].id
    _rows(Attachment, {"dossier_id": "n.dossier_id", "nominee_id": "n.id",
                       "kind": "'bao_cao_thanh_tich'", "filename": "'bao-cao.pdf'",
                       "content_type": "'application/pdf'", "size": "1024",
                       "sha256": "md5(n.id::text) || md5(n.id::text)",
                       "storage_key": "'bench/' || n.id", "uploaded_by_id": str(staff_id)},
          "nominees AS n")
    _rows(Attachment, {"dossier_id": "d.id", "kind": "k", "filename": "k || '.pdf'",
                       "content_type": "'application/pdf'", "size": "2048",
                       "sha256": "md5(d.id::text || k) || md5(k)",
                       "storage_key": "'bench/d' || d.id || k", "uploaded_by_id": str(staff_id)},
          "dossiers AS d CROSS JOIN unnest(ARRAY['to_trinh', 'bien_ban']) AS k "
          "WHERE d.state <> 'draft'")
    db.session.commit()
    timings["nominees and attachments"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    appraiser = world.users["appraiser"].id
    for table in ("plans", "dossiers"):
        kind = table[:-1]
        _rows(WorkflowEvent, {"item_type": f"'{kind}'", "item_id": "i.id",
                              "actor_id": str(staff_id), "role": "'unit_staff'",
                              "trigger": "'submit'", "from_state": "'draft'",
                              "to_state": "'awaiting_head'",
                              "content_sha256": "md5(i.id::text) || md5(g::text)"},
              f"{table} AS i CROSS JOIN generate_series(1, 5) AS g WHERE i.state <> 'draft'")
    for spread, offset in ((6000, 12), (5000, 20)):  # two people told of every event
        _rows(OutboxMessage, {
            "event_id": "e.id", "item_type": "e.item_type", "item_id": "e.item_id",
            "template": "e.item_type || '.submit'", "recipient_user_id": "u.id",
            "recipient_name": "u.full_name", "recipient_email": "u.email", "status": "'sent'",
            "attempts": "1", "sent_at": "now()", "read_at": "now()", "payload": "'{}'"},
            "workflow_events AS e CROSS JOIN LATERAL (SELECT id, full_name, email FROM users "
            f"WHERE id = (e.item_id % {spread}) + {offset} LIMIT 1) AS u")
    _rows(OutboxMessage, {"item_type": "'dossier'", "item_id": "g", "template": "'dossier.sign_off'",
                          "recipient_user_id": str(appraiser), "recipient_name": "'Chuyên viên'",
                          "recipient_email": "'appraiser@tdkt.test'", "status": "'sent'",
                          "attempts": "1", "payload": "'{}'"},
          "generate_series(1, :n) AS g", n=int(17500 * scale) or 1)
    db.session.commit()
    timings["events and outbox"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # decisions of past campaigns (about 12 each), and one of 2,000 awardees awaiting issue
    _rows(Decision, {"campaign_id": "c.id", "award_form_id": str(bkct), "state": "'issued'",
                     "title": "'Về việc tặng Bằng khen'", "created_by_id": str(appraiser),
                     "number": "g", "symbol": "'QĐ-UBND'", "issued_on": "c.period_end"},
          "campaigns AS c CROSS JOIN generate_series(1, 14) AS g WHERE c.state = 'closed'")
    big = Decision(campaign_id=current, award_form_id=bkct,
                   state="awaiting_chairman" if esign else "approved",
                   title="Về việc tặng Bằng khen", created_by_id=appraiser,
                   approved_by_id=None if esign else world.users["chairman"].id,
                   proposal_number=1,
                   proposal_symbol="TTr-SNV", proposal_date=db.session.scalar(
                       sa.text("SELECT current_date")),
                   proposal_signed_by_id=board.id)
    db.session.add(big)
    db.session.flush()
    awardees = awardees or int(2000 * scale) or 10
    db.session.execute(sa.text(
        "UPDATE dossiers SET state = 'in_proposal' WHERE id IN (SELECT id FROM dossiers "
        "WHERE campaign_id = :c AND state = 'appraised' ORDER BY id LIMIT :n)"),
        {"c": current, "n": awardees // 10 + 1})
    db.session.execute(sa.text(
        "UPDATE nominees SET verdict = 'accepted', decision_id = :d WHERE id IN (SELECT n.id "
        "FROM nominees n JOIN dossiers d ON d.id = n.dossier_id WHERE d.campaign_id = :c AND "
        "d.state = 'in_proposal' ORDER BY n.id LIMIT :n)"),
        {"d": big.id, "c": current, "n": awardees})
    missing = awardees - db.session.scalar(sa.text(
        "SELECT count(*) FROM nominees WHERE decision_id = :d"), {"d": big.id})
    if missing > 0:  # a small province (--scale) with the full decision (--awardees)
        _rows(Nominee, {"dossier_id": "d.id", "campaign_id": "d.campaign_id",
                        "position": "100 + g", "kind": "'individual'",
                        "name": "'Người được khen ' || g", "identity_key": "'individual|x-' || g",
                        "search_key": "'nguoi duoc khen ' || g", "award_form_id": str(bkct),
                        "votes_for": "8", "verdict": "'accepted'", "decision_id": str(big.id),
                        "achievement_summary": "'Hoàn thành xuất sắc nhiệm vụ'"},
              "(SELECT id, campaign_id FROM dossiers WHERE campaign_id = :c AND state = "
              "'in_proposal' ORDER BY id LIMIT 1) AS d CROSS JOIN generate_series(1, :n) AS g",
              c=current, n=missing)
    # the plans of the running campaigns that a step measurement will move: complete
    draft_plans = sa.text("SELECT p.id FROM plans p JOIN units u ON u.id = p.unit_id WHERE "
                          "p.campaign_id = :c AND p.state = 'draft' AND u.code LIKE 'B%' "
                          "ORDER BY p.id")
    _rows(PlanSection, {"plan_id": "p.id", "content_id": "k.id", "text": "'Nội dung hưởng ứng'"},
          "plans AS p JOIN campaign_contents AS k ON k.campaign_id = p.campaign_id "
          "WHERE p.campaign_id = :c AND p.state = 'draft'", c=current)
    _rows(PlanCommitment, {"plan_id": "p.id", "target_id": "t.id", "value": "t.value"},
          "plans AS p JOIN campaign_contents AS k ON k.campaign_id = p.campaign_id "
          "JOIN campaign_targets AS t ON t.content_id = k.id "
          "WHERE p.campaign_id = :c AND p.state = 'draft'", c=current)
    launchable = campaigns.create_campaign(board, campaign_spec(code="PT-LAUNCH"))
    _rows(CampaignParticipant, {"campaign_id": str(launchable.id), "unit_id": "u.id"},
          "units AS u WHERE u.code LIKE 'B%'")
    # a regular year for every unit: two in three have sent their registration (five
    # titles each), one in three has not; the Board's registration page reads it
    year = campaigns.create_campaign(board, year_spec(code="YEAR-BENCH"))
    _rows(CampaignParticipant, {"campaign_id": str(year.id), "unit_id": "u.id"},
          "units AS u WHERE u.code LIKE 'B%'")
    db.session.execute(sa.text("UPDATE campaigns SET state = 'launched', launched_at = now() "
                               "WHERE id = :y"), {"y": year.id})
    _rows(Registration, {"campaign_id": str(year.id), "unit_id": "p.unit_id",
                         "state": "CASE p.unit_id % 3 WHEN 0 THEN 'draft' WHEN 1 THEN "
                                  "'received' ELSE 'submitted' END",
                         "late": "p.unit_id % 7 = 0",
                         "submitted_at": "CASE WHEN p.unit_id % 3 = 0 THEN NULL ELSE now() END"},
          "campaign_participants AS p WHERE p.campaign_id = :y", y=year.id)
    ldtt = db.session.scalar(sa.text("SELECT id FROM award_forms WHERE code = 'LDTT'"))
    _rows(RegistrationEntry, {"registration_id": "r.id", "campaign_id": "r.campaign_id",
                              "position": "g", "kind": "'individual'",
                              "name": "'Cán bộ ' || g", "award_form_id": str(ldtt),
                              "identity_key": "'individual|cán bộ ' || g || '|'"},
          "registrations AS r CROSS JOIN generate_series(1, 5) AS g WHERE r.state <> 'draft'")
    db.session.commit()
    decision_queue.recount_all()  # rows written around the steps: the tally they keep
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))  # as autovacuum would have: index-only scans
    timings["decisions and the rest"] = time.perf_counter() - t0
    counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in (
        "units", "users", "campaigns", "plans", "dossiers", "nominees", "attachments",
        "decisions", "workflow_events", "outbox")}
    counts["appraiser unread"] = db.session.scalar(sa.text(
        "SELECT count(*) FROM outbox WHERE recipient_user_id = :u AND read_at IS NULL"),
        {"u": appraiser})
    plan_ids = [r[0] for r in db.session.execute(draft_plans, {"c": current})]
    return {"timings": timings, "counts": counts, "current": current, "big": big.id,
            "awardees": awardees,
            "launchable": launchable.id, "plans": plan_ids, "year": year.id}


def reuse():
    """What build() returns, read back from a data set it built before (--reuse): the
    measurements that move items (steps, launch, issue) find theirs where they left them."""
    counts = {t: db_scalar(f"SELECT count(*) FROM {t}") for t in (
        "units", "users", "campaigns", "plans", "dossiers", "nominees", "attachments",
        "decisions", "workflow_events", "outbox")}
    # (the launch measured before opened PT-LAUNCH: not the campaign of the data set)
    current = db_scalar("SELECT max(id) FROM campaigns WHERE state = 'launched' "
                        "AND code <> 'PT-LAUNCH'")
    plans = [r[0] for r in _session().execute(sa.text(
        "SELECT p.id FROM plans p JOIN units u ON u.id = p.unit_id WHERE p.campaign_id = :c "
        "AND p.state IN ('draft', 'returned') AND u.code LIKE 'B%' AND EXISTS (SELECT 1 FROM "
        "plan_sections s WHERE s.plan_id = p.id) ORDER BY p.id"), {"c": current})]
    return {"timings": {}, "counts": counts, "current": current, "plans": plans,
            "big": db_scalar("SELECT max(id) FROM decisions WHERE state IN ('approved', "
                             "'issued') AND campaign_id = :c", c=current),
            "launchable": db_scalar("SELECT id FROM campaigns WHERE code = 'PT-LAUNCH'"),
            "year": db_scalar("SELECT id FROM campaigns WHERE code = 'YEAR-BENCH'")}


def _session():
    from app.extensions import db

    return db.session


def db_scalar(sql, **params):
    return _session().scalar(sa.text(sql), params)


# -- driving the servers ----------------------------------------------------------------------


def serve(module, port, env):
    """gunicorn with 2 workers; returns the process once it answers."""
    log = Path(f"/tmp/tdkt-bench-{port}.log")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
         "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", module], cwd=ROOT,
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True)
    for _ in range(300):  # a minute: a loaded machine boots the preloaded app slowly
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz-bench")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{module} did not start: {log.read_text()[-2000:]}")


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:  # a loaded machine: never leave the server running
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def worker_pids(proc):
    """The gunicorn workers now running (the children of the master)."""
    pids = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(rf"^PPid:\s+{proc.pid}$", status.read_text(), re.M):
                pids.add(int(status.parent.name))
        except OSError:
            continue
    return pids


def recycling():
    """gunicorn's max_requests and jitter, as gunicorn.conf.py sets them for this run."""
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return conf["max_requests"], conf["max_requests_jitter"], conf["preload_app"]


def worker_rss_mb(proc):
    """Resident memory of each gunicorn worker (the children of the master), in MB."""
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{proc.pid}$", text, re.M):
            out.append(int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024)
    return sorted(out)


def drive(port, request, clients, seconds):
    """``request(conn, worker_index, n)`` makes one request on a kept-alive connection;
    returns (requests per second, p50 ms, p95 ms, errors, slowest ms)."""
    samples, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok = request(conn, i, n)
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                conn.close()
                ok = False
            elapsed = time.perf_counter() - t0
            with lock:
                samples.append(elapsed)
                errors[0] += 0 if ok else 1
            n += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    samples.sort()
    if not samples:
        return 0.0, 0.0, 0.0, errors[0], 0.0
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return (len(samples) / wall, statistics.median(samples) * 1000, p95 * 1000, errors[0],
            samples[-1] * 1000)


def call(conn, method, path, headers=None, body=None):
    payload = json.dumps(body).encode() if body is not None else None
    headers = dict(headers or {})
    if payload is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--awardees", type=int, default=None,
                        help="the big decision's awardees (default 2,000 × scale)")
    parser.add_argument("--esign", action="store_true",
                        help="the big decision approved with the Chairman's key and issued "
                             "with the Ủy ban's seal through HTTP (a demo CA of its own), "
                             "and each worker's resident memory after it; needs a rebuild")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data set a previous run built (no rebuild)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the operations whose label contains TEXT "
                             "(repeatable; the two ceilings are always measured), and skip "
                             "the one-shot figures (launch, issue, DOCX, memory)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)

    from app import create_app
    from app.extensions import db
    from tests.helpers import token_for

    config = {"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
              "SECRET_KEY": "bench-secret", "OUTBOX_WORKER_IN_PROCESS": False,
              "UPLOAD_FOLDER": "/tmp/tdkt-bench-uploads"}
    app = create_app(config)
    with app.app_context():
        t0 = time.perf_counter()
        if args.esign and args.reuse:
            parser.error("--esign needs a data set built in this run (no --reuse)")
        data = reuse() if args.reuse else build(args.scale, args.awardees, args.esign)
        signers = register_signers(app) if args.esign else None
        data["build_seconds"] = time.perf_counter() - t0
        from app.models import User

        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        tokens = {name: token_for(users[name]) for name in (
            "appraiser", "board_head", "clerk", "chairman")}
        unit_tokens = {}
        for pid in data["plans"][:16]:
            code = db.session.scalar(sa.text(
                "SELECT u.code FROM plans p JOIN units u ON u.id = p.unit_id WHERE p.id = :p"),
                {"p": pid})
            unit_tokens[pid] = (token_for(users[f"staff.{code}"]), token_for(users[f"head.{code}"]))
        db.session.commit()
        docx_figures = None if args.only else decision_docx(data["big"])

    print(f"Data set built in {data['build_seconds']:.0f} s "
          f"({', '.join(f'{k} {v:.0f} s' for k, v in data['timings'].items())}):")
    print("  " + ", ".join(f"{k} {v:,}" for k, v in data["counts"].items()))

    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret",
           "OUTBOX_WORKER_IN_PROCESS": "0", "UPLOAD_FOLDER": "/tmp/tdkt-bench-uploads",
           "TDKT_ENV": "development", **(signers.config() if signers else {})}
    ceiling = serve("bench.ceiling_app:app", CEILING_PORT, env)
    try:
        server = serve("wsgi:app", APP_PORT, env)
    except RuntimeError:
        stop(ceiling)
        raise
    rows = []
    try:
        fresh = worker_rss_mb(server)
        started_pids = worker_pids(server)

        def api_get(path, who="appraiser"):
            auth = {"Authorization": f"Bearer {tokens[who]}"}
            return lambda conn, i, n: call(conn, "GET", path, auth)[0] == 200

        session = login_cookie(APP_PORT, "appraiser")

        def page(path):
            return lambda conn, i, n: call(conn, "GET", path, {"Cookie": session})[0] == 200

        versions = {}

        def steps(conn, i, n):
            """submit then head_return on one plan per client: two steps, no document."""
            pid = data["plans"][i]
            staff, head = unit_tokens[pid]
            version = versions.get(pid)
            if version is None:
                status, body = call(conn, "GET", f"/api/v1/plans/{pid}",
                                    {"Authorization": f"Bearer {staff}"})
                version = json.loads(body)["version"]
            ok = True
            for token, trigger in ((staff, "submit"), (head, "head_return")):
                status, body = call(conn, "POST", f"/api/v1/plans/{pid}/transitions",
                                    {"Authorization": f"Bearer {token}"},
                                    {"trigger": trigger, "version": version,
                                     "comment": "Bổ sung"})
                ok = ok and status == 200
                version = json.loads(body).get("version", version) if status == 200 else None
            versions[pid] = version
            return ok

        current = data["current"]
        plan_ops = [
            ("ceiling: hello", CEILING_PORT, lambda c, i, n: call(c, "GET", "/hello")[0] == 200),
            ("ceiling: one-row insert", CEILING_PORT,
             lambda c, i, n: call(c, "POST", "/insert")[0] == 200),
            ("API inbox, Board appraiser", APP_PORT, api_get("/api/v1/inbox")),
            ("page /, Board appraiser", APP_PORT, page("/")),
            ("campaign progress page (50 units)", APP_PORT, page(f"/campaigns/{current}")),
            ("API progress (50 units)", APP_PORT,
             api_get(f"/api/v1/campaigns/{current}/progress")),
            ("API campaign", APP_PORT, api_get(f"/api/v1/campaigns/{current}")),
            ("steps: submit + head_return", APP_PORT, steps),
            ("API registrations (year, 50 units)", APP_PORT,
             api_get(f"/api/v1/campaigns/{data['year']}/registrations")),
            ("API registrations unregistered", APP_PORT,
             api_get(f"/api/v1/campaigns/{data['year']}/registrations?show=unregistered"
                     f"&page=3")),
            ("registrations page (year, 50 units)", APP_PORT,
             page(f"/campaigns/{data['year']}/dang-ky-thi-dua")),
        ]
        plan_ops = [op for op in plan_ops if op[0].startswith("ceiling") or not args.only
                    or any(text in op[0] for text in args.only)]
        for label, port, request in plan_ops:
            for clients in (1, 8):
                rps, p50, p95, errors, slowest = drive(port, request, clients, args.seconds)
                rows.append((label, clients, rps, p50, p95, errors, slowest))
                print(f"  measured: {label} at {clients} ({rps:.1f} req/s, {errors} errors)",
                      flush=True)
        if signers:
            esign_one_shot(server, data, tokens)
        if args.only:
            return report(rows, None, {}, None, fresh, worker_rss_mb(server), app, data,
                          tokens, unit_tokens,
                          restarted=bool(started_pids - worker_pids(server)))
        size = len(call(http.client.HTTPConnection("127.0.0.1", APP_PORT), "GET",
                        f"/api/v1/campaigns/{current}",
                        {"Authorization": f"Bearer {tokens['appraiser']}"})[1])
        one_shots = {}
        conn = http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=600)
        for label, who, path in (("launch for every unit", "board_head",
                                  f"/api/v1/campaigns/{data['launchable']}"),
                                 ("issue the 2,000-awardee decision", "clerk",
                                  f"/api/v1/decisions/{data['big']}"))[:1 if signers else 2]:
            auth = {"Authorization": f"Bearer {tokens[who]}"}
            version = json.loads(call(conn, "GET", path, auth)[1])["version"]
            trigger = "launch" if "campaigns" in path else "issue"
            t0 = time.perf_counter()
            status, body = call(conn, "POST", f"{path}/transitions", auth,
                                {"trigger": trigger, "version": version})
            one_shots[label] = (time.perf_counter() - t0, status)
        for name in ("decision", "certificates"):
            call(conn, "GET", f"/api/v1/decisions/{data['big']}/documents/{name}",
                 {"Authorization": f"Bearer {tokens['clerk']}"})
        after = worker_rss_mb(server)
        restarted = bool(started_pids - worker_pids(server))
    finally:
        stop(server)
        stop(ceiling)
        if signers:
            signers.remove()
    # the table first: the delivery worker's drain takes minutes on a busy machine
    report(rows, size, one_shots, docx_figures, fresh, after, app, data, tokens, unit_tokens,
           None, restarted)
    if not args.only:
        sent, seconds, peak = delivery_worker(env)
        print(f"delivery worker: {sent:,} messages sent in {seconds:.0f} s, peak {peak:.0f} MB")


def delivery_worker(env):
    """(messages sent, seconds, peak MB): `flask notifications work --once` draining what the
    measurements above queued (the launch's, the issue's with their attachments, the
    steps') into an SMTP server on 127.0.0.1 (aiosmtpd) that keeps nothing. The peak is the
    worker's own high-water mark, read by a parent whose only child it is."""
    import socket

    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    try:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", wrapper, sys.executable, "-m", "flask", "notifications",
             "work", "--once"],
            env={**env, "FLASK_APP": "wsgi.py", "MAIL_SERVER": "127.0.0.1",
                 "MAIL_PORT": str(port)},
            cwd=ROOT, capture_output=True, text=True, timeout=900, check=True)
        seconds = time.perf_counter() - t0
    finally:
        controller.stop()
    return Sink.count, seconds, int(done.stdout.split()[-1]) / 1024


def report(rows, size, one_shots, docx_figures, fresh, after, app, data, tokens, unit_tokens,
           delivery=None, restarted=False):
    insert_rps = {c: r[2] for r in rows for c in (1, 8) if r[0].endswith("insert") and r[1] == c}
    print(f"\n{'operation':<38} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'max ms':>8} {'vs insert':>9} {'errors':>6}")
    for label, clients, rps, p50, p95, errors, slowest in rows:
        ratio = rps / insert_rps[clients] if insert_rps.get(clients) else 0
        print(f"{label:<38} {clients:>7} {rps:>8.1f} {p50:>8.1f} {p95:>8.1f} {slowest:>8.1f} "
              f"{ratio:>8.0%} {errors:>6}")
    verdicts(rows, after, restarted)
    for label, clients, rps, *_ in rows:  # a request of that row is two steps
        if label.startswith("steps:") and insert_rps.get(clients):
            print(f"  steps per second at {clients}: {2 * rps:.1f}, "
                  f"{2 * rps / insert_rps[clients]:.0%} of the one-row insert")
    if size is not None:
        print(f"\nGET /api/v1/campaigns/{{id}}: {size / 1024:.1f} KiB")
    for label, (seconds, status) in one_shots.items():
        print(f"{label}: {seconds:.2f} s (HTTP {status})")
    if docx_figures is not None:
        app_s, lxml_s, size = docx_figures
        print(f"decision DOCX with its 2,000-awardee list: {app_s:.2f} s "
              f"({size / 1024:.0f} KiB); the same XML written with lxml: {lxml_s:.2f} s; "
              f"ratio {app_s / lxml_s:.1f}×")
    print(f"gunicorn workers: {', '.join(f'{m:.0f}' for m in fresh)} MB fresh; "
          f"{', '.join(f'{m:.0f}' for m in after)} MB after every measurement")
    if delivery is not None:
        sent, seconds, peak = delivery
        print(f"delivery worker: {sent:,} messages sent in {seconds:.0f} s, "
              f"peak {peak:.0f} MB")
    statement_counts(app, data, tokens, unit_tokens)


def verdicts(rows, after, restarted):
    """The issue's bars (issue 22): each line says what was needed and whether it held."""
    def mark(ok):
        return "✓" if ok else "✗"

    print()
    single = [r for r in rows if r[1] == 1 and not r[0].startswith("ceiling")]
    if single:
        worst = max(single, key=lambda r: r[6])
        print(f"{mark(worst[6] <= 500)} no request over 500 ms at one client: slowest "
              f"{worst[6]:.0f} ms ({worst[0]})")
    inbox = {r[1]: r for r in rows if r[0].startswith("API inbox")}
    if 8 in inbox:
        print(f"{mark(inbox[8][2] >= 150)} API inbox at 8 clients ≥ 150 req/s: "
              f"{inbox[8][2]:.0f} req/s")
    if 1 in inbox:
        print(f"{mark(inbox[1][4] < 30)} API inbox at one client p95 < 30 ms: "
              f"{inbox[1][4]:.1f} ms")
    for label in ("API registrations (year, 50 units)", "registrations page (year, 50 units)"):
        one = [r for r in rows if r[0] == label and r[1] == 1]
        if one:
            print(f"{mark(one[0][4] < 100)} {label} at one client p95 < 100 ms: "
                  f"{one[0][4]:.1f} ms (issue 24)")
    limit, jitter, preload = recycling()
    off = limit == 0 or limit > 10_000
    if after:
        print(f"{mark(max(after) < 150 and off)} workers under 150 MB after the whole run: "
              f"{', '.join(f'{m:.0f}' for m in after)} MB, with max_requests "
              f"{limit or 'off'} (jitter {jitter}), preload_app {preload}; "
              f"{'a worker was restarted' if restarted else 'no worker restarted'}")


def register_signers(app):
    """The Chairman's key file and the Ủy ban's seal under a demo CA of this run (written in
    the app's instance folder, where registered key files live), registered as the admin
    page would; the run's gunicorn trusts that CA (``.config()``)."""
    from app.extensions import db
    from app.models import User
    from app.services import identities
    from tests.signing.support import UBND_NAME, DemoSet

    demo = DemoSet(app.instance_path)
    app.config.update(demo.config())
    chairman = db.session.scalar(sa.select(User).where(User.username == "chairman"))
    p12, png = demo.holder("chairman", chairman.full_name, title="Phó Chủ tịch")
    seal, seal_png = demo.holder("ubnd", UBND_NAME, seal=True)
    identities.register_user(None, "chairman", p12_path=p12, image_png=png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE")
    identities.register_unit(None, "UBND", p12_path=seal, seal_png=seal_png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE", seal_mm=36)
    db.session.commit()
    return demo


def worker_memory_mb(proc):
    """{pid: (resident MB, peak resident MB, proportional MB, private MB)} of each gunicorn
    worker: RSS counts the pages it shares with the master and the other workers (the
    preloaded app and libraries) in full, PSS its share of them, private none."""
    out = {}
    for pid in worker_pids(proc):
        try:
            text = Path(f"/proc/{pid}/status").read_text()
            smaps = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        now, peak = (int(re.search(rf"{k}:\s+(\d+)", text).group(1)) / 1024
                     for k in ("VmRSS", "VmHWM"))
        pss, clean, dirty = (int(re.search(rf"^{k}:\s+(\d+)", smaps, re.M).group(1)) / 1024
                             for k in ("Pss", "Private_Clean", "Private_Dirty"))
        out[pid] = (now, peak, pss, clean + dirty)
    return out


def esign_one_shot(server, data, tokens):
    """The big decision through HTTP as in production: the Chairman's «Phê duyệt» prints
    its PDF (LibreOffice, a child process) and signs it with his key; the Văn thư's «Ban
    hành» numbers, dates and seals it (and lays out its certificates); the issued PDF is
    downloaded. Then each worker's resident memory and its peak, against issue 21's bar
    (a web worker stays under 150 MB)."""
    conn = http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=900)
    path = f"/api/v1/decisions/{data['big']}"
    before = worker_memory_mb(server)
    for label, who, trigger in (("approve: print and sign", "chairman", "approve"),
                                ("issue: number, date, seal", "clerk", "issue")):
        auth = {"Authorization": f"Bearer {tokens[who]}"}
        # the version to send, as a client about to fire a step reads it (the decision's
        # own JSON, its 2,000 nominees, is measured apart below)
        version = json.loads(call(conn, "GET", f"{path}/actions", auth)[1])["version"]
        t0 = time.perf_counter()
        status, body = call(conn, "POST", f"{path}/transitions", auth,
                            {"trigger": trigger, "version": version})
        if status != 200:
            raise RuntimeError(f"{label}: HTTP {status} {body[:2000]!r}")
        print(f"  e-signed decision of {data['awardees']:,} awardees, {label}: "
              f"{time.perf_counter() - t0:.2f} s", flush=True)
    auth = {"Authorization": f"Bearer {tokens['clerk']}"}
    status, pdf = call(conn, "GET", f"{path}/signed-pdfs/decision_issued_pdf", auth)
    if status != 200 or not pdf.startswith(b"%PDF"):
        raise RuntimeError(f"the issued PDF: HTTP {status}")
    after = worker_memory_mb(server)

    def shown(memory):
        return ", ".join(f"RSS {now:.0f} MB (peak {peak:.0f}), PSS {pss:.0f}, private "
                         f"{own:.0f}" for now, peak, pss, own in memory.values())

    print(f"  issued PDF {len(pdf) // 1024:,} KB; gunicorn workers before: {shown(before)}; "
          f"after: {shown(after)}")
    worst = max(m[1] for m in after.values())
    worst_pss = max(m[2] for m in after.values())
    print(f"{'✓' if worst < 150 else '✗'} a web worker that e-signs and issues the "
          f"{data['awardees']:,}-awardee decision stays under 150 MB resident: peak RSS "
          f"{worst:.0f} MB (its own share, PSS, {worst_pss:.0f} MB)")
    # reading the decision's JSON (every nominee) is not part of the steps: measured apart
    for _ in range(2):  # both workers, as the connection is kept by one of them
        status, body = call(http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=300),
                            "GET", path, auth)
    read = worker_memory_mb(server)
    print(f"  then GET the decision's JSON ({len(body) // 1024:,} KB, HTTP {status}): "
          f"{shown(read)}")
    return after


def decision_docx(decision_id, runs=3):
    """(app seconds, lxml seconds, bytes): the big decision's draft DOCX, composed from the
    database and laid out, against writing the same XML directly (bench/docx_ceiling.py)."""
    from app.extensions import db
    from app.models import Decision
    from app.services import documents
    from bench.docx_ceiling import lxml_seconds

    app_runs, lxml_runs = [], []
    for _ in range(runs):
        db.session.expire_all()
        decision = db.session.get(Decision, decision_id)
        t0 = time.perf_counter()
        data = documents.render("decision", decision, "decision", draft=True)
        app_runs.append(time.perf_counter() - t0)
        lxml_runs.append(lxml_seconds(data))
    return statistics.median(app_runs), statistics.median(lxml_runs), len(data)


def login_cookie(port, username):
    """Sign in through the form, as a browser does; the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = f"csrf_token={token}&username={username}&password=bench-password"
    conn.request("POST", "/login", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def statement_counts(app, data, tokens, unit_tokens):
    """The same requests in-process, counting SQL statements."""
    from sqlalchemy import event

    from app.extensions import db

    client = app.test_client()
    current = data["current"]
    pid = list(unit_tokens)[-1]  # a plan the steps above sent up and back
    staff, head = unit_tokens[pid]
    measured = [("API inbox", "GET", "/api/v1/inbox", tokens["appraiser"], None),
                ("API progress", "GET", f"/api/v1/campaigns/{current}/progress",
                 tokens["appraiser"], None),
                ("API registrations of the year", "GET",
                 f"/api/v1/campaigns/{data['year']}/registrations", tokens["appraiser"], None)]
    for token, trigger in ((staff, "submit"), (head, "head_return")):
        measured.append((f"API step {trigger}", "POST", f"/api/v1/plans/{pid}/transitions",
                         token, {"trigger": trigger, "comment": "Bổ sung"}))
    print()
    with app.app_context():
        from app.models import Plan

        version = db.session.get(Plan, pid).version
        for label, method, path, token, body in measured:
            if body is not None:
                body = {**body, "version": version}
            seen = []

            def count(*_a, seen=seen):
                seen.append(1)

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                db.session.expire_all()  # as a request's fresh session holds nothing
                response = client.open(path, method=method, json=body,
                                       headers={"Authorization": f"Bearer {token}"})
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            failed = f" (HTTP {response.status_code})" if response.status_code != 200 else ""
            version = (response.get_json() or {}).get("version", version)
            print(f"{label}: {len(seen)} SQL statements{failed}")


if __name__ == "__main__":
    main()
