"""The Board's registration page of a regular year in Chromium: from the year's page to who
has registered, the filter, the reminder of the unit that has not, and a registration."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import OutboxMessage
from tests import helpers


def test_the_board_sees_who_registered_and_reminds_the_late_unit(desk, world):
    year = helpers.make_year(world)
    helpers.signed_registration(world, year)  # SYT has sent its registration; PDK has not
    page = desk.page("appraiser", f"/campaigns/{year.id}")
    page.get_by_role("link", name=f"Đăng ký thi đua năm {year.year}").click()
    expect(page.get_by_role("heading", name=f"Đăng ký thi đua năm {year.year}")).to_be_visible()
    expect(page.locator("#registration-counts")).to_contain_text(
        "Đã đăng ký: 1/2 đơn vị; chưa đăng ký: 1.")
    rows = page.locator("#registrations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Sở Y tế")
    expect(rows.nth(1)).to_contain_text("Đã gửi Ban TĐKT")

    page.get_by_label("Tình trạng").select_option(label="Chưa đăng ký")
    page.get_by_role("button", name="Lọc").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ủy ban nhân dân phường Đông Kinh")
    expect(rows.first).to_contain_text("Đang soạn")

    page.get_by_role("button", name="Nhắc các đơn vị chưa gửi đăng ký").click()
    expect(page.get_by_text("Đã nhắc các đơn vị chưa gửi bản đăng ký thi đua")).to_be_visible()
    db.session.expire_all()
    told = db.session.scalars(db.select(OutboxMessage.recipient_email).where(
        OutboxMessage.template == "reminder.registration")).all()
    assert sorted(told) == ["head_b@tdkt.test", "staff_b@tdkt.test"]

    page.get_by_label("Tình trạng").select_option(label="Tất cả đơn vị")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name="Đã gửi Ban TĐKT").click()
    expect(page.get_by_role("heading", name=f"Đăng ký thi đua năm {year.year} – Sở Y tế")) \
        .to_be_visible()
    expect(page.get_by_role("cell", name="Danh hiệu Chiến sĩ thi đua cấp tỉnh")).to_be_visible()
    expect(page.get_by_role("button", name="Tiếp nhận")).to_be_visible()
    assert not desk.problems, desk.problems
