"""Issue 23: the Office watches, on the decision page in Chromium, each recipient's status
of the decision's edXML package arrive from the stand-in axis by callback (01 Đã đến, 03
Đã tiếp nhận, 06 Hoàn thành), each with the time the recipient stated it."""
import re

import pytest
from playwright.sync_api import expect

from app.delivery.exchange import deliver_packages
from app.services import esigning
from tests.axis import StandInAxis
from tests.exchange.support import ORGANS, issued_decision
from tests.signing.support import DEPUTY, UBND_NAME, DemoSet

STEPS = ("01 – Đã đến", "03 – Đã tiếp nhận", "06 – Hoàn thành")
WHEN = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")


@pytest.fixture
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


@pytest.fixture
def axis(app, demo, live_server, monkeypatch):
    stand_in = StandInAxis()
    for key, value in {**stand_in.config(), **demo.config(), "EDXML_MODE": "direct",
                       "EDXML_SYSTEM_ORGAN_ID": "000.00.99.H29",
                       "EXCHANGE_POLL_SECONDS": 0}.items():
        monkeypatch.setitem(app.config, key, value)
    esigning._VERIFIED.clear()
    stand_in.callback_url = live_server + "/api/v1/exchange/statuses"
    yield stand_in
    stand_in.stop()


def test_each_recipients_01_03_and_06_appear_on_the_decision_page(desk, world, demo, axis):
    decision = issued_decision(world, demo)
    assert deliver_packages()["sent"] == len(ORGANS)
    axis.schedule = {"*": ["01", "03", "06"]}

    clerk = desk.page("clerk", f"/decisions/{decision.id}")
    panel = clerk.locator("#exchange-receipts")
    expect(panel.get_by_role("heading")).to_have_text("Gửi văn bản điện tử qua trục liên thông")
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(len(ORGANS))
    for organ in ORGANS:
        row = panel.locator(f'tr[data-organ="{organ}"]')
        expect(row).to_contain_text("Đã gửi lên trục")
        expect(row.locator(".receipt-status")).to_have_text("Chưa có phản hồi")

    for step in STEPS:
        axis.advance()  # every recipient's next status, by callback to the running app
        assert set(axis.callback_answers[-len(ORGANS):]) == {200}
        clerk.reload()
        for organ in ORGANS:
            row = panel.locator(f'tr[data-organ="{organ}"]')
            expect(row.locator(".receipt-status")).to_have_text(step)
            expect(row.locator("td").nth(4)).to_have_text(WHEN)
