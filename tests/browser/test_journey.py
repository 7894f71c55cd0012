"""A whole campaign in a real browser: every role signs in through the login form and does
its part on the pages, answering the confirm dialogs, typing into the forms and uploading
papers from the file picker; the Board returns the dossier once on the way."""
import re

from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import Decision, Dossier, Plan
from tests import helpers
from tests.browser.support import DESKTOP, PHONE, check_links, fire, saved, shot, submit

PDF = {"mimeType": "application/pdf", "buffer": helpers.PDF}
NOMINEES = [  # kind, title, name, position, votes: BKCT has a quota of three per unit
    ("collective", "", "Khoa Dược, Bệnh viện Đa khoa tỉnh", "", "9"),
    ("individual", "Ông", "Nguyễn Văn An", "Trưởng phòng", "8"),
    ("individual", "Bà", "Lê Thị Bích", "Chuyên viên", "7"),
]
DECLINED = "Lê Thị Bích"
PLAN_LINK = re.compile(r"^Kế hoạch – Sở Y tế – Phong trào")  # named as people say it


def add_nominee(page, kind, title, name, position, votes, summary=""):
    """Type a nominee into the drafting form's "Thêm tập thể, cá nhân" part."""
    page.locator("#new-kind").select_option(kind)
    page.locator("#new-title").select_option(title)
    page.locator("#new-name").fill(name)
    page.locator("#new-position_title").fill(position)
    page.locator("#new-organisation").fill("Sở Y tế")
    page.locator("#new-award_form").select_option("BKCT")
    page.locator("#new-votes_for").fill(votes)
    page.locator("#new-achievement_summary").fill(summary)


def upload(page, kind, nominee, filename):
    """Choose a paper in the drafting form's "Tải lên tài liệu" part."""
    page.locator("#upload-kind").select_option(kind)
    if nominee:
        page.locator("#upload-nominee").select_option(label=nominee)
    else:
        page.locator("#upload-nominee").select_option("")
    page.locator("#upload-file").set_input_files({"name": filename, **PDF})


def test_a_campaign_from_launch_to_issued_decision_through_the_pages(desk, world):
    campaign = helpers.make_campaign(world, launch=False)
    campaign_url = f"/campaigns/{campaign.id}"

    # The Board head launches the campaign; the page asks first.
    board_head = desk.page("board_head", campaign_url)  # a link followed before signing in
    fire(board_head, campaign_url, "launch")
    assert any("Phát động" in d for d in desk.dialogs), desk.dialogs

    # The unit's staff finds its plan in "Việc cần xử lý", writes it and sends it up.
    staff = desk.page("staff_a")
    expect(staff.get_by_role("link", name=PLAN_LINK)).to_be_visible()
    shot(staff, "inbox", publish=True)
    staff.set_viewport_size(PHONE)
    shot(staff, "inbox-phone")
    menu = staff.get_by_role("link", name="Phong trào", exact=True)
    expect(menu).to_be_hidden()  # on a phone the menu folds behind its button
    staff.get_by_role("button", name="Mở menu").click()
    expect(menu).to_be_visible()
    staff.set_viewport_size(DESKTOP)
    submit(staff, staff.get_by_role("link", name=PLAN_LINK))
    plan_url = staff.url
    assert re.search(r"/plans/\d+$", plan_url), plan_url
    submit(staff, staff.get_by_role("link", name="Soạn / sửa kế hoạch"))
    staff.get_by_label("Mục đích, yêu cầu").fill("Tạo khí thế thi đua trong toàn ngành y tế.")
    for box in staff.locator("textarea[id^=section-]").all():
        box.fill("Đẩy mạnh cải cách hành chính, ứng dụng công nghệ thông tin trong khám chữa bệnh.")
    for figure in staff.locator("input[id^=target-]").all():
        figure.fill("100")
    submit(staff, staff.get_by_role("button", name="Lưu kế hoạch"))
    saved(staff)
    expect(staff.locator("textarea[id^=section-]").first).to_contain_text("cải cách hành chính")
    shot(staff, "plan-edit")
    submit(staff, staff.get_by_role("link", name="← Về trang kế hoạch"))
    fire(staff, plan_url, "submit")

    # Head signs off; the Board appraises and forwards; the Chairman approves.
    desk.fire("head_a", plan_url, "sign_off")
    desk.fire("appraiser", plan_url, "start_appraisal")
    desk.fire("appraiser", plan_url, "forward")
    expect(desk.fire("chairman", plan_url, "approve").locator("h1")).to_contain_text(
        "Đã phê duyệt")

    # The staff builds the dossier: results, the council's vote, three nominees, papers.
    staff.goto(campaign_url)
    row = staff.locator("tbody tr", has_text="Sở Y tế")
    submit(staff, row.locator("a[href*='/dossiers/']"))
    dossier_url = staff.url
    submit(staff, staff.get_by_role("link", name="Soạn / sửa hồ sơ"))
    staff.get_by_label("Báo cáo tóm tắt kết quả").fill("Hoàn thành vượt mức các chỉ tiêu.")
    # not before the launch it cites: the campaign was launched today
    staff.get_by_label("Ngày họp (dd/mm/yyyy)").fill(today().strftime("%d/%m/%Y"))
    staff.get_by_label("Tổng số thành viên").fill("9")
    staff.get_by_label("Số thành viên có mặt").fill("9")
    staff.get_by_label("Chủ trì").fill("Trần Văn Bình")
    staff.get_by_label("Thư ký").fill("Nguyễn Thị Lan")
    for figure in staff.locator("input[id^=target-]").all():
        figure.fill("99,5")
    submit(staff, staff.get_by_role("button", name="Lưu hồ sơ"))
    saved(staff)
    for kind, title, name, position, votes in NOMINEES:
        add_nominee(staff, kind, title, name, position, votes)
        submit(staff, staff.get_by_role("button", name="Thêm", exact=True))
        saved(staff)
    papers = [("other", "", "Kế hoạch tổ chức phong trào của Sở.pdf")] + [
        ("bao_cao_thanh_tich", name, f"Báo cáo thành tích – {name}.pdf")
        for _, _, name, _, _ in NOMINEES]
    for kind, nominee, filename in papers:
        upload(staff, kind, nominee, filename)
        submit(staff, staff.get_by_role("button", name="Tải lên"))
        saved(staff)
    expect(staff.locator("body")).to_contain_text("Kế hoạch tổ chức phong trào của Sở.pdf")
    # the tờ trình and the council's minutes are written by the system, never uploaded
    expect(staff.locator("#papers")).to_contain_text("hệ thống tự tạo")
    expect(staff.locator("#upload-kind option[value=to_trinh]")).to_have_count(0)
    expect(staff.locator("body")).to_contain_text("Báo cáo thành tích – Nguyễn Văn An.pdf")
    expect(staff.locator("body")).not_to_contain_text("(to_trinh)")  # papers by their names
    shot(staff, "dossier-edit")
    fire(staff, dossier_url, "submit")

    desk.fire("head_a", dossier_url, "sign_off")

    # The Board appraises: declines one nominee with a reason, accepts two, and returns
    # the dossier to the unit with a reason.
    appraiser = desk.fire("appraiser", dossier_url, "start_appraisal")
    for _, _, name, _, _ in NOMINEES:
        row = appraiser.locator("section.nominee", has_text=name)
        if name == DECLINED:
            submit(appraiser, row.get_by_role("button", name="Không đề nghị"))
            expect(row.locator(".invalid-feedback")).to_contain_text(
                "Cần ghi lý do không đề nghị khen thưởng.")
            row = appraiser.locator("section.nominee", has_text=name)
            row.get_by_label("Lý do không đề nghị").fill("Chưa đủ thời gian công tác")
            submit(appraiser, row.get_by_role("button", name="Không đề nghị"))
        else:
            submit(appraiser, row.get_by_role("button", name="Chấp nhận"))
        saved(appraiser)
    verdicts = appraiser.locator("section.nominee")
    expect(verdicts.filter(has_text=DECLINED).locator(".verdict")).to_contain_text(
        "Không đề nghị: Chưa đủ thời gian công tác")
    expect(verdicts.filter(has_text="Nguyễn Văn An").locator(".verdict")).to_contain_text(
        "Chấp nhận")
    shot(appraiser, "dossier-appraisal", publish=True)
    fire(appraiser, dossier_url, "return_to_unit",
         comment="Bổ sung bản sao quyết định khen thưởng lần trước của ông Nguyễn Văn An.")
    expect(appraiser.locator("h1")).to_contain_text("Trả lại đơn vị")

    # The staff reads why, sends it again; the head signs off once more.
    staff.goto(dossier_url)
    expect(staff.locator("#sent-back")).to_contain_text(
        "Bổ sung bản sao quyết định khen thưởng lần trước")  # at the top of the page
    expect(staff.locator("table", has_text="Lịch sử xử lý")).to_contain_text(
        "Bổ sung bản sao quyết định khen thưởng lần trước")
    fire(staff, dossier_url, "submit")
    desk.fire("head_a", dossier_url, "sign_off")

    # Appraised again: the verdicts stand; the appraisal is completed.
    fire(appraiser, dossier_url, "start_appraisal")
    fire(appraiser, dossier_url, "complete_appraisal")
    expect(appraiser.locator("h1")).to_contain_text("Đã thẩm định")

    # The appraiser finds the decision to compose in "Việc cần xử lý": one click opens the
    # draft with the accepted nominees already selected.
    appraiser.goto(campaign_url)
    shot(appraiser, "campaign")
    check_links(appraiser)
    submit(appraiser, appraiser.get_by_role("link", name="Việc cần xử lý"))
    expect(appraiser.locator("#to-compose")).to_be_visible()
    submit(appraiser, appraiser.get_by_role("link", name="Lập dự thảo quyết định"))
    picks = appraiser.locator("input[name=dossier_ids]")
    expect(picks).to_have_count(1)
    expect(picks.first).to_be_checked()
    submit(appraiser, appraiser.get_by_role("button", name="Lập dự thảo quyết định"))
    saved(appraiser, "Đã lập dự thảo quyết định từ 1 hồ sơ.")
    decision_url = appraiser.url
    db.session.expire_all()  # the draft holds the two accepted nominees, not the declined
    made = db.session.get(Decision, int(decision_url.rstrip("/").rsplit("/", 1)[-1]))
    assert len(made.nominees) == 2 and DECLINED not in {n.name for n in made.nominees}
    fire(appraiser, decision_url, "submit")

    # The Board head signs the proposal, the Chairman approves, the office issues.
    fire(board_head, decision_url, "sign_proposal")
    desk.fire("chairman", decision_url, "approve")
    clerk = desk.fire("clerk", decision_url, "issue")
    expect(clerk.locator("h1")).to_contain_text("Quyết định số 01/QĐ-UBND")
    expect(clerk.locator("h1")).to_contain_text("Đã ban hành")
    deliveries = clerk.locator("table", has=clerk.locator("th", has_text="Người nhận"))
    expect(deliveries.locator("tbody tr").first).not_to_contain_text("Chưa có thông báo.")
    expect(deliveries).to_contain_text("Sở Y tế")  # the awarded unit is told
    expect(deliveries).not_to_contain_text("@tdkt.test")  # addresses: the outbox page only
    listed = clerk.locator("h2:has-text('Danh sách') + ol > li")
    expect(listed).to_have_count(2)
    expect(listed.filter(has_text="Nguyễn Văn An")).to_have_count(1)
    shot(clerk, "decision", publish=True)
    check_links(clerk)  # the documents listed on the page, the campaign, the inbox

    confirms = " | ".join(desk.dialogs)
    for question in ("Phát động: hệ thống sẽ cấp số",
                     "Trả lại đơn vị: hồ sơ về lại đơn vị, ở trạng thái «Trả lại đơn vị»",
                     "Ký duyệt: hệ thống sẽ cấp số", "Hoàn thành thẩm định:", "Ký tờ trình:",
                     "Phê duyệt: danh sách khen thưởng",
                     f"Ban hành quyết định số 01/QĐ-UBND, ngày {today():%d/%m/%Y}:"):
        assert question in confirms, confirms
    assert not desk.problems, desk.problems

    db.session.expire_all()
    assert helpers.unit_item(Plan, campaign, "SYT").state == "approved"
    assert helpers.unit_item(Dossier, campaign, "SYT").state == "decided"
    assert db.session.scalars(db.select(Decision)).one().state == "issued"
