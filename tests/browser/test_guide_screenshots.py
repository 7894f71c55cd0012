"""Issue 22, item 13: the user guide's screenshots (Hướng dẫn sử dụng, templates/guide/),
taken in Chromium on the small province as each role does its work, so that they show the
pages as they are. Each run writes them where the guide reads them (app/static/guide/),
one window per person in one browser, a handful of pages each, the visible screen only."""
import io
from pathlib import Path

from app.clock import today
from app.models import Plan
from app.services import decisions, dossiers, registers
from tests import helpers
from tests.browser.support import ROOT, UNLABELLED
from tests.docgen.support import SYT_NOMINEES

GUIDE_SHOTS = ROOT / "app" / "static" / "guide"
GUIDE_TEMPLATES = ROOT / "templates" / "guide"


def _shot(page, url, name, scroll_to=None):
    """Open ``url`` and write the visible screen as app/static/guide/<name>.png; with
    ``scroll_to``, that part of the page at the top of the screen."""
    page.goto(url)
    assert not page.evaluate(UNLABELLED), (name, page.evaluate(UNLABELLED))
    if scroll_to:
        # at once: the stylesheet asks for smooth scrolling, which a screenshot would catch midway
        page.locator(scroll_to).first.evaluate(
            "e => window.scrollTo({top: e.getBoundingClientRect().top + window.scrollY - 8,"
            " behavior: 'instant'})")
    path = GUIDE_SHOTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    return name


def test_the_guides_screenshots_are_taken_from_the_pages(desk, world):
    GUIDE_SHOTS.mkdir(parents=True, exist_ok=True)
    users = world.users
    campaign = helpers.make_campaign(world)
    plan = helpers.unit_item(Plan, campaign, "SYT")
    dossier = helpers.complete_dossier(world, campaign, "SYT", "staff_a",
                                       nominees=[dict(n) for n in SYT_NOMINEES])
    taken = set()
    staff = desk.page("staff_a")
    taken.add(_shot(staff, "/", "unit_staff-inbox"))
    taken.add(_shot(staff, f"/plans/{plan.id}/edit", "unit_staff-plan-form"))
    taken.add(_shot(staff, f"/dossiers/{dossier.id}/edit", "unit_staff-dossier-form"))
    taken.add(_shot(staff, f"/campaigns/{campaign.id}", "campaign"))

    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    taken.add(_shot(desk.page("head_a"), f"/dossiers/{dossier.id}", "unit_head-dossier"))

    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    appraiser = desk.page("appraiser")
    taken.add(_shot(appraiser, f"/dossiers/{dossier.id}", "board_appraiser-dossier",
                    scroll_to="h2:has-text('Kiểm tra tự động')"))
    for n in dossier.nominees:
        dossiers.set_verdict(users["appraiser"], dossier.id, n.id, "accepted")
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")
    taken.add(_shot(appraiser, "/", "board_appraiser-inbox"))

    decision = decisions.create_decision(users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(users["appraiser"], decision.id, [dossier.nominees[0].id])
    taken.add(_shot(appraiser, f"/decisions/{decision.id}", "board_appraiser-decision"))

    helpers.fire(world, "decision", decision, "appraiser", "submit")
    head = desk.page("board_head")
    taken.add(_shot(head, f"/decisions/{decision.id}", "board_head-decision"))
    taken.add(_shot(head, "/campaigns/new", "board_head-campaign-form"))
    taken.add(_shot(head, f"/tong-quan?campaign={campaign.id}", "board_head-dashboard"))

    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    taken.add(_shot(desk.page("chairman"), f"/decisions/{decision.id}", "chairman-decision"))

    helpers.fire(world, "decision", decision, "chairman", "approve")
    decisions.attach_signed_scan(users["clerk"], decision.id, io.BytesIO(helpers.PDF),
                                 "quyet-dinh-da-ky.pdf")
    registers.set_last(users["clerk"], "UBND", "QĐ", today().year, 56)
    clerk = desk.page("clerk")
    taken.add(_shot(clerk, f"/decisions/{decision.id}", "office_clerk-decision"))
    taken.add(_shot(clerk, "/registers", "office_clerk-registers"))

    admin = desk.page("admin")
    taken.add(_shot(admin, "/admin/users", "admin-users"))
    taken.add(_shot(admin, "/xac-minh", "verification"))
    assert not desk.problems, desk.problems

    # The guide shows exactly these: none missing, none left over from a page since removed.
    shown = {line.split('figure("', 1)[1].split('"', 1)[0]
             for path in GUIDE_TEMPLATES.rglob("*.html") for line in path.read_text().splitlines()
             if 'figure("' in line}
    assert shown == taken, (shown ^ taken)
    assert {p.stem for p in GUIDE_SHOTS.glob("*.png")} == taken
    for name in taken:
        assert Path(GUIDE_SHOTS / f"{name}.png").stat().st_size > 10_000, name
