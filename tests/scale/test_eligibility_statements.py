"""The eligibility of a proposal is computed in SQL with a number of statements that does
not grow with its nominees nor with their history (issue 24): a dossier of 3 and one of
3 + EXTRA nominees, each with three years of titles, ratings and an initiative, count the
same statements, and no statement carries a list of nominees."""
from datetime import timedelta

import pytest

from app.clock import today
from app.extensions import db
from app.models import Dossier
from app.services import awards, eligibility, yearend
from tests import helpers
from tests.scale.test_dossier_at_limit import MAX_PARAMS, statements

EXTRA = 6


def _history(world, people, year):
    for back in range(3):
        yearend.record_unit_decision(world.users["staff_a"], {
            "unit_id": world.units["SYT"].id, "award_form": "CSTDCS",
            "number": f"{back + 1}{len(people)}/QĐ-SYT", "signer": "Giám đốc Sở Y tế",
            "decided_on": today() - timedelta(days=1), "year": year - back,
            "subjects": [{"name": p, "organisation": "SYT"} for p in people]})
        yearend.record_ratings(world.users["staff_a"], world.units["SYT"].id, year - back, [
            {"name": p, "organisation": "SYT", "rating": "htxs"} for p in people])
    yearend.add_initiative(world.users["staff_a"], {  # one initiative of many authors
        "unit_id": world.units["SYT"].id, "title": f"Sáng kiến của {len(people)} tác giả",
        "recognised_by": "Hội đồng sáng kiến tỉnh", "decision_number": "1/QĐ-HĐSK",
        "decided_on": today() - timedelta(days=1), "year": year, "scope": "province",
        "authors": [{"name": p, "organisation": "SYT"} for p in people]})


def _dossier(world, count, tag):
    campaign = helpers.make_campaign(world, title=f"Phong trào thi đua {tag}")
    people = [f"Nguyễn Văn {tag} {i:02d}" for i in range(count)]
    _history(world, people, campaign.period_end.year)
    dossier = helpers.complete_dossier(world, campaign, nominees=[
        {"kind": "individual", "name": p, "organisation": "SYT", "award_form": "CSTDT",
         "votes_for": 9} for p in people])
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    return db.session.get(Dossier, dossier.id)


@pytest.fixture
def two(world):
    return _dossier(world, 3, "A"), _dossier(world, 3 + EXTRA, "B")


def test_the_statements_do_not_grow_with_the_nominees(world, two):
    counts = []
    for dossier in two:
        db.session.expire_all()
        dossier = db.session.get(Dossier, dossier.id)
        with statements() as seen:
            found = eligibility.evaluate(world.users["appraiser"], dossier)
        assert all(r["met"] for rules in found.values() for r in rules), found
        assert max(n for n, _ in seen) <= MAX_PARAMS, seen
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    # the appraisal's whole read (history, proposals and the rules) is bounded the same way
    reads = []
    for dossier in two:
        db.session.expire_all()
        dossier = db.session.get(Dossier, dossier.id)
        with statements() as seen:
            awards.for_dossier(world.users["appraiser"], dossier)
        reads.append(len(seen))
    assert reads[0] == reads[1], reads
