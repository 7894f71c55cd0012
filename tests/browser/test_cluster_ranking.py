"""Issue 24 (clusters): the Board opens a cluster's ranking from its dashboard and sees the
members ranked by their reviewed totals, equal totals sharing a rank, in unit-code order."""
from playwright.sync_api import expect

from app.services import clusters
from tests import helpers
from tests.browser.support import shot, submit


def _scored_cluster(world, campaign):
    u = world.users
    clusters.save_cluster(u["admin"], {"code": "CUM1", "name": "Cụm thi đua các sở, ngành số 1",
                                       "kind": "cum", "members": ["SYT", "PDK", "SNV"]})
    year = clusters.set_year(u["board_head"], "CUM1", {
        "campaign_id": campaign.id, "leader": "SYT", "deputy": "PDK", "flag_quota": 1})
    table = clusters.set_criteria(u["board_head"], year["id"], [
        {"title": "Thực hiện nhiệm vụ chính trị", "max_points": 60},
        {"title": "Công tác thi đua, khen thưởng", "max_points": 40}])
    for staff, head, points in (("staff_a", "head_a", (55, 35)), ("staff_b", "head_b", (50, 40))):
        clusters.save_scores(u[staff], year["id"], [
            {"criterion_id": c["id"], "points": p} for c, p in zip(table, points, strict=True)])
        clusters.submit_scores(u[head], year["id"])
    clusters.review_scores(u["head_a"], year["id"], "SYT", [])
    clusters.review_scores(u["head_a"], year["id"], "PDK", [])
    return year


def test_the_board_sees_a_clusters_ranking_from_its_dashboard(desk, world):
    campaign = helpers.make_year(world)
    _scored_cluster(world, campaign)
    page = desk.page("board_head", f"/tong-quan?campaign={campaign.id}")
    section = page.locator("section", has=page.get_by_role(
        "heading", name="Xếp hạng cụm, khối thi đua"))
    expect(section).to_contain_text("Cụm thi đua các sở, ngành số 1")
    submit(page, section.get_by_role("link", name="Xem xếp hạng"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Xếp hạng Cụm thi đua các sở, ngành số 1")
    rows = page.locator("#cluster-ranking tbody tr")
    expect(rows).to_have_count(3)
    # SYT and PDK both 90: rank 1 each, PDK first by code; SNV sent nothing: 0, rank 3
    expect(rows.nth(0)).to_contain_text("PDK")
    expect(rows.nth(1)).to_contain_text("SYT")
    for i, rank in enumerate(("1", "1", "3")):
        expect(rows.nth(i).locator("td").first).to_have_text(rank)
    expect(rows.nth(0).locator("td").nth(3)).to_have_text("90")
    expect(rows.nth(2)).to_contain_text("Đang soạn")
    expect(page.get_by_role("link", name="Tải Excel")).to_be_visible()
    shot(page, "cluster-ranking")
    assert not desk.problems, desk.problems
