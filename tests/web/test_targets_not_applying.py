"""Issue 11 #8: a unit marks a provincial target "Không áp dụng" with a reason; the plan
and the dossier then ask no figure for it, and the pages say so."""
from app.extensions import db
from app.models import Plan
from app.services import plans
from tests import helpers
from tests.web.test_views import csrf_of, login


def _plan_form(campaign, skip, reason):
    form = {f"section-{c.id}": f"Hưởng ứng {c.title}" for c in campaign.contents}
    form.update({f"target-{t.id}": "100" for t in campaign.targets if t.id != skip.id})
    form.update({"summary": "Mục đích", f"na-{skip.id}": "1", f"na-reason-{skip.id}": reason})
    return form


def test_a_target_that_does_not_apply_needs_a_reason_and_no_figure(client, world, campaign):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    skip = campaign.targets[-1]
    login(client, "staff_a")
    url = f"/plans/{plan.id}/edit"
    r = client.post(url, data={"csrf_token": csrf_of(client.get(url).get_data(as_text=True)),
                               "version": plan.version, **_plan_form(campaign, skip, "")})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'id="err-na-reason-{skip.id}"' in page and "bắt buộc" in page
    assert f'id="na-{skip.id}" name="na-{skip.id}" value="1" checked' in page
    reason = "Sở Y tế không quản lý xây dựng nông thôn mới"
    r = client.post(url, data={"csrf_token": csrf_of(page), "version": plan.version,
                               **_plan_form(campaign, skip, reason)})
    assert r.status_code == 302
    db.session.refresh(plan)
    assert [(e.target_id, e.reason) for e in plan.exemptions] == [(skip.id, reason)]
    helpers.fire(world, "plan", plan, "staff_a", "submit")  # complete without that figure
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Không áp dụng" in page and reason in page

    # The dossier owes no result for it, and says why.
    dossier = helpers.complete_dossier(world, campaign)
    result = next(r for r in dossier.results if r.target_id == skip.id)
    dossier.results.remove(result)
    db.session.commit()
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")  # refused if it were owed
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert f"Không áp dụng: {reason}" in page


def test_marking_a_target_exempt_drops_its_figure(world, campaign):
    plan = helpers.complete_plan(world, campaign)
    skip = campaign.targets[0]
    plans.update_plan(world.users["staff_a"], plan.id, {
        "exemptions": [{"target_id": skip.id, "reason": "Không thuộc chức năng"}]},
        plan.version)
    db.session.refresh(plan)
    assert skip.id not in {c.target_id for c in plan.commitments}
    plans.update_plan(world.users["staff_a"], plan.id, {"exemptions": []}, plan.version)
    db.session.refresh(plan)
    assert plan.exemptions == []


def test_the_api_marks_a_target_that_does_not_apply(api, world, campaign):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    skip = campaign.targets[0]
    r = api("staff_a").patch(f"/api/v1/plans/{plan.id}", json={
        "version": plan.version, "exemptions": [{"target_id": skip.id, "reason": ""}]})
    assert r.status_code == 422, r.get_json()
    r = api("staff_a").patch(f"/api/v1/plans/{plan.id}", json={
        "version": plan.version,
        "exemptions": [{"target_id": skip.id, "reason": "Không thuộc chức năng"}]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["exemptions"] == [{"target_id": skip.id,
                                           "reason": "Không thuộc chức năng"}]
