"""Issue 11: a generated paper's preview, opened from its item page by the "Xem trước"
link; printed, it is the paper alone (no menu, no buttons), on A4."""
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from app.services import decisions
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


def _pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [" ".join(p.split()) for p in text.split("\f")]


def test_the_printed_decision_keeps_its_end_on_one_page(desk, world, tmp_path):
    """Issue 22 #9: wherever the body makes the page end fall, the last paragraph, Nơi nhận
    and the signature print on one page (the DOCX keeps them together too)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is missing")
    campaign = helpers.make_campaign(world)
    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in dossier.nominees])
    page = desk.page("appraiser", f"/decisions/{decision.id}/documents/decision/xem-truoc")
    page.emulate_media(media="print")
    last = " ".join(page.locator(".paper-end > .paper-p").inner_text().split())
    signer = page.locator(".paper-closing-right .paper-signer").inner_text().strip()
    assert last.endswith("chịu trách nhiệm thi hành Quyết định này./.") and signer
    head, tail = " ".join(last.split()[:4]), " ".join(last.split()[-5:])
    # A spacer above the body moves the end down the page, 40 px at a time over a whole
    # A4 page (257 mm of text, 971 px): at some heights the closing starts just above the
    # page's foot, where it used to be pushed to page 2 alone.
    page.evaluate("""() => { const s = document.createElement('div'); s.id = 'spacer';
        document.querySelector('.paper-body').before(s); }""")
    orphaned = []
    for height in range(0, 1000, 40):
        page.evaluate(f"document.getElementById('spacer').style.height = '{height}px'")
        texts = _pages(page.pdf(format="A4", prefer_css_page_size=True), tmp_path)
        (at,) = [i for i, t in enumerate(texts) if "Nơi nhận:" in t]
        if not all(word in texts[at] for word in (head, tail, signer)):
            orphaned.append(height)
        assert sum(t.count(signer) for t in texts) >= 1
    assert not orphaned, f"the end splits from its last paragraph at spacer heights {orphaned}"
