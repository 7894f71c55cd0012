"""Confirmations, one mechanism: the button that sends asks, and answering «Cancel» sends
nothing. Bulk decline asks like every other destructive button (steps asking in the
process definition's words: test_journey.py)."""
from playwright.sync_api import expect

from app.extensions import db
from app.models import Nominee
from tests import helpers
from tests.browser.support import DESKTOP, saved, sign_in, submit


def _window(browser, live_server, who, answers):
    """A signed-in window that answers each confirm() with the next of ``answers`` and
    records the questions."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    page.goto("/login")
    sign_in(page, who)
    return page, asked


def test_bulk_decline_asks_and_cancel_sends_nothing(browser, live_server, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    page, asked = _window(browser, live_server, "appraiser", [False, True])
    page.goto(f"/dossiers/{dossier.id}")
    first, second = dossier.nominees[:2]
    page.locator(f"#pick-{first.id}").check()
    page.locator(f"#pick-{second.id}").check()
    page.get_by_label("Lý do không đề nghị (một lý do cho các mục đã chọn)").fill(
        "Thành tích chưa tiêu biểu")
    decline = page.get_by_role("button", name="Không đề nghị các mục đã chọn")

    decline.click()  # answered «Cancel»: the page stays, nothing is written
    assert len(asked) == 1 and "Không đề nghị" in asked[0], asked
    expect(page.locator(f"#pick-{first.id}")).to_be_checked()
    db.session.expire_all()
    assert {n.verdict for n in db.session.scalars(db.select(Nominee).where(
        Nominee.dossier_id == dossier.id))} == {None}

    submit(page, decline)  # answered «OK»
    assert len(asked) == 2 and asked[1] == asked[0], asked
    saved(page, "Đã ghi «Không đề nghị» cho 2 tập thể, cá nhân.")
    db.session.expire_all()
    verdicts = {n.name: n.verdict for n in db.session.scalars(db.select(Nominee).where(
        Nominee.dossier_id == dossier.id))}
    assert verdicts == {first.name: "declined", second.name: "declined",
                        dossier.nominees[2].name: None}, verdicts
    page.context.close()

