"""The regular year's main pages in Chromium, each role by clicking: the Board creates a
year on the campaign form (kind, year, registration deadline, the block), the unit's staff
drafts its registration on its page (a line refused, then saved, one removed, lines
added from the Excel template) and sends it to the head, who signs it."""
import io
import re
from datetime import timedelta

import openpyxl
from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import Campaign, Registration
from tests import helpers
from tests.browser.support import saved, shot, submit


def test_the_board_creates_a_regular_year_on_the_form(desk, world):
    page = desk.page("board_head", "/campaigns")
    submit(page, page.get_by_role("link", name="Tạo phong trào"))
    year = today().year
    page.get_by_label("Mã phong trào").fill("TDTX-2")
    page.get_by_label("Tên phong trào").fill(f"Phong trào thi đua thường xuyên năm {year}")
    page.get_by_label("Loại", exact=True).select_option(label="Thi đua thường xuyên")
    page.get_by_label("Năm thi đua").fill(str(year))
    page.get_by_label("Từ ngày (dd/mm/yyyy)").fill(f"01/01/{year}")
    page.get_by_label("Đến ngày (dd/mm/yyyy)").fill(f"31/12/{year}")
    deadline = today() + timedelta(days=15)
    page.get_by_label("Hạn đăng ký thi đua (dd/mm/yyyy)").fill(deadline.strftime("%d/%m/%Y"))
    page.get_by_label("Hạn nộp hồ sơ (dd/mm/yyyy)").fill(f"31/12/{year}")
    page.get_by_label("Chặn danh hiệu chưa đăng ký", exact=False).check()
    for name in ("Danh hiệu Chiến sĩ thi đua cấp tỉnh", "Danh hiệu Chiến sĩ thi đua cơ sở"):
        page.get_by_label(name, exact=False).check()
    page.get_by_label("Sở Y tế (SYT)").check()
    page.get_by_label("Người ký văn bản phát động").select_option(index=1)
    shot(page, "board_head-year-form")
    submit(page, page.get_by_role("button", name="Lưu phong trào"))
    saved(page, "Đã lưu phong trào.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("thường xuyên")
    db.session.expire_all()
    created = db.session.scalars(db.select(Campaign).where(Campaign.code == "TDTX-2")).one()
    assert (created.kind, created.year, created.block_unregistered) == ("regular", year, True)
    assert created.registration_deadline == deadline
    assert {f.award_form.code for f in created.award_forms} == {"CSTDT", "CSTDCS"}

    # edited: the kind stays, shown; a bad deadline is refused and nothing changes
    submit(page, page.get_by_role("link", name="Sửa phong trào"))
    expect(page.get_by_label("Loại", exact=True)).to_have_value("Thi đua thường xuyên")
    page.get_by_label("Hạn đăng ký thi đua (dd/mm/yyyy)").fill("32/01/2026")
    page.get_by_role("button", name="Lưu phong trào").click()  # refused before sending
    expect(page.locator("#registration_deadline-problem")).to_have_text(
        "«Hạn đăng ký thi đua»: ngày không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 02/09/2025.")
    db.session.refresh(created)
    assert created.registration_deadline == deadline
    assert not desk.problems, desk.problems


def _template_filled(page, rows):
    """The page's Excel template, fetched by its link with the person's session (a click
    would leave the page for a download), filled with ``rows``."""
    link = page.get_by_role("link", name="mẫu Excel đăng ký thi đua")
    answer = page.request.get(link.get_attribute("href"))
    assert answer.ok and ".xlsx" in answer.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(answer.body()))
    ws = wb.worksheets[0]
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_staff_drafts_and_sends_the_registration_and_the_head_signs_it(desk, world):
    year = helpers.make_year(world)
    reg = helpers.unit_item(Registration, year, "SYT")
    url = f"/registrations/{reg.id}"
    page = desk.page("staff_a", "/")
    # from the inbox to the registration, then its drafting page
    submit(page, page.get_by_role("link", name=re.compile("Đăng ký thi đua")).first)
    submit(page, page.get_by_role("link", name="Soạn / sửa đăng ký thi đua"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Đăng ký thi đua năm {year.year} – Sở Y tế")

    page.get_by_label("Dòng 1: tập thể hay cá nhân").select_option(label="Tập thể")
    page.get_by_label("Dòng 1: tên tập thể, họ tên cá nhân").fill("Sở Y tế")
    page.get_by_label("Dòng 1: danh hiệu đăng ký").select_option(
        label="Danh hiệu Chiến sĩ thi đua cấp tỉnh")  # a person's title: refused
    page.get_by_label("Dòng 2: tên tập thể, họ tên cá nhân").fill("Nguyễn Văn An")
    page.get_by_label("Dòng 2: chức vụ").fill("Trưởng phòng")
    page.get_by_label("Dòng 2: đơn vị công tác").fill("Sở Y tế")
    page.get_by_label("Dòng 2: danh hiệu đăng ký").select_option(
        label="Danh hiệu Chiến sĩ thi đua cấp tỉnh")
    page.get_by_label("Dòng 3: tên tập thể, họ tên cá nhân").fill("Trần Văn Cường")
    page.get_by_label("Dòng 3: danh hiệu đăng ký").select_option(
        label="Danh hiệu Chiến sĩ thi đua cơ sở")
    submit(page, page.get_by_role("button", name="Lưu bản đăng ký"))
    expect(page.locator("#e0-award_form")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-e0-award_form")).to_contain_text("chỉ dành cho cá nhân")
    expect(page.get_by_label("Dòng 2: tên tập thể, họ tên cá nhân")).to_have_value(
        "Nguyễn Văn An")
    db.session.refresh(reg)
    assert reg.entries == []

    page.get_by_label("Dòng 1: danh hiệu đăng ký").select_option(
        label="Danh hiệu Tập thể lao động xuất sắc")
    submit(page, page.get_by_role("button", name="Lưu bản đăng ký"))
    saved(page)
    shot(page, "unit_staff-registration-form")
    page.get_by_label("Xóa dòng 3").check()
    submit(page, page.get_by_role("button", name="Lưu bản đăng ký"))
    saved(page)

    # more lines from the Excel template
    data = _template_filled(page, [
        ["Cá nhân", "Lê Thị Bích", "Chuyên viên", "Sở Y tế", "Danh hiệu Chiến sĩ thi đua cơ sở"]])
    page.get_by_label("Tệp Excel (.xlsx)").set_input_files(
        {"name": "dang-ky.xlsx", "buffer": data,
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    submit(page, page.get_by_role("button", name="Nhập từ Excel"))
    saved(page, "Đã thêm 1 dòng đăng ký từ tệp Excel.")
    db.session.expire_all()
    reg = db.session.get(Registration, reg.id)
    assert [(e.name, e.award_form.code) for e in reg.entries] == [
        ("Sở Y tế", "TTLDXS"), ("Nguyễn Văn An", "CSTDT"), ("Lê Thị Bích", "CSTDCS")]

    submit(page, page.get_by_role("button", name="Lưu và trình thủ trưởng"))
    saved(page, "Đã lưu và trình thủ trưởng.")
    expect(page.get_by_role("link", name="Soạn / sửa đăng ký thi đua")).to_have_count(0)

    # the head finds it in the inbox and signs it: numbered from the unit's register
    head = desk.page("head_a", "/")
    submit(head, head.get_by_role("link", name=re.compile("Đăng ký thi đua")).first)
    expect(head.get_by_text("Lê Thị Bích")).to_be_visible()
    shot(head, "unit_head-registration-sign")
    desk.fire("head_a", url, "sign_off")
    db.session.expire_all()
    reg = db.session.get(Registration, reg.id)
    assert reg.state == "submitted" and reg.number
    assert reg.symbol.endswith("-TĐKT")
    assert not desk.problems, desk.problems
