"""The eligibility of a 500-nominee proposal at ten times a province (issue 24): build the
year-end history of 3,000 units set-based, then time eligibility.evaluate on a dossier of
500 nominees (400 people for Chiến sĩ thi đua cấp tỉnh, 100 collectives for Tập thể lao
động xuất sắc) and count its statements.

Usage: python bench/eligibility_bench.py [--scale 1.0]
       (run by make bench-scale after the main bench; alone on its own database)

At --scale 1.0: 3,000 units, 60,000 people (20 a unit, in 3,000 collectives), 3 years of
ratings (189,000 rows), 3 years of unit titles (LĐTT for every person, CSTĐCS for one in
four: 225,000 award records), 15,000 initiatives, 3,000 holds. Database:
ELIGIBILITY_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/tdkt_bench_eligibility,
created when missing, its public schema dropped and rebuilt).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tdkt_bench_eligibility"
NOMINEES_PEOPLE, NOMINEES_COLLECTIVES = 400, 100


def _ensure(url):
    from bench.scale_bench import ensure_database
    ensure_database(url)


def build(scale):
    """The history, set-based (generate_series), and the 500-nominee dossier, received."""
    from flask_migrate import upgrade

    from app.clock import today
    from app.extensions import db
    from app.models import Dossier
    from tests import helpers
    from tests.conftest import PASSWORD_HASH

    db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.session.commit()
    upgrade()
    world = helpers.build_world(PASSWORD_HASH)
    campaign = helpers.make_campaign(world, award_forms=[{"code": "CSTDT"},
                                                         {"code": "TTLDXS"}])
    year = campaign.period_end.year
    units = int(3000 * scale)
    per_unit = 20
    staff = world.users["staff_a"].id
    t0 = time.perf_counter()
    run = db.session.execute
    run(sa.text("""
        INSERT INTO units (code, name, kind, active, esign_required, created_at, updated_at)
        SELECT 'E' || g, 'Đơn vị ' || g, 'department', true, false, now(), now()
        FROM generate_series(1, :n) g"""), {"n": units})
    # the people: unit u, person p; key individual|người u-p|e<u>; collective "tổ u"
    people = """
        SELECT u.id AS unit_id, g AS u, p,
               'individual|người ' || g || '-' || p || '|e' || g AS key,
               'Người ' || g || '-' || p AS name, 'collective|tổ ' || g || '|e' || g AS ckey
        FROM generate_series(1, :n) g JOIN units u ON u.code = 'E' || g
        CROSS JOIN generate_series(1, :per) p"""
    for back in range(3):
        y = year - back
        run(sa.text(f"""
            INSERT INTO year_ratings (year, unit_id, subject_kind, name, organisation,
                                      identity_key, collective_key, rating, created_at,
                                      created_by_id)
            SELECT :y, unit_id, 'individual', name, 'E' || u, key, ckey,
                   CASE WHEN p % 5 = 0 THEN 'htxs' ELSE 'httot' END, now(), :staff
            FROM ({people}) x"""), {"y": y, "n": units, "per": per_unit, "staff": staff})
        run(sa.text("""
            INSERT INTO year_ratings (year, unit_id, subject_kind, name, organisation,
                                      identity_key, collective_key, rating, created_at,
                                      created_by_id)
            SELECT :y, u.id, 'collective', 'Tổ ' || g, 'E' || g,
                   'collective|tổ ' || g || '|e' || g, '', 'htxs', now(), :staff
            FROM generate_series(1, :n) g JOIN units u ON u.code = 'E' || g"""),
            {"y": y, "n": units, "staff": staff})
        for form, where in (("LDTT", "p % 10 <> 0"), ("CSTDCS", "p % 4 = 0")):
            run(sa.text(f"""
                INSERT INTO award_records (source, subject_kind, name, title, position_title,
                    organisation, identity_key, search_key, unit_id, unit_name, award_form_id,
                    form_name, decision_number, decided_on, year, issuer_name, issuing_level,
                    achievement_summary, created_at, created_by_id)
                SELECT 'import', 'individual', x.name, '', '', 'E' || x.u, x.key,
                       lower(x.name), x.unit_id, 'Đơn vị ' || x.u, f.id, f.name, x.u || '/QĐ',
                       :d, :y, 'Giám đốc', 'Cấp cơ sở', '', now(), :staff
                FROM ({people}) x, award_forms f WHERE f.code = :form AND {where}"""),
                {"y": y, "d": today(), "n": units, "per": per_unit, "staff": staff,
                 "form": form})
    run(sa.text("""
        INSERT INTO initiatives (unit_id, title, level, recognised_by, decision_number,
                                 decided_on, year, scope, created_at, created_by_id)
        SELECT u.id, 'Sáng kiến ' || g || '-' || k, '', 'Hội đồng sáng kiến tỉnh', k || '/QĐ',
               :d, :y, CASE WHEN k = 1 THEN 'province' ELSE 'unit' END, now(), :staff
        FROM generate_series(1, :n) g JOIN units u ON u.code = 'E' || g
        CROSS JOIN generate_series(1, 5) k"""),
        {"n": units, "d": today(), "y": year, "staff": staff})
    run(sa.text("""
        INSERT INTO initiative_authors (initiative_id, identity_key, name, organisation)
        SELECT i.id, 'individual|người ' || u.code_n || '-' || (4 * k) || '|e' || u.code_n,
               'Người', 'E' || u.code_n
        FROM (SELECT id, unit_id, CAST(split_part(title, '-', 2) AS int) AS k FROM initiatives)
             i JOIN (SELECT id, substr(code, 2) AS code_n FROM units WHERE code LIKE 'E%') u
             ON u.id = i.unit_id"""))
    run(sa.text(f"""
        INSERT INTO holds (unit_id, subject_kind, name, organisation, identity_key, kind,
                           source_paper, starts_on, ends_on, note, created_at, created_by_id)
        SELECT unit_id, 'individual', name, 'E' || u, key, 'discipline', '1/QĐ-KL',
               :d, NULL, '', now(), :staff
        FROM ({people}) x WHERE p = 7"""),
        {"n": units, "per": per_unit, "d": today(), "staff": staff})
    db.session.commit()
    built = time.perf_counter() - t0
    # the proposal: 400 people (spread over the units) and 100 collectives
    dossier = helpers.complete_dossier(world, campaign, nominees=[
        {"kind": "individual", "name": "Người 1-4", "organisation": "E1",
         "award_form": "CSTDT", "votes_for": 9}])
    step = max(units // NOMINEES_PEOPLE, 1)
    run(sa.text("""
        INSERT INTO nominees (dossier_id, campaign_id, position, kind, name, title,
            position_title, organisation, identity_key, search_key, award_form_id,
            achievement_summary, struck, created_at)
        SELECT :d, :c, 10 + g, 'individual', 'Người ' || u || '-' || (4 + g % 3), '', '',
               'E' || u, 'individual|người ' || u || '-' || (4 + g % 3) || '|e' || u, '',
               f.id, '', false, now()
        FROM generate_series(1, :people) g
        CROSS JOIN LATERAL (SELECT 1 + ((g * :step) % :n) AS u) x, award_forms f
        WHERE f.code = 'CSTDT'"""),
        {"d": dossier.id, "c": campaign.id, "people": NOMINEES_PEOPLE - 1, "step": step,
         "n": units})
    run(sa.text("""
        INSERT INTO nominees (dossier_id, campaign_id, position, kind, name, title,
            position_title, organisation, identity_key, search_key, award_form_id,
            achievement_summary, struck, created_at)
        SELECT :d, :c, 1000 + g, 'collective', 'Tổ ' || u, '', '', 'E' || u,
               'collective|tổ ' || u || '|e' || u, '', f.id, '', false, now()
        FROM generate_series(1, :collectives) g
        CROSS JOIN LATERAL (SELECT 1 + ((g * 29) % :n) AS u) x, award_forms f
        WHERE f.code = 'TTLDXS'"""),
        {"d": dossier.id, "c": campaign.id, "collectives": NOMINEES_COLLECTIVES, "n": units})
    # received today (its papers per nominee are not the point here: no submit guard)
    run(sa.update(Dossier).where(Dossier.id == dossier.id).values(rules_date=today()))
    run(sa.text("ANALYZE"))
    db.session.commit()
    counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in (
        "units", "year_ratings", "award_records", "initiatives", "holds", "nominees")}
    return db.session.get(Dossier, dossier.id).id, world, built, counts


def _reuse():
    from types import SimpleNamespace

    from app.extensions import db
    from app.models import Dossier, User

    dossier_id = db.session.scalar(sa.select(Dossier.id).where(Dossier.rules_date.is_not(None)))
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in (
        "units", "year_ratings", "award_records", "initiatives", "holds", "nominees")}
    return dossier_id, SimpleNamespace(users=users), 0, counts


def measure(dossier_id, world, runs=5):
    """(median seconds, statements, verdicts met/unmet) of evaluating the whole dossier."""
    from sqlalchemy import event

    from app.extensions import db
    from app.models import Dossier
    from app.services import eligibility

    times, seen = [], []
    found = {}
    for _ in range(runs):
        db.session.expire_all()
        dossier = db.session.get(Dossier, dossier_id)
        seen.clear()

        def count(*_a):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            t0 = time.perf_counter()
            found = eligibility.evaluate(world.users["appraiser"], dossier)
            times.append(time.perf_counter() - t0)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    met = sum(r["met"] for rules in found.values() for r in rules)
    total = sum(len(rules) for rules in found.values())
    return statistics.median(times), len(seen), met, total, len(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data set a previous run built (no rebuild)")
    args = parser.parse_args()
    url = os.environ.get("ELIGIBILITY_BENCH_DATABASE_URL", DEFAULT_URL)
    _ensure(url)
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                                                             "postgresql+psycopg://"),
                      "SECRET_KEY": "bench-secret", "OUTBOX_WORKER_IN_PROCESS": False,
                      "UPLOAD_FOLDER": "/tmp/tdkt-bench-uploads"})
    with app.app_context():
        if args.reuse:
            dossier_id, world, built, counts = _reuse()
        else:
            dossier_id, world, built, counts = build(args.scale)
        seconds, statements, met, total, nominees = measure(dossier_id, world)
    print(f"eligibility data built in {built:.0f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    mark = "✓" if seconds < 1 else "✗"
    print(f"{mark} eligibility of a {nominees}-nominee proposal < 1 s: {seconds * 1000:.0f} ms "
          f"(median of 5), {statements} SQL statements, {met}/{total} rules met")


if __name__ == "__main__":
    main()
