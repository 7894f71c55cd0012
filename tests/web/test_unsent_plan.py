"""Issue 20, item 5: a dossier whose unit never sent its plan.

The campaign says what that does («unsent_plan»): by default ("warn") the appraisal
checklist warns the Board and the appraisal goes on; set to "block" (on the campaign form
or through the API), completing the appraisal is refused with the reason in Vietnamese
until the plan reaches the Board. Both modes, on the pages and through the API.
"""
import re

import pytest

from app.extensions import db
from app.models import Campaign, Dossier
from app.services import campaigns, dossiers
from app.services.errors import Invalid
from tests import helpers
from tests.web.test_views import csrf_of, login

UNSENT = "Kế hoạch hưởng ứng của đơn vị chưa được gửi Ban Thi đua – Khen thưởng"


def _in_appraisal(world, campaign):
    """SYT's dossier sent and taken up, every nominee accepted; its plan still a draft."""
    d = helpers.complete_dossier(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", d, who, trigger)
    for n in d.nominees:
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "accepted")
    return db.session.get(Dossier, d.id)


def _plan_check(html):
    return re.search(r'<li data-check="plan">(.*?)</li>', html, re.S).group(1)


def _complete_on_the_page(client, dossier):
    db.session.refresh(dossier)
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    r = client.post(f"/dossiers/{dossier.id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "complete_appraisal",
        "version": dossier.version}, follow_redirects=True)
    db.session.refresh(dossier)
    return r.get_data(as_text=True)


def _send_the_plan(world, campaign):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")


def test_by_default_the_checklist_warns_and_the_appraisal_goes_on(client, api, world):
    campaign = helpers.make_campaign(world)
    assert api("board_head").get(f"/api/v1/campaigns/{campaign.id}").get_json()[
        "unsent_plan"] == "warn"
    dossier = _in_appraisal(world, campaign)
    login(client, "appraiser")
    check = _plan_check(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert check.startswith("⚠") and "Cảnh báo: " + UNSENT in check and "«Đang soạn»" in check
    (plan,) = [c for c in api("appraiser").get(f"/api/v1/dossiers/{dossier.id}/checklist")
               .get_json()["checks"] if c["code"] == "plan"]
    assert plan["ok"] is False and plan["warning"] is True and UNSENT in plan["detail"]
    _complete_on_the_page(client, dossier)
    assert dossier.state == "appraised"


def test_where_the_campaign_blocks_completing_the_appraisal_is_refused(client, world):
    campaign = helpers.make_campaign(world)
    dossier = _in_appraisal(world, campaign)
    # the Board sets it on the launched campaign's form
    login(client, "board_head")
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert '<option value="warn" selected>' in page and 'name="unsent_plan"' in page
    r = client.post(f"/campaigns/{campaign.id}/edit", data={
        "csrf_token": csrf_of(page), "version": campaign.version,
        "plan_deadline": campaign.plan_deadline.strftime("%d/%m/%Y"),
        "dossier_deadline": campaign.dossier_deadline.strftime("%d/%m/%Y"),
        "decision_recipients": "QD", "unsent_plan": "block"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.refresh(campaign)
    assert campaign.unsent_plan == "block"
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert '<option value="block" selected>' in page

    login(client, "appraiser")
    check = _plan_check(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    assert check.startswith("✘") and "Cảnh báo" not in check and UNSENT in check
    version = dossier.version
    html = _complete_on_the_page(client, dossier)
    assert dossier.state == "in_appraisal" and dossier.version == version
    assert "Phong trào yêu cầu đơn vị gửi kế hoạch trước khi hồ sơ được hoàn thành thẩm định" \
        in html
    # once the plan reaches the Board the appraisal completes
    _send_the_plan(world, campaign)
    _complete_on_the_page(client, dossier)
    assert dossier.state == "appraised"


def test_the_api_sets_the_rule_and_is_refused_in_vietnamese(api, world):
    spec = helpers.campaign_spec(unsent_plan="block")
    for key in ("period_start", "period_end", "plan_deadline", "dossier_deadline"):
        spec[key] = spec[key].isoformat()
    created = api("board_head").post("/api/v1/campaigns", json=spec)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["unsent_plan"] == "block"
    campaign = db.session.get(Campaign, created.get_json()["id"])
    assert api("board_head").fire("campaign", campaign.id, "launch").status_code == 200
    dossier = _in_appraisal(world, campaign)
    r = api("appraiser").fire("dossier", dossier.id, "complete_appraisal")
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "guard_failed"
    (reason,) = error["details"]["reasons"]
    assert reason.startswith(UNSENT + " (đang ở trạng thái «Đang soạn»).")
    db.session.refresh(dossier)
    assert dossier.state == "in_appraisal"
    # back to warning: the same step goes through
    version = api("board_head").get(f"/api/v1/campaigns/{campaign.id}").get_json()["version"]
    r = api("board_head").patch(f"/api/v1/campaigns/{campaign.id}",
                                json={"unsent_plan": "warn", "version": version})
    assert r.status_code == 200 and r.get_json()["unsent_plan"] == "warn"
    assert api("appraiser").fire("dossier", dossier.id, "complete_appraisal").status_code == 200


def test_an_unknown_rule_is_refused_and_changes_nothing(api, world):
    campaign = helpers.make_campaign(world)
    version = campaign.version
    r = api("board_head").patch(f"/api/v1/campaigns/{campaign.id}",
                                json={"unsent_plan": "sometimes", "version": version})
    assert r.status_code == 422 and "unsent_plan" in str(r.get_json())
    with pytest.raises(Invalid) as refused:
        campaigns.update_campaign(world.users["board_head"], campaign.id,
                                  {"unsent_plan": "sometimes"}, version)
    assert refused.value.code == "invalid_unsent_plan"
    assert "«Không cho hoàn thành thẩm định hồ sơ»" in refused.value.message
    db.session.refresh(campaign)
    assert campaign.unsent_plan == "warn" and campaign.version == version
