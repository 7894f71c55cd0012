"""No English from the browser or the app, on any page, as any role (issue 22, «No English»).

Chromium is started in English (``--lang=en-US``, context locale en-US): where the app lets
the browser draw a widget or speak for it, it speaks English there. The browser draws its
widgets outside the page's text, so each page is checked for what lets it speak:

- a native ``<input type=file>`` or date/time field that is visible, or not inside the
  app's own control (the file picker of _macros.file_input, the typed dd/mm/yyyy date);
- a form whose fields carry rules the browser would enforce with its own message
  (required, pattern, min/max, email) without ``novalidate``;
- English error words in the page's text.

The pages: every GET route of the app's url_map that takes no argument, and every page
reached from them by links (one per kind of URL, as the axe crawl), plus the item pages
whose state shows a form (test_accessibility.FORMS): each once per role, in one browser.
"""
import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from app.clock import today
from tests.browser import test_accessibility as axe_crawl
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.support import DESKTOP, sign_in
from tests.browser.test_accessibility import FORMS, ROLES, SKIP, _shape

everything = axe_crawl.everything  # the same items in many states (a fixture)
MAX_PAGES = 80  # per role; the crawl must end before (asserted)
# English a page must never show: the browser's own words, an error page's, a traceback's.
ENGLISH = re.compile(
    r"Please (fill|select|enter|match|lengthen|shorten|include)|Choose Files?\b|No file (chosen|selected)"
    r"|\bError\b|Traceback|Not Found|Internal Server Error|Bad Request|Forbidden|Method Not Allowed"
    r"|Unauthorized|Service Unavailable|\bErrno\b|\b[A-Z][A-Za-z]*(Error|Exception)\b"
    r"|\bNone\b|\bundefined\b|\bnull\b|\bNaN\b")
NOT_PAGES = re.compile(r"^/(api|static|metrics|healthz|readyz|livez)\b")

CHECK = """() => {
  const out = {widgets: [], forms: []};
  const small = e => { const r = e.getBoundingClientRect(); return r.width <= 1 && r.height <= 1; };
  for (const e of document.querySelectorAll(
      "input[type=file], input[type=date], input[type=datetime-local], input[type=month],"
      + " input[type=week], input[type=time]")) {
    const wrapped = e.type === "file" && e.closest(".file-picker") && small(e);
    if (!wrapped) { out.widgets.push(e.outerHTML.slice(0, 160)); }
  }
  for (const f of document.forms) {
    if (f.noValidate) { continue; }
    const ruled = [...f.elements].filter(e => e.willValidate && (e.required
      || e.pattern || e.min || e.max || e.minLength > 0 || ["email", "url", "number"].includes(e.type)));
    if (ruled.length) { out.forms.push((f.getAttribute("action") || location.pathname) + " :: "
                                       + ruled.map(e => e.name).join(",")); }
  }
  out.text = document.title + "\\n" + document.body.innerText;
  return out;
}"""


@pytest.fixture(scope="module")
def english_browser(browser):
    """A second Chromium, started in English, from the session's Playwright (one Playwright
    per process: its sync API cannot run twice)."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                           args=[*CHROMIUM_ARGS, "--lang=en-US"])
    yield chromium
    chromium.close()


def _routes(app):
    """The app's pages that take no argument (GET), as the url_map declares them."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and not NOT_PAGES.search(rule.rule) and not SKIP.search(rule.rule)})


def _problems(page):
    found = page.evaluate(CHECK)
    problems = [f"browser widget: {w}" for w in found["widgets"]]
    problems += [f"form the browser validates: {f}" for f in found["forms"]]
    problems += [f"English: «{m.group()}» in …{found['text'][max(m.start() - 40, 0):m.end() + 40]}…"
                 for m in ENGLISH.finditer(found["text"])][:3]
    return problems


def _crawl(page, starts, extra):
    """Each start and each page linked from what is visited, one per kind of URL."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    seen, queue, found, visited = set(), list(starts), {}, []
    while queue:
        path = queue.pop(0)
        if _shape(path) in seen and path not in extra:
            continue
        seen.add(_shape(path))
        assert len(visited) < MAX_PAGES, "the crawl did not end: raise MAX_PAGES"
        response = page.goto(path, wait_until="domcontentloaded")
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(path)
        problems = _problems(page)
        if problems:
            found[path] = problems
        for href in page.locator("a[href]").evaluate_all("as => as.map(a => a.href)"):
            url = urlsplit(urljoin(page.url, href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if (f"{url.scheme}://{url.netloc}" == origin and not SKIP.search(url.path)
                    and not NOT_PAGES.search(url.path) and _shape(target) not in seen):
                queue.append(target)
    return visited, found


def test_no_page_lets_an_english_browser_speak_for_the_app(english_browser, live_server, app,
                                                           everything):
    routes = _routes(app)
    assert "/campaigns/new" in routes and "/admin/units" in routes, routes
    context = english_browser.new_context(base_url=live_server, viewport=DESKTOP,
                                          locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.dismiss())
    assert page.evaluate("navigator.language") == "en-US"
    found, reached = {}, {}
    page.goto("/login")
    found.update({f"/login (signed out) :: {p}": 1 for p in _problems(page)})
    for who in ROLES:
        page.goto("/login")
        sign_in(page, who)
        extra = [url.format(everything[state].id) for state, url, _ in FORMS.get(who, [])]
        visited, problems = _crawl(page, ["/", *routes, *extra], set(extra))
        reached[who] = visited
        found.update({f"{who} {path}": p for path, p in problems.items()})
        context.clear_cookies()  # signed out: the next role signs in
    context.close()
    # the crawl saw the forms this is about: files, dates and required fields
    assert any(p.endswith("/edit") and p.startswith("/dossiers/") for p in reached["staff_a"])
    assert any(p.startswith("/decisions/") for p in reached["clerk"])
    assert "/admin/reference" in reached["admin"]
    assert not found, found


def test_the_app_speaks_for_the_browser_in_english_chromium(english_browser, live_server,
                                                            everything):
    """Item 7 in an English Chromium: the file picker, the typed date and the app's own
    message for a required field; nothing is sent until it is right."""
    context = english_browser.new_context(base_url=live_server, viewport=DESKTOP,
                                          locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.goto("/login")
    sign_in(page, "clerk")
    page.goto(f"/decisions/{everything['approved'].id}")

    # the signed scan: «Chọn tệp…», no file yet; sending it empty is refused by the app
    picker = page.locator("#signed-scan").locator("xpath=..")
    expect(picker).to_contain_text("Chọn tệp…")
    expect(page.locator("#signed-scan-chosen")).to_have_text("Chưa chọn tệp")
    save = page.get_by_role("button", name="Lưu bản chụp")
    save.click()
    problem = page.locator("#signed-scan-problem")
    expect(problem).to_contain_text("chưa chọn tệp")
    expect(page.locator("#signed-scan")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.activeElement.id") == "signed-scan"  # the keyboard is there
    page.locator("#signed-scan").set_input_files(
        {"name": "Quyết định đã ký.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"})
    expect(page.locator("#signed-scan-chosen")).to_have_text("Quyết định đã ký.pdf")
    expect(problem).to_have_count(0)

    # «Ban hành»: the date is typed dd/mm/yyyy; a wrong one is refused before any question
    on = page.locator("#issued-on-issue")
    assert on.get_attribute("type") == "text" and on.get_attribute("placeholder") == "dd/mm/yyyy"
    on.fill("31/02/2026")
    page.locator('button[data-trigger="issue"]').click()
    expect(page.locator("#issued-on-issue-problem")).to_contain_text(
        "ngày không hợp lệ; ghi theo dạng dd/mm/yyyy")
    assert asked == []  # refused before the confirmation: nothing asked, nothing sent
    on.fill(today().strftime("%d/%m/%Y"))
    page.locator('button[data-trigger="issue"]').click()  # answered «Cancel»
    assert asked and asked[-1].startswith("Ban hành quyết định số ") and \
        f"ngày {today():%d/%m/%Y}:" in asked[-1], asked
    expect(page.locator("#issued-on-issue-problem")).to_have_count(0)
    context.close()
