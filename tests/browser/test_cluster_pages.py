"""Issue 24 (clusters), in Chromium: the leader unit's main page — its head reviews the
members' sheets (an adjustment without its reason refused, then given), records the biên
bản suy tôn (two Cờ for a quota of one refused), its staff puts the voted units into the
unit's dossier and opens it; and the admin's cluster page — a cluster created, its members
found by search and added (a unit of another cụm refused), its year and scoring table."""
from playwright.sync_api import expect

from app.services import clusters
from tests import helpers
from tests.browser.support import refusals, saved, shot, submit


def _scored_cluster(world):
    u = world.users
    campaign = helpers.make_year(world)
    clusters.save_cluster(u["admin"], {"code": "CUM1", "name": "Cụm thi đua các sở, ngành số 1",
                                       "kind": "cum", "members": ["SYT", "PDK"]})
    year = clusters.set_year(u["board_head"], "CUM1", {
        "campaign_id": campaign.id, "leader": "SYT", "deputy": "PDK", "flag_quota": 1})["id"]
    table = clusters.set_criteria(u["board_head"], year, [
        {"title": "Thực hiện nhiệm vụ chính trị", "max_points": 60},
        {"title": "Công tác thi đua, khen thưởng", "max_points": 40}])
    for staff, head, points in (("staff_a", "head_a", (55, 35)), ("staff_b", "head_b", (50, 30))):
        clusters.save_scores(u[staff], year, [
            {"criterion_id": c["id"], "points": p} for c, p in zip(table, points, strict=True)])
        clusters.submit_scores(u[head], year)
    return year


def test_the_leader_reviews_votes_and_proposes(desk, world):
    _scored_cluster(world)
    page = desk.page("head_a", "/")
    submit(page, page.get_by_role("navigation").get_by_role("link", name="Cụm, khối"))
    submit(page, page.get_by_role("link", name="Cụm thi đua các sở, ngành số 1"))
    expect(page.locator("#vote-waits")).to_be_visible()

    # PDK's sheet: line 1 lowered without a reason → refused, the figure kept; then with it
    submit(page, page.get_by_role("link", name="Xem xét, điều chỉnh bảng điểm PDK"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bảng điểm của Ủy ban nhân dân phường Đông Kinh")
    page.get_by_label("Điểm điều chỉnh tiêu chí 1").fill("45")
    submit(page, page.get_by_role("button", name="Xác nhận đã xem xét"))
    expect(page.locator("#form-errors")).to_contain_text("Điều chỉnh điểm phải nêu lý do.")
    expect(page.get_by_label("Điểm điều chỉnh tiêu chí 1")).to_have_value("45")
    expect(page.locator("#sheet-state")).to_have_text("Đã gửi")
    page.get_by_label("Lý do điều chỉnh tiêu chí 1").fill("Thiếu minh chứng quý IV")
    shot(page, "cluster-review-sheet")
    submit(page, page.get_by_role("button", name="Xác nhận đã xem xét"))
    saved(page, "Đã xem xét bảng điểm của PDK.")
    # its own sheet accepted as it is
    submit(page, page.get_by_role("button", name="Chấp nhận bảng điểm SYT"))
    saved(page, "Đã xem xét bảng điểm của SYT.")

    # the vote, in rank order (SYT 90, PDK 75): two Cờ for a quota of one refused
    rows = page.locator("#vote-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Sở Y tế")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("75")
    page.get_by_label("Số người bỏ phiếu").fill("2")
    page.get_by_label("Đề nghị cho SYT").select_option(label="Cờ thi đua")
    page.get_by_label("Số phiếu của SYT").fill("2")
    page.get_by_label("Đề nghị cho PDK").select_option(label="Cờ thi đua")
    page.get_by_label("Số phiếu của PDK").fill("1")
    submit(page, page.get_by_role("button", name="Ghi biên bản suy tôn"))
    expect(page.locator("#form-errors")).to_contain_text(
        "Cụm, khối chỉ được đề nghị 1 Cờ thi đua; biên bản đề nghị 2.")
    expect(page.get_by_label("Số phiếu của PDK")).to_have_value("1")
    page.get_by_label("Đề nghị cho PDK").select_option(label="Bằng khen")
    submit(page, page.get_by_role("button", name="Ghi biên bản suy tôn"))
    saved(page, "Đã ghi biên bản suy tôn.")
    votes = page.locator("#cluster-votes tbody tr")
    expect(votes.nth(0)).to_contain_text("2/2")
    expect(votes.nth(1)).to_contain_text("Bằng khen")
    shot(page, "cluster-leader-vote")

    # the leader's staff: the proposal, then the dossier it went into
    page = desk.page("staff_a", "/cum-khoi")
    submit(page, page.get_by_role("link", name="Cụm thi đua các sở, ngành số 1"))
    submit(page, page.get_by_role("button", name="Đưa các đơn vị được suy tôn vào hồ sơ đề nghị"))
    saved(page, "Đã đưa các đơn vị được suy tôn vào hồ sơ đề nghị khen thưởng của đơn vị.")
    expect(page.locator("#proposal-done")).to_be_visible()
    submit(page, page.locator("#leader-dossier"))
    expect(page.locator("body")).to_contain_text("Được Cụm thi đua các sở, ngành số 1 suy tôn "
                                                 "(2/2 phiếu)")
    expect(page.locator("body")).to_contain_text("Ủy ban nhân dân phường Đông Kinh")
    assert not desk.problems, desk.problems


def test_the_admin_keeps_a_cluster(desk, world):
    campaign = helpers.make_year(world)
    clusters.save_cluster(world.users["admin"], {"code": "CUM9", "name": "Cụm thi đua các phường",
                                                 "kind": "cum", "members": ["PDK"]})
    page = desk.page("admin", "/cum-khoi")
    submit(page, page.get_by_role("link", name="Quản lý cụm, khối và phân công năm thi đua"))
    page.get_by_label("Mã", exact=True).fill("CUM1")
    page.get_by_label("Tên", exact=True).fill("Cụm thi đua các sở, ngành số 1")
    page.get_by_label("Loại", exact=True).last.select_option(label="Cụm thi đua")
    submit(page, page.get_by_role("button", name="Tạo", exact=True))
    saved(page, "Đã tạo cụm thi đua «Cụm thi đua các sở, ngành số 1»")

    page.get_by_label("Tìm đơn vị (mã hoặc tên)").fill("Sở")
    submit(page, page.get_by_role("button", name="Tìm đơn vị"))
    page.get_by_label("Thêm SYT").check()
    page.get_by_label("Thêm SNV").check()
    submit(page, page.get_by_role("button", name="Thêm các đơn vị đã chọn"))
    saved(page, "Đã thêm 2 đơn vị.")
    expect(page.locator("#cluster-members tbody tr")).to_have_count(2)
    # PDK is in another cụm: shown so, and refused when ticked (nothing changes)
    page.get_by_label("Tìm đơn vị (mã hoặc tên)").fill("Đông Kinh")
    submit(page, page.get_by_role("button", name="Tìm đơn vị"))
    expect(page.locator("#unit-choices")).to_contain_text("Cụm thi đua các phường (CUM9)")
    page.get_by_label("Thêm PDK").check()
    submit(page, page.get_by_role("button", name="Thêm các đơn vị đã chọn"))
    assert any("PDK đã thuộc «Cụm thi đua các phường»" in r for r in refusals(page)), \
        refusals(page)
    expect(page.locator("#cluster-members tbody tr")).to_have_count(2)
    shot(page, "cluster-admin")

    # the year: SYT leads, SNV deputises; then the scoring table on the year's page
    page.locator("#year-form").get_by_label("Năm thi đua").select_option(str(campaign.id))
    page.locator("#year-form").get_by_label("Cụm trưởng").select_option("SYT")
    page.locator("#year-form").get_by_label("Cụm phó").select_option("SNV")
    submit(page, page.locator("#year-form").get_by_role("button", name="Lưu"))
    saved(page, "Đã lưu cụm trưởng, cụm phó và số Cờ thi đua của năm.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cụm thi đua các sở, ngành số 1")
    page.get_by_label("Tiêu chí dòng 1").fill("Thực hiện nhiệm vụ chính trị được giao")
    page.get_by_label("Điểm tối đa dòng 1").fill("70")
    page.get_by_label("Minh chứng yêu cầu dòng 1").fill("Báo cáo tổng kết năm")
    page.get_by_label("Tiêu chí dòng 2").fill("Công tác thi đua, khen thưởng")
    submit(page, page.get_by_role("button", name="Lưu bảng tiêu chí"))
    expect(page.locator("#form-errors")).to_contain_text("«Điểm tối đa dòng 2»: chưa ghi")
    page.get_by_label("Điểm tối đa dòng 2").fill("30")
    submit(page, page.get_by_role("button", name="Lưu bảng tiêu chí"))
    saved(page, "Đã lưu bảng tiêu chí chấm điểm.")
    rows = page.locator("#cluster-criteria tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Báo cáo tổng kết năm")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("30")
    shot(page, "cluster-admin-year")
    assert not desk.problems, desk.problems
