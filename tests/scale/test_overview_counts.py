"""The overview costs the same statements at any size: its figures are GROUP BY aggregates,
its exports stream rows through one cursor."""
from datetime import date

from app.extensions import db
from app.services import exports, overview
from tests import helpers
from tests.scale.test_statement_counts import EXTRA, _province, counting
from tests.services.test_spreadsheets import make_award


def _measure(call):
    db.session.commit()
    with counting() as seen:
        result = call()
        if isinstance(result, tuple) and hasattr(result[1], "close"):
            result[1].close()
    return len(seen)


def test_dashboard_and_exports_statements_do_not_grow(world):
    helpers.make_campaign(world)  # the year's first launch opens its register
    counts = []
    board = world.users["board_head"]
    for extra, tag, awards in ((0, "a", 2), (EXTRA, "b", 40)):
        codes = _province(world, extra, tag)
        campaign = helpers.make_campaign(world, participants=["SYT", "PDK", *codes])
        dossier = helpers.appraised_dossier(world, campaign)
        year = 2000 + len(counts)
        for i in range(awards):
            make_award(world, name=f"Người {tag}{i}", year=year, money=1000 * i,
                       unit="SYT" if i % 2 else "PDK", form="BKCT" if i % 3 else "CSTDT",
                       decided_on=date(year, 1 + i % 12, 1))
        c = campaign.id
        counts.append({
            "campaign": _measure(lambda c=c: overview.campaign_overview(board, c)),
            "year": _measure(lambda y=year: overview.year_overview(board, y)),
            "nominees": _measure(lambda c=c: overview.nominees(board, c, status="accepted")),
            "register": _measure(lambda y=year: overview.register(board, y, form="BKCT")),
            "progress.xlsx": _measure(lambda c=c: exports.progress(board, c)),
            "nominees.xlsx": _measure(lambda c=c: exports.nominees(board, c)),
            "register.xlsx": _measure(lambda y=year: exports.register(board, y)),
        })
        assert dossier.nominees
    assert counts[0] == counts[1], counts
    # the user and roles (as a request loads them), the campaign with its contents and
    # forms (as every page loads it), then three aggregates; the year: the user, one
    # aggregate, the names of its units and forms
    assert counts[1]["campaign"] <= 9 and counts[1]["year"] <= 5, counts[1]
