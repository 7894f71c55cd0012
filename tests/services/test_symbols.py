"""Ký hiệu: a unit has its own Vietnamese abbreviation (SLĐTBXH, with Đ), and the body
that issues a paper decides its ký hiệu (a commune's People's Committee issues TTr-UBND)."""
import pytest

from app.extensions import db
from app.services import org
from app.services.errors import Invalid
from tests import helpers
from tests.docgen.support import document, open_docx, signed_plan, texts


def test_a_unit_abbreviation_with_d_and_a_commune_issuing_as_its_committee(world, api):
    r = api("admin").patch("/api/v1/units/SYT", json={"abbreviation": "SLĐTBXH"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["abbreviation"] == "SLĐTBXH"
    campaign = helpers.make_campaign(world)
    plan = signed_plan(world, campaign)
    assert plan.symbol == "KH-SLĐTBXH"
    data, filename, _ = document("plan", plan, "plan")
    assert "Số: 01/KH-SLĐTBXH" in texts(open_docx(data))
    assert "01-KH-SLĐTBXH" in filename

    dossier = helpers.complete_dossier(world, campaign, "PDK", "staff_b")
    helpers.fire(world, "dossier", dossier, "staff_b", "submit")
    helpers.fire(world, "dossier", dossier, "head_b", "sign_off")
    db.session.refresh(dossier)
    assert dossier.symbol == "TTr-UBND"
    assert "Số: 01/TTr-UBND" in texts(open_docx(document("dossier", dossier, "proposal")[0]))


@pytest.mark.parametrize("value", ["slđtbxh", "S/LĐ", "S LĐ", "SLĐ_TB", "-SLĐ"])
def test_a_bad_abbreviation_is_refused(world, value):
    with pytest.raises(Invalid) as refused:
        org.check_unit({"code": "X1", "name": "Đơn vị X", "abbreviation": value})
    assert "Chữ viết tắt trong ký hiệu" in refused.value.message


def test_the_csv_import_takes_the_abbreviation(world):
    org.import_units_csv("code,name,kind,abbreviation,collective_name,collective_papers\n"
                         "XTL,Ủy ban nhân dân xã Tân Lang,commune,UBND,Ủy ban nhân dân,*\n"
                         "SLDTBXH,\"Sở Lao động, Thương binh và Xã hội\",department,SLĐTBXH,,\n")
    assert org.get_unit("SLDTBXH").symbol == "SLĐTBXH"
    commune = org.get_unit("XTL")
    assert (commune.symbol, commune.collective_name, commune.collective_papers) == (
        "UBND", "Ủy ban nhân dân", "*")


def test_the_api_sets_the_councils_own_symbol(world, api):
    r = api("admin").patch("/api/v1/units/PDK", json={"council_symbol": "HĐTĐKT"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["council_symbol"] == "HĐTĐKT"
    refused = api("admin").patch("/api/v1/units/PDK", json={"council_symbol": "hđtđkt"})
    assert refused.status_code == 422
    assert api("admin").get("/api/v1/units/PDK").get_json()["council_symbol"] == "HĐTĐKT"
