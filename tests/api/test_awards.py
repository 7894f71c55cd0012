"""Issue 13: the award history through the API: search, history, and each nominee's
earlier awards and flags in the dossier."""
from app.clock import today
from tests import helpers
from tests.award_helpers import imported, issue


def test_search_and_history_through_the_api(api, world):
    campaign = helpers.make_campaign(world)
    issue(world, campaign, [helpers.appraised_dossier(world, campaign)])
    imported("Nguyễn Văn An", world.units["PDK"], 2020, organisation="PDK")
    r = api("appraiser").get("/api/v1/awards?q=nguyen%20van%20an")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["total"] == 2 and body["q"] == "nguyen van an"
    assert {(i["name"], i["unit_name"], i["first_year"]) for i in body["items"]} == {
        ("Nguyễn Văn An", "Sở Y tế", today().year),
        ("Nguyễn Văn An", "Ủy ban nhân dân phường Đông Kinh", 2020)}
    syt = next(i for i in body["items"] if i["unit_name"] == "Sở Y tế")
    r = api("appraiser").get(f"/api/v1/awards/{syt['id']}/history")
    assert r.status_code == 200
    [award] = r.get_json()["awards"]
    assert award["decision_number"] == "01/QĐ-UBND" and award["money"] == 2340000
    assert award["issuing_level"] == "Cấp tỉnh" and award["campaign_title"] == campaign.title
    # PDK's staff finds only PDK's award, and SYT's record does not exist for them
    mine = api("staff_b").get("/api/v1/awards?q=an").get_json()
    assert [i["unit_name"] for i in mine["items"]] == ["Ủy ban nhân dân phường Đông Kinh"]
    r = api("staff_b").get(f"/api/v1/awards/{syt['id']}/history")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert api("appraiser").get("/api/v1/awards?q=" + "a" * 256).status_code == 422


def test_the_dossier_shows_each_nominees_earlier_awards_and_flags(api, world):
    first = helpers.make_campaign(world)
    issue(world, first, [helpers.appraised_dossier(world, first)])
    second = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, second)
    body = api("appraiser").get(f"/api/v1/dossiers/{dossier.id}").get_json()
    an = next(n for n in body["nominees"] if n["name"] == "Nguyễn Văn An")
    assert [a["decision_number"] for a in an["earlier_awards"]] == ["01/QĐ-UBND"]
    assert [f["code"] for f in an["flags"]] == ["awarded_same_year"]
