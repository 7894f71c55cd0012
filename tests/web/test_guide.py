"""Issue 22, item 13: the user guide (Hướng dẫn sử dụng). Every page a signed-in person can
open has a section in the guide, and each page's «Hướng dẫn» link opens that page's section
of the guide of the person's role."""
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.models import Registration
from app.services import guide
from tests import helpers
from tests.web.test_views import login
from workflows.roles import ROLES

# A page is a GET endpoint of the pages' blueprints (views in app.web) that is not a file:
# a rule ending in a file name (…/mau.xlsx, /favicon.ico) answers a file. What the rule
# cannot tell (a redirect, an uploaded file, the sign-in form) is declared in guide.json's
# "not_pages", with why.
FILE_RULE = re.compile(r"\.[a-z0-9]+$")


def page_endpoints(app):
    pages = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if ("GET" in rule.methods and view.__module__.startswith("app.web")
                and not FILE_RULE.search(rule.rule) and rule.endpoint not in guide.not_pages()):
            pages.add(rule.endpoint)
    return pages


def test_every_page_has_a_section_in_some_roles_guide(app):
    pages = page_endpoints(app)
    missing = sorted(pages - set(guide.page_sections()))
    assert not missing, f"pages without a section of the guide (app/data/guide.json): {missing}"
    # nothing stale: every mapped or excluded endpoint exists, and every section is in a guide
    endpoints = set(app.view_functions)
    assert set(guide.page_sections()) <= endpoints
    assert set(guide.not_pages()) <= endpoints
    in_guides = {anchor for role in guide.roles() for anchor, _ in guide.sections(role)}
    assert set(guide.page_sections().values()) <= in_guides
    assert set(guide.roles()) == set(ROLES)  # a guide for every role


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.images, self.guide_link = set(), [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "img":
            self.images.append(attrs)
        if attrs.get("id") == "guide-link":
            self.guide_link = attrs["href"]


def parse(html):
    page = _Page()
    page.feed(html)
    return page


def test_each_roles_guide_has_its_sections_and_its_screenshots(client, world):
    login(client, "staff_a")
    index = client.get("/huong-dan").get_data(as_text=True)
    for role in guide.roles():
        assert f'href="/huong-dan/{role}"' in index
    seen_images = set()
    for role in guide.roles():
        r = client.get(f"/huong-dan/{role}")
        assert r.status_code == 200, role
        page = parse(r.get_data(as_text=True))
        for anchor, title in guide.sections(role):
            assert anchor in page.ids, (role, anchor)
            assert title in r.get_data(as_text=True)
        for img in page.images:
            assert len(img.get("alt", "")) > 20 and re.search(r"[àáảãạăâđêôơư]", img["alt"]), img
            seen_images.add(img["src"])
    assert len(seen_images) >= 10  # every role's main pages are shown
    for src in seen_images:
        r = client.get(src)
        assert r.status_code == 200 and r.mimetype == "image/png", src
        r.close()
    assert client.get("/huong-dan/nobody").status_code == 404


def _decision_awaiting_chairman(world, campaign):
    from app.services import decisions

    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id, [n.id for n in dossier.nominees])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    return decision, dossier


# Pages that need an issued paper to exist (an award record, a document's QR token) or a
# remote signing request under way; their siblings (the award search, the verification
# upload, the decision page) share their section or are checked in
# tests/browser/test_remote_signing.py.
NEEDS_AN_ISSUED_PAPER = {"award_pages.history", "verification.document", "work.signing_wait"}


def _cluster_year(world, campaign):
    """A cluster of the small world's two units, SYT leading, for the ranking page."""
    from app.services import clusters

    clusters.save_cluster(world.users["admin"], {"code": "CUM1", "name": "Cụm thi đua số 1",
                                                 "kind": "cum", "members": ["SYT", "PDK"]})
    return clusters.set_year(world.users["board_head"], "CUM1", {
        "campaign_id": campaign.id, "leader": "SYT"})["id"]


def test_the_guide_link_of_every_page_opens_its_section_in_the_roles_guide(app, client, world,
                                                                           campaign):
    plan = helpers.complete_plan(world, campaign)
    decision, dossier = _decision_awaiting_chairman(world, campaign)
    drafted = helpers.complete_dossier(world, campaign, "PDK", "staff_b")
    year = campaign.period_start.year if getattr(campaign, "period_start", None) else 2026
    regular = helpers.make_year(world)
    registration = helpers.signed_registration(world, regular)
    drafting_registration = helpers.unit_item(Registration, regular, "PDK")  # still a draft
    cluster_year = _cluster_year(world, regular)
    urls = {
        "guide.index": "/huong-dan", "guide.role": "/huong-dan/unit_staff",
        "work.inbox": "/", "work.campaigns": "/campaigns", "work.campaign": f"/campaigns/{campaign.id}",
        "board.new_campaign": "/campaigns/new", "board.edit_campaign": f"/campaigns/{campaign.id}/edit",
        "work.plan": f"/plans/{plan.id}", "drafting.edit_plan": f"/plans/{plan.id}/edit",
        "work.dossier": f"/dossiers/{dossier.id}",
        "drafting.edit_dossier": f"/dossiers/{drafted.id}/edit",
        "work.decisions": "/decisions", "work.decision": f"/decisions/{decision.id}",
        "overview.awardee_sheet": f"/decisions/{decision.id}/danh-sach",
        "work.preview": f"/plans/{plan.id}/documents/plan/xem-truoc",
        "work.history": f"/dossiers/{dossier.id}/history",
        "work.notifications": "/notifications", "award_pages.search": "/khen-thuong/?q=nguyen",
        "overview.dashboard": f"/tong-quan?campaign={campaign.id}",
        "overview.nominees": f"/campaigns/{campaign.id}/nominees",
        "overview.register": f"/tong-quan/khen-thuong?year={year}",
        "overview.import_awards": "/tong-quan/khen-thuong/nhap",
        "board.outbox": "/outbox", "board.distribution_lists": "/distribution-lists",
        "registers.listing": "/registers", "admin.units": "/admin/units", "admin.users": "/admin/users",
        "admin.reference": "/admin/reference", "account.change_password": "/account/password",
        "verification.upload": "/xac-minh", "admin.signing": "/admin/signing",
        "board.new_decision": "/decisions/new", "board.incoming": "/van-ban-den",
        "award_pages.rules": "/khen-thuong/dieu-kien",
        "yearend_pages.results": "/ket-qua-cuoi-nam",
        "board.registrations": f"/campaigns/{regular.id}/dang-ky-thi-dua",
        "work.registration": f"/registrations/{registration.id}",
        "drafting.edit_registration": f"/registrations/{drafting_registration.id}/edit",
        "overview.cluster_ranking": f"/tong-quan/cum-khoi/{cluster_year}",
        "cluster_pages.years": "/cum-khoi", "cluster_pages.year": f"/cum-khoi/nam/{cluster_year}",
        "cluster_pages.sheet": f"/cum-khoi/nam/{cluster_year}/bang-diem/SYT",
        "cluster_pages.manage": "/cum-khoi/quan-ly", "cluster_pages.cluster": "/cum-khoi/quan-ly/CUM1",
        "cluster_pages.flags_list": "/co-thi-dua",
    }
    assert set(urls) | NEEDS_AN_ISSUED_PAPER == page_endpoints(app)
    opened, wrong = set(), []
    guides = {}
    for who, role in helpers.ROLE_OF.items():
        login(client, who)
        for endpoint, url in urls.items():
            r = client.get(url)
            if r.status_code in (302, 403, 404):
                continue  # not this role's page: the services answer it, not the guide
            assert r.status_code == 200 and r.mimetype == "text/html", (who, url, r.status_code)
            link = parse(r.get_data(as_text=True)).guide_link or ""
            path, anchor = urlsplit(link).path, urlsplit(link).fragment
            if path not in guides:
                guides[path] = parse(client.get(path).get_data(as_text=True)).ids
            if (path != f"/huong-dan/{role}" or anchor != guide.page_sections()[endpoint]
                    or anchor not in guides[path]):
                wrong.append((who, url, link))
            opened.add(endpoint)
    assert not wrong, "\n".join(map(str, wrong))
    assert opened == set(urls), set(urls) - opened  # every page was opened by some role

    # What guide.json says answers no page, answers none (the last user is still signed in).
    login(client, "staff_a")
    assert client.get("/login").status_code == 302
    attachment = dossier.attachments[0]
    r = client.get(f"/dossiers/{dossier.id}/attachments/{attachment.id}")
    assert r.status_code == 200 and r.mimetype != "text/html"
    r.close()
    message = re.search(r'href="(/notifications/\d+)"', client.get("/notifications").get_data(as_text=True))
    assert client.get(message.group(1)).status_code == 302
    # the waiting page's poll (JSON): for a request that is not this user's, a 404
    assert client.get(f"/decisions/{decision.id}/signing/none/status").status_code == 404
    assert set(guide.not_pages()) == {"account.login", "work.attachment", "work.open_notification",
                                      "work.signing_status"}


@pytest.mark.parametrize("roles, endpoint, expected", [
    ({"unit_staff"}, "drafting.edit_dossier", ("unit_staff", "soan-ho-so")),
    # a page outside the first role's guide opens the guide of a role that has it
    ({"unit_head", "office_clerk"}, "registers.listing", ("office_clerk", "so-van-ban")),
    ({"admin"}, "no.such_page", ("admin", guide.START)),
    ((), "work.inbox", (None, guide.START)),
])
def test_a_link_opens_the_first_of_the_users_guides_that_explains_the_page(roles, endpoint, expected):
    assert guide.link(roles, endpoint) == expected
