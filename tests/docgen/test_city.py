"""A centrally-run city (thành phố trực thuộc trung ương): the words that depend on the
kind of area come from its data, never "tỉnh" from the code."""
from datetime import date

import pytest

from tests.docgen.support import document, open_docx, scenario, texts, utc_at

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`


def test_a_city_decision_says_thanh_pho(world, api, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    r = api("admin").patch("/api/v1/units/UBND", json={
        "name": "Ủy ban nhân dân thành phố Hải Phòng",
        "header_lines": "ỦY BAN NHÂN DÂN | THÀNH PHỐ HẢI PHÒNG", "place_name": "Hải Phòng",
        "locality": "thành phố"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["locality"] == "thành phố"
    s = scenario(world)
    lines = texts(open_docx(document("decision", s.decision, "decision")[0]))
    [article] = [x for x in lines if x.startswith("Điều 2.")]
    assert article.endswith("Quỹ thi đua, khen thưởng của thành phố năm 2027.")
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in lines
    assert "Hải Phòng, ngày 05 tháng 02 năm 2027" in lines
    assert not any("Lạng Sơn" in x for x in lines)
