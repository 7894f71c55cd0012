"""The yearly award tally the overview reads: always the sum of the records, whichever
way the records came (issue, Excel import, one at a time)."""
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import AwardRecord, AwardTally
from app.services import awards, overview
from tests import helpers
from tests.services.test_spreadsheets import _award_row, _import_awards, issued_decision, make_award


def _tally(year):
    return sorted(db.session.execute(
        sa.select(AwardTally.award_form_id, AwardTally.unit_id, AwardTally.unit_name,
                  AwardTally.awards, AwardTally.money).where(AwardTally.year == year)).all())


def _fresh(year):
    return sorted(db.session.execute(
        sa.select(AwardRecord.award_form_id, AwardRecord.unit_id, AwardRecord.unit_name,
                  sa.func.count(), sa.func.coalesce(sa.func.sum(AwardRecord.money), 0))
        .where(AwardRecord.year == year)
        .group_by(AwardRecord.award_form_id, AwardRecord.unit_id, AwardRecord.unit_name)).all())


def test_the_tally_follows_issue_import_and_single_records(world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    year = decision.issued_on.year
    assert _tally(year) and _tally(year) == _fresh(year)
    issued = overview.year_overview(world.users["board_head"], year)["total"]["count"]
    assert issued == db.session.scalar(sa.select(sa.func.count()).select_from(AwardRecord))

    _import_awards(world, [_award_row(), _award_row("Nguyễn Thị Lụa", unit=None,
                                                    decided=datetime(2019, 3, 2))])
    assert _tally(2018) == _fresh(2018) and len(_tally(2018)) == 1
    assert _tally(2019) == _fresh(2019) and _tally(2019)[0][1] is None  # outside the system

    make_award(world, year=year, name="Người thêm một", money=500000)
    assert _tally(year) == _fresh(year)
    figures = overview.year_overview(world.users["board_head"], year)
    assert figures["total"]["count"] == issued + 1


def test_recount_all_years_rebuilds_a_tally_written_around_the_services(world):
    make_award(world, year=2021, name="Người năm 2021")
    db.session.execute(sa.delete(AwardTally))
    db.session.commit()
    assert _tally(2021) == []
    awards.recount_all_years()
    db.session.commit()
    assert _tally(2021) == _fresh(2021) != []
