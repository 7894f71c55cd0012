"""Clusters and blocks through the API (issue 24, item 6): three clusters of 4–6 units;
the year's leader and deputy; the pact confirmed by every member's head; scores entered,
sent, reviewed (one adjusted with its reason) and ranked in SQL; the vote with the Cờ
quota enforced; the proposal reaching the Board's appraisal as the leader's dossier. Each
refusal leaves nothing changed."""
import openpyxl
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import ClusterMember, ClusterScore, Dossier, Unit, User
from app.services import dossiers
from tests import helpers
from tests.conftest import PASSWORD_HASH
from tests.docgen.support import open_docx, texts

# cluster code -> (kind, members); SYT (staff_a, head_a) leads the first, PDK deputises.
CLUSTERS = {
    "CUM1": ("cum", ["SYT", "PDK", "SCT", "SXD", "STC"]),
    "CUM2": ("cum", ["SGT", "SKH", "STP", "SVH"]),
    "KHOI1": ("khoi", ["SYT", "XA1", "XA2", "XA3", "XA4", "XA5"]),
}
CRITERIA = [
    {"title": "Thực hiện nhiệm vụ chính trị được giao", "max_points": 50,
     "evidence": "Báo cáo tổng kết năm"},
    {"title": "Cải cách hành chính, chuyển đổi số", "max_points": 30},
    {"title": "Công tác thi đua, khen thưởng", "max_points": 20,
     "evidence": "Kế hoạch, giao ước"},
]
# each member of CUM1: its own points per criterion
OWN = {"SYT": (45, 28, 18), "PDK": (40, 25, 15), "SCT": (44, 27, 17), "SXD": (48, 26, 17),
       "STC": (30, 20, 10)}


def _province(world):
    """The units and their staff and heads that the clusters need beyond the small world."""
    for code in sorted({c for _, members in CLUSTERS.values() for c in members}):
        if code in world.units:
            continue
        unit = Unit(code=code, name=f"Sở {code}" if code.startswith("S") else f"UBND xã {code}",
                    kind="department" if code.startswith("S") else "commune",
                    parent=world.units["UBND"])
        db.session.add(unit)
        world.units[code] = unit
    for code in CLUSTERS["CUM1"][1][2:] + ["SGT"]:
        for role in ("unit_staff", "unit_head"):
            name = f"{role.split('_')[1]}_{code.lower()}"
            user = User(username=name, full_name=f"Thủ trưởng {code}" if role == "unit_head"
                        else f"Cán bộ {code}", password_hash=PASSWORD_HASH,
                        unit=world.units[code])
            user.set_roles([role])
            db.session.add(user)
            world.users[name] = user
    db.session.commit()


STAFF = {"SYT": "staff_a", "PDK": "staff_b"}
HEADS = {"SYT": "head_a", "PDK": "head_b"}


def staff(code):
    return STAFF.get(code, f"staff_{code.lower()}")


def head(code):
    return HEADS.get(code, f"head_{code.lower()}")


def test_a_clusters_year_from_the_pact_to_the_boards_appraisal(api, world):
    _province(world)
    admin, board = api("admin"), api("board_head")
    campaign = helpers.make_year(world)  # the regular-emulation year: SYT and PDK take part

    # the clusters, a unit in one cluster per kind (SYT is in a cụm and a khối)
    for code, (kind, members) in CLUSTERS.items():
        r = admin.post("/api/v1/clusters", json={"code": code, "name": f"Cụm thi đua {code}",
                                                 "kind": kind, "members": members})
        assert r.status_code == 201, r.get_json()
        assert [m["code"] for m in r.get_json()["members"]] == sorted(members)
    r = admin.post("/api/v1/clusters", json={"code": "CUM3", "name": "Cụm thi đua số 3",
                                             "kind": "cum", "members": ["SCT", "XA1"]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unit_in_other_cluster"
    assert "SCT đã thuộc «Cụm thi đua CUM1»" in r.get_json()["error"]["message"]
    assert api("staff_a").post("/api/v1/clusters", json={
        "code": "CUM3", "name": "X", "kind": "cum", "members": []}).status_code == 403
    assert len(api("staff_b").get("/api/v1/clusters").get_json()) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClusterMember)) == 15

    # the year's leader (cụm trưởng) and deputy (cụm phó): members, different
    year = {"cluster": "CUM1", "campaign_id": campaign.id, "leader": "SYT", "deputy": "PDK",
            "flag_quota": 1}
    for bad, field in (({"leader": "SGT"}, "leader"), ({"deputy": "SYT"}, "deputy")):
        r = board.post("/api/v1/cluster-years", json={**year, **bad})
        assert r.status_code == 422 and field in r.get_json()["error"]["details"]
    assert api("head_a").post("/api/v1/cluster-years", json=year).status_code == 403
    movement = helpers.make_campaign(world)  # a phong trào is not scored by clusters
    r = board.post("/api/v1/cluster-years", json={**year, "campaign_id": movement.id})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_regular"
    r = board.post("/api/v1/cluster-years", json=year)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    year_id = body["id"]
    assert (body["leader"], body["deputy"], body["flag_quota"]) == ("SYT", "PDK", 1)
    other = board.post("/api/v1/cluster-years", json={
        "cluster": "CUM2", "campaign_id": campaign.id, "leader": "SKH", "deputy": "SGT"})
    assert other.status_code == 201
    # a unit sees its own clusters' years, not another's
    assert [y["cluster"] for y in api("head_sgt").get(
        "/api/v1/cluster-years").get_json()] == ["CUM2"]
    assert api("head_sgt").get(f"/api/v1/cluster-years/{year_id}").status_code == 404

    r = board.put(f"/api/v1/cluster-years/{year_id}/criteria", json={"criteria": CRITERIA})
    assert r.status_code == 200 and [c["max_points"] for c in r.get_json()] == [50, 30, 20]
    criteria = [c["id"] for c in r.get_json()]

    # the pact: a draft (DỰ THẢO) until every member's head has confirmed it
    r = api("head_a").get(f"/api/v1/cluster-years/{year_id}/papers/pact")
    assert r.status_code == 200 and "DỰ THẢO" in texts(open_docx(r.data))
    r.close()
    # every member's head confirms; who and when are kept
    assert api("staff_a").post(f"/api/v1/cluster-years/{year_id}/pact").status_code == 403
    for code in CLUSTERS["CUM1"][1]:
        assert api(head(code)).post(f"/api/v1/cluster-years/{year_id}/pact").status_code == 200
    again = api("head_a").post(f"/api/v1/cluster-years/{year_id}/pact")
    assert again.status_code == 409
    members = board.get(f"/api/v1/cluster-years/{year_id}").get_json()["members"]
    assert all(m["pact_confirmed_at"] for m in members)
    assert {m["code"]: m["pact_confirmed_by"] for m in members}["SYT"] == "Trần Văn Bình"

    # scores: the staff drafts, above the maximum is refused, the head sends
    url = f"/api/v1/cluster-years/{year_id}"
    over = api("staff_a").put(f"{url}/scores", json={"scores": [
        {"criterion_id": criteria[0], "points": 51}]})
    assert over.status_code == 422 and over.get_json()["error"]["code"] == "invalid_score"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClusterScore)) == 0
    r = api("staff_a").put(f"{url}/scores", json={"scores": [
        {"criterion_id": criteria[0], "points": 45, "note": "Báo cáo số 12/BC-SYT"}]})
    assert r.status_code == 200 and r.get_json()["total"] == 45
    incomplete = api("head_a").post(f"{url}/scores/submit")
    assert incomplete.status_code == 422 and incomplete.get_json()["error"]["code"] == (
        "sheet_incomplete")
    for code, points in OWN.items():
        r = api(staff(code)).put(f"{url}/scores", json={"scores": [
            {"criterion_id": c, "points": p} for c, p in zip(criteria, points, strict=True)]})
        assert r.status_code == 200 and r.get_json()["total"] == sum(points)
        assert api(head(code)).post(f"{url}/scores/submit").status_code == 200
    late = api("staff_a").put(f"{url}/scores", json={"scores": [
        {"criterion_id": criteria[0], "points": 50}]})
    assert late.status_code == 409
    # the scoring table is fixed once sheets are sent
    assert board.put(f"{url}/criteria", json={"criteria": CRITERIA}).status_code == 409

    # scoping: a member sees its own sheet, not another's; the ranking waits for the review
    assert api("staff_b").get(f"{url}/sheets/SCT").status_code == 404
    assert api("staff_b").get(f"{url}/sheets/PDK").status_code == 200
    assert api("head_b").get(f"{url}/ranking").status_code == 403
    assert api("head_a").get(f"{url}/sheets/SCT").get_json()["state"] == "submitted"

    # the leader's head reviews; an adjustment needs its reason
    assert api("head_b").post(f"{url}/sheets/SCT/review", json={}).status_code == 403
    no_reason = api("head_a").post(f"{url}/sheets/SXD/review", json={"adjustments": [
        {"criterion_id": criteria[0], "points": 44, "reason": ""}]})
    assert no_reason.status_code == 422
    r = api("head_a").post(f"{url}/sheets/SXD/review", json={"adjustments": [
        {"criterion_id": criteria[0], "points": 44,
         "reason": "Chỉ tiêu thu hút đầu tư chưa đạt"}]})
    assert r.status_code == 200 and r.get_json()["total"] == 87
    assert r.get_json()["state"] == "reviewed"
    for code in ("SYT", "PDK", "SCT", "STC"):
        assert api("head_a").post(f"{url}/sheets/{code}/review", json={}).status_code == 200

    # the ranking: SYT 91; SCT and SXD tie at 88 and 87? no: SCT 88, SXD 87 after review
    ranking = board.get(f"{url}/ranking").get_json()
    assert [(i["rank"], i["unit"], i["total"]) for i in ranking["items"]] == [
        (1, "SYT", 91), (2, "SCT", 88), (3, "SXD", 87), (4, "PDK", 80), (5, "STC", 60)]
    assert ranking["total"] == 5
    page = board.get(f"{url}/ranking?page=2&per_page=2").get_json()
    assert [i["unit"] for i in page["items"]] == ["SXD", "PDK"]
    # now every sheet is reviewed, the members see the ranking
    assert api("head_b").get(f"{url}/ranking").status_code == 200

    # the vote: one Cờ at most (the cluster's setting), a Bằng khen beside it
    two_flags = api("head_a").put(f"{url}/votes", json={"voters": 5, "entries": [
        {"unit": "SYT", "votes": 5, "proposal": "co"},
        {"unit": "SCT", "votes": 4, "proposal": "co"}]})
    assert two_flags.status_code == 422
    assert two_flags.get_json()["error"]["code"] == "flag_quota"
    assert api("head_a").get(f"{url}/votes").get_json()["entries"] == []
    assert api("head_b").put(f"{url}/votes", json={"voters": 5, "entries": [
        {"unit": "SYT", "votes": 5, "proposal": "co"}]}).status_code == 403
    r = api("head_a").put(f"{url}/votes", json={"voters": 5, "entries": [
        {"unit": "SYT", "votes": 5, "proposal": "co"},
        {"unit": "SCT", "votes": 4, "proposal": "bang_khen"}]})
    assert r.status_code == 200, r.get_json()
    assert [(e["unit"], e["proposal"]) for e in r.get_json()["entries"]] == [
        ("SYT", "co"), ("SCT", "bang_khen")]

    # the proposal: the voted units enter the leader's dossier of the year ...
    assert api("head_a").post(f"{url}/proposal").status_code == 403
    r = api("staff_a").post(f"{url}/proposal")
    assert r.status_code == 201 and r.get_json()["nominees"] == 2
    assert api("staff_a").post(f"{url}/proposal").status_code == 409
    dossier = db.session.get(Dossier, r.get_json()["dossier_id"])
    assert {(n.name, n.award_form.code) for n in dossier.nominees} == {
        ("Sở Y tế", "CTDT"), ("Sở SCT", "BKCT")}
    assert "(5/5 phiếu)" in next(n for n in dossier.nominees
                                 if n.name == "Sở Y tế").achievement_summary

    # ... which goes the dossier's way to the Board's appraisal
    dossier = helpers.complete_dossier(world, campaign, nominees=[
        {"kind": "individual", "name": "Nguyễn Văn An", "title": "Ông",
         "position_title": "Trưởng phòng", "organisation": "SYT", "award_form": "BKCT",
         "votes_for": 8}])
    for n in dossier.nominees:
        if n.kind == "collective":  # its council confirms the cluster's proposal
            dossiers.update_nominee(world.users["staff_a"], dossier.id, n.id, {"votes_for": 9})
            dossiers.add_attachment(world.users["staff_a"], dossier.id, "bao_cao_thanh_tich",
                                    helpers.Upload(), nominee_id=n.id)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    flag = next(n for n in dossier.nominees if n.award_form.code == "CTDT")
    dossiers.set_verdict(world.users["appraiser"], dossier.id, flag.id, "accepted")
    seen = api("appraiser").get(f"/api/v1/dossiers/{dossier.id}").get_json()
    assert seen["state"] == "in_appraisal"
    assert {n["name"]: n["verdict"] for n in seen["nominees"]}["Sở Y tế"] == "accepted"


def test_the_ranking_costs_the_same_statements_at_any_size(api, world):
    """Ties share a rank and are ordered by unit code; the ranking is a fixed handful of
    statements whether the cluster has 4 members or 40."""
    from app.services import clusters

    campaign = helpers.make_year(world)
    counts = []
    for size in (4, 40):
        codes = [f"U{size}{i:02d}" for i in range(size)]
        for code in codes:
            db.session.add(Unit(code=code, name=f"Đơn vị {code}", kind="department"))
        db.session.commit()
        admin = world.users["admin"]
        clusters.save_cluster(admin, {"code": f"C{size}", "name": f"Cụm {size}", "kind": "cum",
                                      "members": codes})
        year = clusters.set_year(world.users["board_head"], f"C{size}", {
            "campaign_id": campaign.id, "leader": codes[0]})
        clusters.set_criteria(world.users["board_head"], year["id"], [
            {"title": "Tiêu chí", "max_points": 100}])
        criterion = clusters.criteria(year["id"])[0]["id"]
        unit_ids = dict(db.session.execute(sa.select(Unit.code, Unit.id).where(
            Unit.code.in_(codes))).all())
        from app.models import ScoreSheet

        for i, code in enumerate(codes):
            db.session.add(ClusterScore(criterion_id=criterion, unit_id=unit_ids[code],
                                        cluster_year_id=year["id"], points=50 + (i // 2),
                                        note=""))
            db.session.add(ScoreSheet(cluster_year_id=year["id"], unit_id=unit_ids[code],
                                      state="reviewed"))
        db.session.commit()
        seen = []

        def record(*args, seen=seen):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            out = clusters.ranking(world.users["board_head"], year["id"], 1, 200)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        counts.append(len(seen))
        items = out["items"]
        assert len(items) == size
        # the two last codes score highest and tie: same rank, ordered by code
        assert [(i["rank"], i["unit"]) for i in items[:2]] == [(1, codes[-2]), (1, codes[-1])]
        assert items[2]["rank"] == 3
    # the Excel list: the whole ranking, in the page's order
    name, data = clusters.ranking_xlsx(world.users["board_head"], year["id"])
    with data:
        sheet = openpyxl.load_workbook(data).worksheets[0]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert name == "Xếp hạng - C40.xlsx" and len(rows) == 40
    assert rows[0][:4] == (1, codes[-2], f"Đơn vị {codes[-2]}", 69)
    assert counts[0] == counts[1] <= 5, counts  # the user and its roles, the year, count, page
