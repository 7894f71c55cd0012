"""Dates that cannot be true are refused, with reasons in Vietnamese shown like the
others: the council cannot meet before the launch document its minutes cite; a launch
cannot be dated after the campaign's period, nor long before it (reference data)."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.clock import today
from app.extensions import db
from app.models import Dossier
from app.services import dossiers, workflow
from app.services.errors import Invalid
from tests import helpers
from tests.workflows.test_guards import READY_CAMPAIGN, READY_DOSSIER
from workflows import guards as g


def test_the_council_cannot_meet_before_the_launch_it_cites():
    f = replace(READY_DOSSIER, launch_date=date(2026, 11, 21),
                launch_ref="văn bản phát động số 05/KH-UBND")
    assert g.council_meets_after_launch(f) == (
        "Ngày họp Hội đồng Thi đua – Khen thưởng (20/11/2026) không thể trước ngày ban hành "
        "văn bản phát động số 05/KH-UBND mà biên bản căn cứ (21/11/2026).")
    assert g.council_meets_after_launch(replace(f, launch_date=date(2026, 11, 20))) is None
    assert g.council_meets_after_launch(replace(f, launch_date=None)) is None


@pytest.mark.parametrize("launch,lead,expected", [
    (date(2026, 11, 1), 90, None),
    (date(2026, 12, 31), 90, None),
    (date(2026, 8, 3), 90, None),
    (date(2027, 1, 1), 90, "sau khi thời gian thi đua đã kết thúc (31/12/2026)"),
    (date(2029, 5, 1), None, "ngày 01/05/2029, sau khi thời gian thi đua"),
    (date(2026, 8, 2), 90, "sớm hơn quá 90 ngày so với thời gian thi đua (bắt đầu 01/11/2026)"),
    (date(2020, 1, 1), None, None),
])
def test_a_launch_is_dated_within_its_period(launch, lead, expected):
    reason = g.launch_dated_within_period(replace(READY_CAMPAIGN, launch_date=launch,
                                                  launch_lead_days=lead))
    assert (reason is None) if expected is None else (expected in reason)


def test_a_campaign_whose_period_ended_years_ago_cannot_be_launched_today(world, api):
    campaign = helpers.make_campaign(world, launch=False, period_start=date(2019, 8, 19),
                                     period_end=date(2019, 10, 19))
    actions = {a["trigger"]: a for a in api("board_head").get(
        f"/api/v1/campaigns/{campaign.id}/actions").get_json()["actions"]}
    assert not actions["launch"]["allowed"]
    assert any("sau khi thời gian thi đua đã kết thúc (19/10/2019)" in r
               for r in actions["launch"]["reasons"])
    with pytest.raises(Invalid) as refused:
        workflow.perform("campaign", campaign.id, world.users["board_head"], "launch",
                         version=campaign.version)
    assert refused.value.code == "guard_failed"
    db.session.refresh(campaign)
    assert campaign.state == "draft" and campaign.launch_number is None
    # dated as it really was, within its period, it launches
    helpers.make_campaign(world, period_start=date(2019, 8, 19), period_end=date(2019, 10, 19),
                          launch_date=date(2019, 8, 19))


def test_a_dossier_whose_council_met_before_the_launch_cannot_be_submitted(world, api):
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    dossier = dossiers.update_dossier(world.users["staff_a"], dossier.id, {
        "council_meeting_date": today() - timedelta(days=3)}, dossier.version)
    actions = {a["trigger"]: a for a in api("staff_a").get(
        f"/api/v1/dossiers/{dossier.id}/actions").get_json()["actions"]}
    assert not actions["submit"]["allowed"]
    [reason] = [r for r in actions["submit"]["reasons"] if "Ngày họp Hội đồng" in r]
    assert f"mà biên bản căn cứ ({today():%d/%m/%Y})" in reason
    assert f"văn bản phát động số {campaign.launch_number}" in reason
    r = api("staff_a").fire("dossier", dossier.id, "submit")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "guard_failed"
    assert db.session.get(Dossier, dossier.id).state == "draft"
