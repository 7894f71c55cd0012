"""Issue 11: a generated paper's preview, opened from its item page by the "Xem trước"
link; printed, it is the paper alone (no menu, no buttons), on A4."""
from playwright.sync_api import expect

from tests import helpers
from tests.browser.support import shot


def test_a_plan_preview_opens_from_its_page_and_prints_without_the_menu(desk, world):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    page = desk.page("staff_a", f"/plans/{plan.id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Xem trước: Kế hoạch hưởng ứng").click()
    assert page.url.endswith(f"/plans/{plan.id}/documents/plan/xem-truoc")
    paper = page.locator("article.paper")
    expect(paper).to_contain_text("KẾ HOẠCH")
    expect(paper).to_contain_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    expect(paper).to_contain_text("Nơi nhận:")
    menu = page.get_by_role("navigation", name="Điều hướng chính")
    print_button = page.get_by_role("button", name="In văn bản")
    expect(menu).to_be_visible()
    expect(print_button).to_be_visible()
    # the paper is laid out A4-wide in Times New Roman
    width = paper.evaluate("e => e.getBoundingClientRect().width")
    assert abs(width - 210 * 96 / 25.4) < 2, width
    assert "Times New Roman" in paper.evaluate("e => getComputedStyle(e).fontFamily")
    shot(page, "preview-plan")

    page.emulate_media(media="print")
    expect(menu).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(paper).to_be_visible()
    assert paper.evaluate("e => getComputedStyle(e).boxShadow") == "none"
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    page.emulate_media(media="screen")
    expect(menu).to_be_visible()
    assert not desk.problems, desk.problems
