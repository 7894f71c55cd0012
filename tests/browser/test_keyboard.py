"""The login page works from the keyboard, and the focus can always be seen; signing out
ends the session."""
import re

from playwright.sync_api import expect

from tests.browser.support import shot, submit
from tests.conftest import PASSWORD

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {tag: el.tagName, id: el.id, type: el.type || "", text: el.innerText || "",
            outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth};
}"""


def test_tab_walks_the_login_form_in_order_with_a_visible_focus(desk, world):
    page = desk.new_page()
    page.goto("/login")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    shot(page, "login")

    page.keyboard.press("Tab")  # first stop: the skip link, shown when focused
    first = page.evaluate(FOCUSED)
    assert first["tag"] == "A" and "Bỏ qua" in first["text"], first
    expect(page.get_by_role("link", name="Bỏ qua, tới nội dung chính")).to_be_visible()

    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        stops.append(focused)
        assert focused["outlineStyle"] != "none", focused
        assert focused["outlineWidth"] not in ("0px", ""), focused
        if focused["tag"] == "BUTTON":
            break
    form_stops = [(s["tag"], s["id"] or s["text"]) for s in stops if s["tag"] != "A"]
    assert form_stops == [("INPUT", "username"), ("INPUT", "password"),
                          ("BUTTON", "Đăng nhập")], stops

    # And the whole sign-in goes through from the keyboard.
    page.locator("#username").focus()
    page.keyboard.type("staff_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Việc cần xử lý"))).to_be_visible()

    submit(page, page.get_by_role("button", name="Đăng xuất"))
    expect(page.locator(".alert-info")).to_contain_text("Bạn đã đăng xuất.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    assert not desk.problems, desk.problems
