"""Issue 11: work finds people: the appraiser's inbox offers the decision to compose, a
Quyết định list shows decisions by state to who may see them, verdicts go in bulk."""
import re

from app.extensions import db
from app.models import Decision
from app.services import decisions
from tests import helpers
from tests.web.test_views import csrf_of, login


def test_the_appraisers_inbox_offers_the_decision_to_compose(client, world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)
    other = helpers.appraised_dossier(world, campaign, unit="PDK", staff="staff_b",
                                      head="head_b")
    login(client, "appraiser")
    page = client.get("/").get_data(as_text=True)
    assert "Hồ sơ đã thẩm định chờ lập dự thảo quyết định" in page
    assert "tập thể, cá nhân từ 2 hồ sơ" in page
    # the count and the empty list agree with the card: composing is work waiting
    assert re.search(r'Việc cần xử lý <span class="badge[^"]*">1</span>', page)
    assert "Không có việc nào đang chờ bạn" not in page
    assert "việc còn lại là lập dự thảo quyết định ở trên" in page
    pick = f"/decisions/new?campaign_id={campaign.id}&amp;award_form=BKCT"
    assert f'href="{pick}"' in page
    page = client.get(pick.replace("&amp;", "&")).get_data(as_text=True)
    assert f'name="dossier_ids" value="{dossier.id}"' in page
    assert f'name="dossier_ids" value="{other.id}"' in page
    token = csrf_of(page)
    r = client.post("/decisions", data={"csrf_token": token, "campaign_id": campaign.id,
                                        "award_form": "BKCT"}, follow_redirects=True)
    assert "Chọn ít nhất một hồ sơ đã thẩm định" in r.get_data(as_text=True)
    assert db.session.scalars(db.select(Decision)).first() is None
    r = client.post("/decisions", data={"csrf_token": token, "campaign_id": campaign.id,
                                        "award_form": "BKCT", "dossier_ids": [dossier.id]},
                    follow_redirects=True)
    assert "Đã lập dự thảo quyết định từ 1 hồ sơ." in r.get_data(as_text=True)
    decision = db.session.scalars(db.select(Decision)).one()
    db.session.expire_all()
    assert {n.id for n in decision.nominees} == {
        n.id for n in dossier.nominees if n.verdict == "accepted"}
    page = client.get("/").get_data(as_text=True)  # the other dossier still waits
    assert "chờ lập dự thảo quyết định" in page and "từ 1 hồ sơ" in page
    assert f'href="/decisions/{decision.id}">Mở dự thảo đang lập' in page
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in other.nominees if n.verdict == "accepted"])
    assert "chờ lập dự thảo quyết định" not in client.get("/").get_data(as_text=True)
    page = client.get("/decisions").get_data(as_text=True)
    assert 'href="/decisions/new">Lập dự thảo quyết định' in page
    login(client, "staff_a")
    assert "chờ lập dự thảo quyết định" not in client.get("/").get_data(as_text=True)
    assert 'href="/decisions/new"' not in client.get("/decisions").get_data(as_text=True)
    assert client.get("/decisions/new").status_code == 403


def test_the_decision_list_by_state_shows_only_what_the_user_may_see(client, world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in dossier.nominees])
    login(client, "appraiser")
    page = client.get("/decisions").get_data(as_text=True)
    assert 'href="/decisions"' in page  # the menu entry
    assert f'href="/decisions/{decision.id}"' in page and "Đang dự thảo (1)" in page
    assert campaign.title in page
    page = client.get("/decisions?state=issued").get_data(as_text=True)
    assert f'href="/decisions/{decision.id}"' not in page
    login(client, "staff_a")  # a unit sees a decision only once it is issued
    page = client.get("/decisions").get_data(as_text=True)
    assert f'href="/decisions/{decision.id}"' not in page and "Tất cả (0)" in page


def test_verdicts_in_bulk(client, world, campaign):
    dossier = helpers.complete_dossier(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", dossier, who, trigger)
    first, second, third = dossier.nominees
    login(client, "appraiser")
    url = f"/dossiers/{dossier.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'form="bulk-verdicts" name="nominee_ids"' in page
    r = client.post(f"{url}/verdicts", data={
        "csrf_token": csrf_of(page), "verdict": "accepted",
        "all_ids": [str(n.id) for n in dossier.nominees]}, follow_redirects=True)
    assert "Đã chấp nhận tất cả." in r.get_data(as_text=True)
    r = client.post(f"{url}/verdicts", data={
        "csrf_token": csrf_of(page), "verdict": "declined",
        "nominee_ids": [str(second.id), str(third.id)]}, follow_redirects=True)
    assert "Cần ghi lý do không đề nghị khen thưởng." in r.get_data(as_text=True)
    r = client.post(f"{url}/verdicts", data={
        "csrf_token": csrf_of(page), "verdict": "declined", "reason": "Chưa đủ tiêu chuẩn",
        "nominee_ids": [str(second.id), str(third.id)]}, follow_redirects=True)
    assert "cho 2 tập thể, cá nhân" in r.get_data(as_text=True)
    db.session.expire_all()
    assert [(n.verdict, n.verdict_reason) for n in dossier.nominees] == [
        ("accepted", None), ("declined", "Chưa đủ tiêu chuẩn"),
        ("declined", "Chưa đủ tiêu chuẩn")]
    login(client, "staff_a")  # the unit cannot give verdicts
    r = client.post(f"{url}/verdicts", data={
        "csrf_token": csrf_of(client.get(url).get_data(as_text=True)), "verdict": "accepted",
        "all_ids": [str(first.id)]})
    assert r.status_code == 403


def test_items_are_named_the_way_people_speak(client, world, campaign):
    login(client, "staff_a")
    page = client.get("/").get_data(as_text=True)
    # «Loại» shows the kind; the link names the whole item for a screen reader
    assert (f'>Kế hoạch<span class="visually-hidden"> – Sở Y tế – {campaign.title}</span></a>'
            in page)
    assert "Kế hoạch #" not in page


def test_the_inbox_kind_column_holds_the_kind_and_a_decision_its_award_form(
        client, world, campaign):
    # Issue 22 #12: not the 200-character title again beside «Phong trào»
    import re

    from app.services import decisions

    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in dossier.nominees])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    login(client, "board_head")
    page = client.get("/").get_data(as_text=True)
    (row,) = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "/decisions/" in r]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    kind = re.sub(r'<span class="visually-hidden">.*?</span>', "", cells[0], flags=re.S)
    assert re.sub(r"<[^>]+>", " ", kind).split() == (
        ["Quyết", "định"] + decision.award_form.name.split())
    assert campaign.title not in kind and campaign.title in cells[1]


def test_a_returned_item_shows_its_reason_at_the_top(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "head_return", comment="Bổ sung chỉ tiêu 2")
    for who in ("staff_a", "head_a"):
        login(client, who)
        page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
        assert 'id="sent-back"' in page and "Lý do: Bổ sung chỉ tiêu 2" in page
        assert page.index('id="sent-back"') < page.index("Mục đích, yêu cầu")
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'id="sent-back"' not in page


def test_the_api_gives_verdicts_and_strikes_in_bulk(api, world, campaign):
    dossier = helpers.complete_dossier(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", dossier, who, trigger)
    ids = [n.id for n in dossier.nominees]
    r = api("appraiser").post(f"/api/v1/dossiers/{dossier.id}/verdicts",
                              json={"accepted": ids[:2], "declined": ids[2:]})
    assert r.status_code == 422  # a decline needs its reason
    r = api("appraiser").post(f"/api/v1/dossiers/{dossier.id}/verdicts", json={
        "accepted": ids[:2], "declined": ids[2:], "reason": "Chưa đủ tiêu chuẩn"})
    assert r.status_code == 200, r.get_json()
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id, ids[:2])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    r = api("chairman").post(f"/api/v1/decisions/{decision.id}/strikes",
                             json={"nominee_ids": ids[:2], "reason": "Trùng khen thưởng"})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    assert [(n.struck, n.strike_reason) for n in dossier.nominees[:2]] == [
        (True, "Trùng khen thưởng")] * 2
