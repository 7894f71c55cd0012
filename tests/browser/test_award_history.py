"""Issue 13 (acceptance): the Board finds a person by a name typed without diacritics and
opens their history, where two awards from two campaigns appear."""
from playwright.sync_api import expect

from tests import helpers
from tests.award_helpers import issue
from tests.browser.support import shot, submit


def test_find_a_person_without_diacritics_and_open_their_history(desk, world):
    first = helpers.make_campaign(world)
    issue(world, first, [helpers.appraised_dossier(world, first)])
    second = helpers.make_campaign(
        world, title="Phong trào thi đua đẩy mạnh chuyển đổi số trong cơ quan nhà nước")
    issue(world, second, [helpers.appraised_dossier(world, second)])

    page = desk.page("appraiser", "/")
    submit(page, page.get_by_role("link", name="Khen thưởng", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu khen thưởng")
    page.get_by_label("Họ tên cá nhân hoặc tên tập thể").fill("nguyen van an")
    submit(page, page.get_by_role("button", name="Tìm"))
    expect(page.locator("#result-count")).to_contain_text("Tìm thấy 1 tập thể, cá nhân")
    row = page.locator("#award-results tbody tr", has_text="Nguyễn Văn An")
    expect(row).to_contain_text("Sở Y tế")
    expect(row.locator("td").last).to_have_text("2")  # two awards
    shot(page, "award-search")

    submit(page, row.get_by_role("link", name="Ông Nguyễn Văn An"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ông Nguyễn Văn An")
    rows = page.locator("#award-history tbody tr")
    expect(rows).to_have_count(2)
    # newest first: the second decision, then the first, each with its campaign
    expect(rows.nth(0)).to_contain_text(second.title)
    expect(rows.nth(0)).to_contain_text("02/QĐ-UBND")
    expect(rows.nth(1)).to_contain_text(first.title)
    expect(rows.nth(1)).to_contain_text("01/QĐ-UBND")
    for i in range(2):
        expect(rows.nth(i)).to_contain_text("Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh")
        expect(rows.nth(i)).to_contain_text("Cấp tỉnh")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Khen thưởng")
    shot(page, "award-history")
    assert not desk.problems, desk.problems
