"""Issue 24, items 3–5: the unit's year-end results, holds and initiatives as data, and the
eligibility rules (reference data with versions) that read them, each verdict with its
evidence: the acceptance lines of the issue, on the services, the API and the page."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import today
from app.extensions import db
from app.models import AwardRecord, Dossier, EligibilityRule
from app.services import awards, dossiers, eligibility, reference, yearend
from app.services.errors import Forbidden, Invalid
from tests import helpers
from tests.award_helpers import imported
from tests.web.test_views import login


def _decision(world, unit, form, year, people, number, kind="individual", who="staff_a"):
    return yearend.record_unit_decision(world.users[who], {
        "unit_id": world.units[unit].id, "award_form": form, "number": number,
        "decided_on": today() - timedelta(days=1), "signer": "Giám đốc Sở Y tế",
        "year": year, "subjects": [{"kind": kind, "name": p, "organisation": unit}
                                   for p in people]})


def _initiative(world, author, year, scope, n=1):
    return yearend.add_initiative(world.users["staff_a"], {
        "unit_id": world.units["SYT"].id, "title": f"Sáng kiến số {n} của {author}",
        "recognised_by": "Hội đồng sáng kiến tỉnh" if scope == "province" else "Giám đốc Sở Y tế",
        "decision_number": f"{n}/QĐ-HĐSK", "decided_on": today() - timedelta(days=2),
        "year": year, "scope": scope,
        "authors": [{"name": author, "organisation": "SYT"}]})


def _person(name, form="CSTDT"):
    return {"kind": "individual", "name": name, "title": "Ông", "position_title": "Bác sĩ",
            "organisation": "SYT", "award_form": form, "votes_for": 9}


def _received(world, campaign, nominees):
    dossier = helpers.complete_dossier(world, campaign, nominees=nominees)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    return db.session.get(Dossier, dossier.id)


def _by_name(found, dossier):
    return {n.name: {r["code"]: r for r in found[n.id]} for n in dossier.nominees}


@pytest.fixture
def cstdt(world):
    """Three people proposed for Chiến sĩ thi đua cấp tỉnh, the dossier received."""
    campaign = helpers.make_campaign(world)
    year = campaign.period_end.year
    _decision(world, "SYT", "CSTDCS", year - 2, ["Hoàng Văn Hai", "Nông Thị Ba", "Vi Văn Tư"],
              "10/QĐ-SYT")
    _decision(world, "SYT", "CSTDCS", year - 1, ["Nông Thị Ba", "Vi Văn Tư"], "11/QĐ-SYT")
    _decision(world, "SYT", "CSTDCS", year, ["Hoàng Văn Hai", "Nông Thị Ba", "Vi Văn Tư"],
              "12/QĐ-SYT")
    _initiative(world, "Nông Thị Ba", year - 1, "province")
    _initiative(world, "Vi Văn Tư", year, "unit", n=2)
    dossier = _received(world, campaign, [_person("Hoàng Văn Hai"), _person("Nông Thị Ba"),
                                          _person("Vi Văn Tư")])
    return dossier, year


def test_cstd_cap_tinh_three_consecutive_cstdcs_and_a_provincial_initiative(world, cstdt):
    dossier, year = cstdt
    assert dossier.rules_date == today()  # kept on the dossier when the Board received it
    found = _by_name(eligibility.evaluate(world.users["appraiser"], dossier), dossier)
    hai, ba, tu = found["Hoàng Văn Hai"], found["Nông Thị Ba"], found["Vi Văn Tư"]
    # 2 of the last 3 years: not eligible, and the evidence names the decisions read
    three = hai["cstdt.cstdcs_3_nam"]
    assert not three["met"] and three["severity"] == "block"
    assert three["summary"] == f"2/3 năm ({year - 2}–{year})"
    assert [e["decision_number"] for e in three["evidence"]] == ["10/QĐ-SYT", "12/QĐ-SYT"]
    assert "Danh hiệu Chiến sĩ thi đua cơ sở năm" in three["evidence"][0]["text"]
    # three and a provincial-scope initiative: eligible on both rules
    assert ba["cstdt.cstdcs_3_nam"]["met"] and ba["cstdt.sang_kien_tinh"]["met"]
    [initiative] = ba["cstdt.sang_kien_tinh"]["evidence"]
    assert "Hội đồng sáng kiến tỉnh" in initiative["text"] and "toàn tỉnh" in initiative["text"]
    # three but only a unit-scope initiative: not eligible
    assert tu["cstdt.cstdcs_3_nam"]["met"] and not tu["cstdt.sang_kien_tinh"]["met"]
    assert tu["cstdt.sang_kien_tinh"]["evidence"] == []
    # the unmet rule blocks the Board's acceptance, with its reason; the eligible passes
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    ids = {n.name: n.id for n in dossier.nominees}
    with pytest.raises(Invalid) as refused:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, ids["Vi Văn Tư"], "accepted")
    assert refused.value.code == "not_eligible" and "sáng kiến" in refused.value.message
    dossiers.set_verdict(world.users["appraiser"], dossier.id, ids["Nông Thị Ba"], "accepted")
    with pytest.raises(Invalid):
        dossiers.set_verdicts(world.users["appraiser"], dossier.id,
                              {ids["Hoàng Văn Hai"]: "accepted"})
    # declining is always possible
    dossiers.set_verdict(world.users["appraiser"], dossier.id, ids["Vi Văn Tư"], "declined",
                         "Chưa có sáng kiến phạm vi toàn tỉnh")


def test_evidence_in_the_api_and_on_the_appraisal_page(world, cstdt, api, client):
    dossier, year = cstdt
    body = api("appraiser").get(f"/api/v1/dossiers/{dossier.id}").get_json()
    ba = next(n for n in body["nominees"] if n["name"] == "Nông Thị Ba")
    rules = {r["code"]: r for r in ba["eligibility"]}
    assert rules["cstdt.cstdcs_3_nam"]["met"] is True
    assert [e["year"] for e in rules["cstdt.cstdcs_3_nam"]["evidence"]] == [
        year - 2, year - 1, year]
    assert rules["cstdt.cstdcs_3_nam"]["source_note"].startswith("[S]")
    hai = next(n for n in body["nominees"] if n["name"] == "Hoàng Văn Hai")
    assert "rule_block" in {f["code"] for f in hai["flags"]}
    login(client, "appraiser")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Điều kiện khen thưởng" in page and "✗ Chưa đạt" in page and "✓ Đạt" in page
    assert "Quyết định số 11/QĐ-SYT" in page
    assert f"2/3 năm ({year - 2}–{year})" in page


def _collective(world, name, members, ldtt, cstdcs, year):
    people = [f"{name} thành viên {i:02d}" for i in range(members)]
    items = [{"kind": "collective", "name": name, "organisation": "SYT", "rating": "htxs"}]
    items += [{"kind": "individual", "name": p, "organisation": "SYT", "rating": "httot",
               "collective": name} for p in people]
    yearend.record_ratings(world.users["staff_a"], world.units["SYT"].id, year, items)
    _decision(world, "SYT", "LDTT", year, people[:ldtt], f"2{members}/QĐ-SYT")
    _decision(world, "SYT", "CSTDCS", year, people[:cstdcs], f"3{members}/QĐ-SYT")


def test_ttldxs_shares_are_counted_exactly(world):
    campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT"}, {"code": "TTLDXS"}])
    year = campaign.period_end.year
    _collective(world, "Khoa Nội", 10, 7, 1, year)
    _collective(world, "Khoa Ngoại", 23, 16, 2, year)
    dossier = _received(world, campaign, [
        {"kind": "collective", "name": n, "organisation": "SYT", "award_form": "TTLDXS",
         "votes_for": 9} for n in ("Khoa Nội", "Khoa Ngoại")])
    found = _by_name(eligibility.evaluate(world.users["appraiser"], dossier), dossier)
    noi, ngoai = found["Khoa Nội"], found["Khoa Ngoại"]
    assert all(r["met"] for r in noi.values()), noi
    assert noi["ttldxs.ldtt_70"]["summary"] == "7/10 thành viên (cần ≥ 70%)"
    assert not ngoai["ttldxs.ldtt_70"]["met"]  # 16 × 100 = 1600 < 70 × 23 = 1610 (69.6 %)
    assert ngoai["ttldxs.ldtt_70"]["summary"] == "16/23 thành viên (cần ≥ 70%)"
    assert [r["met"] for c, r in sorted(ngoai.items()) if c != "ttldxs.ldtt_70"] == [True] * 4
    members = ngoai["ttldxs.ldtt_70"]["evidence"]
    assert len(members) == 23 and sum(e["counted"] for e in members) == 16
    # a member not completing their duties fails the 100 % rule
    yearend.record_ratings(world.users["staff_a"], world.units["SYT"].id, year, [
        {"name": "Khoa Nội thành viên 09", "organisation": "SYT", "rating": "kht",
         "collective": "Khoa Nội"}])
    again = _by_name(eligibility.evaluate(world.users["appraiser"], dossier), dossier)
    assert not again["Khoa Nội"]["ttldxs.thanh_vien_hoan_thanh"]["met"]


def test_a_campaigns_bang_khen_on_its_movement_ground_has_no_two_year_rule(world, campaign):
    dossier = _received(world, campaign, [_person("Lục Văn Năm", "BKCT")])
    year = campaign.period_end.year
    imported("Lục Văn Năm", world.units["SYT"], year - 1, organisation="SYT")
    found = awards.for_dossier(world.users["appraiser"], dossier)[dossier.nominees[0].id]
    assert [r["code"] for r in found["eligibility"]] == ["chung.khong_vu_viec"]
    assert found["flags"] == []
    # the same nominee on the multi-year ground (a regular year's công trạng): rule d reads
    merit = eligibility.evaluate(world.users["appraiser"], dossier, ground="merit")
    [d] = [r for r in merit[dossier.nominees[0].id] if r["code"] == "bkct.dieu74_k1_d"]
    assert not d["met"] and "HOẶC" in d["summary"]


def test_a_chuyen_de_award_does_not_count_for_cong_trang(world, campaign):
    year = campaign.period_end.year
    _decision(world, "SYT", "CSTDCS", year, ["Đinh Văn Sáu"], "40/QĐ-SYT")
    _decision(world, "SYT", "CSTDCS", year - 1, ["Đinh Văn Sáu"], "41/QĐ-SYT")
    # the third year's, awarded by a chuyên đề campaign (a movement)
    record = imported("Đinh Văn Sáu", world.units["SYT"], year - 2, form="CSTDCS",
                      organisation="SYT", number="7/QĐ-UBND", campaign_id=campaign.id)
    _initiative(world, "Đinh Văn Sáu", year, "province")
    dossier = _received(world, campaign, [_person("Đinh Văn Sáu")])
    found = _by_name(eligibility.evaluate(world.users["appraiser"], dossier), dossier)
    three = found["Đinh Văn Sáu"]["cstdt.cstdcs_3_nam"]
    assert not three["met"] and three["summary"].startswith("2/3")
    [movement] = [e for e in three["evidence"] if not e["counted"]]
    assert movement["record_id"] == record.id and "khen thưởng chuyên đề" in movement["text"]
    # the same award typed in without its campaign counts
    db.session.execute(sa.update(AwardRecord).where(AwardRecord.id == record.id)
                       .values(campaign_id=None))
    db.session.commit()
    again = _by_name(eligibility.evaluate(world.users["appraiser"], dossier), dossier)
    assert again["Đinh Văn Sáu"]["cstdt.cstdcs_3_nam"]["met"]


def test_a_person_under_discipline_is_blocked_and_counts_from_its_end(world, campaign):
    year = campaign.period_end.year
    hold = yearend.add_hold(world.users["staff_a"], {
        "unit_id": world.units["SYT"].id, "name": "Lò Văn Bảy", "organisation": "SYT",
        "kind": "discipline", "source_paper": "Quyết định số 5/QĐ-SYT về kỷ luật khiển trách",
        "starts_on": today() - timedelta(days=30)})
    dossier = _received(world, campaign, [_person("Lò Văn Bảy", "BKCT")])
    found = _by_name(eligibility.evaluate(world.users["appraiser"], dossier), dossier)
    rule = found["Lò Văn Bảy"]["chung.khong_vu_viec"]
    assert not rule["met"] and rule["severity"] == "block"
    assert "5/QĐ-SYT" in rule["evidence"][0]["text"]
    # a chairman sees the dossier but not the hold's paper (only the unit and the Board)
    hidden = _by_name(eligibility.evaluate(world.users["chairman"], dossier), dossier)
    assert not hidden["Lò Văn Bảy"]["chung.khong_vu_viec"]["met"]
    assert "5/QĐ-SYT" not in str(hidden)
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    with pytest.raises(Invalid) as refused:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, dossier.nominees[0].id,
                             "accepted")
    assert "kỷ luật" in refused.value.message
    # the discipline ended (in the year before the proposal's): no hold on the day received,
    # and that year's achievements do not count (they count from the end of the period)
    from app.models import Hold
    db.session.execute(sa.update(Hold).where(Hold.id == hold["id"]).values(
        starts_on=today().replace(year=year - 1, month=1, day=10),
        ends_on=today().replace(year=year - 1, month=6, day=30)))
    db.session.commit()
    _decision(world, "SYT", "CSTDCS", year - 1, ["Lò Văn Bảy"], "50/QĐ-SYT")
    merit = eligibility.evaluate(world.users["appraiser"], dossier, ground="merit")
    rules = {r["code"]: r for r in merit[dossier.nominees[0].id]}
    assert rules["chung.khong_vu_viec"]["met"]
    cstdcs = [e for e in rules["bkct.dieu74_k1_d"]["evidence"] if e["what"] == "award"]
    assert cstdcs and not cstdcs[0]["counted"] and "kỷ luật" in cstdcs[0]["text"]


def test_rule_versions_by_the_date_the_board_received_the_dossier(world, cstdt):
    dossier, year = cstdt
    hai = next(n.id for n in dossier.nominees if n.name == "Hoàng Văn Hai")
    since = today() - timedelta(days=10)
    lenient = {"code": "cstdt.cstdcs_3_nam", "award_form_code": "CSTDT", "ground": "any",
               "subject_kind": "individual", "label": "Hai lần CSTĐCS (quy định thử)",
               "condition": {"kind": "consecutive_awards", "forms": ["CSTDCS"], "years": 1},
               "severity": "block", "more_favourable": False,
               "effective_from": since.isoformat(), "source_note": "[U] quy định thử"}
    reference.import_reference(__import__("json").dumps({"eligibility_rules": [lenient]}))

    def rule():
        db.session.refresh(dossier)
        [r] = [r for r in eligibility.evaluate(world.users["appraiser"], dossier)[hai]
               if r["code"] == "cstdt.cstdcs_3_nam"]
        return r

    # received today: the new version applies
    assert rule()["met"] and rule()["version"] == since
    # received before it: the old version stays
    dossier.rules_date = since - timedelta(days=5)
    db.session.commit()
    assert not rule()["met"] and rule()["version"].year == 2024
    # unless the new version is marked more favourable: then it applies where it favours
    db.session.execute(sa.update(EligibilityRule).where(
        EligibilityRule.effective_from == since).values(more_favourable=True))
    db.session.commit()
    kept = rule()
    assert kept["met"] and kept["more_favourable"] and kept["version"] == since
    assert kept["kept_version"].year == 2024


def test_ratings_are_seen_only_by_the_unit_and_the_board(world, api):
    year = today().year - 1
    yearend.record_ratings(world.users["staff_a"], world.units["SYT"].id, year, [
        {"name": "Hà Thị Tám", "organisation": "SYT", "rating": "htxs"}])
    url = f"/api/v1/units/{world.units['SYT'].id}/ratings/{year}"
    assert [r["rating"] for r in api("appraiser").get(url).get_json()] == ["htxs"]
    assert api("staff_a").get(url).status_code == 200
    assert api("staff_b").get(url).status_code == 404
    assert api("chairman").get(url).status_code == 404
    with pytest.raises(Forbidden):
        yearend.record_ratings(world.users["staff_b"], world.units["SYT"].id, year, [
            {"name": "Hà Thị Tám", "rating": "ht"}])
    # bad input: a clear error, nothing changed
    bad = api("staff_a").put(url, json={"items": [{"name": "X", "rating": "gioi"}]})
    assert bad.status_code == 422
    assert [r["rating"] for r in yearend.ratings(world.users["staff_a"],
                                                 world.units["SYT"].id, year)] == ["htxs"]


def test_unit_decisions_go_to_the_history_at_unit_level(world, api):
    year = today().year - 2
    r = api("staff_a").post("/api/v1/unit-decisions", json={
        "unit_id": world.units["SYT"].id, "award_form": "LDTT", "number": "90/QĐ-SYT",
        "decided_on": f"{year}-12-20", "signer": "Giám đốc Sở Y tế",
        "subjects": [{"name": "Mã Văn Chín", "organisation": "SYT"}]})
    assert r.status_code == 201, r.get_json()
    [record] = db.session.scalars(sa.select(AwardRecord)).all()
    assert (record.issuing_level, record.year, record.decision_number, record.issuer_name) == (
        "Cấp cơ sở", year, "90/QĐ-SYT", "Giám đốc Sở Y tế")
    # a Chairman's form is not a unit's to decide; the same title twice is refused
    again = api("staff_a").post("/api/v1/unit-decisions", json={
        "unit_id": world.units["SYT"].id, "award_form": "BKCT", "number": "91/QĐ-SYT",
        "decided_on": f"{year}-12-20", "signer": "Giám đốc",
        "subjects": [{"name": "Mã Văn Chín", "organisation": "SYT"}]})
    assert again.status_code == 422
    twice = api("staff_a").post("/api/v1/unit-decisions", json={
        "unit_id": world.units["SYT"].id, "award_form": "LDTT", "number": "92/QĐ-SYT",
        "decided_on": f"{year}-12-21", "signer": "Giám đốc",
        "subjects": [{"name": "Mã Văn Chín", "organisation": "SYT"}]})
    assert twice.status_code == 422 and twice.get_json()["error"]["code"] == "duplicate_award"
    # another unit's staff may not decide for this one
    other = api("staff_b").post("/api/v1/unit-decisions", json={
        "unit_id": world.units["SYT"].id, "award_form": "LDTT", "number": "93/QĐ-SYT",
        "decided_on": f"{year}-12-21", "signer": "Giám đốc",
        "subjects": [{"name": "Mã Văn Mười", "organisation": "SYT"}]})
    assert other.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardRecord)) == 1


def test_the_rules_page_and_api_list_the_rules_in_vietnamese(world, api, client):
    rules = api("appraiser").get("/api/v1/eligibility-rules").get_json()
    codes = {r["code"] for r in rules}
    assert {"cstdt.cstdcs_3_nam", "ttldxs.ldtt_70", "bkct.dieu74_k1_d",
            "chung.khong_vu_viec"} <= codes
    assert not any(r["code"].startswith("min_years") for r in rules)
    login(client, "board_head")
    page = client.get("/khen-thuong/dieu-kien").get_data(as_text=True)
    assert "Điều kiện khen thưởng" in page and "Điều 74 khoản 1 điểm d" in page
    assert "số đạt × 100 ≥ 70 × số thành viên" in page


def _xlsx(headings, rows, title):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headings)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_ratings_from_excel_pass_the_same_checks(world, api):
    from app.services import imports

    year = today().year - 1
    unit = world.units["SYT"]
    url = f"/api/v1/units/{unit.id}/ratings/{year}"
    template = api("staff_a").get(f"{url}/template")
    assert template.status_code == 200 and template.mimetype.endswith("sheet")
    headings = [c.heading for c in yearend.RATING_COLUMNS]
    bad = _xlsx(headings, [["Cá nhân", "Lý Văn Một", "SYT", "Khoa Nội", "Hoàn thành tốt nhiệm vụ"],
                           ["Cá nhân", "Lý Văn Hai", "SYT", "Khoa Nội", "Giỏi"],
                           ["Cá nhân", "Lý Văn Một", "SYT", "", "Hoàn thành nhiệm vụ"]],
                yearend.RATING_SHEET)
    r = api("staff_a").post(f"{url}/excel", data={"file": (__import__("io").BytesIO(bad),
                                                           "xep-loai.xlsx")},
                            content_type="multipart/form-data")
    assert r.status_code == 422 and "Dòng 3, cột «Xếp loại»" in r.get_json()["error"]["message"]
    assert yearend.ratings(world.users["staff_a"], unit.id, year) == []
    # the same duplicate check as by hand, named by the sheet's row
    twice = _xlsx(headings, [["Cá nhân", "Lý Văn Một", "SYT", "Khoa Nội", "Hoàn thành tốt nhiệm vụ"],
                             ["Cá nhân", "Lý Văn Một", "SYT", "", "Hoàn thành nhiệm vụ"]],
                  yearend.RATING_SHEET)
    with pytest.raises(Invalid) as refused:
        yearend.import_ratings(world.users["staff_a"], unit.id, year, twice, "x.xlsx")
    assert "Dòng 3: Lý Văn Một đã có ở dòng 2" in refused.value.message
    good = _xlsx(headings, [["Tập thể", "Khoa Nội", "SYT", "", "Hoàn thành xuất sắc nhiệm vụ"],
                            ["Cá nhân", "Lý Văn Một", "SYT", "Khoa Nội", "Hoàn thành tốt nhiệm vụ"]],
                 yearend.RATING_SHEET)
    assert yearend.import_ratings(world.users["staff_a"], unit.id, year, good, "x.xlsx")[
        "recorded"] == 2
    rows = yearend.ratings(world.users["appraiser"], unit.id, year)
    assert [(r["name"], r["rating"]) for r in rows] == [("Lý Văn Một", "httot"),
                                                        ("Khoa Nội", "htxs")]
    assert rows[0]["collective_key"] == "collective|khoa nội|syt"
    # earlier years' unit-level titles come in by the award import, and the rules read them
    award_headings = [c.heading for c in imports.AWARD_COLUMNS]
    earlier = _xlsx(award_headings, [
        ["Cá nhân", "Ông", "Lý Văn Một", "Bác sĩ", "SYT", "SYT", "Sở Y tế",
         "Danh hiệu Chiến sĩ thi đua cơ sở", f"{n}/QĐ-SYT", today().replace(year=y, month=1, day=5),
         "Giám đốc Sở Y tế", "Cấp cơ sở", None, ""] for n, y in ((5, year - 1), (6, year - 2))],
        imports.AWARD_SHEET)
    assert imports.import_awards(world.users["appraiser"], earlier, "cu.xlsx") == 2
    found = db.session.scalars(sa.select(AwardRecord).where(
        AwardRecord.identity_key == "individual|lý văn một|syt")).all()
    assert sorted(r.year for r in found) == [year - 2, year - 1]
    assert {r.issuing_level for r in found} == {"Cấp cơ sở"}


def test_the_year_end_page_enters_a_decision_a_hold_and_an_initiative(world, client):
    from tests.web.test_views import csrf_of

    year = today().year - 1
    login(client, "staff_a")
    page = client.get(f"/ket-qua-cuoi-nam?year={year}")
    assert page.status_code == 200 and "Kết quả cuối năm" in page.get_data(as_text=True)
    token = csrf_of(page.get_data(as_text=True))
    day = (today() - timedelta(days=3)).strftime("%d/%m/%Y")
    # a wrong date: the page says so in Vietnamese, nothing is written
    bad = client.post(f"/ket-qua-cuoi-nam/quyet-dinh?year={year}", data={
        "csrf_token": token, "award_form": "LDTT", "number": "7/QĐ-SYT", "decided_on": "31/02",
        "signer": "Giám đốc Sở Y tế", "organisation": "SYT", "names": "Tạ Văn Một"})
    assert bad.status_code == 422 and "dd/mm/yyyy" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardRecord)) == 0
    ok = client.post(f"/ket-qua-cuoi-nam/quyet-dinh?year={year}", data={
        "csrf_token": token, "award_form": "LDTT", "number": "7/QĐ-SYT", "decided_on": day,
        "signer": "Giám đốc Sở Y tế", "organisation": "SYT", "names": "Tạ Văn Một\nTạ Văn Hai"})
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardRecord)) == 2
    assert client.post(f"/ket-qua-cuoi-nam/vu-viec?year={year}", data={
        "csrf_token": token, "name": "Tạ Văn Hai", "organisation": "SYT", "kind": "inspection",
        "source_paper": "Kết luận thanh tra số 3/KL-TTr", "starts_on": day}).status_code == 302
    assert client.post(f"/ket-qua-cuoi-nam/sang-kien?year={year}", data={
        "csrf_token": token, "title": "Số hóa hồ sơ bệnh án", "recognised_by": "Giám đốc Sở Y tế",
        "decision_number": "9/QĐ-SYT", "decided_on": day, "scope": "unit",
        "organisation": "SYT", "authors": "Tạ Văn Một"}).status_code == 302
    shown = client.get(f"/ket-qua-cuoi-nam?year={year}").get_data(as_text=True)
    assert "Kết luận thanh tra số 3/KL-TTr" in shown and "Số hóa hồ sơ bệnh án" in shown
    # another unit's people do not see it
    login(client, "staff_b")
    assert client.get(f"/ket-qua-cuoi-nam?unit={world.units['SYT'].id}&year={year}"
                      ).status_code == 404


def test_who_decides_a_units_titles_is_data_on_the_unit(world):
    pdk = world.units["PDK"]
    entry = {"unit_id": pdk.id, "award_form": "LDTT", "number": "3/QĐ-SYT", "year": 2025,
             "decided_on": today() - timedelta(days=1), "signer": "Giám đốc Sở Y tế",
             "subjects": [{"name": "Vũ Thị Ba", "organisation": "PDK"}]}
    with pytest.raises(Forbidden):
        yearend.record_unit_decision(world.users["staff_a"], entry)
    pdk.titles_decided_by_id = world.units["SYT"].id  # the sở decides for the unit under it
    db.session.commit()
    assert yearend.decider(pdk).code == "SYT"
    assert yearend.record_unit_decision(world.users["staff_a"], entry)["recorded"] == 1


def test_a_campaign_cannot_offer_a_units_own_title(world):
    with pytest.raises(Invalid) as refused:
        helpers.make_campaign(world, award_forms=[{"code": "LDTT"}])
    assert refused.value.code == "unit_level_award_form"
