"""A cluster's papers (issue 24, item 6) pass the NĐ 30 structure checks: the pact (BẢN
GIAO ƯỚC THI ĐUA) with every member's confirmation, and the BIÊN BẢN of the vote, for the
test province and for a centrally-run city, whose papers say its name and never "tỉnh"."""
import hashlib
from datetime import date

import pytest

from app.services import clusters, documents, reference
from tests import helpers
from tests.docgen.structure import assert_formal, assert_letterhead, assert_title
from tests.docgen.support import after, open_docx, texts, utc_at
from tests.docgen.test_city import CITY_UNIT, city_award_names

ON = date(2027, 1, 12)
CLUSTER = "Cụm thi đua các sở, ngành số 1"
PROVINCES = {
    "tỉnh": ("ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "Lạng Sơn", "Ủy ban nhân dân tỉnh Lạng Sơn"),
    "thành phố": ("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", "Hải Phòng",
                  "Ủy ban nhân dân thành phố Hải Phòng"),
}


def _year_through_the_vote(world, campaign):
    u = world.users
    clusters.save_cluster(u["admin"], {"code": "CUM1", "name": CLUSTER, "kind": "cum",
                                       "members": ["SYT", "PDK"]})
    year = clusters.set_year(u["board_head"], "CUM1", {
        "campaign_id": campaign.id, "leader": "SYT", "deputy": "PDK", "flag_quota": 1})
    table = clusters.set_criteria(u["board_head"], year["id"], [
        {"title": "Thực hiện nhiệm vụ chính trị được giao", "max_points": 60,
         "evidence": "Báo cáo tổng kết năm"},
        {"title": "Công tác thi đua, khen thưởng", "max_points": "40.5"}])
    for head in ("head_a", "head_b"):
        clusters.confirm_pact(u[head], year["id"])
    for staff, head, points in (("staff_a", "head_a", (58, 38)), ("staff_b", "head_b", (50, 40))):
        clusters.save_scores(u[staff], year["id"], [
            {"criterion_id": c["id"], "points": p} for c, p in zip(table, points, strict=True)])
        clusters.submit_scores(u[head], year["id"])
    clusters.review_scores(u["head_a"], year["id"], "SYT", [])
    clusters.review_scores(u["head_a"], year["id"], "PDK", [
        {"criterion_id": table[1]["id"], "points": "39.5", "reason": "Thiếu minh chứng"}])
    clusters.record_votes(u["head_a"], year["id"], {"voters": 12, "entries": [
        {"unit": "SYT", "votes": 11, "proposal": "co"},
        {"unit": "PDK", "votes": 9, "proposal": "bang_khen"}]})
    return year["id"]


@pytest.mark.parametrize("locality", PROVINCES)
def test_the_pact_and_the_vote_in_nd30_form(world, api, frozen, locality):
    frozen(utc_at(ON))
    committee_line, place, committee = PROVINCES[locality]
    if locality == "thành phố":
        reference.import_reference(city_award_names())
        assert api("admin").patch("/api/v1/units/UBND", json=CITY_UNIT).status_code == 200
    campaign = helpers.make_year(world)
    year_id = _year_through_the_vote(world, campaign)
    place_date = f"{place}, ngày 12 tháng 01 năm 2027"
    closing = (["CỤM PHÓ", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG KINH", "Lộc Văn Hùng"],
               ["TM. CỤM THI ĐUA CÁC SỞ, NGÀNH", "CỤM TRƯỞNG", "GIÁM ĐỐC SỞ Y TẾ",
                "Trần Văn Bình"])

    r = api("head_b").get(f"/api/v1/cluster-years/{year_id}/papers/pact")
    assert r.status_code == 200 and r.mimetype == clusters.DOCX
    pact = open_docx(r.data)
    kept = documents.current(clusters.ITEM_TYPE, year_id, "pact")
    assert kept.sha256 == hashlib.sha256(r.data).hexdigest() and kept.size == len(r.data)
    assert kept.filename == "Giao ước thi đua 01-GƯTĐ-SYT 2027 - CUM1.docx"
    again = api("board_head").get(f"/api/v1/cluster-years/{year_id}/papers/pact")
    assert again.data == r.data  # the kept final, never regenerated
    again.close()
    r.close()
    assert_formal(pact)
    # final once every head has confirmed: numbered from the leader's «GƯTĐ» register, kept
    assert_letterhead(pact, (CLUSTER.upper(),), "Số: 01/GƯTĐ-SYT", place_date,
                      parent=committee_line)
    assert_title(pact, "BẢN GIAO ƯỚC THI ĐUA", "Năm 2027")
    assert after(pact, "I. CÁC ĐƠN VỊ THAM GIA GIAO ƯỚC", 3) == [
        "1. Ủy ban nhân dân phường Đông Kinh: Thủ trưởng Lộc Văn Hùng xác nhận ngày 12/01/2027;",
        "2. Sở Y tế: Thủ trưởng Trần Văn Bình xác nhận ngày 12/01/2027.",
        "Cụm trưởng năm 2027: Sở Y tế; cụm phó: Ủy ban nhân dân phường Đông Kinh."]
    assert after(pact, "II. NỘI DUNG GIAO ƯỚC VÀ THANG ĐIỂM", 2) == [
        "1. Thực hiện nhiệm vụ chính trị được giao (tối đa 60 điểm). Minh chứng: Báo cáo "
        "tổng kết năm.",
        "2. Công tác thi đua, khen thưởng (tối đa 40,5 điểm)."]
    left, right = pact.tables[1].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text.strip()] == closing[0]
    assert [p.text for p in right.paragraphs if p.text.strip()] == closing[1]
    assert any(x.startswith("Căn cứ Luật Thi đua, khen thưởng")
               and x.endswith(f"do {committee} ban hành;") for x in texts(pact))

    r = api("board_head").get(f"/api/v1/cluster-years/{year_id}/papers/vote")
    minutes = open_docx(r.data)
    assert documents.current(clusters.ITEM_TYPE, year_id, "vote").sha256 == hashlib.sha256(
        r.data).hexdigest()
    r.close()
    assert_formal(minutes)
    assert_letterhead(minutes, (CLUSTER.upper(),), "Số: 01/BB-SYT", place_date,
                      parent=committee_line)
    assert_title(minutes, "BIÊN BẢN", f"Họp suy tôn đơn vị dẫn đầu {CLUSTER} năm 2027")
    assert after(minutes, "I. KẾT QUẢ CHẤM ĐIỂM", 2) == [
        "1. Sở Y tế: 96 điểm;", "2. Ủy ban nhân dân phường Đông Kinh: 89,5 điểm."]
    assert after(minutes, "II. KẾT QUẢ SUY TÔN", 3) == [
        "Số đại biểu bỏ phiếu: 12. Cụm, khối được đề nghị tối đa 01 Cờ thi đua.",
        f"1. Sở Y tế: 11/12 phiếu, đề nghị tặng Cờ thi đua của {committee};",
        f"2. Ủy ban nhân dân phường Đông Kinh: 09/12 phiếu, đề nghị tặng Bằng khen của "
        f"Chủ tịch {committee}."]
    assert "Nơi nhận:" not in texts(minutes)
    if locality == "thành phố":
        assert not any("tỉnh" in x or "Lạng Sơn" in x
                       for x in texts(pact) + texts(minutes)), texts(minutes)

    # a paper before its time is a draft; an unknown paper is a 404; an outsider sees none
    assert api("staff_a").get(f"/api/v1/cluster-years/{year_id}/papers/x").status_code == 404
    assert api("appraiser").get(f"/api/v1/cluster-years/{year_id}/papers/vote").status_code == 200


def test_a_vote_recorded_again_is_a_new_numbered_biên_bản(world, api):
    campaign = helpers.make_year(world)
    year_id = _year_through_the_vote(world, campaign)
    first = documents.current(clusters.ITEM_TYPE, year_id, "vote")
    clusters.record_votes(world.users["head_a"], year_id, {"voters": 12, "entries": [
        {"unit": "PDK", "votes": 10, "proposal": "co"}]})
    r = api("board_head").get(f"/api/v1/cluster-years/{year_id}/papers/vote")
    lines = texts(open_docx(r.data))
    r.close()
    assert "Số: 02/BB-SYT" in " ".join(lines)
    db_first = documents.db.session.get(type(first), first.id)
    assert db_first.superseded_at is not None
    # the pact keeps its one number
    r = api("board_head").get(f"/api/v1/cluster-years/{year_id}/papers/pact")
    assert "Số: 01/GƯTĐ-SYT" in " ".join(texts(open_docx(r.data)))
    r.close()
