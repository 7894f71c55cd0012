"""Organ identifiers (mã định danh) on units and Nơi nhận entries: validated by one rule on
the admin page, the API, the CSV import and the Nơi nhận editor; a bad one changes nothing
and is answered in Vietnamese (JSON on the API), never a 500."""
import html
import io

from app.extensions import db
from app.models import Unit
from app.services import distribution
from tests.web.test_views import csrf_of, login

BAD = ("000.00.00.H2", "000-00-00-H29", "000.00.00.H29X", "abc")


def flashed(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_units_organ_id_on_the_admin_page_the_api_and_the_csv(client, api, world):
    login(client, "admin")
    page = client.get("/admin/units").get_data(as_text=True)
    token = csrf_of(page)
    for bad in BAD:
        r = client.post("/admin/units/organ-id", data={"csrf_token": token, "unit": "SYT",
                                                      "organ_id": bad},
                        follow_redirects=True)
        assert r.status_code == 200 and "Mã định danh" in flashed(r)
        assert "13 ký tự" in flashed(r) or "bốn nhóm" in flashed(r)
    assert db.session.get(Unit, world.units["SYT"].id).organ_id is None
    r = client.post("/admin/units/organ-id", data={"csrf_token": token, "unit": "SYT",
                                                  "organ_id": " 000.00.04.h29 "},
                    follow_redirects=True)
    assert "Đã lưu mã định danh." in flashed(r) and "000.00.04.H29" in flashed(r)
    db.session.expire_all()
    assert db.session.get(Unit, world.units["SYT"].id).organ_id == "000.00.04.H29"
    r = client.post("/admin/units/organ-id", data={"csrf_token": token, "unit": "NOPE",
                                                  "organ_id": "000.00.04.H29"})
    assert r.status_code == 404

    admin = api("admin")
    for bad in BAD:
        r = admin.patch("/api/v1/units/SYT", json={"organ_id": bad})
        assert r.status_code == 422 and r.is_json, (bad, r.status_code)
        assert "organ_id" in r.get_json()["error"]["details"]
    assert admin.get("/api/v1/units/SYT").get_json()["organ_id"] == "000.00.04.H29"
    r = admin.patch("/api/v1/units/SYT", json={"organ_id": None})
    assert r.status_code == 200 and r.get_json()["organ_id"] is None
    assert api("staff_a").patch("/api/v1/units/SYT", json={"organ_id": "000.00.04.H29"}
                                ).status_code == 403

    # `flask units import` and the page's import read the same column, by the same rule
    login(client, "admin")
    token = csrf_of(client.get("/admin/units").get_data(as_text=True))
    csv = "code,name,organ_id\nSYT,Sở Y tế,000.00.04.H29\nPDK,Ủy ban nhân dân phường Đông Kinh,x\n"
    r = client.post("/admin/units", data={"csrf_token": token,
                                          "file": (io.BytesIO(csv.encode()), "don-vi.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "Dòng 3: «Mã định danh»" in flashed(r)
    db.session.expire_all()
    assert db.session.get(Unit, world.units["SYT"].id).organ_id is None  # all rows or none
    runner = client.application.test_cli_runner()
    path = client.application.instance_path + "/units-organ-ids.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(csv.splitlines()[0] + "\n" + csv.splitlines()[1] + "\n")
    result = runner.invoke(args=["units", "import", path])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Unit, world.units["SYT"].id).organ_id == "000.00.04.H29"


def test_a_noi_nhan_entrys_organ_id_on_the_list_editor_and_the_api(client, api, world):
    board = api("board_head")
    entries = [{"label": "Sở Tài chính", "email": "stc@tdkt.test",
                "organ_id": "000.00.03.H29"}, {"label": "Lưu: VT"}]
    r = board.put("/api/v1/distribution-lists/QD2", json={"name": "Nơi nhận", "entries": entries})
    assert r.status_code == 200, r.get_json()
    assert [e["organ_id"] for e in r.get_json()["entries"]] == ["000.00.03.H29", None]
    r = board.put("/api/v1/distribution-lists/QD2", json={"name": "Nơi nhận", "entries": [
        {"label": "Sở Tài chính", "organ_id": "000.00.03"}]})
    assert r.status_code == 422 and r.is_json
    assert [e.organ_id for e in distribution.by_code("QD2").entries] == ["000.00.03.H29", None]

    login(client, "board_head")
    page = client.get("/distribution-lists").get_data(as_text=True)
    assert 'name="entry_organ_id"' in page and 'value="000.00.03.H29"' in page
    r = client.post("/distribution-lists", data={
        "csrf_token": csrf_of(page), "code": "QD2", "name": "Nơi nhận",
        "entry_label": ["Sở Tài chính", "Lưu: VT"], "entry_email": ["", ""],
        "entry_organ_id": ["H29", ""]}, follow_redirects=True)
    assert "«Mã định danh»" in flashed(r)
    db.session.expire_all()
    assert distribution.by_code("QD2").entries[0].organ_id == "000.00.03.H29"
