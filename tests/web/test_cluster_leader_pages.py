"""The cluster pages that were API-only (issue 24, clusters): the leader's head reviews the
members' sheets (a line adjusted only with its reason), records the biên bản suy tôn (the
Cờ quota enforced), the leader's staff puts the voted units into its dossier; the admin and
the Board head keep the clusters, their members, years and scoring tables. Every refusal
says why in Vietnamese and changes nothing; who is not the leader or a manager gets
403/404."""
import re

import pytest

from app.extensions import db
from app.models import ClusterMember, Dossier, Unit
from app.services import clusters
from tests import helpers
from tests.scale.test_statement_counts import counting
from tests.web.test_views import csrf_of, login

CRITERIA = [{"title": "Thực hiện nhiệm vụ chính trị", "max_points": 60},
            {"title": "Công tác thi đua, khen thưởng", "max_points": 40}]


def _scored(world, members=("SYT", "PDK"), quota=1):
    """CUM1 of the year, SYT leading; SYT and PDK scored and sent."""
    u = world.users
    regular = helpers.make_year(world)
    clusters.save_cluster(u["admin"], {"code": "CUM1", "name": "Cụm thi đua số 1",
                                       "kind": "cum", "members": list(members)})
    year = clusters.set_year(u["board_head"], "CUM1", {
        "campaign_id": regular.id, "leader": "SYT", "flag_quota": quota})["id"]
    table = clusters.set_criteria(u["board_head"], year, CRITERIA)
    for staff, head, points in (("staff_a", "head_a", (55, 35)), ("staff_b", "head_b", (50, 30))):
        if world.users[staff].unit.code in members:
            clusters.save_scores(u[staff], year, [{"criterion_id": c["id"], "points": p}
                                                  for c, p in zip(table, points, strict=True)])
            clusters.submit_scores(u[head], year)
    return regular, year, [c["id"] for c in table]


def _page(client, url):
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def test_the_leader_reviews_votes_and_proposes_on_the_pages(client, world):
    regular, year, (first, second) = _scored(world)
    u = world.users
    url = f"/cum-khoi/nam/{year}"

    login(client, "head_a")
    page = _page(client, url)
    assert "Xem xét, điều chỉnh bảng điểm PDK" in page
    assert "Ghi biên bản suy tôn sau khi đã xem xét bảng điểm của mọi thành viên." in page
    sheet = _page(client, f"{url}/bang-diem/PDK")
    assert "Xác nhận đã xem xét" in sheet and 'id="sheet-total">80<' in sheet
    token = csrf_of(sheet)

    def review(**fields):
        return client.post(f"{url}/xem-xet/PDK", data={
            "csrf_token": token, f"position-{first}": "1", f"position-{second}": "2", **fields})

    # an adjusted line without its reason, a reason without a figure, above the maximum:
    # each refused, the typed figure shown again, the sheet unchanged
    for fields, said in (
            ({f"adjusted-{first}": "45"}, "Điều chỉnh điểm phải nêu lý do."),
            ({f"reason-{second}": "Thiếu minh chứng"},
             "«Tiêu chí 2»: có lý do điều chỉnh nhưng chưa ghi điểm điều chỉnh."),
            ({f"adjusted-{first}": "61", f"reason-{first}": "x"}, "Vượt điểm tối đa 60"),
            ({f"adjusted-{first}": "abc", f"reason-{first}": "x"},
             "«Điểm điều chỉnh tiêu chí 1»: phải là số")):
        r = review(**fields)
        body = r.get_data(as_text=True)
        assert r.status_code == 422 and said in body, (fields, body[:200])
        assert "bảng điểm không thay đổi" in body
        for value in fields.values():
            assert f'value="{value}"' in body
        shown = clusters.sheet_out(u["head_a"], year, "PDK")
        assert shown["state"] == "submitted"
        assert [line["adjusted_points"] for line in shown["lines"]] == [None, None]

    r = review(**{f"adjusted-{first}": "45,5", f"reason-{first}": "Báo cáo thiếu số liệu quý IV"})
    assert r.status_code == 302
    shown = clusters.sheet_out(u["head_a"], year, "PDK")
    assert shown["state"] == "reviewed" and float(shown["total"]) == 75.5
    assert shown["lines"][0]["adjust_reason"] == "Báo cáo thiếu số liệu quý IV"
    sheet = _page(client, f"{url}/bang-diem/PDK")
    assert "Báo cáo thiếu số liệu quý IV" in sheet and "Xác nhận đã xem xét" not in sheet
    # SYT's own sheet accepted as it is, with the row's button
    page = _page(client, url)
    r = client.post(f"{url}/xem-xet/SYT", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 302
    page = _page(client, url)
    assert 'id="vote-form"' in page
    # the vote form lists the members in rank order: SYT 90, PDK 75,5
    assert page.index("proposal-SYT") < page.index("proposal-PDK")

    # two Cờ for a quota of one: refused, nothing recorded, the choices shown again
    r = client.post(f"{url}/suy-ton", data={
        "csrf_token": csrf_of(page), "voters": "5", "proposal-SYT": "co", "votes-SYT": "5",
        "proposal-PDK": "co", "votes-PDK": "4"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Cụm, khối chỉ được đề nghị 1 Cờ thi đua; biên bản đề nghị 2." in body
    assert re.search(r'id="proposal-PDK".*?<option value="co" selected>', body, re.S)
    assert clusters.votes_out(u["head_a"], year)["entries"] == []
    # more votes than voters, and a proposed unit without its votes
    for fields, said in (({"votes-SYT": "6"}, "Số phiếu không vượt số người bỏ phiếu."),
                         ({"votes-SYT": ""}, "«Số phiếu của SYT»: chưa ghi số phiếu.")):
        r = client.post(f"{url}/suy-ton", data={
            "csrf_token": csrf_of(page), "voters": "5", "proposal-SYT": "co", **fields})
        assert r.status_code == 422 and said in r.get_data(as_text=True)
        assert clusters.votes_out(u["head_a"], year)["entries"] == []
    r = client.post(f"{url}/suy-ton", data={
        "csrf_token": csrf_of(page), "voters": "5", "proposal-SYT": "co", "votes-SYT": "5",
        "proposal-PDK": "bang_khen", "votes-PDK": "4"})
    assert r.status_code == 302
    votes = clusters.votes_out(u["head_a"], year)["entries"]
    assert [(v["unit"], v["votes"], v["proposal"]) for v in votes] == [
        ("SYT", 5, "co"), ("PDK", 4, "bang_khen")]
    page = _page(client, url)
    assert 'id="cluster-votes"' in page and "5/5" in page
    # the head sees the dossier's link but not the staff's proposal button
    assert 'id="leader-dossier"' in page
    assert "Đưa các đơn vị được suy tôn vào hồ sơ đề nghị" not in page

    login(client, "staff_a")
    page = _page(client, url)
    assert 'id="vote-form"' not in page and "Đưa các đơn vị được suy tôn vào hồ sơ đề nghị" in page
    dossier = db.session.scalars(db.select(Dossier).join(Unit, Unit.id == Dossier.unit_id).where(
        Dossier.campaign_id == regular.id, Unit.code == "SYT")).one()
    assert f'href="/dossiers/{dossier.id}" id="leader-dossier"' in page
    r = client.post(f"{url}/de-nghi", data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "Đã đưa các đơn vị được suy tôn vào hồ sơ đề nghị khen thưởng của đơn vị." in body
    assert 'id="proposal-done"' in body
    db.session.expire_all()
    nominees = sorted((n.name, n.award_form.code) for n in dossier.nominees)
    assert nominees == [("Sở Y tế", "CTDT"), ("Ủy ban nhân dân phường Đông Kinh", "BKCT")]
    # twice: refused (409 page), the dossier unchanged
    r = client.post(f"{url}/de-nghi", data={"csrf_token": csrf_of(body)})
    assert r.status_code == 409
    db.session.expire_all()
    assert len(dossier.nominees) == 2


def test_only_the_leader_reviews_votes_and_proposes(client, world):
    _, year, (first, _) = _scored(world)
    url = f"/cum-khoi/nam/{year}"
    login(client, "head_b")  # PDK: a member, not the leader
    page = _page(client, url)
    assert 'id="vote-heading"' not in page and "Xem xét, điều chỉnh" not in page
    assert "Lập bảng tiêu chí" not in page and "Quản lý cụm" not in page
    token = csrf_of(page)
    assert client.get(f"{url}/bang-diem/SYT").status_code == 404  # another member's sheet
    assert _page(client, f"{url}/bang-diem/PDK")  # its own, read only
    r = client.post(f"{url}/xem-xet/SYT", data={"csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"{url}/suy-ton", data={"csrf_token": token, "voters": "2",
                                            "proposal-PDK": "co", "votes-PDK": "2"})
    assert r.status_code == 403
    r = client.post(f"{url}/tieu-chi", data={"csrf_token": token, "title-1": "X", "max-1": "5"})
    assert r.status_code == 403
    login(client, "staff_b")
    r = client.post(f"{url}/de-nghi", data={"csrf_token": csrf_of(_page(client, url))})
    assert r.status_code == 403
    assert clusters.sheet_out(world.users["head_a"], year, "SYT")["state"] == "submitted"
    assert clusters.votes_out(world.users["head_a"], year)["entries"] == []
    # the leader's staff reviews nothing (the head does)
    login(client, "staff_a")
    r = client.post(f"{url}/xem-xet/PDK", data={
        "csrf_token": csrf_of(_page(client, url)), f"adjusted-{first}": "1", f"reason-{first}": "x"})
    assert r.status_code == 403
    # the Board reads every sheet, reviews none
    login(client, "appraiser")
    assert "Xác nhận đã xem xét" not in _page(client, f"{url}/bang-diem/PDK")


def test_a_unit_outside_the_cluster_sees_nothing_of_it(client, world):
    _, year, _ = _scored(world, members=("SYT", "SNV"))
    url = f"/cum-khoi/nam/{year}"
    login(client, "staff_b")  # PDK is in no cluster
    token = csrf_of(_page(client, "/cum-khoi"))
    for path in (url, f"{url}/bang-diem/SYT", f"{url}/bang-diem/PDK"):
        assert client.get(path).status_code == 404, path
    for path, data in ((f"{url}/de-nghi", {}), (f"{url}/xem-xet/SYT", {}),
                       (f"{url}/suy-ton", {"voters": "1", "proposal-SYT": "co", "votes-SYT": "1"})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code in (403, 404)


@pytest.mark.parametrize("who, status", [
    ("staff_a", 403), ("head_a", 403), ("appraiser", 403), ("chairman", 403), ("clerk", 403),
    ("board_head", 200), ("admin", 200)])
def test_only_the_admin_and_the_board_head_manage_clusters(client, world, who, status):
    clusters.save_cluster(world.users["admin"], {"code": "CUM1", "name": "Cụm thi đua số 1",
                                                 "kind": "cum", "members": ["SYT"]})
    login(client, who)
    assert client.get("/cum-khoi/quan-ly").status_code == status
    assert client.get("/cum-khoi/quan-ly/CUM1").status_code == status
    if status == 403:
        token = csrf_of(_page(client, "/cum-khoi"))
        for path, data in (("/cum-khoi/quan-ly", {"code": "X", "name": "X", "kind": "cum"}),
                           ("/cum-khoi/quan-ly/CUM1/thanh-vien", {"add": "PDK"}),
                           ("/cum-khoi/quan-ly/CUM1", {"name": "Y", "kind": "khoi"})):
            assert client.post(path, data={"csrf_token": token, **data}).status_code == 403
        assert clusters.get_cluster("CUM1")["members"] == [{"code": "SYT", "name": "Sở Y tế"}]
        assert [c["code"] for c in clusters.list_clusters()] == ["CUM1"]
        assert "Quản lý cụm, khối" not in _page(client, "/cum-khoi")
    else:
        assert "Quản lý cụm, khối và phân công năm thi đua" in _page(client, "/cum-khoi")


def test_the_admin_keeps_a_cluster_its_members_year_and_table_on_the_pages(client, world):
    regular = helpers.make_year(world)
    clusters.save_cluster(world.users["admin"], {"code": "CUM9", "name": "Cụm thi đua số 9",
                                                 "kind": "cum", "members": ["PDK"]})
    login(client, "admin")
    page = _page(client, "/cum-khoi/quan-ly")
    token = csrf_of(page)
    r = client.post("/cum-khoi/quan-ly", data={"csrf_token": token, "code": "CUM1",
                                               "name": "Cụm thi đua các sở số 1", "kind": "cum"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/cum-khoi/quan-ly/CUM1")
    # the same code again: refused, the existing cluster untouched
    r = client.post("/cum-khoi/quan-ly", data={"csrf_token": token, "code": "CUM1",
                                               "name": "Khác", "kind": "khoi"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "Đã có cụm, khối mã «CUM1»" in body and 'value="Khác"' in body
    assert clusters.get_cluster("CUM1")["name"] == "Cụm thi đua các sở số 1"
    r = client.post("/cum-khoi/quan-ly", data={"csrf_token": token, "code": "",
                                               "name": "", "kind": "cum"})
    assert r.status_code == 422 and "«Mã cụm, khối»" in r.get_data(as_text=True)

    # no unit listed until searched for; a search finds by code or name, and says which
    # cụm a unit is already in
    page = _page(client, "/cum-khoi/quan-ly/CUM1")
    assert 'id="unit-choices"' not in page
    page = _page(client, "/cum-khoi/quan-ly/CUM1?q=Đông kinh")
    assert "Cụm thi đua số 9 (CUM9)" in page
    page = _page(client, "/cum-khoi/quan-ly/CUM1?q=SYT")
    assert 'name="add" value="SYT"' in page and 'value="PDK"' not in page
    members = "/cum-khoi/quan-ly/CUM1/thanh-vien"
    r = client.post(members, data={"csrf_token": token, "add": ["SYT", "PDK"]},
                    follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "Mỗi đơn vị chỉ thuộc một cụm thi đua: PDK đã thuộc «Cụm thi đua số 9»." in body
    assert clusters.get_cluster("CUM1")["members"] == []
    r = client.post(members, data={"csrf_token": token, "add": ["SYT", "SNV"]},
                    follow_redirects=True)
    assert "Đã thêm 2 đơn vị." in r.get_data(as_text=True)
    assert [m["code"] for m in clusters.get_cluster("CUM1")["members"]] == ["SNV", "SYT"]
    r = client.post(members, data={"csrf_token": token}, follow_redirects=True)
    assert "Chưa chọn đơn vị nào để thêm hoặc bỏ." in r.get_data(as_text=True)
    # the members' own search
    page = _page(client, "/cum-khoi/quan-ly/CUM1?mq=y tế")
    assert 'id="remove-SYT"' in page and 'id="remove-SNV"' not in page

    # a year: the deputy cannot be the leader; then SYT leads, SNV deputises, two Cờ
    page = _page(client, "/cum-khoi/quan-ly/CUM1")
    assert f'<option value="{regular.id}">' in page
    r = client.post("/cum-khoi/quan-ly/CUM1/nam", data={
        "csrf_token": token, "campaign_id": regular.id, "leader": "SYT", "deputy": "SYT",
        "flag_quota": "2"}, follow_redirects=True)
    assert "Cụm phó phải khác cụm trưởng." in r.get_data(as_text=True)
    assert clusters.years(world.users["admin"]) == []
    r = client.post("/cum-khoi/quan-ly/CUM1/nam", data={
        "csrf_token": token, "campaign_id": regular.id, "leader": "SYT", "deputy": "SNV",
        "flag_quota": "2"})
    assert r.status_code == 302
    year = clusters.years(world.users["admin"])[0]
    assert (year["leader"], year["deputy"], year["flag_quota"]) == ("SYT", "SNV", 2)
    assert r.headers["Location"].endswith(f"/cum-khoi/nam/{year['id']}")
    # the leader cannot leave the cluster while it leads a year
    r = client.post(members, data={"csrf_token": token, "remove": "SYT"})
    assert r.status_code == 409
    assert len(clusters.get_cluster("CUM1")["members"]) == 2

    # the scoring table on the year's page: blank lines dropped, a line without its
    # maximum refused (nothing saved), then saved whole
    url = f"/cum-khoi/nam/{year['id']}"
    page = _page(client, url)
    assert 'id="criteria-form"' in page and 'id="year-form"' in page
    r = client.post(f"{url}/tieu-chi", data={"csrf_token": token, "title-1": "Nhiệm vụ chính trị",
                                             "max-1": "60", "title-2": "Công tác thi đua",
                                             "max-2": "", "title-3": "", "max-3": ""})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "«Điểm tối đa dòng 2»: chưa ghi điểm tối đa." in body
    assert "Công tác thi đua</textarea>" in body
    assert clusters.criteria(year["id"]) == []
    r = client.post(f"{url}/tieu-chi", data={
        "csrf_token": token, "title-1": "Nhiệm vụ chính trị", "max-1": "60",
        "evidence-1": "Báo cáo tổng kết", "title-2": "Công tác thi đua", "max-2": "40",
        "title-3": "", "max-3": "", "evidence-3": ""})
    assert r.status_code == 302
    table = clusters.criteria(year["id"])
    assert [(c["title"], float(c["max_points"]), c["evidence"]) for c in table] == [
        ("Nhiệm vụ chính trị", 60.0, "Báo cáo tổng kết"), ("Công tác thi đua", 40.0, "")]
    # the year's quota changed from its page
    r = client.post("/cum-khoi/quan-ly/CUM1/nam", data={
        "csrf_token": token, "campaign_id": regular.id, "year_id": year["id"], "back": "year",
        "leader": "SYT", "deputy": "", "flag_quota": "1"})
    assert r.status_code == 302
    shown = clusters.years(world.users["admin"])[0]
    assert (shown["deputy"], shown["flag_quota"]) == (None, 1)
    # once a member has sent its sheet the table is locked: refused, unchanged
    u = world.users
    clusters.save_scores(u["staff_a"], year["id"], [
        {"criterion_id": c["id"], "points": 10} for c in table])
    clusters.submit_scores(u["head_a"], year["id"])
    page = _page(client, url)
    assert 'id="criteria-locked"' in page and 'id="criteria-form"' not in page
    r = client.post(f"{url}/tieu-chi", data={"csrf_token": token, "title-1": "Khác", "max-1": "5"})
    assert r.status_code == 422
    assert "Đã có thành viên gửi điểm: không sửa được bảng tiêu chí." in r.get_data(as_text=True)
    assert len(clusters.criteria(year["id"])) == 2

    # name and kind: CUM1 turned into a khối keeps its members
    r = client.post("/cum-khoi/quan-ly/CUM9", data={"csrf_token": token,
                                                    "name": "Khối các phường", "kind": "khoi"})
    assert r.status_code == 302
    assert clusters.get_cluster("CUM9")["kind"] == "khoi"
    assert db.session.scalar(db.select(ClusterMember.kind).join(Unit).where(
        Unit.code == "PDK")) == "khoi"


def test_the_cluster_list_is_paged_searched_and_costs_the_same_at_any_size(client, world):
    admin = world.users["admin"]
    for i in range(55):
        clusters.save_cluster(admin, {"code": f"K{i:02d}", "name": f"Khối thi đua ngành {i:02d}",
                                      "kind": "khoi" if i % 2 else "cum", "members": []})
    login(client, "board_head")
    page = _page(client, "/cum-khoi/quan-ly")
    assert "55 cụm, khối" in page and "Trang 1 / 2" in page
    assert page.count('href="/cum-khoi/quan-ly/K') == 50
    page = _page(client, "/cum-khoi/quan-ly?page=2")
    assert page.count('href="/cum-khoi/quan-ly/K') == 5
    page = _page(client, "/cum-khoi/quan-ly?q=ngành 1&kind=khoi")
    assert "5 cụm, khối" in page  # 11, 13, 15, 17, 19
    # the list and the unit search: the same statements for few and many
    counts = []
    for extra in (0, 30):
        for i in range(extra):
            db.session.add(Unit(code=f"X{i:02d}", name=f"Đơn vị X{i:02d}", kind="department"))
        db.session.commit()
        with counting() as seen:
            clusters.clusters_page("ngành", None)
            clusters.unit_choices("K00", "Đơn vị")
            clusters.members_page("K00", None)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 8, counts


def test_the_leaders_page_costs_the_same_for_few_and_many_members(client, world):
    """The year's page as the leader's head sees it (members, sheet, ranking for the vote,
    the vote, the dossier): the same statements for 2 members and for 2 + 12."""
    _, year, _ = _scored(world)
    login(client, "head_a")
    url = f"/cum-khoi/nam/{year}"
    client.get(url)  # warms what is cached once
    counts = []
    for extra in (0, 12):
        codes = [f"M{i:02d}" for i in range(extra)]
        for code in codes:
            db.session.add(Unit(code=code, name=f"Đơn vị {code}", kind="department"))
        db.session.commit()
        clusters.save_cluster(world.users["admin"], {
            "code": "CUM1", "name": "Cụm thi đua số 1", "kind": "cum",
            "members": ["SYT", "PDK", *codes]})
        with counting() as seen:
            page = _page(client, url)
        assert page.count("Chấp nhận bảng điểm") == 2
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
