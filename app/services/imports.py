"""Lists in from Excel: a unit's nominees into its dossier, and awards made outside the
system into the award register. Each file is checked whole (the sheet, every cell, every
row through the same rules as the forms, duplicates) and then written in one transaction:
all of it, or none of it, every problem named by its row and column.
"""
from datetime import date

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc, today
from app.extensions import db
from app.models import AwardForm, AwardRecord, Nominee, Unit
from app.services import awards, dossiers, names, spreadsheets, steps, validation
from app.services.errors import Invalid
from app.services.permissions import require_role
from app.services.spreadsheets import Column
from app.services.tx import transaction
from workflows.roles import BOARD

KINDS = {"Tập thể": "collective", "Cá nhân": "individual"}
KIND_BY_NORM = {k.casefold(): v for k, v in KINDS.items()}


LOOKUP_CHUNK = 1000  # values per IN (...) list: far below any driver's bound-parameter limit


def max_bytes() -> int:
    return current_app.config["EXCEL_IMPORT_MAX_MB"] * 1024 * 1024


def max_rows() -> int:
    return current_app.config["EXCEL_IMPORT_MAX_ROWS"]


def max_award_rows() -> int:
    return current_app.config["EXCEL_AWARD_IMPORT_MAX_ROWS"]


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def _kind(value):
    return KIND_BY_NORM.get((value or "").strip().casefold())


def _field_problems(number, error: Invalid, headings):
    """A validation error of one row, as "Dòng n, cột «…»: …" lines."""
    out = []
    for path, messages in (error.details or {"_": [error.message]}).items():
        heading = headings.get(path)
        for message in messages if isinstance(messages, list) else [error.message]:
            text = message if isinstance(message, str) else error.message
            if heading:  # the column is named once: "Dòng 5, cột «X»: …", not "«X»: «X»: …"
                text = text.removeprefix(f"«{heading}»: ")
            out.append(spreadsheets.problem(number, heading, text) if heading
                       else f"Dòng {number}: {text}")
    return out


# -- nominees into a dossier ---------------------------------------------------------------

NOMINEE_SHEET = "Danh sách đề nghị"
NOMINEE_COLUMNS = (
    Column("Loại", 12, required=True), Column("Danh xưng", 10, max_len=16),
    Column("Tên tập thể, họ tên cá nhân", 34, required=True),
    Column("Chức vụ", 30), Column("Đơn vị công tác", 34),
    Column("Hình thức khen thưởng", 40, required=True),
    Column("Số phiếu đồng ý", 12, "int"),
    Column("Tóm tắt thành tích", 60, max_len=validation.LONG),
)
NOMINEE_FIELDS = {"title": "Danh xưng", "name": "Tên tập thể, họ tên cá nhân",
                  "position_title": "Chức vụ", "organisation": "Đơn vị công tác",
                  "votes_for": "Số phiếu đồng ý", "achievement_summary": "Tóm tắt thành tích",
                  "award_form": "Hình thức khen thưởng", "kind": "Loại"}


def nominee_template(user, dossier_id):
    """(file name, bytes): the list to fill in, offering the campaign's award forms."""
    dossier = steps.load(dossiers.KIND, dossier_id, user)
    forms = [f.award_form.name for f in dossier.campaign.award_forms]
    example = ["Cá nhân", "Bà", "Nguyễn Thị An", "Trưởng phòng", dossier.unit.name,
               forms[0] if forms else "", 9, "Hoàn thành xuất sắc nhiệm vụ …"]
    data = spreadsheets.template(NOMINEE_SHEET, NOMINEE_COLUMNS, example,
                                 {"Loại": list(KINDS), "Hình thức khen thưởng": forms})
    return f"Mẫu danh sách đề nghị - {dossier.unit.code}.xlsx", data


def import_nominees(user, dossier_id, data: bytes, filename: str, version=None) -> int:
    """Add every row of the file to the dossier's nominees, or none; returns the count."""
    rows, problems = _read_nominees(data, filename)
    with transaction():
        dossier = steps.open_for(dossiers.KIND, "content", dossier_id, user, version)
        _add_nominees(dossier, rows, problems)
        steps.touch(dossier)
    return len(rows)


def save_and_import_nominees(user, dossier_id, changes, data: bytes, filename: str,
                             version) -> int:
    """The drafting page's «Nhập danh sách»: what the form sends is saved and the file's
    rows are added in one transaction, so an import never drops what was typed; a refused
    file (or field) writes nothing. Returns the count of rows added."""
    try:
        rows, problems = _read_nominees(data, filename)
    except Invalid as error:  # beside the file's field, the rest of the form kept as typed
        raise Invalid(f"Chưa lưu: {error.message}",
                      details={"import.file": spreadsheets.problem_lines(error)},
                      code=error.code) from None
    dossiers.save_draft(user, dossier_id, changes, version,
                        also=lambda dossier: _add_nominees(dossier, rows, problems))
    return len(rows)


def _read_nominees(data, filename):
    return spreadsheets.read(data, filename, NOMINEE_COLUMNS, max_bytes=max_bytes(),
                             sheet_title=NOMINEE_SHEET, max_rows=max_rows())


def _add_nominees(dossier, rows, problems):
    """The file's rows as nominees of the dossier (inside the caller's transaction), or
    Invalid naming every problem by row and column."""
    limit = max_rows()
    held = len(dossier.nominees)
    if held + len(rows) > limit:  # the same bound on the dossier the file fills
        raise spreadsheets.too_many_rows(
            f"hồ sơ đã có {spreadsheets.number_text(held)} tập thể, cá nhân, tệp thêm "
            f"{spreadsheets.number_text(len(rows))}: một hồ sơ nhận tối đa "
            f"{spreadsheets.number_text(limit)}.")
    forms = {}
    for offered in dossier.campaign.award_forms:
        form = offered.award_form
        forms[spreadsheets._norm(form.name)] = forms[spreadsheets._norm(form.code)] = form
    seen = {(n.identity_key, n.award_form_id): f"đã có trong hồ sơ ({n.name})"
            for n in dossier.nominees}
    position = max((n.position for n in dossier.nominees), default=0)
    for number, values in rows:
        kind = _kind(values["Loại"])
        if values["Loại"] and kind is None:
            problems.append(spreadsheets.problem(number, "Loại",
                                                 "chọn «Tập thể» hoặc «Cá nhân»."))
        form = forms.get(spreadsheets._norm(values["Hình thức khen thưởng"]))
        if values["Hình thức khen thưởng"] and form is None:
            problems.append(spreadsheets.problem(
                number, "Hình thức khen thưởng",
                f"«{values['Hình thức khen thưởng'][:80]}» không thuộc các hình thức "
                "của phong trào."))
        fields = {key: values[heading] for key, heading in NOMINEE_FIELDS.items()
                  if key not in ("kind", "award_form")}
        fields = {k: ("" if v is None and k != "votes_for" else v) for k, v in fields.items()}
        try:
            fields = validation.check(fields, validation.NOMINEE)
        except Invalid as error:
            problems.extend(_field_problems(number, error, NOMINEE_FIELDS))
            continue
        if kind is None or form is None:
            continue
        nominee = Nominee(campaign_id=dossier.campaign_id, position=position + 1,
                          award_form=form)
        try:
            dossiers._apply_nominee(dossier, nominee, {**fields, "kind": kind})
        except Invalid as error:
            problems.extend(_field_problems(number, error, NOMINEE_FIELDS))
            continue
        key = (nominee.identity_key, form.id)
        if key in seen:
            problems.append(f"Dòng {number}: trùng {seen[key]}.")
            continue
        seen[key] = f"dòng {number}"
        position += 1
        dossier.nominees.append(nominee)
    if problems:
        spreadsheets.refuse(problems)  # rolls the whole file back


# -- awards made outside the system, into the register ------------------------------------

AWARD_SHEET = "Khen thưởng"
AWARD_COLUMNS = (
    Column("Loại", 12, required=True), Column("Danh xưng", 10, max_len=16),
    Column("Tên tập thể, họ tên cá nhân", 34, required=True),
    Column("Chức vụ", 30), Column("Đơn vị công tác", 34),
    Column("Mã đơn vị", 12, max_len=32), Column("Đơn vị", 40),
    Column("Hình thức khen thưởng", 40, required=True),
    Column("Số QĐ", 18, required=True, max_len=60), Column("Ngày QĐ", 14, "date", required=True),
    Column("Cơ quan quyết định", 40), Column("Cấp quyết định", 16, max_len=60),
    Column("Số tiền (đồng)", 16, "money"),
    Column("Tóm tắt thành tích", 60, max_len=validation.LONG),
)
AWARD_TEXT = {"title": "Danh xưng", "name": "Tên tập thể, họ tên cá nhân",
              "position_title": "Chức vụ", "organisation": "Đơn vị công tác",
              "unit_name": "Đơn vị", "decision_number": "Số QĐ",
              "issuer_name": "Cơ quan quyết định", "issuing_level": "Cấp quyết định",
              "achievement_summary": "Tóm tắt thành tích"}
AWARD_RULES = {key: validation.Text(heading, column.max_len, single_line=key not in (
    "achievement_summary",)) for key, heading in AWARD_TEXT.items()
    for column in AWARD_COLUMNS if column.heading == heading}


def award_template(user):
    require_role(user, BOARD, "nhập khen thưởng từ Excel")
    forms = [f.name for f in db.session.scalars(
        sa.select(AwardForm).order_by(AwardForm.name))]
    forms = list(dict.fromkeys(forms))
    example = ["Cá nhân", "Ông", "Nguyễn Văn An", "Phó Giám đốc", "Sở Y tế", "SYT", "Sở Y tế",
               forms[0] if forms else "", "125/QĐ-UBND", date(2018, 1, 15),
               "Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn", "Cấp tỉnh", 1490000,
               "Đã có thành tích xuất sắc …"]
    data = spreadsheets.template(AWARD_SHEET, AWARD_COLUMNS, example,
                                 {"Loại": list(KINDS), "Hình thức khen thưởng": forms})
    return "Mẫu nhập khen thưởng.xlsx", data


def import_awards(user, data: bytes, filename: str) -> int:
    """Record awards decided outside the system (source «import»), every row or none."""
    require_role(user, BOARD, "nhập khen thưởng từ Excel")
    rows, problems = spreadsheets.read(data, filename, AWARD_COLUMNS, max_bytes=max_bytes(),
                                       sheet_title=AWARD_SHEET, max_rows=max_award_rows())
    # the lookups, a statement per thousand distinct values, whatever the number of rows
    forms = {}
    for form in db.session.scalars(sa.select(AwardForm).order_by(AwardForm.effective_from)):
        forms[spreadsheets._norm(form.name)] = forms[spreadsheets._norm(form.code)] = form
    codes = {v["Mã đơn vị"].casefold() for _, v in rows if v["Mã đơn vị"]}
    units = {u.code.casefold(): u for chunk in _chunks(codes) for u in db.session.scalars(
        sa.select(Unit).where(sa.func.lower(Unit.code).in_(chunk)))}
    numbers = {v["Số QĐ"] for _, v in rows if v["Số QĐ"]}
    known = {tuple(row) for chunk in _chunks(numbers) for row in db.session.execute(
        sa.select(AwardRecord.identity_key, AwardRecord.award_form_id,
                  AwardRecord.decision_number)
        .where(AwardRecord.decision_number.in_(chunk))).all()}
    records, seen = [], {}
    latest = today()
    for number, values in rows:
        kind = _kind(values["Loại"])
        if values["Loại"] and kind is None:
            problems.append(spreadsheets.problem(number, "Loại", "chọn «Tập thể» hoặc «Cá nhân»."))
        form = forms.get(spreadsheets._norm(values["Hình thức khen thưởng"]))
        if values["Hình thức khen thưởng"] and form is None:
            problems.append(spreadsheets.problem(
                number, "Hình thức khen thưởng",
                f"«{values['Hình thức khen thưởng'][:80]}» không có trong danh mục."))
        unit = None
        if values["Mã đơn vị"]:
            unit = units.get(values["Mã đơn vị"].casefold())
            if unit is None:
                problems.append(spreadsheets.problem(
                    number, "Mã đơn vị", f"không có đơn vị mã «{values['Mã đơn vị'][:40]}»."))
        elif not values["Đơn vị"]:
            problems.append(spreadsheets.problem(number, "Đơn vị",
                                                 "điền «Mã đơn vị» hoặc tên «Đơn vị»."))
        decided_on = values["Ngày QĐ"]
        if decided_on and decided_on > latest:
            problems.append(spreadsheets.problem(number, "Ngày QĐ", "ngày sau hôm nay."))
        fields = {key: values[heading] or "" for key, heading in AWARD_TEXT.items()}
        try:
            fields = validation.check(fields, AWARD_RULES)
        except Invalid as error:
            problems.extend(_field_problems(number, error, AWARD_TEXT))
            continue
        if (kind is None or form is None or decided_on is None
                or (values["Mã đơn vị"] and unit is None)):
            continue
        if form.subject_kind not in ("both", kind):
            problems.append(spreadsheets.problem(
                number, "Hình thức khen thưởng",
                f"«{form.name}» chỉ dành cho "
                f"{'tập thể' if form.subject_kind == 'collective' else 'cá nhân'}."))
            continue
        identity = dossiers.identity_key(kind, fields["name"], fields["organisation"])
        key = (identity, form.id, fields["decision_number"])
        if key in known:
            problems.append(f"Dòng {number}: đã có trong sổ khen thưởng (cùng người, hình thức "
                            f"và quyết định {fields['decision_number']}).")
            continue
        if key in seen:
            problems.append(f"Dòng {number}: trùng với dòng {seen[key]}.")
            continue
        seen[key] = number
        records.append({
            "source": "import", "subject_kind": kind, "name": fields["name"],
            "title": fields["title"] if kind == "individual" else "",
            "position_title": fields["position_title"], "organisation": fields["organisation"],
            "identity_key": identity, "search_key": names.search_key(fields["name"]),
            "unit_id": unit.id if unit else None,
            "unit_name": fields["unit_name"] or (unit.name if unit else ""),
            "award_form_id": form.id, "form_name": form.name,
            "decision_number": fields["decision_number"], "decided_on": decided_on,
            "year": decided_on.year, "issuer_name": fields["issuer_name"],
            "issuing_level": fields["issuing_level"],
            "achievement_summary": fields["achievement_summary"],
            "money": values["Số tiền (đồng)"], "created_at": now_utc(),
            "created_by_id": user.id,
        })
    if problems:
        spreadsheets.refuse(problems)
    with transaction():
        db.session.execute(sa.insert(AwardRecord), records)  # one executemany
        for year in {r["year"] for r in records}:
            awards.year_moved(year)
    return len(records)


def may_import(user) -> bool:
    return bool(user.roles & BOARD)
