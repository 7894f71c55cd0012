"""Issue 20, item 3: the campaign's nominee list as printed (Chromium, print media and its
PDF) shows a struck nominee as struck, never with the decision's number and date."""
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests import helpers
from tests.services.test_spreadsheets import issued_decision


def test_the_printed_nominee_list_shows_her_struck(desk, world, tmp_path):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    number = decision.number_label
    page = desk.page("board_head", f"/campaigns/{campaign.id}/nominees")
    page.emulate_media(media="print")
    struck = page.locator("tbody tr", has_text="Lê Thị Bích")
    expect(struck.locator("td.outcome")).to_be_visible()
    expect(struck).to_contain_text("Bị loại khi phê duyệt")
    assert number not in struck.inner_text()
    expect(page.locator("tbody tr", has_text="Nguyễn Văn An")).to_contain_text(number)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is missing")
    pdf = tmp_path / "nominees.pdf"
    pdf.write_bytes(page.pdf(format="A4"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    # each printed row is a block of wrapped lines, the rows apart by an empty line
    (block,) = [b for b in re.split(r"\n\s*\n", text) if "Bích" in b]
    assert "Bị loại khi phê" in block and not re.search(r"\d+/QĐ-", block), block
    assert number in text  # her colleagues' rows carry it
