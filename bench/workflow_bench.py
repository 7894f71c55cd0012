"""Throughput of the workflow core, measured through the API with a real database.

Usage: python bench/workflow_bench.py [--units 200] [--requests 200]
Uses a fresh SQLite file, or PostgreSQL when BENCH_DATABASE_URL is set (its schema is
dropped and recreated: point it at a scratch database).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


def build(units, url):
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app.models import Unit, User
    from app.services.reference import load_reference_data
    from tests.helpers import build_world, campaign_spec, token_for

    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()
    world = build_world(generate_password_hash("x", method="pbkdf2:sha256:1000"))
    load_reference_data()
    codes = []
    for i in range(units):
        unit = Unit(code=f"DV{i:04d}", name=f"Đơn vị thử nghiệm số {i}", kind="department")
        staff = User(username=f"staff{i}", full_name=f"Cán bộ {i}", password_hash="x", unit=unit)
        staff.set_roles(["unit_staff"])
        head = User(username=f"head{i}", full_name=f"Thủ trưởng {i}", password_hash="x",
                    unit=unit)
        head.set_roles(["unit_head"])
        db.session.add_all([unit, staff, head])
        codes.append(unit.code)
    db.session.commit()
    tokens = {u.username: token_for(u) for u in db.session.scalars(sa.select(User))}
    spec = campaign_spec(participants=codes)
    return world, tokens, spec


def timed(fn, n):
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def report(name, samples, queries=None):
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[int(len(ms) * 0.95) - 1] if len(ms) > 1 else ms[0]
    extra = f", {queries} SQL queries each" if queries is not None else ""
    print(f"{name:<48} {len(ms):>5} runs  median {statistics.median(ms):7.2f} ms  "
          f"p95 {p95:7.2f} ms  ~{1000 / statistics.median(ms):7.0f}/s{extra}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp}/bench.sqlite3",
                      "UPLOAD_FOLDER": tmp, "TESTING": True})
    with app.app_context():
        world, tokens, spec = build(args.units, url)
        print(f"database: {db.engine.dialect.name}; {args.units} units")
        client = app.test_client()

        def call(who, method, path, **kw):
            r = getattr(client, method)(path, headers={"Authorization": f"Bearer {tokens[who]}"},
                                        **kw)
            assert r.status_code < 400, (path, r.get_json())
            return r.get_json()

        from app.services import campaigns, workflow

        campaign = campaigns.create_campaign(world.users["board_head"], spec)
        t0 = time.perf_counter()
        workflow.perform("campaign", campaign.id, world.users["board_head"], "launch",
                         version=campaign.version)
        print(f"{'launch (opens a plan and a dossier per unit)':<48} "
              f"{(time.perf_counter() - t0) * 1000:7.1f} ms for {2 * args.units} items")

        plans = call("appraiser", "get", f"/api/v1/plans?campaign_id={campaign.id}&per_page=200")
        by_unit = {p["unit"]["code"]: p for p in plans["items"]}
        contents = call("board_head", "get", f"/api/v1/campaigns/{campaign.id}")["contents"]
        body = {"sections": [{"content_id": c["id"], "text": "Nội dung"} for c in contents],
                "commitments": [{"target_id": t["id"], "value": 1}
                                for c in contents for t in c["targets"]]}
        edits, submits, signoffs = [], [], []
        for i in range(min(args.units, args.requests)):
            plan = by_unit[f"DV{i:04d}"]
            t0 = time.perf_counter()
            version = call(f"staff{i}", "patch", f"/api/v1/plans/{plan['id']}",
                           json={**body, "version": plan["version"]})["version"]
            edits.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            version = call(f"staff{i}", "post", f"/api/v1/plans/{plan['id']}/transitions",
                           json={"trigger": "submit", "version": version})["version"]
            submits.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            call(f"head{i}", "post", f"/api/v1/plans/{plan['id']}/transitions",
                 json={"trigger": "sign_off", "version": version})
            signoffs.append(time.perf_counter() - t0)
        report("PATCH plan (sections + commitments)", edits)
        report("POST transition submit (guards, event, outbox)", submits)
        report("POST transition sign_off", signoffs)

        counter = {"n": 0}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_):
            counter["n"] += 1

        def measure(name, who, path):
            counter["n"] = 0
            call(who, "get", path)
            queries = counter["n"]
            report(name, timed(lambda: call(who, "get", path), args.requests), queries)

        measure("GET inbox (appraiser, 20 of many)", "appraiser", "/api/v1/inbox")
        measure("GET inbox (unit head, own unit)", "head0", "/api/v1/inbox")
        measure("GET plans list (100 per page)", "appraiser",
                f"/api/v1/plans?campaign_id={campaign.id}&per_page=100")
        measure("GET plan item", "staff0", f"/api/v1/plans/{by_unit['DV0000']['id']}")
        measure("GET plan actions (guards evaluated)", "appraiser",
                f"/api/v1/plans/{by_unit['DV0000']['id']}/actions")


if __name__ == "__main__":
    main()
