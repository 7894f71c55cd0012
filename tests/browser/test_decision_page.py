"""Issue 11: the Chairman reads what he approves (the tờ trình, and per nominee the unit,
award form, achievement, vote share and the Board's opinion) and strikes in bulk."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import Decision, Nominee
from app.services import decisions, dossiers
from tests import helpers
from tests.browser.support import saved, shot, submit
from workflows import DECISION


def _appraised(world, campaign, unit, staff, head, nominees=None):
    d = helpers.complete_dossier(world, campaign, unit, staff, nominees=nominees)
    helpers.fire(world, "dossier", d, staff, "submit")
    helpers.fire(world, "dossier", d, head, "sign_off")
    helpers.fire(world, "dossier", d, "appraiser", "start_appraisal")
    for n in d.nominees:
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "accepted")
    helpers.fire(world, "dossier", d, "appraiser", "complete_appraisal")
    return d


def test_the_chairman_strikes_two_of_five_nominees_in_one_action(desk, world):
    campaign = helpers.make_campaign(world)
    first = _appraised(world, campaign, "SYT", "staff_a", "head_a")
    second = _appraised(world, campaign, "PDK", "staff_b", "head_b", nominees=[
        {"kind": "individual", "name": "Hoàng Văn Cường", "title": "Ông",
         "organisation": "PDK", "award_form": "BKCT", "votes_for": 9,
         "achievement_summary": "Dẫn đầu phong trào cải cách hành chính của phường."},
        {"kind": "individual", "name": "Đỗ Thị Hà", "title": "Bà", "organisation": "PDK",
         "award_form": "BKCT", "votes_for": 7}])
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    everyone = [n.id for n in first.nominees] + [n.id for n in second.nominees]
    decisions.add_nominees(world.users["appraiser"], decision.id, everyone)
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")

    url = f"/decisions/{decision.id}"
    chairman = desk.page("chairman", url)
    expect(chairman.locator("#proposal-heading")).to_be_visible()
    expect(chairman.locator("body")).to_contain_text("Tờ trình số 01/TTr-SNV")
    expect(chairman.locator("body")).to_contain_text("2 đơn vị")
    table = chairman.locator("#nominee-table")
    expect(table.locator("tbody tr")).to_have_count(5)
    cuong = table.locator("tr", has_text="Hoàng Văn Cường")
    expect(cuong).to_contain_text("Ủy ban nhân dân phường Đông Kinh")
    expect(cuong).to_contain_text("Dẫn đầu phong trào cải cách hành chính")
    expect(cuong).to_contain_text("9/9 (100%)")
    expect(cuong).to_contain_text("Chấp nhận")
    expect(chairman.locator("h2", has_text="Danh sách")).to_contain_text("Danh sách (5)")

    chairman.locator("#strike-all").check()  # select all, then keep three
    for name in ("Phòng Tổ chức cán bộ", "Nguyễn Văn An", "Hoàng Văn Cường"):
        table.locator("tr", has_text=name).locator("input[name=nominee_ids]").uncheck()
    chairman.get_by_label("Lý do loại").fill("Đã được khen thưởng cho thành tích này")
    submit(chairman, chairman.get_by_role("button", name="Loại các mục đã chọn"))
    saved(chairman, "Đã loại 2 tập thể, cá nhân khỏi danh sách.")
    # the question is the process's own (workflows/decision.py: the strikes edit)
    assert DECISION.edits["strikes"].confirm in desk.dialogs, desk.dialogs
    expect(chairman.locator("h2", has_text="Danh sách")).to_contain_text("Danh sách (3)")
    shot(chairman, "decision-chairman")

    db.session.expire_all()
    struck = db.session.scalars(db.select(Nominee).where(
        Nominee.decision_id == decision.id, Nominee.struck)).all()
    assert sorted(n.name for n in struck) == ["Lê Thị Bích", "Đỗ Thị Hà"]
    assert {n.strike_reason for n in struck} == {"Đã được khen thưởng cho thành tích này"}
    assert db.session.get(Decision, decision.id).state == "awaiting_chairman"
    assert not desk.problems, desk.problems
