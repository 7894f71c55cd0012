"""The year-end page's lists (unit decisions with their names and which records are history,
the changes) take the same number of statements for 2 decisions of 2 names as for 8 of 12:
no statement per decision, name or change."""
from datetime import timedelta

from app.clock import today
from app.services import yearend
from tests.scale.test_dossier_at_limit import statements


def _enter(world, year, decisions, names, tag):
    for d in range(decisions):
        made = yearend.record_unit_decision(world.users["staff_a"], {
            "unit_id": world.units["SYT"].id, "award_form": "LDTT" if d % 2 else "CSTDCS",
            "number": f"{tag}{d}/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "year": year,
            "decided_on": today() - timedelta(days=1),
            "subjects": [{"name": f"Người {tag} {d} {i}", "organisation": "SYT"}
                         for i in range(names)]})
        yearend.correct_unit_decision(world.users["staff_a"], made["id"], {
            "number": f"{tag}{d}a/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "year": year,
            "decided_on": today() - timedelta(days=1),
            "subjects": [{"name": f"Người {tag} {d} {i}", "organisation": "SYT"}
                         for i in range(names)]})


def _count(world, year):
    with statements() as seen:
        listed = yearend.unit_decisions(world.users["appraiser"], world.units["SYT"].id, year)
        changes = yearend.changes(world.users["appraiser"], world.units["SYT"].id)
    return len(seen), listed, changes


def test_the_lists_cost_the_same_statements_at_any_size(world):
    year = today().year - 1
    _enter(world, year, 2, 2, "A")
    small, listed, changes = _count(world, year)
    assert len(listed) == 2 and len(changes) == 2
    _enter(world, year, 6, 12, "B")
    large, listed, changes = _count(world, year)
    assert len(listed) == 8 and sum(len(d["subjects"]) for d in listed) == 2 * 2 + 6 * 12
    assert len(changes) == 8
    assert large == small <= 8, (small, large)
