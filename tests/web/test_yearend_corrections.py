"""The year-end records corrected after entry (issue 24's open gaps): holds, initiatives and
unit decisions corrected and removed by those who may enter them, on the page and through the
API, each change audited and scoped; a unit decision's award records following it in one
transaction, except those that are history; one rating at a time on the page; who decides a
unit's titles set by the admin, checked and audited."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import today
from app.extensions import db
from app.models import AwardRecord, AwardTally, Hold, Initiative, ResultChange, YearRating
from app.services import audit_anchor, yearend
from tests import helpers
from tests.award_helpers import issue
from tests.web.test_views import csrf_of, login

YEAR = 0  # last year: set by the fixture below (the clock needs the app)



@pytest.fixture(autouse=True)
def _last_year(ctx):
    global YEAR
    YEAR = today().year - 1


def _day(days=3):
    return today() - timedelta(days=days)


def _records(**where):
    query = sa.select(AwardRecord).order_by(AwardRecord.name)
    for key, value in where.items():
        query = query.where(getattr(AwardRecord, key) == value)
    return db.session.scalars(query).all()


def _changes(item_type):
    return db.session.scalars(sa.select(ResultChange).where(
        ResultChange.item_type == item_type).order_by(ResultChange.id)).all()


def _decision(world, names, number="15/QĐ-SYT", form="LDTT", year=None, who="staff_a"):
    year = YEAR if year is None else year
    return yearend.record_unit_decision(world.users[who], {
        "unit_id": world.units["SYT"].id, "award_form": form, "number": number,
        "decided_on": _day(), "signer": "Giám đốc Sở Y tế", "year": year,
        "subjects": [{"name": n, "organisation": "SYT"} for n in names]})


def _hold(world):
    return yearend.add_hold(world.users["staff_a"], {
        "unit_id": world.units["SYT"].id, "name": "Tạ Văn Hai", "organisation": "SYT",
        "kind": "inspection", "source_paper": "Kết luận số 3/KL-TTr", "starts_on": _day(30)})


def _initiative(world):
    return yearend.add_initiative(world.users["staff_a"], {
        "unit_id": world.units["SYT"].id, "title": "Số hóa bệnh án", "year": YEAR,
        "recognised_by": "Giám đốc Sở Y tế", "decision_number": "9/QĐ-SYT",
        "decided_on": _day(), "scope": "unit", "authors": [{"name": "Tạ Văn Một"}]})


# -- holds and initiatives -------------------------------------------------------------------

def test_a_hold_is_corrected_and_removed_audited_and_scoped(world, api):
    hold = _hold(world)
    url = f"/api/v1/holds/{hold['id']}"
    body = {"name": "Tạ Văn Hai", "organisation": "SYT", "kind": "discipline",
            "source_paper": "Quyết định kỷ luật số 4/QĐ-SYT", "starts_on": _day(30).isoformat(),
            "ends_on": _day(1).isoformat()}
    # another unit, the Chairman, the admin: the hold does not exist for them
    for who in ("staff_b", "head_b", "chairman", "admin", "clerk"):
        assert api(who).put(url, json=body).status_code == 404, who
        assert api(who).delete(url).status_code == 404, who
    # a bad correction: refused, nothing changed, nothing audited
    bad = api("staff_a").put(url, json={**body, "ends_on": _day(60).isoformat()})
    assert bad.status_code == 422 and "«Đến ngày» trước «Từ ngày»" in bad.get_json()[
        "error"]["message"]
    assert db.session.get(Hold, hold["id"]).kind == "inspection" and _changes("hold") == []
    # the unit's head corrects it
    ok = api("head_a").put(url, json=body)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["kind"] == "discipline" and ok.get_json()["ends_on"] == (
        _day(1).isoformat())
    [change] = _changes("hold")
    assert (change.action, change.user_id, change.item_id) == (
        "edited", world.users["head_a"].id, hold["id"])
    assert change.before["source_paper"] == "Kết luận số 3/KL-TTr"
    assert change.after["source_paper"] == "Quyết định kỷ luật số 4/QĐ-SYT"
    # the audit list: the unit and the Board; 404 for the others
    changes_url = f"/api/v1/units/{world.units['SYT'].id}/result-changes"
    for who in ("staff_a", "appraiser", "board_head"):
        listed = api(who).get(changes_url)
        assert listed.status_code == 200 and listed.get_json()[0]["action"] == "edited", who
    for who in ("staff_b", "chairman", "admin"):
        assert api(who).get(changes_url).status_code == 404, who
    # the Board removes it
    assert api("appraiser").delete(url).status_code == 204
    assert db.session.get(Hold, hold["id"]) is None
    assert [c.action for c in _changes("hold")] == ["edited", "removed"]
    assert _changes("hold")[-1].before["name"] == "Tạ Văn Hai"
    assert api("staff_a").delete(url).status_code == 404


def test_an_initiative_is_corrected_with_its_authors_and_removed(world, api):
    initiative = _initiative(world)
    url = f"/api/v1/initiatives/{initiative['id']}"
    body = {"title": "Số hóa hồ sơ bệnh án", "recognised_by": "Hội đồng sáng kiến tỉnh",
            "decision_number": "9/QĐ-HĐSK", "decided_on": _day().isoformat(), "year": YEAR,
            "scope": "province", "authors": [{"name": "Tạ Văn Một"}, {"name": "Tạ Thị Ba"}]}
    assert api("staff_b").put(url, json=body).status_code == 404
    assert api("chairman").delete(url).status_code == 404
    ok = api("staff_a").put(url, json=body)
    assert ok.status_code == 200, ok.get_json()
    listed = api("appraiser").get(f"/api/v1/units/{world.units['SYT'].id}/initiatives"
                                  f"?year={YEAR}").get_json()
    assert [(i["title"], i["scope"], i["authors"]) for i in listed] == [
        ("Số hóa hồ sơ bệnh án", "province", ["Tạ Thị Ba", "Tạ Văn Một"])]
    [change] = _changes("initiative")
    assert change.before["scope"] == "unit" and change.after["scope"] == "province"
    assert change.after["authors"] == ["Tạ Thị Ba", "Tạ Văn Một"]
    assert api("staff_a").delete(url).status_code == 204
    assert db.session.get(Initiative, initiative["id"]) is None
    assert [c.action for c in _changes("initiative")] == ["edited", "removed"]


# -- unit decisions and their award records ---------------------------------------------------

def test_a_unit_decisions_records_follow_its_correction(world, api):
    made = _decision(world, ["Tạ Văn Một", "Tạ Văn Hai", "Tạ Văn Ba"])
    url = f"/api/v1/unit-decisions/{made['id']}"
    listed = api("staff_a").get(f"/api/v1/units/{world.units['SYT'].id}/unit-decisions"
                                f"?year={YEAR}").get_json()
    assert [(d["number"], len(d["subjects"])) for d in listed] == [("15/QĐ-SYT", 3)]
    assert all(s["history"] is None for s in listed[0]["subjects"])
    assert api("chairman").get(f"/api/v1/units/{world.units['SYT'].id}/unit-decisions"
                               ).status_code == 404
    corrected = {"number": "16/QĐ-SYT", "decided_on": _day(2).isoformat(),
                 "signer": "Phó Giám đốc Sở Y tế", "year": YEAR - 1,
                 "subjects": [{"name": "Tạ Văn Một", "organisation": "SYT"},
                              {"name": "Tạ Văn Hai", "organisation": "SYT"},
                              {"name": "Tạ Thị Tư", "organisation": "SYT"}]}
    assert api("staff_b").put(url, json=corrected).status_code == 404
    assert api("chairman").put(url, json=corrected).status_code == 404
    ok = api("staff_a").put(url, json=corrected)
    assert ok.status_code == 200, ok.get_json()
    # a name removed: its record went; one added: written; the rest follow the number,
    # date, signer and year
    records = _records()
    assert [r.name for r in records] == ["Tạ Thị Tư", "Tạ Văn Hai", "Tạ Văn Một"]
    assert {(r.decision_number, r.decided_on, r.issuer_name, r.year, r.unit_decision_id)
            for r in records} == {("16/QĐ-SYT", _day(2), "Phó Giám đốc Sở Y tế", YEAR - 1,
                                   made["id"])}
    # the yearly tally moved with them
    tallies = {t.year: t.awards for t in db.session.scalars(sa.select(AwardTally))}
    assert tallies.get(YEAR - 1) == 3 and not tallies.get(YEAR)
    [change] = _changes("unit_decision")
    assert change.before["number"] == "15/QĐ-SYT" and change.after["number"] == "16/QĐ-SYT"
    assert change.before["names"] == ["Tạ Văn Một", "Tạ Văn Hai", "Tạ Văn Ba"]
    assert sorted(change.after["names"]) == ["Tạ Thị Tư", "Tạ Văn Hai", "Tạ Văn Một"]
    # a correction naming someone twice, or giving a title already had: refused, nothing moves
    other = _decision(world, ["Lò Văn Năm"], number="17/QĐ-SYT", year=YEAR - 1)
    twice = api("staff_a").put(url, json={**corrected, "subjects": [
        *corrected["subjects"], {"name": "Lò Văn Năm", "organisation": "SYT"}]})
    assert twice.status_code == 422 and twice.get_json()["error"]["code"] == "duplicate_award"
    assert len(_records(unit_decision_id=made["id"])) == 3
    # removed with its records
    assert api("staff_a").delete(url).status_code == 204
    assert [r.name for r in _records()] == ["Lò Văn Năm"]
    assert _records()[0].unit_decision_id == other["id"]
    assert [c.action for c in _changes("unit_decision")] == ["edited", "removed"]


def test_the_deciding_unit_corrects_what_it_entered(world, api):
    pdk = world.units["PDK"]
    pdk.titles_decided_by_id = world.units["SYT"].id
    db.session.commit()
    made = yearend.record_unit_decision(world.users["staff_a"], {
        "unit_id": pdk.id, "award_form": "LDTT", "number": "3/QĐ-SYT", "year": YEAR,
        "decided_on": _day(), "signer": "Giám đốc Sở Y tế",
        "subjects": [{"name": "Vũ Thị Ba", "organisation": "PDK"}]})
    body = {"number": "4/QĐ-SYT", "decided_on": _day().isoformat(), "signer": "Giám đốc",
            "subjects": [{"name": "Vũ Thị Ba", "organisation": "PDK"}]}
    assert api("staff_a").put(f"/api/v1/unit-decisions/{made['id']}",
                              json=body).status_code == 200
    assert api("staff_b").put(f"/api/v1/unit-decisions/{made['id']}",
                              json=body).status_code == 200  # the unit itself
    assert [c.unit_id for c in _changes("unit_decision")] == [pdk.id, pdk.id]


def test_a_record_an_issued_decision_may_have_read_is_history(world, api):
    """A subject later awarded by an issued decision of the Chairman: the unit decision's
    record of that subject may have been its evidence, so it no longer changes; the others
    of the same decision still may, and names may be added."""
    made = _decision(world, ["Nguyễn Văn An", "Tạ Văn Hai"], year=today().year)
    campaign = helpers.make_campaign(world)
    dossier = helpers.appraised_dossier(world, campaign)
    issue(world, campaign, [dossier])
    url = f"/api/v1/unit-decisions/{made['id']}"
    listed = api("staff_a").get(f"/api/v1/units/{world.units['SYT'].id}/unit-decisions"
                                ).get_json()
    history = {s["name"]: s["history"] for s in listed[0]["subjects"]}
    assert history["Tạ Văn Hai"] is None and "quyết định khen thưởng đã ban hành" in history[
        "Nguyễn Văn An"]
    keep = {"number": "15/QĐ-SYT", "decided_on": _day().isoformat(),
            "signer": "Giám đốc Sở Y tế", "year": today().year}
    an = {"name": "Nguyễn Văn An", "organisation": "SYT"}
    before = [(r.name, r.decision_number) for r in _records(unit_decision_id=made["id"])]
    # removing An, or renumbering the decision (An's record would change): refused
    for body in ({**keep, "subjects": [{"name": "Tạ Văn Hai", "organisation": "SYT"}]},
                 {**keep, "number": "99/QĐ-SYT", "subjects": [
                     an, {"name": "Tạ Văn Hai", "organisation": "SYT"}]}):
        refused = api("staff_a").put(url, json=body)
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["error"]["code"] == "award_history"
        assert "Nguyễn Văn An" in refused.get_json()["error"]["message"]
    assert api("staff_a").delete(url).status_code == 409
    assert [(r.name, r.decision_number) for r in _records(unit_decision_id=made["id"])] == before
    assert _changes("unit_decision") == []
    # Hai may go, and someone may be added, while An's record stays as it is
    ok = api("staff_a").put(url, json={**keep, "subjects": [
        an, {"name": "Tạ Thị Tư", "organisation": "SYT"}]})
    assert ok.status_code == 200, ok.get_json()
    assert [r.name for r in _records(unit_decision_id=made["id"])] == [
        "Nguyễn Văn An", "Tạ Thị Tư"]


def test_a_record_sealed_in_an_audit_anchor_is_history(app, world, api, tmp_path):
    made = _decision(world, ["Tạ Văn Một"])
    before = dict(app.config)
    app.config["AUDIT_ANCHOR_URL"] = f"file://{tmp_path / 'anchors'}"
    try:
        audit_anchor.anchor()
        later = _decision(world, ["Tạ Văn Sáu"], number="18/QĐ-SYT")
        refused = api("staff_a").delete(f"/api/v1/unit-decisions/{made['id']}")
        assert refused.status_code == 409
        assert "mốc kiểm toán" in refused.get_json()["error"]["message"]
        # one entered after the anchor may still go, and the record stays verifiable
        assert api("staff_a").delete(f"/api/v1/unit-decisions/{later['id']}").status_code == 204
        assert audit_anchor.verify().intact
    finally:
        app.config.clear()
        app.config.update(before)


# -- ratings one at a time, on the page ---------------------------------------------------------

def test_one_rating_at_a_time_on_the_page(world, client):
    unit = world.units["SYT"]
    login(client, "staff_a")
    page = client.get(f"/ket-qua-cuoi-nam?year={YEAR}")
    token = csrf_of(page.get_data(as_text=True))
    base = f"/ket-qua-cuoi-nam/xep-loai/mot?unit={unit.id}&year={YEAR}"
    # the import's checks: no name, a rating not in the list: refused, nothing written
    bad = client.post(base, data={"csrf_token": token, "kind": "individual", "name": "",
                                  "rating": "htxs"})
    assert bad.status_code == 422 and "Họ và tên" in bad.get_data(as_text=True)
    bad = client.post(base, data={"csrf_token": token, "name": "Lý Văn Một", "rating": "gioi"})
    assert bad.status_code == 422 and "Xếp loại" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(YearRating)) == 0
    assert client.post(base, data={
        "csrf_token": token, "kind": "individual", "name": "Lý Văn Một", "organisation": "SYT",
        "collective": "Khoa Nội", "rating": "httot"}).status_code == 302
    # the same person again: re-rated, not a second row
    assert client.post(base, data={
        "csrf_token": token, "kind": "individual", "name": "Lý Văn Một", "organisation": "SYT",
        "collective": "Khoa Nội", "rating": "htxs"}).status_code == 302
    [row] = db.session.scalars(sa.select(YearRating)).all()
    assert (row.rating, row.collective_key) == ("htxs", "collective|khoa nội|syt")
    assert [(c.action, (c.before or {}).get("rating"), c.after["rating"])
            for c in _changes("rating")] == [("added", None, "httot"), ("edited", "httot", "htxs")]
    # the row's own form changes it, and removes it
    assert client.post(f"/ket-qua-cuoi-nam/xep-loai/{row.id}?unit={unit.id}&year={YEAR}",
                       data={"csrf_token": token, "rating": "ht"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(YearRating, row.id).rating == "ht"
    shown = client.get(f"/ket-qua-cuoi-nam?year={YEAR}").get_data(as_text=True)
    assert "Lịch sử sửa, xóa" in shown and "Hoàn thành tốt nhiệm vụ" in shown
    # another unit's staff, the Chairman: 404 on the list and on the row
    login(client, "staff_b")
    other = client.get(f"/ket-qua-cuoi-nam?unit={unit.id}&year={YEAR}")
    assert other.status_code == 404
    login(client, "chairman")
    assert client.get(f"/ket-qua-cuoi-nam?unit={unit.id}&year={YEAR}").status_code == 404
    login(client, "staff_b")
    page_b = client.get(f"/ket-qua-cuoi-nam?year={YEAR}")
    token_b = csrf_of(page_b.get_data(as_text=True))
    assert client.post(f"/ket-qua-cuoi-nam/xep-loai/{row.id}/xoa?year={YEAR}",
                       data={"csrf_token": token_b}).status_code == 404
    assert db.session.get(YearRating, row.id) is not None
    login(client, "staff_a")
    token = csrf_of(client.get(f"/ket-qua-cuoi-nam?year={YEAR}").get_data(as_text=True))
    assert client.post(f"/ket-qua-cuoi-nam/xep-loai/{row.id}/xoa?unit={unit.id}&year={YEAR}",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(YearRating, row.id) is None
    assert [c.action for c in _changes("rating")] == ["added", "edited", "edited", "removed"]


def test_the_page_corrects_a_decision_and_says_why_history_stays(world, client):
    made = _decision(world, ["Tạ Văn Một", "Tạ Văn Hai"])
    login(client, "staff_a")
    page = client.get(f"/ket-qua-cuoi-nam?year={YEAR}")
    html = page.get_data(as_text=True)
    assert "Sửa, xóa quyết định số 15/QĐ-SYT" in html and "Tạ Văn Hai | SYT" in html
    token = csrf_of(html)
    ok = client.post(f"/ket-qua-cuoi-nam/quyet-dinh/{made['id']}?year={YEAR}", data={
        "csrf_token": token, "number": "15a/QĐ-SYT", "decided_on": _day().strftime("%d/%m/%Y"),
        "signer": "Giám đốc Sở Y tế", "year": YEAR, "kind": "individual",
        "names": "Tạ Văn Một | SYT\n"})
    assert ok.status_code == 302
    assert [(r.name, r.decision_number) for r in _records()] == [("Tạ Văn Một", "15a/QĐ-SYT")]
    bad = client.post(f"/ket-qua-cuoi-nam/quyet-dinh/{made['id']}?year={YEAR}", data={
        "csrf_token": token, "number": "", "decided_on": "31/02/2020", "signer": "x",
        "kind": "individual", "names": "Tạ Văn Một | SYT"})
    assert bad.status_code == 422
    assert [r.decision_number for r in _records()] == ["15a/QĐ-SYT"]


# -- who decides a unit's titles --------------------------------------------------------------

@pytest.mark.parametrize("decider, code", [
    ("PDK", "decider_self"),  # itself
    ("VP", "decider_not_allowed"),  # neither a sở nor its parent
    ("NOPE", "unknown_unit"),
])
def test_a_units_titles_decider_is_checked(world, api, decider, code):
    r = api("admin").patch("/api/v1/units/PDK", json={"titles_decided_by": decider})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == code
    db.session.expire_all()
    assert world.units["PDK"].titles_decided_by_id is None and _changes("unit") == []


def test_a_units_titles_decider_is_set_audited_and_has_no_cycle(world, api, client):
    assert api("staff_a").patch("/api/v1/units/PDK",
                                json={"titles_decided_by": "SYT"}).status_code == 403
    ok = api("admin").patch("/api/v1/units/PDK", json={"titles_decided_by": "SYT"})
    assert ok.status_code == 200 and ok.get_json()["titles_decided_by"] == "SYT"
    # the parent (a People's Committee, not a sở) may decide too
    assert api("admin").patch("/api/v1/units/SYT", json={
        "titles_decided_by": "UBND"}).get_json()["titles_decided_by"] == "UBND"
    # SYT decides PDK's: PDK cannot decide SYT's (nor is it a sở or SYT's parent); a sở
    # deciding for a sở that decides for it is a cycle
    api("admin").patch("/api/v1/units/SYT", json={"titles_decided_by": None})
    api("admin").patch("/api/v1/units/SNV", json={"titles_decided_by": "SYT"})
    cycle = api("admin").patch("/api/v1/units/SYT", json={"titles_decided_by": "SNV"})
    assert cycle.status_code == 422 and cycle.get_json()["error"]["code"] == "decider_cycle"
    assert [(c.before["titles_decided_by"], c.after["titles_decided_by"])
            for c in _changes("unit")] == [("", "SYT"), ("", "UBND"), ("UBND", ""), ("", "SYT")]
    assert _changes("unit")[0].user_id == world.users["admin"].id
    # the admin's Units page sets and clears it
    login(client, "admin")
    page = client.get("/admin/units")
    assert "Đơn vị quyết định danh hiệu" in page.get_data(as_text=True)
    token = csrf_of(page.get_data(as_text=True))
    done = client.post("/admin/units/titles-decider", data={
        "csrf_token": token, "unit": "PDK", "titles_decided_by": ""})
    assert done.status_code == 302
    db.session.expire_all()
    assert world.units["PDK"].titles_decided_by_id is None
    refused = client.post("/admin/units/titles-decider", data={
        "csrf_token": token, "unit": "PDK", "titles_decided_by": "PDK"}, follow_redirects=True)
    assert "Để trống khi đơn vị tự quyết định" in refused.get_data(as_text=True)
