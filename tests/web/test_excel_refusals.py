"""A file that cannot be read, or holds too many rows, is refused through the pages and the
API alike, in Vietnamese on a page and as JSON in the API, and changes nothing (issue 20,
items 11 and 12)."""
import io

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardRecord, Dossier, Nominee
from app.services import imports
from tests import helpers
from tests.services.test_excel_safety import _rows, _sheet_bytes, bad_sheets, broken_uploads
from tests.services.test_spreadsheets import _form_name
from tests.web.test_views import csrf_of, login

UNREADABLE = "Không đọc được tệp Excel: tệp hỏng hoặc không phải bảng tính."


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _upload(data, name="ds.xlsx"):
    return (io.BytesIO(data), name)


def test_openpyxl_parses_uploads_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("what", list(bad_sheets(imports.NOMINEE_COLUMNS)))
def test_a_broken_sheet_is_refused_on_the_pages(client, world, what):
    dossier = helpers.unit_item(Dossier, helpers.make_campaign(world), "SYT")
    version = dossier.version
    login(client, "staff_a")
    token = csrf_of(client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True))
    data = broken_uploads(imports.NOMINEE_COLUMNS, imports.NOMINEE_SHEET)[what]
    r = client.post(f"/dossiers/{dossier.id}/edit",
                    data={"csrf_token": token, "op": "import_nominees",
                          "summary": "Đã gõ mà chưa lưu", "import-file": _upload(data)})
    # the drafting form comes back with the reason beside the file, once, and what was typed
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and page.count(UNREADABLE) == 1
    assert "Đã gõ mà chưa lưu" in page
    assert _count(Nominee) == 0
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).version == version

    login(client, "appraiser")
    token = csrf_of(client.get("/tong-quan/khen-thuong/nhap").get_data(as_text=True))
    data = broken_uploads(imports.AWARD_COLUMNS, imports.AWARD_SHEET)[what]
    r = client.post("/tong-quan/khen-thuong/nhap",
                    data={"csrf_token": token, "file": _upload(data, "kt.xlsx")})
    assert r.status_code == 422
    assert UNREADABLE in r.get_data(as_text=True)
    assert _count(AwardRecord) == 0


@pytest.mark.parametrize("what", list(bad_sheets(imports.NOMINEE_COLUMNS)))
def test_a_broken_sheet_is_refused_by_the_api(api, world, what):
    dossier = helpers.unit_item(Dossier, helpers.make_campaign(world), "SYT")
    data = broken_uploads(imports.NOMINEE_COLUMNS, imports.NOMINEE_SHEET)[what]
    r = api("staff_a").post(f"/api/v1/excel/dossiers/{dossier.id}/nominees",
                            data={"file": _upload(data)}, content_type="multipart/form-data")
    assert r.status_code == 422, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["code"] == "file_content" and error["message"] == UNREADABLE
    assert _count(Nominee) == 0
    data = broken_uploads(imports.AWARD_COLUMNS, imports.AWARD_SHEET)[what]
    r = api("appraiser").post("/api/v1/excel/awards", data={"file": _upload(data, "kt.xlsx")},
                              content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "file_content"
    assert _count(AwardRecord) == 0


def test_a_file_over_the_row_limit_is_refused_whole(app, client, api, world):
    dossier = helpers.unit_item(Dossier, helpers.make_campaign(world), "SYT")
    saved = app.config["EXCEL_IMPORT_MAX_ROWS"]
    app.config["EXCEL_IMPORT_MAX_ROWS"] = 30
    try:
        data = _sheet_bytes(imports.NOMINEE_COLUMNS, _rows(31, _form_name()),
                            imports.NOMINEE_SHEET)
        r = api("staff_a").post(f"/api/v1/excel/dossiers/{dossier.id}/nominees",
                                data={"file": _upload(data)}, content_type="multipart/form-data")
        assert r.status_code == 422
        error = r.get_json()["error"]
        assert error["code"] == "too_many_rows" and "tối đa 30 dòng" in error["message"]
        login(client, "staff_a")
        token = csrf_of(client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True))
        r = client.post(f"/dossiers/{dossier.id}/edit",
                        data={"csrf_token": token, "op": "import_nominees",
                              "import-file": _upload(data)})
        assert "mỗi lần nhập tối đa 30 dòng" in r.get_data(as_text=True)
        assert _count(Nominee) == 0
    finally:
        app.config["EXCEL_IMPORT_MAX_ROWS"] = saved
