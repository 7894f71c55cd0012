"""The words: no placeholder survives into an issued paper, every letter is NFC, names arrive
exactly; and the Vietnamese wording helpers of app/docgen/text.py."""
import re
import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from app.docgen import text as t
from app.extensions import db
from app.models import Dossier
from app.services import dossiers
from tests import helpers
from tests.docgen.support import (
    PLACEHOLDERS,
    SYT_NOMINEES,
    document,
    every_text,
    is_nfc,
    open_docx,
    scenario,
    texts,
    utc_at,
)

# the names as code points, so that no editor or encoding can make the test pass by accident
TUYET = "Nguy\u1ec5n Th\u1ecb \u00c1nh Tuy\u1ebft"  # Nguyễn Thị Ánh Tuyết
UNG = "\u0110\u1eb7ng V\u0103n \u01afng"  # Đặng Văn Ưng


def assert_clean(label, lines):
    for line in lines:
        for mark in PLACEHOLDERS:
            assert mark not in line, f"{label}: {mark!r} left in {line!r}"
        assert not re.search(r" {3,}", line), f"{label}: a blank to fill in {line!r}"
        assert "\t" not in line and "\ufffd" not in line, f"{label}: {line!r}"
        assert is_nfc(line), f"{label}: not NFC: {line!r}"


@pytest.mark.storage
def test_issued_papers_are_filled_in_and_nfc(world, frozen):
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)
    papers = {
        "decision": ("decision", s.decision, "decision"),
        "certificates": ("decision", s.decision, "certificates"),
        "board proposal": ("decision", s.decision, "proposal"),
        "SYT proposal": ("dossier", s.syt, "proposal"),
        "PDK proposal": ("dossier", s.pdk, "proposal"),
        "SYT minutes": ("dossier", s.syt, "minutes"),
        "plan": ("plan", s.plan, "plan"),
        "launch": ("campaign", s.campaign, "launch"),
    }
    seen = {}
    for label, (kind, item, name) in papers.items():
        data, filename, sha = document(kind, item, name)
        assert sha is not None, f"{label} is not final"
        assert is_nfc(filename) and not filename.startswith("Dự thảo")
        lines = every_text(open_docx(data))
        assert_clean(label, lines)
        seen[label] = "\n".join(lines)

    # the names, letter for letter, wherever the paper names them
    for label in ("decision", "board proposal", "SYT proposal", "SYT minutes"):
        assert f"Bà {TUYET}, Điều dưỡng trưởng" in seen[label], label
        assert f"Ông {UNG}, Bác sĩ" in seen[label], label
    certificates = texts(open_docx(document("decision", s.decision, "certificates")[0]))
    assert f"Bà {TUYET}" in certificates and f"Ông {UNG}" in certificates
    assert "Đoàn Thị Hậu" in seen["decision"] and "Vi Văn Thắng" in seen["board proposal"]


@pytest.mark.storage
def test_names_typed_decomposed_arrive_composed(world, api):
    """A browser on macOS may send 'ễ' as e + two combining marks: the paper must not."""
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign, nominees=[SYT_NOMINEES[0]])
    nfd = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v
           for k, v in SYT_NOMINEES[1].items()}
    assert nfd["name"] != TUYET and unicodedata.normalize("NFC", nfd["name"]) == TUYET
    staff = api("staff_a")
    version = staff.get(f"/api/v1/dossiers/{dossier.id}").get_json()["version"]
    response = staff.post(f"/api/v1/dossiers/{dossier.id}/nominees",
                          json={**nfd, "version": version})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == TUYET
    dossiers.add_attachment(world.users["staff_a"], dossier.id, "bao_cao_thanh_tich",
                            helpers.Upload(), nominee_id=response.get_json()["id"])
    dossier = db.session.get(Dossier, dossier.id)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    for name in ("proposal", "minutes"):
        response = staff.get(f"/api/v1/dossiers/{dossier.id}/documents/{name}")
        assert response.status_code == 200
        lines = every_text(open_docx(response.data))
        assert_clean(name, lines)
        joined = "\n".join(lines)
        assert f"Bà {TUYET}, Điều dưỡng trưởng, Bệnh viện Đa khoa tỉnh" in joined
        assert nfd["name"] not in joined


# -- app/docgen/text.py ------------------------------------------------------------------------


@pytest.mark.parametrize("day, expected", [
    (date(2027, 2, 5), "Lạng Sơn, ngày 05 tháng 02 năm 2027"),
    (date(2026, 11, 27), "Lạng Sơn, ngày 27 tháng 11 năm 2026"),
    (date(2019, 9, 5), "Lạng Sơn, ngày 05 tháng 9 năm 2019"),
    (date(2026, 1, 31), "Lạng Sơn, ngày 31 tháng 01 năm 2026"),
    (date(2026, 3, 1), "Lạng Sơn, ngày 01 tháng 3 năm 2026"),
    (date(2026, 12, 10), "Lạng Sơn, ngày 10 tháng 12 năm 2026"),
])
def test_place_date(day, expected):
    assert t.place_date("Lạng Sơn", day) == expected
    assert t.long_date(day) == expected.removeprefix("Lạng Sơn, ")


def test_place_date_of_a_draft_leaves_the_blanks():
    assert t.place_date("Lạng Sơn", None, 2027) == "Lạng Sơn, ngày      tháng      năm 2027"
    assert t.place_date("Lạng Sơn", None) == "Lạng Sơn, ngày      tháng      năm"
    # the year given is ignored once the date is known
    assert t.place_date("Lạng Sơn", date(2026, 12, 31), 2027).endswith("năm 2026")


def test_numbers():
    assert t.number_line(1, "QĐ-UBND") == "Số: 01/QĐ-UBND"
    assert t.number_line(9, "TTr-SNV") == "Số: 09/TTr-SNV"
    assert t.number_line(10, "KH-SYT") == "Số: 10/KH-SYT"
    assert t.number_line(163, "QĐ-UBND") == "Số: 163/QĐ-UBND"
    assert t.number_line(None, "QĐ-UBND") == "Số:        /QĐ-UBND"
    assert t.number_ref(5, "QĐ-UBND") == "05/QĐ-UBND"
    assert t.number_ref(None, "QĐ-UBND") == "       /QĐ-UBND"
    assert t.short_date(date(2027, 2, 5)) == "05/02/2027"
    assert [t.two(n) for n in (0, 1, 9, 10, 123)] == ["00", "01", "09", "10", "123"]


@pytest.mark.parametrize("value, expected", [
    (120, "120"), (Decimal("120.00"), "120"), (Decimal("99.5"), "99,5"), ("99.50", "99,5"),
    (Decimal("88.89"), "88,89"), (Decimal("100"), "100"), (Decimal("1E+2"), "100"),
    (Decimal("0.25"), "0,25"), (0, "0"), (Decimal("70.00"), "70"),
    (1500, "1.500"), (Decimal("1234567.5"), "1.234.567,5"), (99.5, "99,5"),
])
def test_figure(value, expected):
    assert t.figure(value) == expected


def test_counted():
    assert t.counted(2, 3) == "02 tập thể và 03 cá nhân"
    assert t.counted(1, 0) == "01 tập thể"
    assert t.counted(0, 1) == "01 cá nhân"
    assert t.counted(12, 105) == "12 tập thể và 105 cá nhân"


def test_recipients():
    assert t.recipients(["Như Điều 3", "CT, các PCT UBND tỉnh", "Sở Tài chính",
                         "Lưu: VT, SNV"]) == (
        "- Như Điều 3;", "- CT, các PCT UBND tỉnh;", "- Sở Tài chính;", "- Lưu: VT, SNV.")
    # punctuation typed by people is replaced, blanks are dropped, the last line closes
    assert t.recipients([" Như trên; ", "", None, "  ", "Lưu: VT."]) == (
        "- Như trên;", "- Lưu: VT.")
    assert t.recipients(["Lưu: VT,"]) == ("- Lưu: VT.",)
    assert t.recipients([]) == ()


def test_enumerate_entries():
    assert t.enumerate_entries(["Khoa Nội", "Khoa Ngoại", "Khoa Sản"]) == (
        "1. Khoa Nội;", "2. Khoa Ngoại;", "3. Khoa Sản.")
    assert t.enumerate_entries(["Ông Đặng Văn Ưng"]) == ("1. Ông Đặng Văn Ưng.",)
    assert t.enumerate_entries(iter(["a", "b"])) == ("1. a;", "2. b.")
    assert t.enumerate_entries([]) == ()
    assert len(t.enumerate_entries([f"x{i}" for i in range(12)])[-1].split(".")[0]) == 2


def test_paragraphs():
    assert t.paragraphs("Một.\r\n\r\n  Hai.  \nBa.") == ["Một.", "Hai.", "Ba."]
    assert t.paragraphs(None) == [] and t.paragraphs("") == []


def test_quotes_are_one_kind_on_every_paper():
    assert t.xml_text('Chủ đề "60 ngày đêm" và "Ba đồng hành"') == \
        "Chủ đề “60 ngày đêm” và “Ba đồng hành”"
    assert t.xml_text("Đã “cong” sẵn") == "Đã “cong” sẵn"
    assert t.xml_text('một dấu " lẻ') == "một dấu ” lẻ"
