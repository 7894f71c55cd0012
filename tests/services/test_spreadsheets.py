"""Excel out and in, and the overview's figures: every exported file is opened with openpyxl
and checked against the database; every malformed import is refused whole, naming the row
and the column."""
import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app.clock import now_utc
from app.extensions import db
from app.models import AwardForm, AwardRecord, Nominee, Unit
from app.services import decisions, dossiers, exports, imports, names, overview
from app.services.errors import Forbidden, Invalid
from tests import helpers


def make_award(world, *, name="Nguyễn Văn An", kind="individual", form="BKCT", year=2024,
               unit="SYT", money=1490000, number="05/QĐ-UBND", source="import", **extra):
    """An award record as the register holds it (the filling at issuance is tested
    where it is written)."""
    award_form = db.session.scalars(sa.select(AwardForm).where(AwardForm.code == form)).first()
    unit_row = world.units[unit] if unit else None
    record = AwardRecord(
        source=source, subject_kind=kind, name=name, title="Ông" if kind == "individual" else "",
        position_title=extra.pop("position_title", "Chuyên viên"),
        organisation=extra.pop("organisation", unit_row.name if unit_row else ""),
        identity_key=dossiers.identity_key(kind, name, unit_row.name if unit_row else ""),
        search_key=names.search_key(name), unit_id=unit_row.id if unit_row else None,
        unit_name=unit_row.name if unit_row else "Đơn vị cũ", award_form_id=award_form.id,
        form_name=award_form.name, decision_number=number,
        decided_on=extra.pop("decided_on", date(year, 5, 19)), year=year,
        issuer_name="Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn", issuing_level="Cấp tỉnh",
        money=Decimal(money) if money is not None else None, created_at=now_utc(), **extra)
    db.session.add(record)
    db.session.commit()
    return record


def issued_decision(world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for n in dossier.nominees])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    struck = dossier.nominees[2]
    decisions.strike(world.users["chairman"], decision.id, struck.id, True, "Chưa đủ tiêu chuẩn")
    helpers.fire(world, "decision", decision, "chairman", "approve")
    helpers.fire(world, "decision", decision, "clerk", "issue")
    db.session.refresh(decision)
    return decision, dossier


def _sheet(named):
    filename, data = named
    if hasattr(data, "read"):
        with data:
            raw = data.read()
    else:
        raw = data
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    return filename, wb.worksheets[0]


def _headings(ws):
    return [c.value for c in ws[1]]


# -- names ----------------------------------------------------------------------------------


def test_search_key_strips_diacritics_and_d():
    assert names.search_key("  Nguyễn   Văn ĐỨC ") == "nguyen van duc"
    assert names.search_key("Lê Thị Bích") == names.search_key("le thi bich")


# -- the overview ---------------------------------------------------------------------------


def test_campaign_overview_counts_every_status(world):
    campaign = helpers.make_campaign(world)
    decision, dossier = issued_decision(world, campaign)
    figures = overview.campaign_overview(world.users["board_head"], campaign.id)
    nominees = {n["status"]: n["count"] for n in figures["nominees"]}
    assert nominees == {"proposed": 3, "accepted": 3, "declined": 0, "struck": 1, "awarded": 2}
    dossier_states = {s["state"]: s["count"] for s in figures["dossiers"]}
    assert dossier_states["decided"] == 1 and dossier_states["draft"] == 1
    assert figures["by_form"] == [{"code": "BKCT", "name": dossier.nominees[0].award_form.name,
                                   **nominees}]
    assert [k["kind"] for k in figures["by_unit_kind"]] == ["department"]
    assert figures["overdue"] == {"plan": 0, "dossier": 0}  # deadlines ahead
    # the chairman sees it; a unit does not
    overview.campaign_overview(world.users["chairman"], campaign.id)
    with pytest.raises(Forbidden):
        overview.campaign_overview(world.users["staff_a"], campaign.id)
    # the lists behind the figures hold the same numbers
    for status, count in nominees.items():
        assert overview.nominees(world.users["board_head"], campaign.id,
                                 status=status)["total"] == count


def test_overdue_counts_units_not_sent_after_the_deadline(world):
    from freezegun import freeze_time

    from app.services import campaigns

    campaign = helpers.make_campaign(world)  # plan deadline in 10 days, dossiers in 70
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    with freeze_time(date.today() + timedelta(days=20)):
        figures = overview.campaign_overview(world.users["appraiser"], campaign.id)
        assert figures["overdue"] == {"plan": 1, "dossier": 0}
        listed = campaigns.progress(world.users["appraiser"], campaign.id, overdue="plan")
        assert [r.unit_code for r in listed["items"]] == ["PDK"]
        assert campaigns.progress(world.users["appraiser"], campaign.id,
                                  overdue="dossier")["total"] == 0


def test_year_overview_groups_by_form_unit_and_kind(world):
    make_award(world, name="A", year=2024, money=1000)
    make_award(world, name="B", year=2024, money=2000, unit="PDK")
    make_award(world, name="C", year=2024, form="CSTDT", money=None)
    make_award(world, name="D", year=2023, money=5000)
    figures = overview.year_overview(world.users["chairman"], 2024)
    assert figures["total"] == {"count": 3, "money": 3000, "units": 2}
    by_form = {r["code"]: (r["count"], r["money"]) for r in figures["by_form"]}
    assert by_form == {"BKCT": (2, 3000), "CSTDT": (1, 0)}
    by_kind = {r["kind"]: r["count"] for r in figures["by_unit_kind"]}
    assert by_kind == {"department": 2, "commune": 1}
    assert figures["by_unit"][0] == {"unit_id": world.units["SYT"].id, "name": "Sở Y tế",
                                     "count": 2, "money": 1000}
    listed = overview.register(world.users["clerk"], 2024, form="BKCT")
    assert listed["total"] == 2
    assert overview.register(world.users["clerk"], 2024, unit_kind="commune")["total"] == 1
    with pytest.raises(Forbidden):
        overview.year_overview(world.users["staff_a"], 2024)


# -- Excel out -------------------------------------------------------------------------------


def test_progress_export_matches_the_database(world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    filename, ws = _sheet(exports.progress(world.users["board_head"], campaign.id))
    assert filename.endswith(".xlsx")
    assert _headings(ws) == [c.heading for c in exports.PROGRESS_COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width == 45
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["PDK", "SYT"]
    syt = rows[1]
    assert syt[0] == 2 and syt[2] == "Sở Y tế" and syt[6] == "Đã gửi Ban TĐKT"
    assert syt[4] == "Đang soạn" and syt[5] is None
    assert isinstance(syt[7], datetime) and syt[7].date() == exports._local_date(
        db.session.get(type(dossier), dossier.id).submitted_at)
    assert ws.cell(row=3, column=8).number_format == "dd/mm/yyyy"
    assert syt[9] == 3 and isinstance(syt[9], int)


def test_nominee_and_awardee_exports_match_the_database(world):
    campaign = helpers.make_campaign(world)
    decision, dossier = issued_decision(world, campaign)
    _, ws = _sheet(exports.nominees(world.users["appraiser"], campaign.id))
    assert _headings(ws) == [c.heading for c in exports.NOMINEE_COLUMNS]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    struck = [r for r in rows if r[11] == "Có"]
    assert [r[4] for r in struck] == ["Lê Thị Bích"]
    an = next(r for r in rows if r[4] == "Nguyễn Văn An")
    assert an[8] == 8 and an[9] == "Đạt" and an[12] == decision.number_label
    assert an[13].date() == decision.issued_on

    filename, ws = _sheet(exports.awardees(world.users["clerk"], decision.id))
    assert _headings(ws) == ["STT", "Họ tên", "Chức vụ", "Đơn vị", "Hình thức", "Số QĐ",
                             "Ngày QĐ", "Cấp quyết định"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    expected = db.session.scalars(sa.select(Nominee).where(
        Nominee.decision_id == decision.id, Nominee.struck.is_(False))
        .order_by(Nominee.kind, Nominee.position)).all()
    assert [r[1] for r in rows] == [n.name for n in expected]
    assert all(r[5] == decision.number_label and r[6].date() == decision.issued_on
               and r[7] == "Cấp tỉnh" and r[4] == decision.award_form.name for r in rows)
    assert ws.cell(row=2, column=7).number_format == "dd/mm/yyyy"
    # a unit sees its own dossier's decision, not another's items
    with pytest.raises(Exception):  # noqa: B017 - 404 whatever its class
        exports.nominees(world.users["staff_b"], 99999)


def test_register_export_matches_the_database(world):
    make_award(world, name="Nguyễn Văn An", year=2024, money=1490000)
    make_award(world, name="Tập thể Phòng Y", kind="collective", year=2024, money=None,
               form="BKCT", number="07/QĐ-UBND", decided_on=date(2024, 1, 2))
    make_award(world, name="Khác năm", year=2023)
    _, ws = _sheet(exports.register(world.users["board_head"], 2024))
    assert _headings(ws)[:3] == ["STT", "Tên tập thể, họ tên cá nhân", "Loại"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["Tập thể Phòng Y", "Nguyễn Văn An"]  # by date
    assert rows[1][10] == 1490000 and isinstance(rows[1][10], int)
    assert rows[0][10] is None and rows[0][2] == "Tập thể"
    assert rows[1][8].date() == date(2024, 5, 19)
    assert ws.cell(row=3, column=11).number_format == "#,##0"
    with pytest.raises(Forbidden):
        exports.register(world.users["staff_a"], 2024)


# -- Excel in: a dossier's nominees ---------------------------------------------------------


def _workbook(columns, rows, sheet=None, headings=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet or "Danh sách đề nghị"
    ws.append(headings or [c.heading for c in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _nominee_row(name="Trần Thị Hoa", kind="Cá nhân", form="Bằng khen của Chủ tịch UBND tỉnh",
                 votes=9):
    return [kind, "Bà", name, "Phó trưởng phòng", "Sở Y tế", form, votes, "Hoàn thành xuất sắc"]


@pytest.fixture
def draft_dossier(world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.unit_item(__import__("app.models", fromlist=["Dossier"]).Dossier,
                                campaign, "SYT")
    return dossier


def _form_name(code="BKCT"):
    return db.session.scalars(sa.select(AwardForm.name).where(AwardForm.code == code)).first()


def test_template_offers_the_campaigns_forms_and_reads_back(world, draft_dossier):
    filename, data = imports.nominee_template(world.users["staff_a"], draft_dossier.id)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Danh sách đề nghị"]
    assert _headings(ws) == [c.heading for c in imports.NOMINEE_COLUMNS]
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert set(rules) == {"A2:A1001", "F2:F1001"}
    lists = wb["Danh mục"]
    assert [c.value for c in lists["F"] if c.value] == [
        f.award_form.name for f in draft_dossier.campaign.award_forms]
    assert wb["Hướng dẫn"]["C2"].value == "Nguyễn Thị An"
    # the template filled in, as a unit would
    ws.append(_nominee_row(form=_form_name()))
    ws.append(["Tập thể", None, "Khoa Nội", None, "Bệnh viện tỉnh", "BKCT", 8, None])
    out = io.BytesIO()
    wb.save(out)
    count = imports.import_nominees(world.users["staff_a"], draft_dossier.id, out.getvalue(),
                                    "danh-sach.xlsx")
    assert count == 2
    db.session.expire_all()
    names_ = [(n.kind, n.name, n.award_form.code, n.votes_for) for n in
              db.session.get(type(draft_dossier), draft_dossier.id).nominees]
    assert ("individual", "Trần Thị Hoa", "BKCT", 9) in names_
    assert ("collective", "Khoa Nội", "BKCT", 8) in names_


def _refused(world, dossier, data, filename="ds.xlsx"):
    with pytest.raises(Invalid) as caught:
        imports.import_nominees(world.users["staff_a"], dossier.id, data, filename)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nominee)) == 0
    return caught.value


def test_wrong_columns_are_refused(world, draft_dossier):
    headings = [c.heading for c in imports.NOMINEE_COLUMNS]
    headings[5] = "Danh hiệu"
    error = _refused(world, draft_dossier, _workbook(
        imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name())], headings=headings))
    assert error.code == "wrong_columns"
    assert "thiếu cột «Hình thức khen thưởng»" in error.message
    assert "thừa cột «Danh hiệu»" in error.message


def test_text_in_a_number_column_names_row_and_column(world, draft_dossier):
    error = _refused(world, draft_dossier, _workbook(imports.NOMINEE_COLUMNS, [
        _nominee_row(form=_form_name()), _nominee_row("Lò Văn Hải", votes="chín"),
        _nominee_row("Hà Thị Thu", form="Huân chương gì đó")]))
    lines = error.details["file"]
    assert "Dòng 3, cột «Số phiếu đồng ý»: phải là số (ô đang ghi «chín»)." in lines
    assert any(line.startswith("Dòng 4, cột «Hình thức khen thưởng»:") for line in lines)
    assert "Dòng 3, cột «Số phiếu đồng ý»" in error.message or "Dòng" in error.message


def test_a_duplicate_row_is_refused(world, draft_dossier):
    form = _form_name()
    error = _refused(world, draft_dossier, _workbook(imports.NOMINEE_COLUMNS, [
        _nominee_row(form=form), _nominee_row(form=form)]))
    assert error.details["file"] == ["Dòng 3: trùng dòng 2."]


def test_a_row_failing_the_forms_rules_is_refused(world, draft_dossier):
    row = _nominee_row(form=_form_name(), votes=10**12)  # past what the form's rules allow
    bad_kind = _nominee_row("Vi Văn Tú", kind="Nhóm", form=_form_name())
    error = _refused(world, draft_dossier, _workbook(imports.NOMINEE_COLUMNS, [row, bad_kind]))
    lines = error.details["file"]
    assert any(line.startswith("Dòng 2, cột «Số phiếu đồng ý»: không được lớn")
               for line in lines), lines
    assert "Dòng 3, cột «Loại»: chọn «Tập thể» hoặc «Cá nhân»." in lines


def test_a_large_file_and_a_file_that_is_not_excel_are_refused(world, draft_dossier):
    big = b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024)
    assert _refused(world, draft_dossier, big).code == "file_too_large"
    assert _refused(world, draft_dossier, b"%PDF-1.4 not a sheet", "ds.pdf").code == "file_type"
    assert _refused(world, draft_dossier, b"%PDF-1.4 renamed", "ds.xlsx").code == "file_content"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))
    assert _refused(world, draft_dossier, bomb.getvalue()).code == "file_content"
    zip_not_sheet = io.BytesIO()
    with zipfile.ZipFile(zip_not_sheet, "w") as z:
        z.writestr("hello.txt", b"xin chao")
    assert _refused(world, draft_dossier, zip_not_sheet.getvalue()).code == "file_content"


def test_a_unit_cannot_import_into_another_units_dossier(world, draft_dossier):
    data = _workbook(imports.NOMINEE_COLUMNS, [_nominee_row(form=_form_name())])
    with pytest.raises(Exception) as caught:  # noqa: PT011 - 404 (not visible)
        imports.import_nominees(world.users["staff_b"], draft_dossier.id, data, "ds.xlsx")
    assert type(caught.value).__name__ == "NotFound"


# -- Excel in: earlier awards ----------------------------------------------------------------


def _award_row(name="Hoàng Văn Nam", number="125/QĐ-UBND", decided="15/01/2018", money=1490000,
               form="BKCT", unit="SYT"):
    return ["Cá nhân", "Ông", name, "Phó Giám đốc", "Sở Y tế", unit, "Sở Y tế", form, number,
            decided, "Chủ tịch UBND tỉnh Lạng Sơn", "Cấp tỉnh", money, "Thành tích xuất sắc"]


def _import_awards(world, rows, who="board_head", **kw):
    data = _workbook(imports.AWARD_COLUMNS, rows, sheet="Khen thưởng", **kw)
    return imports.import_awards(world.users[who], data, "khen-thuong.xlsx")


def test_awards_import_writes_the_register(world):
    count = _import_awards(world, [
        _award_row(), _award_row("Nguyễn Thị Lụa", decided=datetime(2019, 3, 2), money="1.490.000",
                                 unit=None)])
    assert count == 2
    rows = db.session.scalars(sa.select(AwardRecord).order_by(AwardRecord.name)).all()
    nam = next(r for r in rows if r.name == "Hoàng Văn Nam")
    assert (nam.source, nam.year, nam.decided_on, nam.unit_id, nam.money, nam.search_key) == (
        "import", 2018, date(2018, 1, 15), world.units["SYT"].id, 1490000, "hoang van nam")
    lua = next(r for r in rows if r.name == "Nguyễn Thị Lụa")
    assert lua.unit_id is None and lua.unit_name == "Sở Y tế" and lua.year == 2019
    # the same file again: every row is already there
    with pytest.raises(Invalid) as caught:
        _import_awards(world, [_award_row()])
    assert "đã có trong sổ khen thưởng" in caught.value.details["file"][0]


def test_awards_import_refuses_bad_dates_and_text_numbers_whole(world):
    with pytest.raises(Invalid) as caught:
        _import_awards(world, [_award_row(), _award_row("B", decided="31/02/2018"),
                               _award_row("C", money="nhiều"), _award_row("D", unit="KHONGCO")])
    lines = caught.value.details["file"]
    assert "Dòng 3, cột «Ngày QĐ»: không phải ngày hợp lệ dạng dd/mm/yyyy (ô đang ghi «31/02/2018»)." in lines
    assert "Dòng 4, cột «Số tiền (đồng)»: phải là số (ô đang ghi «nhiều»)." in lines
    assert "Dòng 5, cột «Mã đơn vị»: không có đơn vị mã «KHONGCO»." in lines
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardRecord)) == 0
    with pytest.raises(Forbidden):
        _import_awards(world, [_award_row()], who="staff_a")


def test_awards_template_has_its_headings_and_an_example(world):
    _, data = imports.award_template(world.users["appraiser"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert _headings(wb["Khen thưởng"]) == [c.heading for c in imports.AWARD_COLUMNS]
    example = wb["Hướng dẫn"]
    assert isinstance(example["J2"].value, datetime) and example["J2"].number_format == "dd/mm/yyyy"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 5
