"""Issue 11: a dossier with three nominees, results, the council's vote and two papers is
built on its page without losing a field: every button sends the whole form."""
from datetime import timedelta

from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import Dossier
from tests import helpers
from tests.browser.support import saved, shot, submit
from tests.browser.test_journey import NOMINEES, add_nominee, upload


def test_a_dossier_is_built_without_losing_a_field(desk, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    staff = desk.page("staff_a", f"/dossiers/{dossier.id}/edit")
    met = (today() - timedelta(days=1)).strftime("%d/%m/%Y")
    typed = {"#summary": "Hoàn thành vượt mức các chỉ tiêu.", "#council_meeting_date": met,
             "#council_members_total": "9", "#council_members_present": "9",
             "#council_chair": "Trần Văn Bình", "#council_secretary": "Nguyễn Thị Lan"}
    typed.update({f"#target-{t.id}": "99,5" for t in campaign.targets})

    # Nothing is saved first: the results and the council's details are only typed.
    for selector, value in typed.items():
        staff.locator(selector).fill(value)
    for kind, title, name, position, votes in NOMINEES:
        add_nominee(staff, kind, title, name, position, votes,
                    summary=f"Thành tích của {name}:\nHoàn thành xuất sắc nhiệm vụ.")
        submit(staff, staff.get_by_role("button", name="Thêm", exact=True))
        saved(staff)
        expect(staff.locator("fieldset legend", has_text=name)).to_have_count(1)
        for selector, value in typed.items():
            expect(staff.locator(selector)).to_have_value(value)
        expect(staff.locator("#new-name")).to_have_value("")

    # A refused nominee (votes typed as a word) comes back with its problem beside it,
    # and with everything that was typed, the refused nominee included.
    add_nominee(staff, "individual", "Ông", "Hoàng Văn Cường", "Chuyên viên", "tám")
    staff.locator("#summary").fill("Báo cáo đã sửa, chưa lưu.")
    submit(staff, staff.get_by_role("button", name="Thêm", exact=True))
    expect(staff.locator("#err-new-votes_for")).to_contain_text("phải là số")
    expect(staff.locator("#new-name")).to_have_value("Hoàng Văn Cường")
    expect(staff.locator("#summary")).to_have_value("Báo cáo đã sửa, chưa lưu.")
    staff.locator("#new-name").fill("")
    staff.locator("#new-position_title").fill("")
    staff.locator("#new-votes_for").fill("")
    staff.locator("#new-organisation").fill("")
    typed["#summary"] = "Báo cáo đã sửa, chưa lưu."

    # Two papers, each uploaded with the form; an edit to a nominee typed meanwhile stays.
    db.session.expire_all()
    second = db.session.get(Dossier, dossier.id).nominees[1]
    edited = f"#n{second.id}-achievement_summary"
    staff.locator(edited).fill("Sáng kiến cấp tỉnh.\nHai năm liền Chiến sĩ thi đua cơ sở.")
    for kind, nominee, filename in (
            ("bao_cao_thanh_tich", "Nguyễn Văn An", "Báo cáo thành tích – Nguyễn Văn An.pdf"),
            ("other", "", "Kế hoạch tổ chức phong trào của Sở.pdf")):
        upload(staff, kind, nominee, filename)
        submit(staff, staff.get_by_role("button", name="Tải lên"))
        saved(staff)
        expect(staff.locator("main form, form[enctype]").last).to_contain_text(filename)
        for selector, value in typed.items():
            expect(staff.locator(selector)).to_have_value(value)
    expect(staff.locator(edited)).to_have_value(
        "Sáng kiến cấp tỉnh.\nHai năm liền Chiến sĩ thi đua cơ sở.")
    shot(staff, "dossier-form")

    db.session.expire_all()
    saved_dossier = db.session.get(Dossier, dossier.id)
    assert saved_dossier.council_chair == "Trần Văn Bình"
    assert saved_dossier.council_members_present == 9
    assert saved_dossier.summary == "Báo cáo đã sửa, chưa lưu."
    assert [n.name for n in saved_dossier.nominees] == [n[2] for n in NOMINEES]
    assert all(n.achievement_summary for n in saved_dossier.nominees)
    assert sorted(a.kind for a in saved_dossier.attachments) == ["bao_cao_thanh_tich", "other"]
    assert len(saved_dossier.results) == len(campaign.targets)
    assert not desk.problems, desk.problems
