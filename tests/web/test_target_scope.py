"""Issue 11 #8: the Board marks which targets apply to which kinds of unit or to which
units; a target that does not apply to a unit is not asked of it, anywhere."""
import copy
import json

import pytest

from app.extensions import db
from app.models import Dossier, Plan
from app.services import dossiers, plans
from app.services.errors import ServiceError
from tests import helpers
from tests.scale.test_statement_counts import counting
from tests.web.test_views import csrf_of, login

RURAL = "Xã đạt chuẩn nông thôn mới"


def _spec(**scope):
    contents = copy.deepcopy(helpers.campaign_spec()["contents"])
    contents[1]["targets"].append({"label": RURAL, "measure_unit": "xã", "value": 2, **scope})
    return {"contents": contents}


def _rural(campaign):
    return next(t for t in campaign.targets if t.label == RURAL)


@pytest.fixture
def communes_only(world):
    return helpers.make_campaign(world, **_spec(applies_to_kinds=["commune"]))


def test_a_target_for_communes_is_not_asked_of_a_department(client, world, communes_only):
    campaign = communes_only
    rural = _rural(campaign)
    # Sở Y tế (a department): its plan needs every figure but that one, and drops it if sent
    plan = helpers.complete_plan(world, campaign, "SYT", "staff_a")
    assert rural.id not in {c.target_id for c in plan.commitments}
    assert plans.plan_facts(plan).commitments.keys() == {
        t.label for t in campaign.targets if t.id != rural.id}
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    login(client, "staff_a")
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/documents/plan/xem-truoc"):
        page = client.get(url).get_data(as_text=True)
        assert RURAL not in page, url
    # its dossier owes no result for it: not in the form, the checklist or the guards
    dossier = helpers.complete_dossier(world, campaign, "SYT", "staff_a")
    assert rural.id not in {r.target_id for r in dossier.results}
    assert RURAL not in dossiers.dossier_facts(dossier).results
    _, checks = dossiers.checklist(world.users["appraiser"], dossier.id)
    assert not any(RURAL in str(c) for c in checks)
    login(client, "staff_a")
    assert RURAL not in client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    assert RURAL not in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    # everyone sees on the campaign's page whom the target is for
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "(áp dụng cho: Cấp xã (xã, phường, thị trấn))" in page


def test_a_target_for_communes_is_asked_of_a_ward(client, world, communes_only):
    campaign = communes_only
    rural = _rural(campaign)
    plan = helpers.unit_item(Plan, campaign, "PDK")
    assert RURAL in plans.plan_facts(plan).commitments
    plan = plans.update_plan(world.users["staff_b"], plan.id, {
        "summary": "Kế hoạch", "sections": [{"content_id": c.id, "text": "Hưởng ứng"}
                                            for c in campaign.contents],
        "commitments": [{"target_id": t.id, "value": t.value} for t in campaign.targets
                        if t.id != rural.id]}, plan.version)
    with pytest.raises(ServiceError) as refused:  # the guard names the missing figure
        helpers.fire(world, "plan", plan, "staff_b", "submit")
    assert RURAL in f"{refused.value.message} {refused.value.details}"
    login(client, "staff_b")
    page = client.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    assert RURAL in page
    plan = plans.update_plan(world.users["staff_b"], plan.id, {
        "commitments": [{"target_id": rural.id, "value": 3}]}, db.session.get(Plan, plan.id).version)
    helpers.fire(world, "plan", plan, "staff_b", "submit")
    dossier = helpers.unit_item(Dossier, campaign, "PDK")
    assert RURAL in dossiers.dossier_facts(dossier).results
    assert RURAL in client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)


def test_a_target_named_for_one_unit(world):
    campaign = helpers.make_campaign(world, **_spec(applies_to_units=["SYT"]))
    syt, pdk = (helpers.unit_item(Plan, campaign, u) for u in ("SYT", "PDK"))
    assert RURAL in plans.plan_facts(syt).commitments
    assert RURAL not in plans.plan_facts(pdk).commitments
    both = helpers.make_campaign(world, **_spec(applies_to_kinds=["commune"],
                                                applies_to_units=["SYT"]))
    for code in ("SYT", "PDK"):
        assert RURAL in plans.plan_facts(helpers.unit_item(Plan, both, code)).commitments


def test_the_api_round_trip(world, api):
    board = api("board_head")
    spec = json.loads(json.dumps(helpers.campaign_spec(**_spec(
        applies_to_kinds=["commune", "department"], applies_to_units=["SYT"])), default=str))
    r = board.post("/api/v1/campaigns", json=spec)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    target = created["contents"][1]["targets"][-1]
    assert (target["applies_to_kinds"], target["applies_to_units"]) == (
        ["commune", "department"], ["SYT"])
    everyone = created["contents"][0]["targets"][0]
    assert (everyone["applies_to_kinds"], everyone["applies_to_units"]) == ([], [])
    got = board.get(f"/api/v1/campaigns/{created['id']}").get_json()
    assert got["contents"] == created["contents"]
    contents = spec["contents"]
    contents[1]["targets"][-1].update(applies_to_kinds=[], applies_to_units=["PDK"])
    r = board.patch(f"/api/v1/campaigns/{created['id']}",
                    json={"contents": contents, "version": got["version"]})
    assert r.status_code == 200, r.get_json()
    target = r.get_json()["contents"][1]["targets"][-1]
    assert (target["applies_to_kinds"], target["applies_to_units"]) == ([], ["PDK"])
    version = r.get_json()["version"]
    for bad in ({"applies_to_kinds": ["village"]}, {"applies_to_units": ["NOPE"]}):
        contents[1]["targets"][-1].update({"applies_to_kinds": [], "applies_to_units": [], **bad})
        r = board.patch(f"/api/v1/campaigns/{created['id']}",
                        json={"contents": contents, "version": version})
        assert r.status_code == 422, r.get_json()
    kept = board.get(f"/api/v1/campaigns/{created['id']}").get_json()["contents"][1]["targets"]
    assert (kept[-1]["applies_to_kinds"], kept[-1]["applies_to_units"]) == ([], ["PDK"])


def test_the_board_sets_the_scope_on_the_campaign_form(client, world):
    campaign = helpers.make_campaign(world, launch=False)
    login(client, "board_head")
    url = f"/campaigns/{campaign.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Áp dụng cho: tất cả đơn vị tham gia" in page
    assert "Cấp xã (xã, phường, thị trấn)" in page
    form = {"csrf_token": csrf_of(page), "version": campaign.version,
            "title": campaign.title, "period_start": campaign.period_start.strftime("%d/%m/%Y"),
            "period_end": campaign.period_end.strftime("%d/%m/%Y"), "launch_type": "ke_hoach",
            "vote_threshold": "70", "participants": ["SYT", "PDK"], "award_forms": ["BKCT"],
            "signer": "chairman"}
    for i, c in enumerate(campaign.contents):
        form[f"content-{i}-title"] = c.title
        for j, t in enumerate(c.targets):
            form.update({f"target-{i}-{j}-label": t.label, f"target-{i}-{j}-value": "10",
                         f"target-{i}-{j}-unit": t.measure_unit})
    form["target-1-1-kinds"] = ["commune"]
    form["target-0-0-units"] = "SYT, PDK"
    r = client.post(url, data=form)
    assert r.status_code == 302, [m for m in r.get_data(as_text=True).split("alert-danger")[1:]]
    page = client.get(url).get_data(as_text=True)
    assert 'id="target-1-1-kind-commune" name="target-1-1-kinds" value="commune" checked' in page
    assert 'value="SYT, PDK"' in page
    db.session.expire_all()
    scoped = {t.label: (t.applies_to_kinds, t.applies_to_units)
              for t in helpers.campaigns.get_campaign(world.users["board_head"],
                                                      campaign.id).targets}
    assert scoped["Thu ngân sách so với dự toán"] == (["commune"], [])
    assert scoped["Hồ sơ giải quyết đúng hạn"] == ([], ["PDK", "SYT"]) or \
        scoped["Hồ sơ giải quyết đúng hạn"][1] == ["SYT", "PDK"]


def test_the_plan_step_costs_no_more_statements_with_scoped_targets(world, api):
    counts = []
    for overrides in ({}, _spec(applies_to_kinds=["department"], applies_to_units=["PDK"]),
                      {}, _spec(applies_to_kinds=["department"], applies_to_units=["PDK"])):
        campaign = helpers.make_campaign(world, **overrides)
        plan = helpers.complete_plan(world, campaign)
        db.session.expire_all()
        with counting() as seen:
            r = api("staff_a").post(f"/api/v1/plans/{plan.id}/transitions",
                                    json={"trigger": "submit", "version": plan.version})
            assert r.status_code == 200, r.get_json()
        counts.append(len(seen))
    assert counts[2] == counts[3] and counts[3] <= 12, counts
