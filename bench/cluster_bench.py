"""Cluster rankings at ten times the province (issue 24): 3,000 units in 30 clusters of 100,
ten years (campaigns), a scoring table of 10 criteria a year: 300,000 scores and 30,000
score sheets. Measures the ranking through the API (first page of 50, bearer token,
in-process test client) and the whole ranking's Excel list, and counts the statements of
one ranking.

Usage: python bench/cluster_bench.py [--calls 300]   (also run by `make bench-scale`)
Database: CLUSTER_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/
tdkt_cluster_bench, created when missing; its public schema is dropped and rebuilt).
"""
import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from scale_bench import ensure_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tdkt_cluster_bench"
UNITS, CLUSTERS, YEARS, CRITERIA = 3000, 30, 10, 10


def build(db):
    from app.clock import now_utc
    from app.models import ApiToken, Campaign, Unit, User
    from app.services.auth import _digest

    run = db.session.execute
    province = Unit(code="UBND", name="Ủy ban nhân dân tỉnh Lạng Sơn", kind="province",
                    place_name="Lạng Sơn", header_lines="ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN")
    db.session.add(province)
    db.session.flush()
    run(sa.text("INSERT INTO units (code, name, kind, parent_id, active, pays_awards, "
                "esign_required, created_at, updated_at) SELECT 'U' || lpad(g::text, 4, '0'), "
                "'Đơn vị ' || g, 'department', :p, true, false, false, now(), now() "
                "FROM generate_series(1, :n) g"), {"p": province.id, "n": UNITS})
    board = User(username="board_head", full_name="Vi Văn Thắng", password_hash="x",
                 unit=province)
    board.set_roles(["board_head"])
    db.session.add(board)
    start = date(2017, 1, 1)
    for i in range(YEARS):
        db.session.add(Campaign(
            code=f"NAM-{2017 + i}", title=f"Thi đua thường xuyên năm {2017 + i}",
            issuer_unit_id=province.id, period_start=start.replace(year=2017 + i),
            period_end=start.replace(year=2017 + i) + timedelta(days=364),
            vote_threshold=70, state="launched", kind="regular", year=2017 + i))
    db.session.flush()
    run(sa.text("INSERT INTO clusters (code, name, kind) SELECT 'CUM' || g, "
                "'Cụm thi đua số ' || g, 'cum' FROM generate_series(1, :n) g"), {"n": CLUSTERS})
    # unit k (1-based) in cluster ((k - 1) % 30) + 1
    run(sa.text("INSERT INTO cluster_members (cluster_id, unit_id, kind) "
                "SELECT c.id, u.id, 'cum' FROM units u JOIN clusters c "
                "ON c.code = 'CUM' || ((substr(u.code, 2)::int - 1) % :n + 1) "
                "WHERE u.code <> 'UBND'"), {"n": CLUSTERS})
    run(sa.text("INSERT INTO cluster_years (cluster_id, campaign_id, leader_unit_id, "
                "flag_quota) SELECT c.id, k.id, (SELECT min(unit_id) FROM cluster_members m "
                "WHERE m.cluster_id = c.id), 1 FROM clusters c CROSS JOIN campaigns k"))
    run(sa.text("INSERT INTO cluster_criteria (cluster_year_id, position, title, max_points, "
                "evidence) SELECT y.id, g, 'Tiêu chí ' || g, 10, '' FROM cluster_years y "
                "CROSS JOIN generate_series(1, :n) g"), {"n": CRITERIA})
    run(sa.text("INSERT INTO cluster_score_sheets (cluster_year_id, unit_id, state) "
                "SELECT y.id, m.unit_id, 'reviewed' FROM cluster_years y "
                "JOIN cluster_members m ON m.cluster_id = y.cluster_id"))
    run(sa.text("INSERT INTO cluster_scores (criterion_id, unit_id, cluster_year_id, points, "
                "note, adjusted_points) SELECT c.id, m.unit_id, y.id, "
                "(m.unit_id * 7 + c.position) % 11, "
                "'', CASE WHEN m.unit_id % 13 = 0 THEN 5 END FROM cluster_criteria c "
                "JOIN cluster_years y ON y.id = c.cluster_year_id "
                "JOIN cluster_members m ON m.cluster_id = y.cluster_id"))
    token = secrets.token_urlsafe(16)
    db.session.add(ApiToken(user_id=board.id, token_hash=_digest(token),
                            expires_at=now_utc() + timedelta(hours=2)))
    db.session.commit()
    run(sa.text("ANALYZE"))
    return board.id, token


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    url = os.environ.get("CLUSTER_BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import clusters

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace(
        "postgresql://", "postgresql+psycopg://"), "SECRET_KEY": "bench"})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        began = time.perf_counter()
        board_id, token = build(db)
        built = time.perf_counter() - began
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                  for t in ("units", "cluster_members", "cluster_years", "cluster_scores",
                            "cluster_score_sheets")}
        years = db.session.scalars(sa.text(
            "SELECT y.id FROM cluster_years y JOIN campaigns k ON k.id = y.campaign_id "
            "WHERE k.code = 'NAM-2026' ORDER BY y.id")).all()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    for i in range(args.calls + 20):
        year_id = years[i % len(years)]
        began = time.perf_counter()
        r = client.get(f"/api/v1/cluster-years/{year_id}/ranking?per_page=50", headers=headers)
        spent = time.perf_counter() - began
        assert r.status_code == 200 and len(r.get_json()["items"]) == 50, r.get_data()[:300]
        if i >= 20:  # warmed up
            samples.append(spent * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    with app.app_context():
        from app.models import User

        seen = []

        def record(*args):
            seen.append(args[2])

        user = db.session.get(User, board_id)
        _ = user.roles
        event.listen(db.engine, "before_cursor_execute", record)
        clusters.ranking(user, years[0], 1, 50)
        event.remove(db.engine, "before_cursor_execute", record)
        statements = len(seen)
        began = time.perf_counter()
        name, data = clusters.ranking_xlsx(user, years[0])
        xlsx_ms = (time.perf_counter() - began) * 1000
        data.close()
    print(f"built in {built:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"API ranking (page of 50 of a 100-member cluster), {len(samples)} calls: "
          f"p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, "
          f"max {samples[-1]:.1f} ms")
    print(f"statements of one ranking (service, user already loaded): {statements}")
    print(f"Excel list of a whole ranking: {xlsx_ms:.1f} ms")
    ok = p95 < 100
    print(f"{'OK ' if ok else 'MISS'} cluster ranking p95 < 100 ms: {p95:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
