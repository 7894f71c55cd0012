"""The overview's figures and the Excel lists through the API, scoped like the pages."""
import io

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardRecord, Dossier, Nominee
from app.services import imports
from app.services.spreadsheets import XLSX
from tests import helpers
from tests.services.test_spreadsheets import (
    _award_row,
    _form_name,
    _nominee_row,
    _workbook,
    issued_decision,
    make_award,
)


def test_dashboard_figures(api, world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    body = api("chairman").get(f"/api/v1/dashboard/campaigns/{campaign.id}").get_json()
    assert {n["status"]: n["count"] for n in body["nominees"]}["awarded"] == 2
    assert body["campaign"]["id"] == campaign.id and body["overdue"] == {"plan": 0, "dossier": 0}
    make_award(world, year=2024, money=1490000)
    year = api("clerk").get("/api/v1/dashboard/years/2024").get_json()
    assert year["total"] == {"count": 1, "money": 1490000, "units": 1}
    assert year["by_form"][0]["code"] == "BKCT"
    refused = api("staff_a").get(f"/api/v1/dashboard/campaigns/{campaign.id}")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"]
    assert api("board_head").get("/api/v1/dashboard/years/99999").status_code == 422


def test_exports(api, world):
    campaign = helpers.make_campaign(world)
    decision, _ = issued_decision(world, campaign)
    for url, who in ((f"/api/v1/excel/campaigns/{campaign.id}/progress", "board_head"),
                     (f"/api/v1/excel/campaigns/{campaign.id}/nominees?status=struck",
                      "appraiser"),
                     (f"/api/v1/excel/decisions/{decision.id}/awardees", "head_a"),
                     (f"/api/v1/excel/awards/{decision.issued_on.year}", "clerk")):
        r = api(who).get(url)
        assert r.status_code == 200 and r.mimetype == XLSX, (url, r.get_data()[:200])
        ws = openpyxl.load_workbook(io.BytesIO(r.data)).worksheets[0]
        r.close()
        if "struck" in url:
            assert [row[4] for row in ws.iter_rows(min_row=2, values_only=True)] == [
                "Lê Thị Bích"]
    # a unit outside the decision sees nothing of it
    assert api("staff_b").get(f"/api/v1/excel/decisions/{decision.id}/awardees"
                              ).status_code == 404
    assert api("staff_a").get("/api/v1/excel/awards/2026").status_code == 403


def test_imports(api, world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    r = api("staff_a").get(f"/api/v1/excel/dossiers/{dossier.id}/nominee-template")
    assert r.status_code == 200 and r.mimetype == XLSX
    r.close()
    bad = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form="Không có")])
    r = api("staff_a").post(f"/api/v1/excel/dossiers/{dossier.id}/nominees",
                            data={"file": (io.BytesIO(bad), "ds.xlsx")},
                            content_type="multipart/form-data")
    assert r.status_code == 422
    assert r.get_json()["error"]["details"]["file"][0].startswith(
        "Dòng 2, cột «Hình thức khen thưởng»:")
    good = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name())])
    r = api("staff_a").post(f"/api/v1/excel/dossiers/{dossier.id}/nominees",
                            data={"file": (io.BytesIO(good), "ds.xlsx")},
                            content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json() == {"imported": 1}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nominee)) == 1
    awards = _workbook(imports.AWARD_COLUMNS, [_award_row()], sheet="Khen thưởng")
    r = api("appraiser").post("/api/v1/excel/awards",
                              data={"file": (io.BytesIO(awards), "kt.xlsx")},
                              content_type="multipart/form-data")
    assert r.status_code == 201
    assert db.session.scalar(sa.select(AwardRecord.source)) == "import"
    r = api("appraiser").get("/api/v1/excel/award-template")
    assert r.status_code == 200
    r.close()
