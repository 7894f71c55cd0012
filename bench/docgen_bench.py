"""How long the documents of a large decision take to generate.

Usage: python bench/docgen_bench.py [--awardees 2000] [--runs 3]
Builds a campaign whose appraised dossiers carry ``--awardees`` accepted nominees
(a third of them collectives), composes one decision from all of them, and times the
draft decision, the final decision kept at issuance, and the certificates.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.docx_ceiling import lxml_seconds  # noqa: E402

PER_UNIT = 50


def build(awardees):
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app.clock import today
    from app.models import CampaignParticipant, Dossier, Nominee, Unit
    from app.services import decisions, reference
    from tests import helpers

    upgrade()
    world = helpers.build_world(generate_password_hash("x", method="pbkdf2:sha256:1000"))
    campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT"}])
    form = reference.award_form("BKCT", today())
    per_unit = PER_UNIT
    units = (awardees + per_unit - 1) // per_unit
    made = 0
    for u in range(units):
        unit = Unit(code=f"DV{u:03d}", name=f"Sở thử nghiệm số {u + 1}", kind="department",
                    parent=world.units["UBND"], header_lines=f"SỞ THỬ NGHIỆM SỐ {u + 1}")
        db.session.add(unit)
        db.session.flush()
        db.session.add(CampaignParticipant(campaign_id=campaign.id, unit_id=unit.id))
        dossier = Dossier(campaign_id=campaign.id, unit_id=unit.id, state="appraised",
                          council_members_total=9, council_members_present=9)
        db.session.add(dossier)
        db.session.flush()
        for i in range(min(per_unit, awardees - made)):
            collective = i % 3 == 0
            db.session.add(Nominee(
                dossier_id=dossier.id, campaign_id=campaign.id, position=i + 1,
                kind="collective" if collective else "individual",
                name=(f"Phòng Nghiệp vụ số {i + 1}" if collective
                      else f"Nguyễn Thị Ánh Tuyết {u}-{i}"),
                title="" if collective else "Bà", position_title="" if collective else "Chuyên viên",
                organisation=unit.name, identity_key=f"bench-{u}-{i}", award_form_id=form.id,
                votes_for=9, verdict="accepted"))
            made += 1
    db.session.commit()
    ids = list(db.session.scalars(db.select(Nominee.id).where(Nominee.campaign_id == campaign.id)))
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id, ids)
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve")):
        helpers.fire(world, "decision", decision, who, trigger)
    return world, decision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--awardees", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                      "UPLOAD_FOLDER": tmp, "TESTING": True})
    with app.test_request_context():
        from app.services import documents
        from tests import helpers

        world, decision = build(args.awardees)
        db.session.refresh(decision)
        print(f"decision with {len(decision.nominees)} awardees")
        for name in ("decision", "certificates"):
            samples, ceilings, size = [], [], 0
            for _ in range(args.runs):
                t0 = time.perf_counter()
                data = documents.render("decision", decision, name, draft=True)
                samples.append(time.perf_counter() - t0)
                ceilings.append(lxml_seconds(data))
                size = len(data)
            app_s, lxml_s = statistics.median(samples), statistics.median(ceilings)
            print(f"draft {name:<13} median {app_s:6.2f} s over {args.runs} runs "
                  f"({size / 1024:,.0f} KiB); the same XML with lxml {lxml_s:.2f} s: "
                  f"{app_s / lxml_s:.1f}×")
        history = _time_statements("INSERT INTO award_records")
        t0 = time.perf_counter()
        helpers.fire(world, "decision", decision, "clerk", "issue")
        print(f"issue (number, decide {len(decision.nominees) // 50 + 1} dossiers, keep decision "
              f"and certificates, commit): {time.perf_counter() - t0:6.2f} s; of which the "
              f"award history's INSERT … SELECT ({len(history)} statement): "
              f"{sum(history) * 1000:.0f} ms")


def _time_statements(prefix):
    """The seconds each statement starting with ``prefix`` took, as they run."""
    from sqlalchemy import event

    took, started = [], {}

    @event.listens_for(db.engine, "before_cursor_execute")
    def _before(conn, cursor, statement, *_):
        started[id(cursor)] = time.perf_counter()

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, *_):
        if statement.lstrip().startswith(prefix):
            took.append(time.perf_counter() - started[id(cursor)])

    return took


if __name__ == "__main__":
    main()
