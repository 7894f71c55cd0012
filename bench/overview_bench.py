"""The Board's overview and the Excel exports at the province's 10× size, on PostgreSQL.

Usage: python bench/overview_bench.py [--scale 1.0] [--requests 40] [--skip-build]

Builds (set-based, like bench/scale_bench.py, but only the tables the overview reads:
units, campaigns, participants, plans, dossiers, nominees, award records) in
BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/tdkt_bench13; its public
schema is dropped and rebuilt). At --scale 1.0: 3,000 units, 36 campaigns, ~100,000 plans
and dossiers, ~700,000 nominees, 100,000 award records in 2025 and 20,000 in each of the
ten years before.

Then, in-process (Flask test client, so the figures are the app's own work, no HTTP):
- the dashboard page (GET /tong-quan?campaign=…&year=2025) and its two API calls, timed
  over --requests calls each: p50 and p95;
- the 2025 register as Excel (100,000 rows), in a child process: its time and the
  child's peak resident memory (ru_maxrss) before and after, and its size.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tdkt_bench13"


def _app(url):
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
        "SECRET_KEY": "bench-secret", "OUTBOX_WORKER_IN_PROCESS": False, "TESTING": True,
        "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "100000 per minute",
        "UPLOAD_FOLDER": "/tmp/tdkt-bench13-uploads"})


def build(scale):
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models import (
        AwardRecord,
        CampaignParticipant,
        Dossier,
        Nominee,
        Plan,
        Unit,
    )
    from app.services import awards, campaigns
    from bench.scale_bench import _rows
    from tests.helpers import build_world, campaign_spec

    timings = {}
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()
    world = build_world(generate_password_hash("bench-password", method="pbkdf2:sha256:1000"))
    n_units = max(int(3000 * scale), 20)
    ubnd = world.units["UBND"].id
    _rows(Unit, {"code": "'B' || lpad(g::text, 5, '0')", "name": "'Đơn vị số ' || g",
                 "kind": "(ARRAY['department', 'commune', 'commune', 'mass_org', "
                         "'enterprise'])[1 + g % 5]",
                 "parent_id": str(ubnd), "email": "'b' || g || '@bench.test'"},
          "generate_series(1, :n) AS g", n=n_units)
    board = world.users["board_head"]
    made = []
    from datetime import date
    for year in range(2016, 2027):
        for n in range(4 if year < 2026 else 2):
            if len(made) == 36:
                break
            spec = campaign_spec(code=f"PT-{year}-{n}",
                                 title=f"Phong trào thi đua {n + 1} năm {year}")
            if year < 2026:
                spec.update(period_start=date(year, 3 + n, 1), period_end=date(year, 6 + n, 1),
                            plan_deadline=date(year, 3 + n, 15),
                            dossier_deadline=date(year, 6 + n, 1))
            made.append(campaigns.create_campaign(board, spec).id)
    running = made[-4:]
    _rows(CampaignParticipant, {"campaign_id": "c.id", "unit_id": "u.id"},
          "campaigns AS c JOIN units AS u ON u.code LIKE 'B%' AND (u.id + c.id) % 100 < 93")
    db.session.execute(sa.text(
        "UPDATE campaigns SET state = CASE WHEN id = ANY(:running) THEN 'launched' "
        "ELSE 'closed' END, launch_number = id || '/KH-UBND', launch_date = period_start, "
        "launched_at = now(), accepts_late = true"), {"running": running})
    db.session.commit()
    source = "campaign_participants AS p JOIN campaigns AS c ON c.id = p.campaign_id"
    _rows(Plan, {"campaign_id": "p.campaign_id", "unit_id": "p.unit_id",
                 "state": "CASE WHEN c.state = 'closed' THEN 'approved' ELSE (ARRAY['draft', "
                          "'awaiting_head', 'submitted', 'in_appraisal', 'returned', "
                          "'approved'])[1 + (p.unit_id * 7 + c.id) % 6] END"}, source)
    _rows(Dossier, {"campaign_id": "p.campaign_id", "unit_id": "p.unit_id",
                    "state": "CASE WHEN c.state = 'closed' THEN (ARRAY['decided', 'decided', "
                             "'rejected', 'appraised'])[1 + (p.unit_id + c.id) % 4] ELSE "
                             "(ARRAY['draft', 'draft', 'awaiting_head', 'submitted', "
                             "'in_appraisal', 'returned', 'appraised'])"
                             "[1 + (p.unit_id * 3 + c.id) % 7] END"}, source)
    db.session.commit()
    timings["units, campaigns, plans, dossiers"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    forms = [r[0] for r in db.session.execute(sa.text(
        "SELECT id FROM award_forms WHERE code IN ('BKCT', 'CSTDT', 'TTLDXS') ORDER BY id"))]
    forms_sql = "ARRAY[" + ",".join(str(f) for f in forms) + "]"
    _rows(Nominee, {"dossier_id": "d.id", "campaign_id": "d.campaign_id", "position": "g",
                    "kind": "CASE WHEN g = 1 THEN 'collective' ELSE 'individual' END",
                    "name": "'Người được đề nghị ' || d.id || '-' || g",
                    "identity_key": "'individual|' || d.id || '-' || g",
                    "award_form_id": f"({forms_sql})[1 + g % {len(forms)}]",
                    "votes_for": "8",
                    "verdict": "CASE WHEN d.state IN ('appraised', 'decided') THEN "
                               "(CASE WHEN g % 9 = 0 THEN 'declined' ELSE 'accepted' END) END",
                    "struck": "d.state = 'decided' AND g % 13 = 0"},
          "dossiers AS d CROSS JOIN generate_series(1, 8) AS g WHERE d.state <> 'draft'")
    db.session.commit()
    timings["nominees"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    names = "(ARRAY['Nguyễn Văn An', 'Lê Thị Bích', 'Hoàng Văn Nam', 'Lò Thị Mai', 'Vi Văn Tú'])"
    for year, count in [(2025, int(100_000 * scale))] + [
            (y, int(20_000 * scale)) for y in range(2015, 2025)]:
        _rows(AwardRecord, {
            "source": "'import'", "subject_kind": "'individual'",
            "name": f"{names}[1 + g % 5] || ' ' || g", "title": "'Ông'",
            "position_title": "'Chuyên viên'", "organisation": "u.name",
            "identity_key": "'individual|' || g || '|' || u.code",
            "search_key": "'nguoi ' || g", "unit_id": "u.id", "unit_name": "u.name",
            "award_form_id": f"({forms_sql})[1 + g % {len(forms)}]",
            "form_name": "'Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh'",
            "decision_number": "(g % 400 + 1) || '/QĐ-UBND'",
            "decided_on": f"make_date({year}, 1 + g % 12, 1 + g % 28)", "year": str(year),
            "issuer_name": "'Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn'",
            "issuing_level": "'Cấp tỉnh'", "money": "1490000 + (g % 3) * 1490000"},
            "generate_series(1, :n) AS g JOIN units AS u ON u.code = "
            "'B' || lpad((1 + g % :units)::text, 5, '0')", n=count, units=n_units)
    db.session.commit()
    awards.recount_all_years()  # records written around the services: the tally they keep
    db.session.commit()
    # what autovacuum does on a live database: visibility map and statistics
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    timings["award records"] = time.perf_counter() - t0
    return {"current": running[-1], "timings": timings}


def _p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(app, campaign_id, requests):
    from app.extensions import db
    from app.models import User
    from tests.helpers import token_for

    out = {}
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == "board_head")).one()
        token = token_for(user)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    page_client = app.test_client()
    page_client.post("/login", data={"username": "board_head", "password": "bench-password"})
    for name, url, c, h in (
            ("dashboard page", f"/tong-quan?campaign={campaign_id}&year=2025", page_client, {}),
            ("API dashboard/campaigns", f"/api/v1/dashboard/campaigns/{campaign_id}", client,
             headers),
            ("API dashboard/years/2025", "/api/v1/dashboard/years/2025", client, headers)):
        times = []
        for _ in range(requests + 3):
            t0 = time.perf_counter()
            r = c.get(url, headers=h)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (url, r.status_code, r.get_data()[:300])
        times = times[3:]  # warm-up
        out[name] = {"p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(_p(times, 0.95), 1)}
    return out


def export_child(url, year):
    """Run in its own process: the peak memory of one export, from a clean start."""
    app = _app(url)
    from app.extensions import db
    from app.models import User
    from tests.helpers import token_for

    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == "board_head")).one()
        token = token_for(user)
    client = app.test_client()
    client.get("/api/v1/dashboard/years/2025", headers={"Authorization": f"Bearer {token}"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    r = client.get(f"/api/v1/excel/awards/{year}", headers={"Authorization": f"Bearer {token}"},
                   buffered=False)
    size = 0
    for chunk in r.response:
        size += len(chunk)
    r.close()
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.app_context():
        rows = db.session.scalar(sa.text("SELECT count(*) FROM award_records WHERE year = :y"),
                                 {"y": year})
    print(json.dumps({"rows": rows, "seconds": round(seconds, 1), "bytes": size,
                      "rss_before_mb": round(before / 1024, 1),
                      "rss_peak_mb": round(after / 1024, 1)}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--export-child", type=int)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.export_child:
        return export_child(url, args.export_child)
    from bench.scale_bench import ensure_database

    ensure_database(url)
    app = _app(url)
    with app.app_context():
        if args.skip_build:
            from app.extensions import db

            current = db.session.scalar(sa.text(
                "SELECT max(id) FROM campaigns WHERE state = 'launched'"))
            result = {"current": current, "timings": {}}
        else:
            result = build(args.scale)
    for step, seconds in result["timings"].items():
        print(f"build: {step}: {seconds:.1f} s")
    with app.app_context():
        from app.extensions import db

        for table in ("units", "plans", "dossiers", "nominees", "award_records"):
            print(f"rows: {table}: {db.session.scalar(sa.text(f'SELECT count(*) FROM {table}')):,}")
    for name, figures in measure(app, result["current"], args.requests).items():
        print(f"{name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    child = subprocess.run([sys.executable, __file__, "--export-child", "2025"], check=True,
                           capture_output=True, text=True, env={**os.environ,
                                                                "BENCH_DATABASE_URL": url})
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"export 2025 register: {figures['rows']:,} rows, {figures['seconds']} s, "
          f"{figures['bytes'] / 1024 / 1024:.1f} MiB, process RSS {figures['rss_before_mb']} MB "
          f"before, peak {figures['rss_peak_mb']} MB")


if __name__ == "__main__":
    main()
