"""Issue 11, proven in Chromium: points the Flask test client had covered but no browser
had walked. Each test sets its data up through the services, then acts as the person
would: opens the start page, follows the menu and the links, clicks, types and reads."""
import re
import struct
import zlib

import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import DistributionList, Dossier, OutboxMessage, Plan, User
from app.services import dossiers
from tests import helpers
from tests.browser.support import fire, saved, shot, sign_in, submit
from tests.conftest import PASSWORD, PASSWORD_HASH
from tests.web.test_offices import _submitted_plan_with_mail_trouble
from workflows import DOSSIER, PLAN

PLAN_LINK = re.compile(r"^Kế hoạch – Sở Y tế – ")
DOSSIER_LINK = re.compile(r"^Hồ sơ – Sở Y tế – ")


def menu(page, name):
    """Follow a link of the main menu."""
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    return submit(page, nav.get_by_role("link", name=name))


def unread(page):
    return int(page.locator("#unread").inner_text())


def png(width=3, height=2):
    """A real PNG image, red, ``width`` × ``height`` pixels."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def in_appraisal(world, verdicts=False):
    """The Sở Y tế dossier (three nominees, each with a PDF), with the Board appraising."""
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", dossier, who, trigger)
    if verdicts:
        for n in dossier.nominees:
            dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "accepted")
    return dossier


def open_from_inbox(page, link):
    page.goto("/")
    return submit(page, page.get_by_role("link", name=link))


# (a) Finding 13: opening a notification marks it read and leads to the item.
def test_a_notification_opened_is_read_and_leads_to_its_item(desk, world):
    dossier = in_appraisal(world)
    first, *others = sorted(dossier.nominees, key=lambda n: n.position)
    dossiers.set_verdict(world.users["appraiser"], dossier.id, first.id, "accepted")
    for n in others:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "declined",
                             "Chưa đủ thời gian công tác")
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")

    staff = desk.page("staff_a")
    before = unread(staff)
    assert before >= 2, before
    menu(staff, re.compile(r"^Thông báo"))
    notes = staff.locator("li.list-group-item")
    note = notes.filter(has_text="«Hoàn thành thẩm định»")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Chưa đọc")
    expect(note).to_contain_text(f"Được chấp nhận (1): {first.name}.")
    expect(note).to_contain_text(f"{others[0].name} (Chưa đủ thời gian công tác)")
    submit(staff, note.get_by_role("link"))
    assert staff.url.endswith(f"/dossiers/{dossier.id}"), staff.url
    expect(staff.locator("h1")).to_contain_text("Hồ sơ đề nghị khen thưởng – Sở Y tế")
    assert unread(staff) == before - 1

    menu(staff, re.compile(r"^Thông báo"))
    note = staff.locator("li.list-group-item", has_text="«Hoàn thành thẩm định»")
    expect(note).not_to_contain_text("Chưa đọc")
    expect(note).not_to_have_class(re.compile(r"\bunread\b"))
    expect(staff.locator("li.unread")).to_have_count(before - 1)  # the others stay unread
    row = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient_user_id == world.users["staff_a"].id,
        OutboxMessage.template == "dossier.complete_appraisal")).one()
    db.session.refresh(row)
    assert row.read_at is not None
    assert not desk.problems, desk.problems


# (b) Finding 4: the Board's outbox lists mail retrying after errors and failed mail, with
# the addresses and errors, and a failed letter is sent again from it.
def test_the_outbox_shows_mail_trouble_and_a_failed_letter_is_resent(desk, world):
    plan = _submitted_plan_with_mail_trouble(world, helpers.make_campaign(world))
    failed = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_id == plan.id, OutboxMessage.status == "failed")).one()

    board = desk.page("board_head")
    menu(board, "Thư chưa gửi được")
    expect(board.locator("h1")).to_have_text("Thư chưa gửi được")
    table = board.locator("table")
    expect(table.locator("tbody tr")).to_have_count(2)
    stuck = table.locator("tr", has_text="thutruong@syt.test")
    expect(stuck).to_contain_text("[Errno 111] Connection refused")
    expect(stuck).to_contain_text("Đang chờ gửi lại")
    lost = table.locator("tr", has_text="Người nhận thất bại")
    expect(lost).to_contain_text("x@syt.test")
    expect(lost).to_contain_text("550 Mailbox unavailable")
    expect(lost).to_contain_text("Gửi thất bại")
    expect(stuck.get_by_role("button", name="Gửi lại")).to_have_count(0)  # still retrying
    shot(board, "outbox")

    submit(board, lost.get_by_role("button", name="Gửi lại"))
    saved(board, "Đã đưa thư vào hàng đợi gửi lại.")
    lost = board.locator("table tr", has_text="Người nhận thất bại")
    expect(lost).to_contain_text("Đang chờ gửi lại")
    expect(lost.locator("td").nth(4)).to_have_text("0")  # its tries start afresh
    expect(board.get_by_role("button", name="Gửi lại tất cả thư thất bại")).to_have_count(0)
    submit(board, board.get_by_role("link", name="Gửi thất bại"))
    expect(board.locator("table tbody")).to_contain_text("Không có thư nào.")
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert not desk.problems, desk.problems


# (c) Finding 14: Nơi nhận is edited one row per entry, not typed as "Tên | thư điện tử".
def test_the_noi_nhan_editor_takes_one_row_per_entry(desk, world):
    board = desk.page("board_head")
    menu(board, "Nơi nhận")
    expect(board.locator("h1")).to_have_text("Danh sách nơi nhận")
    expect(board.locator("body")).not_to_contain_text("Tên | thư điện tử")
    decisions_list = board.locator("form", has=board.get_by_label("Tên danh sách (QD)"))
    expect(decisions_list.get_by_label("Tên nơi nhận, dòng 3")).to_have_value("Sở Tài chính")
    expect(decisions_list.get_by_label("Thư điện tử, dòng 3")).to_have_value("stc@tdkt.test")

    new = board.locator("form", has=board.get_by_role("heading", name="Danh sách mới"))
    new.get_by_label("Mã danh sách").fill("KT")
    new.get_by_label("Tên danh sách").fill("Nơi nhận quyết định khen thưởng")
    rows = [("Như Điều 3", ""), ("Sở Tài chính", "stc@tdkt.test"),
            ("Kho bạc Nhà nước tỉnh", "kbnn@tdkt.test"), ("Lưu: VT, SNV", "")]
    expect(new.locator("tbody tr")).to_have_count(3)
    new.get_by_role("button", name="Thêm dòng").click()  # a fourth row, on the page
    expect(new.locator("tbody tr")).to_have_count(4)
    expect(new.get_by_label("Tên nơi nhận, dòng 4")).to_be_focused()
    for i, (label, email) in enumerate(rows, start=1):
        new.get_by_label(f"Tên nơi nhận, dòng {i}").fill(label)
        new.get_by_label(f"Thư điện tử, dòng {i}").fill(email)
    submit(board, new.get_by_role("button", name="Tạo danh sách"))
    saved(board)
    made = board.locator("form", has=board.get_by_label("Tên danh sách (KT)"))
    for i, (label, email) in enumerate(rows, start=1):
        expect(made.get_by_label(f"Tên nơi nhận, dòng {i}")).to_have_value(label)
        expect(made.get_by_label(f"Thư điện tử, dòng {i}")).to_have_value(email)

    # A row emptied is dropped; an address without a name is refused, by name.
    made.get_by_label("Tên nơi nhận, dòng 3").fill("")
    made.get_by_label("Thư điện tử, dòng 3").fill("")
    submit(board, made.get_by_role("button", name="Lưu danh sách"))
    saved(board)
    made = board.locator("form", has=board.get_by_label("Tên danh sách (KT)"))
    made.get_by_label("Tên nơi nhận, dòng 1").fill("")
    made.get_by_label("Thư điện tử, dòng 1").fill("vp@tdkt.test")
    submit(board, made.get_by_role("button", name="Lưu danh sách"))
    expect(board.locator(".alert-danger")).to_contain_text("Tên nơi nhận")
    shot(board, "distribution-lists")

    db.session.expire_all()
    kept = db.session.scalar(sa.select(DistributionList).where(DistributionList.code == "KT"))
    assert [(e.label, e.email) for e in kept.entries] == [
        ("Như Điều 3", None), ("Sở Tài chính", "stc@tdkt.test"), ("Lưu: VT, SNV", None)]
    assert not desk.problems, desk.problems


# (d) Finding 8: a unit marks a target «Không áp dụng» with a reason, and the plan goes on.
def test_a_unit_marks_a_target_that_does_not_apply(desk, world):
    campaign = helpers.make_campaign(world)
    skip, *others = sorted(campaign.targets, key=lambda t: t.id, reverse=True)
    reason = "Sở Y tế không quản lý thu ngân sách"
    staff = desk.page("staff_a")
    submit(staff, staff.get_by_role("link", name=PLAN_LINK))
    plan_url = staff.url
    submit(staff, staff.get_by_role("link", name="Soạn / sửa kế hoạch"))
    staff.get_by_label("Mục đích, yêu cầu").fill("Tạo khí thế thi đua trong toàn ngành y tế.")
    for box in staff.get_by_label("Nội dung hưởng ứng").all():
        box.fill("Đẩy mạnh cải cách hành chính trong khám chữa bệnh.")
    for t in others:
        staff.get_by_label(re.compile(f"^{re.escape(t.label)} \\(chỉ tiêu tỉnh")).fill("100")
    box = staff.locator(f"#na-{skip.id}")
    expect(staff.locator(f"label[for=na-{skip.id}]")).to_have_text("Không áp dụng cho đơn vị")
    box.check()

    # Marked without a reason: refused, the problem beside the field, nothing typed lost.
    submit(staff, staff.get_by_role("button", name="Lưu kế hoạch"))
    why = staff.locator(f"#na-reason-{skip.id}")
    expect(why).to_have_attribute("aria-invalid", "true")
    expect(staff.locator(f"#err-na-reason-{skip.id}")).to_contain_text("bắt buộc")
    expect(staff.locator(f"#na-{skip.id}")).to_be_checked()
    expect(staff.get_by_label("Mục đích, yêu cầu")).to_have_value(
        "Tạo khí thế thi đua trong toàn ngành y tế.")
    expect(staff.locator(f"#target-{others[0].id}")).to_have_value("100")
    why.fill(reason)
    submit(staff, staff.get_by_role("button", name="Lưu kế hoạch"))
    saved(staff)
    expect(staff.locator(f"#na-{skip.id}")).to_be_checked()
    expect(staff.locator(f"#target-{skip.id}")).to_have_value("")

    submit(staff, staff.get_by_role("link", name="← Về trang kế hoạch"))
    row = staff.locator("tr", has_text=skip.label)
    expect(row).to_contain_text("Không áp dụng")
    expect(row).to_contain_text(f"Lý do: {reason}")
    fire(staff, plan_url, "submit")  # complete without a figure for it
    shot(staff, "plan-target-not-applying")

    db.session.expire_all()
    plan = db.session.get(Plan, int(plan_url.rsplit("/", 1)[1]))
    assert plan.state == "awaiting_head"
    assert [(e.target_id, e.reason) for e in plan.exemptions] == [(skip.id, reason)]
    assert not desk.problems, desk.problems


# (e) Finding 16: two people act on the same item; the second gets the 409 page, which
# hands back what was typed.
def test_two_appraisers_act_at_once_and_the_second_gets_back_what_was_typed(desk, world):
    second = User(username="appraiser2", full_name="Hoàng Văn Nam", password_hash=PASSWORD_HASH,
                  unit=world.units["SNV"], email="appraiser2@tdkt.test")
    second.set_roles(["board_appraiser"])
    db.session.add(second)
    db.session.commit()
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "plan", plan, who, trigger)

    late = desk.page("appraiser")
    open_from_inbox(late, PLAN_LINK)
    typed = "Bổ sung chỉ tiêu <số 3> & sửa lỗi chính tả\nở mục 2."
    late.get_by_label("Lý do trả lại").fill(typed)

    first = desk.page("appraiser2")
    open_from_inbox(first, PLAN_LINK)
    submit(first, first.locator('button[data-trigger="forward"]'))
    saved(first, "Đã thực hiện: Trình Chủ tịch.")

    with late.expect_response(lambda r: r.request.method == "POST") as answer:
        submit(late, late.locator('button[data-trigger="return_to_unit"]'))
    assert answer.value.status == 409
    expect(late.get_by_role("heading", level=1)).to_contain_text("(409)")
    expect(late.get_by_role("heading", name="Nội dung bạn đã nhập (chưa được lưu)")) \
        .to_be_visible()
    handed_back = late.get_by_label("Lý do / ý kiến")
    expect(handed_back).to_have_value(typed)
    expect(handed_back).to_have_attribute("readonly", "")
    shot(late, "conflict")

    # "Quay lại và tải lại trang": the item as it is now, the stale button gone.
    with late.expect_navigation():
        late.get_by_role("button", name="Quay lại và tải lại trang").click()
    expect(late.locator("h1")).to_contain_text(PLAN.states["awaiting_chairman"])
    expect(late.locator('button[data-trigger="return_to_unit"]')).to_have_count(0)

    db.session.expire_all()
    assert db.session.get(Plan, plan.id).state == "awaiting_chairman"
    assert not desk.problems, desk.problems


# (f) Finding 2: uploaded files open in the browser (PDF and images inline).
def test_uploaded_files_open_in_the_browser(desk, world):
    campaign = helpers.make_campaign(world)
    helpers.complete_dossier(world, campaign)
    staff = desk.page("staff_a")
    submit(staff, staff.get_by_role("link", name=DOSSIER_LINK))
    dossier_url = staff.url
    submit(staff, staff.get_by_role("link", name="Soạn / sửa hồ sơ"))
    staff.locator("#upload-kind").select_option("other")
    staff.locator("#upload-nominee").select_option("")
    picture = png()
    staff.locator("#upload-file").set_input_files(
        {"name": "Ảnh hội nghị tổng kết.png", "mimeType": "image/png", "buffer": picture})
    submit(staff, staff.get_by_role("button", name="Tải lên"))
    saved(staff)
    fire(staff, dossier_url, "submit")

    head = desk.page("head_a")
    open_from_inbox(head, DOSSIER_LINK)
    common = head.locator("h2:has-text('Tài liệu chung của hồ sơ') + ul")
    with head.context.expect_page() as opened:
        common.get_by_role("link", name="Ảnh hội nghị tổng kết.png").click()
    image = opened.value
    image.wait_for_load_state()
    shown = image.locator("img")
    expect(shown).to_have_count(1)  # the browser shows the picture itself
    assert shown.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [3, 2]
    image.close()

    an = head.locator("section.nominee", has_text="Nguyễn Văn An")
    link = an.get_by_role("link", name=re.compile(r"\.pdf$"))
    expect(link).to_have_attribute("target", "_blank")
    with head.context.expect_page() as opened, \
            head.context.expect_event("response", lambda r: "/attachments/" in r.url) as got:
        link.click()
    response = got.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"
    # Chromium shows it in its own PDF viewer, in the tab (no download)
    pdf = opened.value
    pdf.wait_for_load_state()
    assert pdf.url == response.url
    assert b'type="application/pdf"' in response.body()
    assert head.request.get(response.url).body() == helpers.PDF  # the paper uploaded
    pdf.close()
    assert not desk.problems, desk.problems


# (g) Finding 14: the admin resets a forgotten password; the person must choose a new one.
def test_an_admin_resets_a_password_and_the_person_chooses_a_new_one(desk, world):
    admin = desk.page("admin")
    menu(admin, "Tài khoản")
    row = admin.locator("tbody tr", has=admin.locator("td", has_text=re.compile("^staff_a$")))
    submit(admin, row.get_by_role("button", name="Đặt lại mật khẩu"))
    assert "Đặt lại mật khẩu cho staff_a" in desk.dialogs[-1], desk.dialogs
    notice = admin.locator(".alert-warning")
    expect(notice).to_contain_text("Mật khẩu tạm thời của tài khoản staff_a:")
    temporary = re.search(r"staff_a: (\S+) —", notice.inner_text()).group(1)
    row = admin.locator("tbody tr", has=admin.locator("td", has_text=re.compile("^staff_a$")))
    expect(row).to_contain_text("Chờ đặt mật khẩu mới")

    person = desk.new_page()
    person.goto("/")
    person.get_by_label("Tên đăng nhập").fill("staff_a")
    person.get_by_label("Mật khẩu").fill(PASSWORD)  # the old one no longer works
    submit(person, person.get_by_role("button", name="Đăng nhập"))
    assert "/login" in person.url, person.url
    expect(person.get_by_label("Mật khẩu")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(person.locator(".invalid-feedback")).not_to_be_empty()
    sign_in(person, "staff_a", temporary)
    assert person.url.endswith("/account/password"), person.url
    expect(person.locator("main")).to_contain_text("hãy đặt mật khẩu mới")
    person.get_by_label("Mật khẩu hiện tại").fill(temporary)
    person.get_by_label("Mật khẩu mới", exact=True).fill("mat-khau-rieng-123")
    person.get_by_label("Nhập lại mật khẩu mới").fill("mat-khau-rieng-123")
    submit(person, person.get_by_role("button", name="Đổi mật khẩu"))
    saved(person, "Đã đổi mật khẩu.")
    menu(person, "Việc cần xử lý")
    expect(person.locator("h1")).to_contain_text("Việc cần xử lý")
    person.context.close()

    db.session.refresh(world.users["staff_a"])
    assert world.users["staff_a"].must_change_password is False
    assert not desk.problems, desk.problems


# (h) Finding 5: returning and rejecting look unlike approving, and ask before they act.
def test_return_and_reject_look_unlike_approval_and_ask_first(desk, world):
    dossier = in_appraisal(world, verdicts=True)
    appraiser = desk.page("appraiser")
    open_from_inbox(appraiser, DOSSIER_LINK)
    colours = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    forward = appraiser.locator('button[data-trigger="complete_appraisal"]')
    back = appraiser.locator('button[data-trigger="return_to_unit"]')
    stop = appraiser.locator('button[data-trigger="reject"]')
    forward_bg, forward_fg = forward.evaluate(colours)
    back_bg, back_fg = back.evaluate(colours)
    stop_bg, stop_fg = stop.evaluate(colours)
    assert forward_bg not in ("rgba(0, 0, 0, 0)", "transparent"), forward_bg  # filled
    assert back_bg == stop_bg == "rgba(0, 0, 0, 0)", (back_bg, stop_bg)  # outlined
    assert len({forward_fg, back_fg, stop_fg}) == 3, (forward_fg, back_fg, stop_fg)
    red, green, blue = map(int, re.findall(r"\d+", stop_fg)[:3])
    assert red > 150 and green < 100 and blue < 100, stop_fg  # rejecting is red

    # Rejecting asks first; answered "no", nothing happens.
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    appraiser.remove_listener("dialog", desk._accept)
    appraiser.on("dialog", refuse)
    appraiser.locator("#comment-reject").fill("Hồ sơ không đúng phong trào.")
    stop.click()
    expect(stop).to_be_visible()
    assert asked == [DOSSIER.step("reject", "in_appraisal").question], asked
    appraiser.remove_listener("dialog", refuse)
    appraiser.on("dialog", desk._accept)
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).state == "in_appraisal"

    # Returning asks too; answered "yes", the dossier goes back to the unit.
    appraiser.locator("#comment-return_to_unit").fill("Bổ sung biên bản họp Hội đồng.")
    submit(appraiser, back)
    saved(appraiser, "Đã thực hiện: Trả lại đơn vị.")
    assert desk.dialogs[-1] == DOSSIER.step("return_to_unit", "in_appraisal").question
    expect(appraiser.locator("h1")).to_contain_text("Trả lại đơn vị")
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).state == "returned"
    assert not desk.problems, desk.problems


# (i) Finding 11: the appraiser accepts all at once, then declines the selected nominees
# with one reason.
def test_the_appraiser_gives_verdicts_in_bulk(desk, world):
    dossier = in_appraisal(world)
    appraiser = desk.page("appraiser")
    open_from_inbox(appraiser, DOSSIER_LINK)
    nominees = appraiser.locator("section.nominee")
    expect(nominees).to_have_count(3)
    submit(appraiser, appraiser.get_by_role("button", name="Chấp nhận tất cả (3)"))
    saved(appraiser, "Đã chấp nhận tất cả.")
    assert desk.dialogs[-1] == "Chấp nhận cả 3 tập thể, cá nhân trong hồ sơ?"
    for verdict in nominees.locator(".verdict").all():
        expect(verdict).to_have_text("Chấp nhận")

    # Declining the selected ones needs the one reason.
    declined = ("Nguyễn Văn An", "Lê Thị Bích")
    for name in declined:
        appraiser.get_by_label(f"Chọn {name} để ghi chung một ý kiến").check()
    submit(appraiser, appraiser.get_by_role("button", name="Không đề nghị các mục đã chọn"))
    expect(appraiser.locator(".alert-danger")).to_contain_text("lý do")
    for name in declined:
        appraiser.get_by_label(f"Chọn {name} để ghi chung một ý kiến").check()
    appraiser.get_by_label("Lý do không đề nghị (một lý do cho các mục đã chọn)").fill(
        "Chưa đủ thời gian công tác")
    submit(appraiser, appraiser.get_by_role("button", name="Không đề nghị các mục đã chọn"))
    saved(appraiser, "Đã ghi «Không đề nghị» cho 2 tập thể, cá nhân.")
    for name in declined:
        expect(nominees.filter(has_text=name).locator(".verdict")).to_have_text(
            "Không đề nghị: Chưa đủ thời gian công tác")
    expect(nominees.filter(has_text="Phòng Tổ chức cán bộ").locator(".verdict")).to_have_text(
        "Chấp nhận")
    shot(appraiser, "appraisal-bulk")

    db.session.expire_all()
    verdicts = {n.name: n.verdict for n in db.session.get(Dossier, dossier.id).nominees}
    assert verdicts == {"Phòng Tổ chức cán bộ, SYT": "accepted", "Nguyễn Văn An": "declined",
                        "Lê Thị Bích": "declined"}
    assert not desk.problems, desk.problems
