"""The cluster year's page (issue 24, clusters): a member's head confirms the pact, its
staff scores the unit (a score above the maximum is refused with its reason, nothing
saved), its head sends the sheet; an outsider's unit sees no such year."""
from app.extensions import db
from app.models import User
from app.services import clusters
from tests import helpers
from tests.web.test_views import csrf_of, login


def test_a_member_confirms_the_pact_and_scores_itself_on_the_page(client, world):
    regular = helpers.make_year(world)
    u = world.users
    clusters.save_cluster(u["admin"], {"code": "CUM1", "name": "Cụm thi đua số 1",
                                       "kind": "cum", "members": ["SYT", "SNV"]})
    year = clusters.set_year(u["board_head"], "CUM1", {
        "campaign_id": regular.id, "leader": "SNV", "deputy": "SYT"})["id"]
    table = clusters.set_criteria(u["board_head"], year, [
        {"title": "Thực hiện nhiệm vụ chính trị", "max_points": 60},
        {"title": "Công tác thi đua, khen thưởng", "max_points": 40}])
    url = f"/cum-khoi/nam/{year}"

    login(client, "head_a")
    page = client.get("/cum-khoi").get_data(as_text=True)
    assert "Cụm thi đua số 1" in page and url in page
    page = client.get(url).get_data(as_text=True)
    assert "Xác nhận ký giao ước thi đua" in page and "novalidate" in page
    r = client.post(f"{url}/giao-uoc", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Đã xác nhận ký giao ước thi đua." in page and "Trần Văn Bình" in page
    assert "Xác nhận ký giao ước thi đua</button>" not in page
    assert "Tải giao ước thi đua (dự thảo) (DOCX)" in page  # SNV has not confirmed yet

    login(client, "staff_a")
    page = client.get(url).get_data(as_text=True)
    first, second = (c["id"] for c in table)
    over = client.post(f"{url}/diem", data={"csrf_token": csrf_of(page),
                                            f"points-{first}": "61", f"points-{second}": "30"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Vượt điểm tối đa 60 của tiêu chí." in over
    assert clusters.sheet_out(u["staff_a"], year, "SYT")["total"] == 0
    saved = client.post(f"{url}/diem", data={
        "csrf_token": csrf_of(page), f"points-{first}": "55,5", f"points-{second}": "30",
        f"note-{first}": "Báo cáo số 12/BC-SYT"}, follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu bảng tự chấm điểm." in saved and 'id="sheet-total">85,5<' in saved
    assert "Gửi bảng điểm tới cụm trưởng" not in saved  # the head sends it

    login(client, "head_a")
    page = client.get(url).get_data(as_text=True)
    r = client.post(f"{url}/gui-diem", data={"csrf_token": csrf_of(page)},
                    follow_redirects=True).get_data(as_text=True)
    assert "Đã gửi bảng điểm tới cụm trưởng." in r and "Lưu bảng tự chấm điểm" not in r
    assert clusters.sheet_out(u["head_a"], year, "SYT")["state"] == "submitted"
    r = client.get(f"{url}/van-ban/pact.docx")
    assert r.status_code == 200 and r.data[:2] == b"PK"

    # the leader's head (SNV's: the Board head's unit has no unit_head here) accepts it
    leader = User(username="head_snv", full_name="Thủ trưởng Sở Nội vụ",
                  password_hash=u["head_a"].password_hash, unit=world.units["SNV"])
    leader.set_roles(["unit_head"])
    db.session.add(leader)
    db.session.commit()
    login(client, "head_snv")
    page = client.get(url).get_data(as_text=True)
    r = client.post(f"{url}/xem-xet/SYT", data={"csrf_token": csrf_of(
        client.get(url).get_data(as_text=True))}, follow_redirects=True).get_data(as_text=True)
    assert "Chấp nhận bảng điểm SYT" in page and "Đã xem xét bảng điểm của SYT." in r
    assert clusters.sheet_out(leader, year, "SYT")["state"] == "reviewed"

    login(client, "head_b")  # PDK is in no cluster
    assert client.get(url).status_code == 404
    assert "Đơn vị chưa thuộc cụm, khối" in client.get("/cum-khoi").get_data(as_text=True)
