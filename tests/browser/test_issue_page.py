"""Issue 20, items 1 and 2, in Chromium as the Office clerk on /decisions/{id}: what was
typed survives every round trip; «Ban hành» names the number and date it will use; an empty
number is issued only as the number the confirmation named (refused, and asked again, once
another issue took it); after issue the scan is replaced only by a recorded correction, the
old file kept and shown in the history."""
import hashlib
import io

from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import Decision
from app.services import decisions, registers, workflow
from tests import helpers
from tests.browser.support import DESKTOP, PHONE, refusals, saved, shot, sign_in, submit
from tests.browser.test_accessibility import _sideways, violations
from tests.docgen.support import SYT_NOMINEES, appraised, approve, new_decision
from workflows import DECISION
from workflows.roles import ROLES

SCAN_2 = helpers.PDF.replace(b"%%EOF", b"% corrected copy\n%%EOF")


def _approved(world, campaign, count=1):
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    return [approve(world, new_decision(world, campaign, [n.id]))
            for n in dossier.nominees[:count]]


def _window(browser, live_server, who):
    """A signed-in window; ``answers`` (True: OK, False: Cancel) answer its confirm()s in
    turn, OK once they run out; ``asked`` keeps the questions; ``problems`` script errors."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.asked, page.answers, page.problems = [], [], []

    def answer(dialog):
        page.asked.append(dialog.message)
        dialog.accept() if not page.answers or page.answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.goto("/login")
    sign_in(page, who)
    return page


def _issue_button(page):
    return page.locator('button[data-trigger="issue"]')


def _state(decision):
    db.session.expire_all()
    d = db.session.get(Decision, decision.id)
    return d.state, d.number


def test_what_the_office_typed_survives_and_the_issue_names_it(browser, live_server, world,
                                                               tmp_path):
    campaign = helpers.make_campaign(world)
    decision, other = _approved(world, campaign, 2)
    registers.set_last(world.users["clerk"], "UBND", "QĐ", today().year, 56)
    page = _window(browser, live_server, "clerk")
    page.goto(f"/decisions/{decision.id}")
    # another decision holds 57 (entered by hand): typing it will be refused
    db.session.refresh(other)
    workflow.perform("decision", other.id, world.users["clerk"], "issue",
                     version=other.version, params={"number": "57"})
    number, on = page.locator("#number-issue"), page.locator("#issued-on-issue")
    number.fill("57")
    on.fill(today().strftime("%d/%m/%Y"))

    # «Lưu bản chụp»: the scan is kept, and so is what was typed
    scan = tmp_path / "Quyết định đã ký.pdf"
    scan.write_bytes(helpers.PDF)
    page.get_by_label("Bản chụp (PDF), gửi kèm thư khi ban hành").set_input_files(scan)
    submit(page, page.get_by_role("button", name="Lưu bản chụp"))
    saved(page, "Đã lưu bản chụp quyết định đã ký.")
    expect(number).to_have_value("57")
    expect(on).to_have_value(today().strftime("%d/%m/%Y"))

    # «Ban hành» names the typed number and date; 57 is taken: refused, all kept
    submit(page, _issue_button(page))
    assert page.asked[-1].startswith(f"Ban hành quyết định số 57/QĐ-UBND, ngày {today():%d/%m/%Y}: "), \
        page.asked
    assert any("Số 57 đã được cấp" in r for r in refusals(page)), refusals(page)
    expect(number).to_have_value("57")
    expect(on).to_have_value(today().strftime("%d/%m/%Y"))
    assert _state(decision) == ("approved", None)

    # «Cancel» sends nothing; the question follows what is typed now
    number.fill("60")
    page.answers.append(False)
    _issue_button(page).click()
    assert page.asked[-1].startswith(f"Ban hành quyết định số 60/QĐ-UBND, ngày {today():%d/%m/%Y}: ")
    assert _state(decision) == ("approved", None)
    submit(page, _issue_button(page))
    saved(page, "Đã thực hiện: Ban hành.")
    expect(page.locator("h1")).to_contain_text("Quyết định số 60/QĐ-UBND")
    assert _state(decision) == ("issued", 60)
    assert not page.problems, page.problems
    page.context.close()


def test_an_empty_number_is_issued_only_as_the_number_the_confirmation_named(
        browser, live_server, world):
    campaign = helpers.make_campaign(world)
    decision, other = _approved(world, campaign, 2)
    page = _window(browser, live_server, "clerk")
    url = f"/decisions/{decision.id}"
    page.goto(url)
    expect(page.locator("#inputs-issue")).to_contain_text("(01/QĐ-UBND)")
    page.answers.append(False)
    _issue_button(page).click()  # it names the next number and today; «Cancel»
    assert page.asked[-1].startswith(f"Ban hành quyết định số 01/QĐ-UBND, ngày {today():%d/%m/%Y}: ")

    # another issue takes 01 while the page is open
    helpers.fire(world, "decision", other, "clerk", "issue")
    assert _state(other) == ("issued", 1)
    submit(page, _issue_button(page))  # the page still says 01: OK on 01 is refused
    assert page.asked[-1].startswith("Ban hành quyết định số 01/QĐ-UBND")
    messages = " ".join(refusals(page))
    assert "Số 01 không còn là số tiếp theo" in messages, messages
    assert "Số tiếp theo bây giờ là 02." in messages, messages
    assert _state(decision) == ("approved", None)
    expect(page.locator("#inputs-issue")).to_contain_text("(02/QĐ-UBND)")
    shot(page, "decision-issue-asked-again")
    assert violations(page) == []

    submit(page, _issue_button(page))  # asked again, with the new number
    assert page.asked[-1].startswith(f"Ban hành quyết định số 02/QĐ-UBND, ngày {today():%d/%m/%Y}: ")
    saved(page, "Đã thực hiện: Ban hành.")
    assert _state(decision) == ("issued", 2)
    assert len(page.asked) == 3 and not page.problems, (page.asked, page.problems)
    page.context.close()


def test_after_issue_the_scan_is_replaced_only_by_a_recorded_correction(
        browser, live_server, world, tmp_path):
    campaign = helpers.make_campaign(world)
    [decision] = _approved(world, campaign)
    decisions.attach_signed_scan(world.users["clerk"], decision.id, io.BytesIO(helpers.PDF),
                                 "Bản chụp.pdf")
    helpers.fire(world, "decision", decision, "clerk", "issue")
    old_sha, new_sha = (hashlib.sha256(b).hexdigest() for b in (helpers.PDF, SCAN_2))
    page = _window(browser, live_server, "clerk")
    page.goto(f"/decisions/{decision.id}")
    expect(page.get_by_role("button", name="Lưu bản chụp")).to_have_count(0)
    expect(page.locator("#signed-scan")).to_have_count(0)
    expect(page.locator("#scan-copies tbody tr")).to_have_count(1)

    scan = tmp_path / "Bản chụp đúng.pdf"
    scan.write_bytes(SCAN_2)
    page.get_by_label("Bản chụp mới (PDF)").set_input_files(scan)
    page.get_by_label("Lý do thay (bắt buộc)").fill("Bản chụp trước thiếu trang 2")
    page.answers.append(False)  # «Cancel»: nothing is replaced
    page.get_by_role("button", name="Thay bản chụp đã ký").click()
    assert page.asked == [DECISION.edits["scan_correction"].confirm], page.asked
    assert len(decisions.signed_scans(decision)) == 1
    submit(page, page.get_by_role("button", name="Thay bản chụp đã ký"))
    saved(page, "Đã thay bản chụp quyết định đã ký; bản cũ vẫn được lưu trong lịch sử.")
    assert page.asked[-1] == DECISION.edits["scan_correction"].confirm

    copies = page.locator("#scan-copies tbody tr")
    expect(copies).to_have_count(2)
    expect(copies.nth(0)).to_contain_text("Đã bị thay lúc")
    expect(copies.nth(0)).to_contain_text(old_sha)
    expect(copies.nth(1)).to_contain_text("Bản hiện hành")
    expect(copies.nth(1)).to_contain_text(new_sha)
    row = page.locator("table", has_text="Lịch sử xử lý").locator(
        "tr", has_text="Thay bản chụp đã ký")
    expect(row).to_contain_text(ROLES["office_clerk"])
    expect(row).to_contain_text("Bản chụp trước thiếu trang 2")
    expect(row).to_contain_text(old_sha)
    expect(row).to_contain_text(new_sha)
    for label, body in (("Tải bản cũ: Bản chụp.pdf", helpers.PDF),
                        ("Tải bản mới: Bản chụp đúng.pdf", SCAN_2)):
        href = row.get_by_role("link", name=label).get_attribute("href")
        got = page.request.get(href)
        assert got.status == 200 and got.body() == body, (label, got.status)
    shot(page, "decision-scan-corrected")
    # the scans' table, the history's two files and the correction form, at both widths
    assert violations(page) == []
    page.set_viewport_size(PHONE)
    page.reload()
    assert violations(page) == [] and _sideways(page) <= 0
    assert not page.problems, page.problems
    page.context.close()

