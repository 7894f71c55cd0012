"""The papers of a ward and the smaller defects of issue 20 (item 9), each read back from
the DOCX: the ward's own place and letterhead, the closing marks, the author of the
certificates, the list heading that never breaks inside «ỦY BAN», the empty draft's trích
yếu, the council's own ký hiệu on its biên bản and the level of a decision."""
import shutil
import subprocess
from datetime import date
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models import Dossier, Unit
from app.services import awards, dossiers, registers, validation
from app.services.errors import Invalid
from app.services.org import import_units_csv
from tests import helpers
from tests.docgen.support import (
    document,
    nonblank,
    open_docx,
    paragraphs,
    scenario,
    signed_plan,
    utc_at,
)

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`
ON = date(2027, 2, 5)
NBSP = "\u00a0"


def _body_before_closing(doc):
    """The body's paragraphs (after the letterhead and title, before Nơi nhận)."""
    body = doc.element.body
    closing = doc.tables[1]._tbl
    out = []
    for p in doc.paragraphs:
        if p._p.getparent() is body and p._p in list(body) and \
                list(body).index(p._p) < list(body).index(closing) and p.text.strip():
            out.append(p.text)
    return out


def test_a_ward_dates_at_its_own_place_with_no_line_above_its_name(world, frozen):
    frozen(utc_at(ON))
    s = scenario(world)
    for name in ("proposal", "minutes"):
        doc = open_docx(document("dossier", s.pdk, name)[0])
        left, right = doc.tables[0].rows[0].cells
        lines = [p.text for p in left.paragraphs if p.text.strip()]
        assert lines[:2] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG ĐÔNG KINH"], lines  # nothing above
        assert "Đông Kinh, ngày 05 tháng 02 năm 2027" in [p.text for p in right.paragraphs]
    # a line above a People's Committee in old data is never printed
    db.session.execute(Unit.__table__.update().where(Unit.code == "PDK")
                       .values(parent_header="UBND TỈNH LẠNG SƠN"))
    db.session.commit()
    doc = open_docx(document("dossier", s.pdk, "proposal")[0])
    assert "UBND TỈNH LẠNG SƠN" not in [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs]


def test_the_unit_plan_ends_with_the_closing_mark_once(world, frozen):
    frozen(utc_at(ON))
    campaign = helpers.make_campaign(world)
    plan = signed_plan(world, campaign)
    body = _body_before_closing(open_docx(document("plan", plan, "plan")[0]))
    assert body[-1].endswith("theo quy định./."), body[-1]
    assert [x for x in body if x.endswith("./.")] == [body[-1]]


def test_the_certificates_name_their_issuer_as_author(world, frozen):
    frozen(utc_at(ON))
    s = scenario(world)
    doc = open_docx(document("decision", s.decision, "certificates")[0])
    assert doc.core_properties.author == "Ủy ban nhân dân tỉnh Lạng Sơn"
    assert doc.core_properties.last_modified_by == "Ủy ban nhân dân tỉnh Lạng Sơn"


def test_the_boards_last_basis_closes_before_its_first_heading(world, frozen):
    frozen(utc_at(ON))
    s = scenario(world)
    lines = nonblank(open_docx(document("decision", s.decision, "proposal")[0]))
    before = lines[lines.index("I. KẾT QUẢ THẨM ĐỊNH") - 1]
    assert before == "Căn cứ hồ sơ đề nghị khen thưởng của 02 cơ quan, đơn vị.", before


def test_an_empty_drafts_subject_has_no_gap(world, frozen):
    frozen(utc_at(ON))
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(Dossier, campaign, "PDK")
    lines = nonblank(open_docx(document("dossier", dossier, "proposal")[0]))
    summary = lines[lines.index("TỜ TRÌNH") + 1]
    assert summary.startswith("Đề nghị khen thưởng cho tập thể, cá nhân có thành tích xuất sắc"), \
        summary
    assert not [x for x in lines if "  " in x.strip() and "ngày" not in x and "Số:" not in x]
    request = next(x for x in lines if " kính trình " in x)
    assert "xem xét, khen thưởng cho tập thể, cá nhân (có danh sách kèm theo)" in request


def test_the_list_heading_binds_the_committees_name(world, frozen):
    frozen(utc_at(ON))
    s = scenario(world)
    doc = open_docx(document("decision", s.decision, "decision")[0])
    heading = next(p.text for p in paragraphs(doc) if p.text.startswith("TẬP THỂ, CÁ NHÂN"))
    assert f"CHỦ{NBSP}TỊCH ỦY{NBSP}BAN{NBSP}NHÂN{NBSP}DÂN TỈNH" in heading, heading


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice and poppler-utils (`make test` installs them)")
def test_the_list_heading_breaks_between_names_in_libreoffice(world, frozen, tmp_path):
    """The decision's list heading and the ward's papers as LibreOffice lays them out."""
    frozen(utc_at(ON))
    s = scenario(world)
    (tmp_path / "decision.docx").write_bytes(document("decision", s.decision, "decision")[0])
    (tmp_path / "ward.docx").write_bytes(document("dossier", s.pdk, "proposal")[0])
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "decision.docx"), str(tmp_path / "ward.docx")],
                   capture_output=True, text=True, timeout=240, check=True)

    def lines(name):
        out = subprocess.run(["pdftotext", "-layout", str(tmp_path / name), "-"],
                             capture_output=True, text=True, check=True).stdout
        return [" ".join(x.split()) for x in out.splitlines() if x.strip()]

    decision = lines("decision.pdf")
    start = decision.index("DANH SÁCH")
    heading = decision[start + 1:start + 3]
    assert not any(x.endswith(("ỦY", "CHỦ")) for x in heading), heading
    assert any("ỦY BAN NHÂN DÂN" in x for x in heading), heading
    ward = lines("ward.pdf")
    assert any("Đông Kinh, ngày 05 tháng 02 năm 2027" in x for x in ward), ward[:12]
    assert not any("Lạng Sơn, ngày" in x for x in ward)


@pytest.mark.parametrize("typed,expected", [
    (12, (12, None)), ("12", (12, None)), ("012", (12, None)), ("", (None, None)),
    (None, (None, None)), ("12/BB-HĐTĐKT", (12, "BB-HĐTĐKT")),
    ("12 / BB-HĐTĐKT", (12, "BB-HĐTĐKT")), ("7/BB-UBND", (7, "BB-UBND")),
])
def test_the_minutes_number_takes_its_symbol(typed, expected):
    assert validation.minutes_number(typed) == expected


@pytest.mark.parametrize("typed", ["0", "12/bb-hđtđkt", "12/QĐ-UBND", "12/BB", "1234567",
                                   "12/BB-HĐ TĐKT", True, 1.5, "mười hai"])
def test_a_minutes_number_not_as_offices_write_it_is_refused(typed):
    with pytest.raises(Invalid) as refused:
        validation.minutes_number(typed)
    assert "12/BB-HĐTĐKT" in refused.value.message


def test_the_councils_symbol_is_data(world, frozen):
    frozen(utc_at(ON))
    db.session.execute(Unit.__table__.update().where(Unit.code == "PDK")
                       .values(council_symbol="HĐTĐKT"))
    db.session.commit()
    s = scenario(world)
    # the ward's council numbers in its own book; a unit with no council symbol, its own
    assert "Số: 03/BB-HĐTĐKT" in nonblank(open_docx(document("dossier", s.pdk, "minutes")[0]))
    assert "Số: 03/BB-SYT" in nonblank(open_docx(document("dossier", s.syt, "minutes")[0]))


def test_the_api_takes_the_minutes_number_with_its_symbol(world, api, campaign):
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    client = api("staff_a")
    r = client.patch(f"/api/v1/dossiers/{dossier.id}",
                     json={"version": dossier.version, "council_minutes_number": "12/BB-HĐTĐKT"})
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    assert (got["council_minutes_number"], got["council_minutes_symbol"]) == (12, "BB-HĐTĐKT")
    for bad in ("12/bb", "BB-HĐTĐKT", 0, True, [12]):
        r = client.patch(f"/api/v1/dossiers/{dossier.id}",
                         json={"version": got["version"], "council_minutes_number": bad})
        assert r.status_code == 422, (bad, r.get_json())
    r = client.patch(f"/api/v1/dossiers/{dossier.id}",
                     json={"version": got["version"], "council_minutes_number": 5})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["council_minutes_number"], r.get_json()["council_minutes_symbol"]) == (
        5, None)


def test_a_city_or_province_decides_at_cap_tinh():
    city = SimpleNamespace(kind="province", locality="thành phố")
    province = SimpleNamespace(kind="province", locality="tỉnh")
    ward = SimpleNamespace(kind="commune", locality="phường")
    assert awards.issuing_level(city) == awards.issuing_level(province) == "Cấp tỉnh"
    assert awards.issuing_level(ward) == "Cấp xã"


HEADER = "code,name,kind,parent_code,parent_header,place_name\n"


@pytest.mark.parametrize("row,field", [
    ("PHB,Ủy ban nhân dân phường Hồng Bàng,commune,UBND,UBND THÀNH PHỐ HẢI PHÒNG,",
     "parent_header"),
    ("HP,Ủy ban nhân dân thành phố Hải Phòng,province,,UBND,", "parent_header"),
    ("DK,Đông Kinh,commune,UBND,,", "place_name"),  # no place given, none in the name
])
def test_the_units_import_refuses_what_a_committees_letterhead_cannot_print(world, row, field):
    before = db.session.query(Unit).count()
    with pytest.raises(Invalid) as refused:
        import_units_csv(HEADER + row + "\n")
    assert field in refused.value.details and refused.value.message.startswith("Dòng 2:")
    assert db.session.query(Unit).count() == before  # nothing written


def test_a_wards_place_is_read_from_its_name_when_not_given(world):
    import_units_csv(HEADER + "XDD,Ủy ban nhân dân xã Đồng Đăng,commune,UBND,,\n"
                     "P12,Ủy ban nhân dân Phường 12,commune,UBND,,\n")
    places = {u.code: u.place for u in db.session.query(Unit).filter(
        Unit.code.in_(["XDD", "P12"]))}
    assert places == {"XDD": "Đồng Đăng", "P12": "Phường 12"}


def test_a_councils_own_register_numbers_its_minutes_when_none_is_typed(world, frozen):
    """The ward's council keeps its own book (data: its symbol; `flask registers set PDK
    BB-HĐTĐKT …` sets where it stands): an untyped biên bản takes its next number at the
    head's signature; a typed one is printed as typed."""
    frozen(utc_at(ON))
    db.session.execute(Unit.__table__.update().where(Unit.code == "PDK")
                       .values(council_symbol="HĐTĐKT"))
    db.session.commit()
    registers.set_last(None, "PDK", "BB-HĐTĐKT", ON.year, 11)
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign, unit="PDK", staff="staff_b")
    dossier = dossiers.update_dossier(world.users["staff_b"], dossier.id,
                                      {"council_minutes_number": ""}, dossier.version)
    assert dossier.council_minutes_number is None
    helpers.fire(world, "dossier", dossier, "staff_b", "submit")
    helpers.fire(world, "dossier", dossier, "head_b", "sign_off")
    db.session.refresh(dossier)
    assert (dossier.council_minutes_number, dossier.council_minutes_symbol) == (12, None)
    assert "Số: 12/BB-HĐTĐKT" in nonblank(open_docx(document("dossier", dossier, "minutes")[0]))
    assert registers.peek_next(dossier.unit_id, "BB-HĐTĐKT", ON.year) == 13
