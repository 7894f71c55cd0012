"""A centrally-run city (thành phố trực thuộc trung ương): the words that depend on the
kind of area come from its data, never "tỉnh" from the code; the shipped award names (a
tỉnh's) are refused for a city until it loads its own, and the reference page says why."""
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Unit
from app.services import reference
from tests.docgen.support import document, open_docx, scenario, texts, utc_at
from tests.web.test_views import login

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

CITY_UNIT = {"name": "Ủy ban nhân dân thành phố Hải Phòng",
             "header_lines": "ỦY BAN NHÂN DÂN | THÀNH PHỐ HẢI PHÒNG", "place_name": "Hải Phòng",
             "locality": "thành phố"}
TINH = re.compile(r"\btỉnh\b", re.IGNORECASE)


def city_award_names(on="2024-06-01") -> str:
    """The city's own names of the shipped forms that say "tỉnh": a later row of each code."""
    rows = []
    for form in reference.award_forms(date.fromisoformat(on)):
        if any(TINH.search(x or "") for x in (form.name, form.certificate_title,
                                              form.certificate_model)):
            row = {c.name: getattr(form, c.name) for c in form.__table__.columns
                   if c.name not in ("id", "version", "created_at", "updated_at")}
            for key in ("name", "certificate_title", "certificate_model"):
                if row[key]:
                    row[key] = (row[key].replace("cấp tỉnh", "thành phố")
                                .replace("tỉnh", "thành phố"))
            row |= {"effective_from": on, "effective_to": None,
                    "money_multiplier_individual": _num(row["money_multiplier_individual"]),
                    "money_multiplier_collective": _num(row["money_multiplier_collective"])}
            rows.append(row)
    return json.dumps({"award_forms": rows}, ensure_ascii=False)


def _num(value):
    return None if value is None else float(value)


def test_a_city_keeps_no_award_name_that_says_tinh(world, api, client):
    # the shipped names are a tỉnh's: a city is refused until it loads its own
    r = api("admin").patch("/api/v1/units/UBND", json=CITY_UNIT)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "locality_mismatch"
    assert {x.split()[0] for x in error["details"]["award_forms"]} == {"BKCT", "CTDT", "CSTDT"}
    assert "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" in error["message"]
    db.session.expire_all()
    assert db.session.get(Unit, world.units["UBND"].id).locality == "tỉnh"  # nothing changed

    # data written before this rule (or by hand): the admin's reference page says so
    db.session.execute(sa.update(Unit).where(Unit.code == "UBND").values(locality="thành phố"))
    db.session.commit()
    assert login(client, "admin").status_code == 302
    page = client.get("/admin/reference").get_data(as_text=True)
    assert 'id="locality-mismatch"' in page and "Địa bàn là «thành phố»" in page
    assert "CSTDT «Danh hiệu Chiến sĩ thi đua cấp tỉnh»" in page
    # a reference file that leaves a "tỉnh" name in force is refused whole
    with pytest.raises(Exception) as refused:
        reference.import_reference(json.dumps({"rule_values": []}))
    assert getattr(refused.value, "code", None) == "locality_mismatch"

    # the city's own names loaded: the warning goes, and the unit's data is accepted
    reference.import_reference(city_award_names())
    assert reference.locality_mismatches() == []
    page = client.get("/admin/reference").get_data(as_text=True)
    assert 'id="locality-mismatch"' not in page
    r = api("admin").patch("/api/v1/units/UBND", json=CITY_UNIT)
    assert r.status_code == 200, r.get_json()


def test_a_city_decision_says_thanh_pho(world, api, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    reference.import_reference(city_award_names())
    r = api("admin").patch("/api/v1/units/UBND", json=CITY_UNIT)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["locality"] == "thành phố"
    s = scenario(world)
    lines = texts(open_docx(document("decision", s.decision, "decision")[0]))
    [article] = [x for x in lines if x.startswith("Điều 2.")]
    assert article.endswith("Quỹ thi đua, khen thưởng của thành phố năm 2027.")
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in lines
    assert "Hải Phòng, ngày 05 tháng 02 năm 2027" in lines
    assert "Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân thành phố" in lines
    assert not any("Lạng Sơn" in x for x in lines)
    # the ward of the city dates its papers at its own place, with no line above its name
    ward = open_docx(document("dossier", s.pdk, "proposal")[0])
    left, right = ward.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text.strip()][:2] == [
        "ỦY BAN NHÂN DÂN", "PHƯỜNG ĐÔNG KINH"]
    assert "Đông Kinh, ngày 05 tháng 02 năm 2027" in [p.text for p in right.paragraphs]
