"""What the browser tests do again and again: sign in, press an action button, take a picture."""
import os
import re
import shutil
import weakref
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


class Desk:
    """One browser context per user, each signed in through the login form once."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.pages: dict[str, Page] = {}
        self.dialogs: list[str] = []   # every confirm() the pages asked, in order
        self.problems: list[str] = []  # script errors and failed requests, never expected

    def new_page(self, viewport=DESKTOP) -> Page:
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport,
                                           locale="vi-VN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("dialog", self._accept)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(
            f"request failed: {r.method} {r.url} {r.failure}"))
        page.on("response", self._watch_response)
        page.on("console", self._watch_console)
        return page

    def _watch_console(self, message):
        # Anything the Content-Security-Policy blocks is a page that does not work.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"blocked by the CSP: {message.text}")

    def _accept(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def _watch_response(self, response):
        # Pages answer 4xx on purpose (422 on a bad form, 404 when hidden); assets never may.
        if response.status >= 400 and response.request.resource_type in (
                "stylesheet", "script", "image", "font"):
            self.problems.append(f"{response.status} {response.url}")

    def page(self, who, url="/") -> Page:
        """``who``'s window; opened the first time at ``url``, which sends a stranger to the
        login page and, once signed in, back to ``url``."""
        if who not in self.pages:
            page = self.new_page()
            page.goto(url)
            expect(page).to_have_url(re.compile(r"/login\?next="))
            sign_in(page, who)
            assert urlsplit(page.url).path == urlsplit(url).path, (page.url, url)
            _fresh_at[page] = _sent["count"]
            self.pages[who] = page
        return self.pages[who]

    def fire(self, who, url, trigger, comment=None):
        return fire(self.page(who, url), url, trigger, comment)

    def close(self):
        for page in self.pages.values():
            page.context.close()


def sign_in(page: Page, who, password=PASSWORD):
    """Sign in on the login page (opened here unless the page is on it already)."""
    if urlsplit(page.url).path != "/login":
        page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(who)
    page.get_by_label("Mật khẩu").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    assert urlsplit(page.url).path != "/login", refusals(page)
    expect(page.get_by_role("navigation")).to_contain_text("Đăng xuất")


# Every form sent from any window bumps this; a window whose page was loaded after the
# latest one shows the current state and need not be reloaded before its next action.
_sent = {"count": 0}
_fresh_at: "weakref.WeakKeyDictionary[Page, int]" = weakref.WeakKeyDictionary()


def submit(page: Page, locator):
    """Click a submit button and wait for the page the form lands on (after the redirect)."""
    with page.expect_navigation():
        locator.click()
    _sent["count"] += 1
    _fresh_at[page] = _sent["count"]
    return page


def refusals(page: Page):
    return page.locator(".alert-danger").all_inner_texts()


def saved(page: Page, text="Đã lưu."):
    assert not refusals(page), refusals(page)
    expect(page.locator(".alert-success")).to_contain_text(text)


def triggers(page: Page):
    return page.locator("button[data-trigger]").evaluate_all(
        "buttons => buttons.map(b => b.dataset.trigger)")


def fire(page: Page, url, trigger, comment=None):
    """Open an item's page (unless it is showing already, up to date), press the action
    button for ``trigger`` (answering its confirm dialog, filling its reason first when it
    needs one) and check that it was done."""
    if urlsplit(page.url).path != urlsplit(url).path or _fresh_at.get(page) != _sent["count"]:
        page.goto(url)
        _fresh_at[page] = _sent["count"]
    button = page.locator(f'button[data-trigger="{trigger}"]')
    assert button.count() == 1, (trigger, triggers(page), refusals(page),
                                 page.locator(".reasons").all_inner_texts())
    if comment is not None:
        page.locator(f"#comment-{trigger}").fill(comment)
    submit(page, button)
    saved(page, "Đã thực hiện:")
    return page


UNLABELLED = """() => [...document.querySelectorAll(
        "input:not([type=hidden]), select, textarea, button")]
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")
                 && !e.getAttribute("aria-labelledby") && !(e.tagName === "BUTTON"
                 && e.innerText.trim()))
    .map(e => e.outerHTML.slice(0, 160))"""


def shot(page: Page, name, publish=False):
    """A full-page PNG under test-output/screenshots/ (``publish``: also in docs/screenshots/
    when missing there, or when UPDATE_SCREENSHOTS=1); every form control on the page must
    have a label."""
    assert not page.evaluate(UNLABELLED), (name, page.evaluate(UNLABELLED))
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    published = DOCS_SHOTS / path.name
    if publish and (not published.exists() or os.environ.get("UPDATE_SCREENSHOTS")):
        # Committed for the README: written once, renewed only on request, so that a test
        # run leaves the working tree clean.
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, published)
    return path


def check_links(page: Page):
    """Every link on the page leads somewhere this user may go (no 404, no crash)."""
    here = urlsplit(page.url).netloc
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    broken = []
    for href in sorted(set(hrefs)):
        if urlsplit(href).netloc != here or "#" in href:
            continue  # another site, javascript:, or an anchor on this page
        status = page.request.get(href, max_redirects=0).status
        if status >= 400:
            broken.append((status, href))
    assert not broken, broken
