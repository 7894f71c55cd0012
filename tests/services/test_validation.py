"""One validation, in the services, for the pages, the API and the CLI (issue 10 #4, #8):
Word's manual line break becomes a line break, other control characters are refused with
a Vietnamese message, lengths and numbers fit the columns, and what is stored renders."""
import pytest

from app.models import Dossier, Plan
from app.services import dossiers, org, plans
from app.services.errors import Invalid
from tests import helpers
from tests.web.test_views import csrf_of, login


def test_a_campaign_title_with_a_manual_line_break_launches(api, world):
    spec = helpers.campaign_spec(title="Phong trào thi đua\x0bchào mừng 60 năm")
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in spec.items()}
    r = api("board_head").post("/api/v1/campaigns", json=body)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["title"] == "Phong trào thi đua\nchào mừng 60 năm"
    r = api("board_head").fire("campaign", created["id"], "launch")
    assert r.status_code == 200, r.get_json()
    r = api("board_head").get(f"/api/v1/campaigns/{created['id']}/documents/launch")
    assert r.status_code == 200


def test_plan_text_and_a_signers_name_with_a_manual_line_break_sign_off(api, world, campaign):
    r = api("admin").patch("/api/v1/users/head_a", json={"full_name": "Trần\x0bVăn Bình"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["full_name"] == "Trần Văn Bình"  # a name stays on one line
    plan = helpers.complete_plan(world, campaign)
    content = campaign.contents[0]
    r = api("staff_a").patch(f"/api/v1/plans/{plan.id}", json={
        "version": plan.version,
        "sections": [{"content_id": content.id, "text": "Dòng một\x0bDòng hai"}]})
    assert r.status_code == 200, r.get_json()
    assert api("staff_a").fire("plan", plan.id, "submit").status_code == 200
    r = api("head_a").fire("plan", plan.id, "sign_off")
    assert r.status_code == 200, r.get_json()
    text = {s.content_id: s.text for s in plan.sections}
    assert text[content.id] == "Dòng một\nDòng hai"


# NUL is refused before any view runs (400, tests/api/test_hostile_input.py).
@pytest.mark.parametrize("bad", ["\x01", "\x08", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_other_control_characters_are_refused_with_a_vietnamese_422(api, world, campaign, bad):
    plan = helpers.unit_item(Plan, campaign, "SYT")
    content = campaign.contents[0]
    r = api("staff_a").patch(f"/api/v1/plans/{plan.id}", json={
        "version": plan.version, "summary": f"Tóm{bad}tắt"})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert "ký tự điều khiển" in error["message"] and "«Tóm tắt»" in error["message"]
    r = api("staff_a").patch(f"/api/v1/plans/{plan.id}", json={
        "version": plan.version, "sections": [{"content_id": content.id, "text": f"a{bad}b"}]})
    assert r.status_code == 422
    r = api("board_head").post("/api/v1/campaigns", json={
        "code": "X1", "title": f"Tên{bad}x", "period_start": "2026-01-01",
        "period_end": "2026-02-01"})
    assert r.status_code == 422
    assert "ký tự điều khiển" in r.get_json()["error"]["message"]
    r = api("staff_a").fire("plan", plan.id, "submit", comment=f"ý{bad}kiến")
    assert r.status_code == 422
    assert plan.summary == "" and plan.version == api("staff_a").get(
        f"/api/v1/plans/{plan.id}").get_json()["version"]


def test_the_services_refuse_what_the_columns_cannot_hold(world, campaign):
    staff = world.users["staff_a"]
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    cases = [
        ({"kind": "individual", "name": "A" * 300, "award_form": "BKCT"}, "tối đa 255 ký tự"),
        ({"kind": "individual", "name": "An", "award_form": "BKCT", "votes_for": 99999999999},
         "không được lớn hơn"),
        ({"kind": "individual", "name": "An", "award_form": "BKCT", "votes_for": -1},
         "không được nhỏ hơn 0"),
    ]
    for data, message in cases:
        with pytest.raises(Invalid, match=message):
            dossiers.add_nominee(staff, dossier.id, data)
    plan = helpers.unit_item(Plan, campaign, "SYT")
    target = campaign.targets[0]
    for value, message in ((1e20, "không được lớn hơn"), (float("nan"), "hữu hạn"),
                           (float("inf"), "hữu hạn"), ("nan", "hữu hạn"), (1.234, "thập phân")):
        with pytest.raises(Invalid, match=message):
            plans.update_plan(staff, plan.id, {"commitments": [
                {"target_id": target.id, "value": value}]}, plan.version)
    assert plan.commitments == [] and dossier.nominees == []
    with pytest.raises(Invalid, match="Họ tên"):
        org.upsert_user("x1", "mat-khau-dai", ["unit_staff"], "SYT", full_name="B" * 300)
    with pytest.raises(Invalid, match="Thư điện tử"):
        org.upsert_user("x1", "mat-khau-dai", ["unit_staff"], "SYT", email="not an address")


def test_the_csv_import_checks_codes_lengths_and_addresses(world):
    header = "code,name,email\n"
    for row, message in ((f"{'C' * 40},Đơn vị dài,\n", "Dòng 2: «Mã đơn vị»: tối đa 32"),
                         ("SXD,Sở Xây dựng,khong-phai-dia-chi\n", "Dòng 2: «Thư điện tử»"),
                         ("SXD,Sở Xây dựng,a@b.vn\nSTC,Sở Tài chính,x y@z\n", "Dòng 3"),
                         (f"SXD,{'N' * 300},\n", "tối đa 255"),
                         ("SXD,Sở\x01Xây dựng,\n", "ký tự điều khiển")):
        with pytest.raises(Invalid, match=message):
            org.import_units_csv(header + row)
    assert org.import_units_csv(header + "SXD,Sở Xây dựng,sxd@langson.gov.vn\n") == {
        "created": 1, "updated": 0}


def _form(client, url):
    return csrf_of(client.get(url).get_data(as_text=True))


def test_the_page_forms_get_the_same_refusals(client, world, campaign):
    login(client, "staff_a")
    plan = helpers.unit_item(Plan, campaign, "SYT")
    url = f"/plans/{plan.id}/edit"
    target = campaign.targets[0]
    for value, message in (("1e20", "không được lớn hơn"), ("nan", "hữu hạn"),
                           ("inf", "hữu hạn")):
        r = client.post(url, data={"csrf_token": _form(client, url), "version": plan.version,
                                   f"target-{target.id}": value}, follow_redirects=True)
        assert r.status_code == 422
        assert message in r.get_data(as_text=True), value
    r = client.post(url, data={"csrf_token": _form(client, url), "version": plan.version,
                               "summary": "x\x01y"}, follow_redirects=True)
    assert r.status_code == 422 and "ký tự điều khiển" in r.get_data(as_text=True)
    assert plan.commitments == [] and plan.summary == ""

    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    url = f"/dossiers/{dossier.id}/edit"
    for data, message in (({"name": "A" * 300}, "tối đa 255 ký tự"),
                          ({"name": "An", "votes_for": "99999999999"}, "không được lớn hơn")):
        r = client.post(url, data={
            "csrf_token": _form(client, url), "version": dossier.version, "op": "add_nominee",
            "new-kind": "individual", "new-award_form": "BKCT",
            **{f"new-{k}": v for k, v in data.items()}}, follow_redirects=True)
        assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert dossier.nominees == []

    login(client, "admin")
    r = client.post("/admin/users", data={
        "csrf_token": _form(client, "/admin/users"), "username": "nguoimoi",
        "full_name": "H" * 300, "unit": "SYT", "roles": "unit_staff",
        "password": "mat-khau-dai"}, follow_redirects=True)
    assert r.status_code == 200 and "tối đa 255 ký tự" in r.get_data(as_text=True)
    import io
    r = client.post("/admin/units", data={
        "csrf_token": _form(client, "/admin/units"),
        "file": (io.BytesIO(f"code,name\n{'C' * 40},Dài\n".encode()), "u.csv")},
        follow_redirects=True, content_type="multipart/form-data")
    assert r.status_code == 200 and "Dòng 2: «Mã đơn vị»: tối đa 32" in r.get_data(as_text=True)


def test_a_distribution_list_code_longer_than_forty_characters_is_a_422(api, world):
    """issue 10 #12: it was a 500 (the column holds 40)."""
    r = api("board_head").put(f"/api/v1/distribution-lists/{'L' * 41}", json={
        "name": "Nơi nhận", "entries": [{"label": "Sở Tài chính", "email": "stc@tdkt.test"}]})
    assert r.status_code == 422, r.get_json()
    assert "tối đa 40" in r.get_json()["error"]["message"]
    r = api("board_head").put("/api/v1/distribution-lists/QD2", json={
        "name": "Nơi nhận", "entries": [{"label": "Sở Tài chính", "email": "không phải"}]})
    assert r.status_code == 422
    r = api("board_head").put("/api/v1/distribution-lists/QD2", json={
        "name": "Nơi nhận", "entries": [{"label": "Sở Tài chính", "email": "stc@tdkt.test"}]})
    assert r.status_code == 200, r.get_json()


def test_text_stored_before_the_checks_still_renders(api, world):
    """Rows written before the services refused control characters (or straight into the
    database) must not make launch or sign_off fail."""
    from app.extensions import db

    campaign = helpers.make_campaign(world, launch=False)
    campaign.title = "Phong trào\x0bthi đua\x01 chào mừng\x1f"
    campaign.contents[0].title = "Nội dung\x0cmột\x02"  # PostgreSQL cannot hold a NUL
    db.session.commit()
    r = api("board_head").fire("campaign", campaign.id, "launch")
    assert r.status_code == 200, r.get_json()
