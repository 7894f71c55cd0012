"""Issue 22 #12, the details that are layout: the dashboard's bar-chart labels stay inside
their picture at 1366 and 390 px, and the outline buttons («Bảng tiến độ», «Trả lại…») read
as live actions (dark text, a visible border), not as disabled ones."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import helpers
from tests.browser.support import DESKTOP, PHONE
from tests.services.test_spreadsheets import issued_decision, make_award

LONG_UNIT = ("Trung tâm Kiểm soát bệnh tật và Phòng chống dịch bệnh truyền nhiễm "
             "khu vực biên giới phía Bắc")

# WCAG's relative luminance and contrast ratio of two computed "rgb(…)" colours.
CONTRAST = """([a, b]) => {
  const rgb = c => { const v = c.match(/[\\d.]+/g).map(Number);  // transparent: the white page
    return v.length > 3 && v[3] === 0 ? [255, 255, 255] : v.slice(0, 3); };
  const lum = c => { const [r, g, bl] = rgb(c).map(v => {
      v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05); }"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_the_chart_labels_are_not_cut_on_the_left(desk, world, viewport):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    record = make_award(world, year=decision.issued_on.year, unit=None, name="Người nhập trước")
    record.unit_name = LONG_UNIT
    db.session.commit()
    page = desk.page("board_head", f"/tong-quan?campaign={campaign.id}"
                                   f"&year={decision.issued_on.year}")
    page.set_viewport_size(viewport)
    page.reload()
    labels = page.locator("svg.chart-svg text.chart-label")
    assert labels.count() >= 8
    # every label inside its picture: its box starts at or right of the SVG's left edge
    outside = page.evaluate("""() => [...document.querySelectorAll('svg.chart-svg')]
      .flatMap(svg => { const edge = svg.getBoundingClientRect().left;
        return [...svg.querySelectorAll('text.chart-label')].filter(t =>
          t.getBBox().x < 0 || t.getBoundingClientRect().left < edge - 0.5)
          .map(t => t.textContent); })""")
    assert outside == [], outside
    # the long unit's name is shown whole or wrapped on two lines, never cut at its start
    long_label = page.locator("#year-units-caption ~ svg text.chart-label",
                              has_text="Trung tâm Kiểm soát")
    expect(long_label).to_have_count(1)
    assert long_label.locator("tspan").count() == 2
    assert long_label.locator("tspan").first.text_content().startswith("Trung tâm Kiểm soát")
    assert not desk.problems, desk.problems


def test_outline_buttons_read_as_live_actions(desk, world):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    checks = []
    dashboard = desk.page("board_head", f"/tong-quan?campaign={campaign.id}")
    checks.append(dashboard.get_by_role("link", name="Bảng tiến độ"))
    item = desk.page("head_a", f"/plans/{plan.id}")
    back = item.locator("button[data-tone='back']").first
    expect(back).to_contain_text("Trả lại")
    checks.append(back)
    for button in checks:
        style = button.evaluate("""e => { const s = getComputedStyle(e);
          return {color: s.color, bg: s.backgroundColor, border: s.borderTopColor,
                  opacity: s.opacity}; }""")
        assert style["opacity"] == "1", style
        text = button.page.evaluate(CONTRAST, [style["color"], style["bg"]])
        edge = button.page.evaluate(CONTRAST, [style["border"], "rgb(255, 255, 255)"])
        # dark text (beyond AA's 4.5:1) and a border a control can be seen by
        assert text >= 7 and edge >= 4.5, (style, text, edge)
    assert not desk.problems, desk.problems
