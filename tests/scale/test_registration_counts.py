"""The Board's registration page of a regular year and its reminder: the same number of
statements for a year of 2 units and one of 2 + EXTRA units (each with its staff and head)."""
from app.services import registrations
from tests import helpers
from tests.scale.test_statement_counts import EXTRA, _province, counting


def test_registration_status_and_reminder_do_not_grow_with_the_units(world):
    board = world.users["board_head"]
    counts = []
    for extra, tag in ((0, "w"), (0, "a"), (EXTRA, "b")):  # the first warms what is cached
        codes = _province(world, extra, tag)
        year = helpers.make_year(world, participants=["SYT", "PDK", *codes], code=f"Y-{tag}")
        helpers.signed_registration(world, year)
        measured = {}
        for show in (None, "registered", "unregistered", "late"):
            with counting() as seen:
                listed = registrations.status(board, year.id, show=show, q=None)
            measured[show or "all"] = len(seen)
        assert listed["total"] == 0  # nothing is late before the deadline
        assert registrations.status(board, year.id)["counts"] == {
            "units": 2 + extra, "registered": 1, "unregistered": 1 + extra,
            "by_state": {"draft": 1 + extra, "submitted": 1}}
        with counting() as seen:
            sent = registrations.remind_unregistered(board, year.id)
        measured["remind"] = len(seen)
        assert sent == {"units": 1 + extra, "messages": 2 * (1 + extra)}
        counts.append(measured)
    assert counts[1] == counts[2], counts
    assert counts[1]["all"] <= 8 and counts[1]["remind"] <= 10, counts[1]
