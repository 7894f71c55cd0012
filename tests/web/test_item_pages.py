"""Issue 11: reviewers see the whole item, read-only, on its page."""
import re

from app.models import Dossier, Plan
from tests import helpers
from tests.web.test_views import login


def test_the_plan_page_shows_the_text_per_content_area_and_each_figure(client, world, campaign):
    plan = helpers.complete_plan(world, campaign)
    login(client, "appraiser")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    for section in plan.sections:
        assert section.text in page
    for content in campaign.contents:
        assert content.title in page
    for target in campaign.targets:
        assert target.label in page
    assert "Đơn vị đăng ký" in page and "chưa đăng ký" not in page


def test_the_dossier_page_shows_results_council_nominees_and_papers(client, world, campaign):
    helpers.complete_plan(world, campaign)
    dossier = helpers.complete_dossier(world, campaign)
    first = dossier.nominees[0]
    first.achievement_summary = "Dòng một\nDòng hai"
    login(client, "chairman")  # someone who approves, far from the drafting
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Trần Văn Bình" in page and "Nguyễn Thị Lan" in page and "9/9" in page
    assert "Đã đăng ký" in page and "Kết quả" in page
    for target in campaign.targets:
        assert target.label in page
    for n in dossier.nominees:
        assert n.name in page and n.award_form.name in page
    assert "Dòng một\nDòng hai" in page
    assert "9/9 (100%)" in page and "8/9 (88,89%)" in page
    for a in dossier.attachments:
        assert f"/dossiers/{dossier.id}/attachments/{a.id}" in page
        assert client.get(f"/dossiers/{dossier.id}/attachments/{a.id}").status_code == 200
    assert "Tờ trình" in page


def test_a_plan_in_drafting_says_what_is_missing(client, world, campaign):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    login(client, "staff_a")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Chưa có nội dung hưởng ứng." in page and "chưa đăng ký" in page


def _awaiting_chairman(world, campaign):
    from app.services import decisions

    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in dossier.nominees])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    return decision, dossier


def test_bulk_strikes_are_all_or_nothing_and_need_one_reason(client, world, campaign):
    import pytest

    from app.extensions import db
    from app.services import decisions
    from app.services.errors import Forbidden, Invalid, NotFound

    decision, dossier = _awaiting_chairman(world, campaign)
    chairman = world.users["chairman"]
    ids = [n.id for n in dossier.nominees]
    with pytest.raises(Invalid):
        decisions.strike_many(chairman, decision.id, ids[:2], "  ")
    with pytest.raises(NotFound):
        decisions.strike_many(chairman, decision.id, [ids[0], 999999], "Trùng")
    db.session.expire_all()
    assert not any(n.struck for n in dossier.nominees)
    with pytest.raises(Forbidden):  # the Board may not strike
        decisions.strike_many(world.users["appraiser"], decision.id, ids[:1], "Trùng")

    login(client, "chairman")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Danh sách (3)" in page and "Tờ trình số 01/TTr-SNV" in page
    from tests.web.test_views import csrf_of
    r = client.post(f"/decisions/{decision.id}/strikes", data={
        "csrf_token": csrf_of(page), "nominee_ids": [str(i) for i in ids[:2]],
        "reason": "Đã được khen thưởng"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Đã loại 2 tập thể, cá nhân" in page and "Danh sách (1)" in page
    db.session.expire_all()
    assert [n.struck for n in dossier.nominees] == [True, True, False]


def test_candidates_are_preselected_with_select_all(client, world, campaign):
    from app.services import decisions

    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    login(client, "appraiser")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert 'data-select-all="nominee_ids" checked' in page
    for n in dossier.nominees:
        assert f'value="{n.id}" id="pick-{n.id}" checked' in page


def test_the_dossier_page_shows_the_minutes_number_times_and_members_present(
        client, world, campaign):
    from tests.helpers import COUNCIL_MEMBERS

    dossier = helpers.complete_dossier(world, campaign)
    day = dossier.council_meeting_date.strftime("%d/%m/%Y")
    login(client, "chairman")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert 'class="col-sm-8 minutes-number">03</dd>' in page  # biên bản số 03
    assert f'class="col-sm-8 council-start">{day} 08:00</dd>' in page
    assert f'class="col-sm-8 council-end">{day} 10:30</dd>' in page
    members = re.search(r'<ol class="mb-0 council-members">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", members) == list(COUNCIL_MEMBERS)

    draft = helpers.unit_item(Dossier, campaign, "PDK")  # nothing typed yet
    login(client, "staff_b")
    page = client.get(f"/dossiers/{draft.id}").get_data(as_text=True)
    assert 'class="col-sm-8 council-start">chưa có</dd>' in page
    assert "council-members" not in page


def test_the_vote_check_writes_shares_as_the_page_does(client, world, campaign):
    # Issue 22 #11: the guard's reason and the page write one number format (66,67%).
    helpers.complete_plan(world, campaign)
    dossier = helpers.complete_dossier(world, campaign, nominees=[
        {"kind": "individual", "name": "Lê Thị Bích", "title": "Bà", "organisation": "SYT",
         "award_form": "BKCT", "votes_for": 6}])
    login(client, "staff_a")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    check = re.search(r'<li data-check="vote_share">(.*?)</li>', page, re.S).group(1)
    assert "mức tối thiểu 70% tổng số" in check and "«Lê Thị Bích (66,67%)»" in check
    assert "6/9 (66,67%)" in page and "66.67" not in page and "70.00" not in page


def test_registered_and_achieved_figures_say_what_they_count(client, world, campaign):
    # Issue 22 #12: «Đã đăng ký 100» said nothing beside «99 %»: each figure has its unit
    helpers.complete_plan(world, campaign)
    dossier = helpers.complete_dossier(world, campaign)
    login(client, "appraiser")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    table = re.search(r"Kết quả thực hiện chỉ tiêu</h2>(.*?)</table>", page, re.S).group(1)
    rows = re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", table, re.S)
    assert rows
    by_label = {t.label: t for t in campaign.targets}
    for label, cells in rows:
        figures = [" ".join(re.sub(r"<[^>]+>", "", c).split())
                   for c in re.findall(r'<td class="text-end">(.*?)</td>', cells, re.S)]
        unit = by_label[label].measure_unit
        # the target, what the plan registered and the result, each with its unit
        assert all(f.endswith(f" {unit}") for f in figures if f[:1].isdigit()), figures
        assert sum(f[:1].isdigit() for f in figures) == 3, figures
