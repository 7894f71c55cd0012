"""axe-core (vendored from npm under tests/browser/vendor/axe-core, MPL-2.0) over every page
each role can reach by following links, at 1366x768 and on a 390x844 phone: no violation
of serious or critical impact. Also the favicon, and that tables scroll inside themselves
on a phone (the page itself never scrolls sideways)."""
import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage, Plan, Registration
from app.services import decisions
from tests import helpers
from tests.award_helpers import imported
from tests.browser.support import DESKTOP, PHONE, sign_in

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text("utf-8")
ROLES = ["staff_a", "head_a", "appraiser", "board_head", "chairman", "clerk", "admin"]
# Not pages: downloads (a paper's preview, …/documents/{name}/xem-truoc, is one), actions,
# sign-out.
SKIP = re.compile(r"/documents/[^/]+(/pdf)?$|/attachments/|/logout|/static/|\.(docx|pdf|xlsx|csv)$")
# The pages each role must reach by links alone (and more besides): the crawl finds them.
REACHED = {
    "staff_a": {"/", "/campaigns", "/notifications", "/campaigns/N", "/plans/N",
                "/dossiers/N", "/account/password", "/khen-thuong/", "/khen-thuong/N"},
    "head_a": {"/", "/campaigns/N", "/plans/N", "/dossiers/N"},
    "appraiser": {"/", "/campaigns/N", "/outbox", "/distribution-lists", "/decisions/N",
                  "/dossiers/N", "/campaigns/N/history", "/khen-thuong/", "/khen-thuong/N",
                  "/dossiers/N/documents/proposal/xem-truoc",
                  "/decisions/N/documents/proposal/xem-truoc"},
    "board_head": {"/", "/campaigns/new", "/campaigns/N/edit", "/outbox", "/decisions/N"},
    "chairman": {"/", "/campaigns", "/campaigns/N"},
    "clerk": {"/", "/campaigns", "/campaigns/N"},
    "admin": {"/admin/units", "/admin/users", "/admin/reference", "/admin/signing",
              "/campaigns"},
}
MAX_PAGES = 60  # per role: the crawl stops there (a page per kind of URL is enough)
# Pages of items in a given state, checked besides the crawl (which visits one page per
# kind of URL, whichever it meets first): each with what shows that the state's form is
# there. The URLs come from the ``everything`` fixture's items.
FORMS = {
    "staff_a": [("draft", "/dossiers/{}/edit", "#new-nominee"),
                ("registration", "/registrations/{}/edit", "#entries #e0-award_form")],
    "appraiser": [("in_appraisal", "/dossiers/{}", "#bulk-verdicts")],
    "chairman": [("awaiting_chairman", "/decisions/{}", "#strike-form #strike-all")],
    "clerk": [("approved", "/decisions/{}", "#signed-scan"),
              ("approved", "/decisions/{}", "#issued-on-issue")],
}

RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: "
                                               + (n.failureSummary || "").slice(0, 200))}));
}"""


def _decision(world, campaign, nominee, *steps):
    decision = decisions.create_decision(world.users["appraiser"], {
        "campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id, [nominee.id])
    for who, trigger in steps:
        helpers.fire(world, "decision", decision, who, trigger)
    return decision


@pytest.fixture
def everything(world):
    """Items in many states, so that each page shows its tables, forms and buttons: a
    decision at each of the Board head, the Chairman and the Office, a dossier drafting
    and one in appraisal."""
    # a regular year: SYT's registration drafting (its page, the Board's registration page);
    # made first, so the campaigns the crawl meets first are the movement's
    registration = helpers.unit_item(Registration, helpers.make_year(world), "SYT")
    campaign = helpers.make_campaign(world)
    dossier = helpers.appraised_dossier(world, campaign)
    first, second, third = dossier.nominees
    decision = _decision(world, campaign, first, ("appraiser", "submit"))
    to_chairman = _decision(world, campaign, second, ("appraiser", "submit"),
                            ("board_head", "sign_proposal"))
    approved = _decision(world, campaign, third, ("appraiser", "submit"),
                         ("board_head", "sign_proposal"), ("chairman", "approve"))
    plan = helpers.complete_plan(world, campaign, unit="PDK", staff="staff_b")
    helpers.fire(world, "plan", plan, "staff_b", "submit")
    in_appraisal = helpers.complete_dossier(world, campaign, unit="PDK", staff="staff_b")
    helpers.fire(world, "dossier", in_appraisal, "staff_b", "submit")
    helpers.fire(world, "dossier", in_appraisal, "head_b", "sign_off")
    helpers.fire(world, "dossier", in_appraisal, "appraiser", "start_appraisal")
    later = helpers.make_campaign(world, title="Phong trào thi đua chào mừng Đại hội Đảng bộ")
    draft = helpers.complete_dossier(world, later)  # nominees and files, still drafting
    syt_plan = helpers.unit_item(Plan, campaign, "SYT")
    row = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.status == "pending")).first()
    row.status, row.attempts, row.last_error = "failed", 6, "[Errno 111] Connection refused"
    db.session.commit()
    # an award in the history (Khen thưởng), typed in from a paper decision
    imported("Nguyễn Văn An", world.units["SYT"], 2022, organisation="SYT")
    return {"campaign": campaign, "decision": decision, "plan": syt_plan,
            "registration": registration,
            "draft": draft, "in_appraisal": in_appraisal,
            "awaiting_chairman": to_chairman, "approved": approved}


def _shape(path):
    """One visit per kind of URL: /plans/3 and /plans/4 are the same page, and so are a
    list's filters (?status=accepted and ?status=declined), and every role's guide."""
    path = re.sub(r"^/huong-dan/[^?#]+", "/huong-dan/R", path)
    return re.sub(r"=[^&]*", "=", re.sub(r"\d+", "N", path))


def crawl(page, start="/"):
    """Every page reachable by links from ``start``, one per kind of URL, in order."""
    base = page.url.split("/", 3)[:3]
    origin = "/".join(base)
    seen, queue, pages = set(), [start], []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        response = page.goto(path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages.append(path)
        for href in page.locator("a[href]").evaluate_all("as => as.map(a => a.href)"):
            url = urlsplit(urljoin(page.url, href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if f"{url.scheme}://{url.netloc}" != origin or SKIP.search(url.path):
                continue
            if _shape(target) not in seen:
                queue.append(target)
    return pages


def violations(page):
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE)  # through the DevTools protocol: the page's CSP does not apply
    return page.evaluate(RUN_AXE)


def summary(found):
    """Each rule broken, with the pages and the first elements that break it."""
    rules = {}
    for where, problems in found.items():
        for v in problems:
            rule = rules.setdefault(f"{v['id']} ({v['impact']})", {"pages": [], "nodes": []})
            rule["pages"].append(where)
            rule["nodes"] += [n for n in v["nodes"] if n not in rule["nodes"]][:6]
    return rules


def _sideways(page):
    """How far the page itself scrolls sideways (tables must scroll inside themselves)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("who", ROLES)
def test_every_page_a_role_reaches_passes_axe_on_a_desk_and_on_a_phone(desk, everything, who):
    found = {}
    window = desk.new_page(DESKTOP)
    phone = desk.new_page(PHONE)
    for name, view in (("desk", window), ("phone", phone)):
        view.goto("/login")
        found[f"/login @{name}"] = violations(view)
        sign_in(view, who)
    pages = crawl(window)
    shapes = {_shape(p) for p in pages}
    if os.environ.get("AXE_PAGES"):
        print(who, len(pages), sorted(shapes))
    assert len(pages) < MAX_PAGES, "the crawl stopped early: raise MAX_PAGES"
    assert REACHED[who] <= shapes, (REACHED[who] - shapes, sorted(shapes))
    forms = {url.format(everything[state].id): selector
             for state, url, selector in FORMS.get(who, [])}
    pages += [url for url in forms if url not in pages]
    wide = {}
    for path in pages:
        for name, view in (("desk", window), ("phone", phone)):
            view.goto(path)
            if path in forms:  # the item is in the state whose form is to be checked
                assert view.locator(forms[path]).count() >= 1, (path, forms[path])
            problems = violations(view)
            if problems:
                found[f"{path} @{name}"] = problems
        if _sideways(phone) > 1:
            wide[path] = _sideways(phone)
    found = {k: v for k, v in found.items() if v}
    if found:  # the whole report, for reading beside the test's short message
        out = Path(__file__).resolve().parents[2] / "test-output"
        out.mkdir(exist_ok=True)
        (out / f"axe-{who}.json").write_text(json.dumps(summary(found), ensure_ascii=False,
                                                        indent=1), "utf-8")
    assert not found, summary(found)
    assert not wide, wide  # on a phone the page never scrolls sideways
    assert not desk.problems, desk.problems



def test_on_a_phone_actions_come_first_and_inbox_rows_are_compact(desk, everything):
    phone = desk.new_page(PHONE)
    phone.goto("/login")
    sign_in(phone, "head_a")
    phone.goto(f"/plans/{everything['plan'].id}")
    actions = phone.get_by_role("heading", name="Thao tác").bounding_box()
    history = phone.locator("caption", has_text="Lịch sử xử lý").bounding_box()
    documents = phone.get_by_role("heading", name="Văn bản").bounding_box()
    assert actions["y"] < documents["y"] < history["y"], (actions, documents, history)
    assert actions["y"] < 844, actions  # on the first screen

    phone.goto("/")
    rows = phone.locator(".inbox-table tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box["height"] < 130 and box["width"] <= 390, box
    assert _sideways(phone) <= 1
