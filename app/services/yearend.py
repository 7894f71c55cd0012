"""The unit's year-end results (issue 24, items 3 and 4): each person's and collective's
rating, the unit's own titles (Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Tập thể lao
động tiên tiến, Giấy khen) decided by the head the unit's data names, the holds
(discipline, inspection, complaint), and the initiatives register. The titles go into
the award history (cấp cơ sở), where the eligibility rules read them.

Ratings and holds are private: only the subject's unit and the Board's appraisers see
them (permissions.private_results); nothing here is written to a notice or an export.
"""
from datetime import date, datetime

import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    HOLD_KINDS,
    RATINGS,
    SCOPES,
    AwardForm,
    AwardRecord,
    Hold,
    Initiative,
    InitiativeAuthor,
    Unit,
    YearRating,
)
from app.services import awards, imports, names, spreadsheets, validation
from app.services.dossiers import identity_key
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.permissions import private_results
from app.services.tx import transaction
from workflows.roles import BOARD, UNIT_SCOPED

__all__ = ["HOLD_KINDS", "RATINGS", "SCOPES"]

UNIT_LEVEL = "Cấp cơ sở"
MAX_ITEMS = 5000  # one unit's people in one request

_NAME = validation.Text("Họ và tên / tên tập thể", 255, required=True, single_line=True)
_ORG = validation.Text("Cơ quan, đơn vị", 255, single_line=True)
SUBJECT = {"kind": validation.Text("Loại", 16, required=True, single_line=True),
           "name": _NAME, "organisation": _ORG,
           "title": validation.Text("Danh xưng", 16, single_line=True),
           "position_title": validation.Text("Chức vụ", 255, single_line=True),
           "collective": validation.Text("Tập thể (phòng, trường …)", 255, single_line=True),
           "rating": validation.Text("Xếp loại", 8, single_line=True)}
DECISION = {"number": validation.Text("Số quyết định", 60, required=True, single_line=True),
            "signer": validation.Text("Người ký", 255, required=True, single_line=True),
            "award_form": validation.Text("Danh hiệu", 32, required=True, single_line=True)}
HOLD = {"source_paper": validation.Text("Văn bản căn cứ", 255, required=True,
                                        single_line=True),
        "note": validation.Text("Ghi chú", 2000), "kind": validation.Text("Loại", 16)}
INITIATIVE = {"title": validation.Text("Tên sáng kiến", 2000, required=True),
              "level": validation.Text("Cấp công nhận", 120, single_line=True),
              "recognised_by": validation.Text("Cơ quan, hội đồng công nhận", 255,
                                               required=True, single_line=True),
              "decision_number": validation.Text("Số quyết định", 60, required=True,
                                                 single_line=True),
              "scope": validation.Text("Phạm vi ảnh hưởng", 16, required=True,
                                       single_line=True)}


def _date(value, label, path):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid(f"«{label}»: ghi ngày dạng dd/mm/yyyy.", details={path: ["Ngày không hợp lệ."]},
                  code="invalid_input")


def _year(value, path="year"):
    year = validation.one(value, validation.YEAR, path)
    if year > today().year + 1:
        raise Invalid("«Năm»: chưa tới năm này.", details={path: ["Năm không hợp lệ."]},
                      code="invalid_input")
    return int(year)


def _unit(unit_id) -> Unit:
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def decider(unit) -> Unit:
    """The unit whose head decides ``unit``'s own titles (data on the unit: a sở for the
    units under it; the unit itself when empty: a sở, a xã's People's Committee)."""
    if unit.titles_decided_by_id:
        return db.session.get(Unit, unit.titles_decided_by_id)
    return unit


def _may_enter(user, unit):
    """The unit's own staff and head, those of the unit deciding its titles, or the Board
    (which imports earlier years)."""
    if user.roles & BOARD:
        return
    if user.roles & UNIT_SCOPED and user.unit_id in (unit.id, decider(unit).id):
        return
    raise Forbidden("Chỉ cán bộ, thủ trưởng của đơn vị (hoặc đơn vị quyết định danh hiệu của "
                    "đơn vị) và Ban Thi đua – Khen thưởng mới được ghi kết quả cuối năm.")


def _may_see(user, unit_id):
    if user.roles & BOARD:
        return
    if user.roles & UNIT_SCOPED and user.unit_id == unit_id:
        return
    raise NotFound("Không tìm thấy đơn vị.")  # outside the scope: it does not exist


def _subject(raw, unit, path, *, kinds=("individual", "collective")):
    if not isinstance(raw, dict):
        raise Invalid("Mỗi dòng phải là một đối tượng.", details={path: ["Sai dạng."]},
                      code="invalid_input")
    data = validation.check(raw, SUBJECT)
    kind = data.get("kind") or "individual"
    if kind not in kinds:
        raise Invalid(f"«Loại» phải là cá nhân hoặc tập thể ({', '.join(kinds)}).",
                      details={f"{path}.kind": ["Không hợp lệ."]}, code="invalid_input")
    organisation = data.get("organisation") or unit.short_name or unit.name
    name = data["name"]
    return {"kind": kind, "name": name, "organisation": organisation,
            "identity_key": identity_key(kind, name, organisation),
            "title": data.get("title") or "", "position_title": data.get("position_title") or "",
            "collective": data.get("collective") or "", "rating": data.get("rating")}


def _items(items, label):
    if not isinstance(items, list) or not items:
        raise Invalid(f"Chưa có {label}.", details={"items": ["Bắt buộc."]},
                      code="invalid_input")
    if len(items) > MAX_ITEMS:
        raise Invalid(f"Tối đa {MAX_ITEMS} dòng mỗi lần.", details={"items": ["Quá dài."]},
                      code="invalid_input")


# -- ratings ----------------------------------------------------------------------------------


def record_ratings(user, unit_id, year, items, lines=None):
    """The unit's ratings for ``year``: each person (with the collective they belong to
    that year) and each collective; a subject rated again that year is re-rated. All or
    nothing, in one statement for the old rows and one for the new. ``lines``: the rows'
    numbers in the sheet they came from (an Excel import), for the messages."""
    year = _year(year)
    unit = _unit(unit_id)
    _may_enter(user, unit)
    _items(items, "xếp loại")
    rows, seen = [], {}
    line = (lambda i: lines[i]) if lines else (lambda i: i + 1)
    for i, raw in enumerate(items):
        s = _subject(raw, unit, f"items[{i}]")
        if s["rating"] not in RATINGS:
            raise Invalid(f"Dòng {line(i)}: «Xếp loại» phải là một trong: "
                          f"{'; '.join(RATINGS.values())}.",
                          details={f"items[{i}].rating": list(RATINGS)}, code="invalid_input")
        if s["identity_key"] in seen:
            raise Invalid(f"Dòng {line(i)}: {s['name']} đã có ở dòng {seen[s['identity_key']]}.",
                          details={f"items[{i}].name": ["Trùng."]}, code="invalid_input")
        seen[s["identity_key"]] = line(i)
        collective = (identity_key("collective", s["collective"], s["organisation"])
                      if s["collective"] and s["kind"] == "individual" else "")
        rows.append({"year": year, "unit_id": unit.id, "subject_kind": s["kind"],
                     "name": s["name"], "organisation": s["organisation"],
                     "identity_key": s["identity_key"], "collective_key": collective,
                     "rating": s["rating"], "created_at": now_utc(), "created_by_id": user.id})
    with transaction():
        keys = [r["identity_key"] for r in rows]
        for start in range(0, len(keys), 500):  # a bounded number of parameters each
            db.session.execute(sa.delete(YearRating).where(
                YearRating.year == year, YearRating.identity_key.in_(keys[start:start + 500])))
        db.session.execute(sa.insert(YearRating), rows)
    return {"unit_id": unit.id, "year": year, "recorded": len(rows)}


def ratings(user, unit_id, year):
    _may_see(user, unit_id)
    year = _year(year)
    rows = db.session.scalars(
        sa.select(YearRating).where(YearRating.unit_id == unit_id, YearRating.year == year,
                                    private_results(user, YearRating))
        .order_by(YearRating.subject_kind.desc(), YearRating.name, YearRating.id)).all()
    return [{"id": r.id, "year": r.year, "kind": r.subject_kind, "name": r.name,
             "organisation": r.organisation, "rating": r.rating,
             "rating_name": RATINGS[r.rating], "collective_key": r.collective_key}
            for r in rows]


# -- the unit's own titles ---------------------------------------------------------------------


def record_unit_decision(user, data):
    """A decision of the unit's head on its own titles (LĐTT, CSTĐCS, TTLĐTT, Giấy khen):
    every subject named becomes an award record at cấp cơ sở, with the decision's number,
    date and signer, in one statement; an earlier year's decision is entered the same way
    (the Board's import of history)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    unit = _unit(data.get("unit_id"))
    _may_enter(user, unit)
    head = validation.check({k: data.get(k) for k in DECISION}, DECISION)
    decided_on = _date(data.get("decided_on"), "Ngày quyết định", "decided_on")
    if decided_on > today():
        raise Invalid("«Ngày quyết định»: chưa tới ngày này.",
                      details={"decided_on": ["Ngày trong tương lai."]}, code="invalid_input")
    year = _year(data.get("year") if data.get("year") is not None else decided_on.year)
    form = db.session.scalars(
        sa.select(AwardForm).where(AwardForm.code == head["award_form"],
                                   AwardForm.level == "unit", AwardForm.in_force(decided_on))
        .order_by(AwardForm.effective_from.desc())).first()
    if form is None:
        raise Invalid(f"«{head['award_form']}» không phải danh hiệu, hình thức khen thưởng do "
                      f"thủ trưởng đơn vị quyết định.", details={"award_form": ["Không hợp lệ."]},
                      code="unknown_award_form")
    subjects = data.get("subjects")
    _items(subjects, "người, tập thể được khen")
    kinds = (form.subject_kind,) if form.subject_kind in ("individual", "collective") else (
        "individual", "collective")
    issuer = decider(unit)
    rows, seen = [], set()
    for i, raw in enumerate(subjects):
        s = _subject(raw, unit, f"subjects[{i}]", kinds=kinds)
        if s["identity_key"] in seen:
            raise Invalid(f"Dòng {i + 1}: {s['name']} có hai lần trong quyết định.",
                          details={f"subjects[{i}].name": ["Trùng."]}, code="invalid_input")
        seen.add(s["identity_key"])
        rows.append({
            "source": "import", "subject_kind": s["kind"], "name": s["name"],
            "title": s["title"], "position_title": s["position_title"],
            "organisation": s["organisation"], "identity_key": s["identity_key"],
            "search_key": names.search_key(s["name"]), "unit_id": unit.id,
            "unit_name": unit.name, "award_form_id": form.id, "form_name": form.name,
            "decision_number": head["number"], "decided_on": decided_on, "year": year,
            "issuer_name": head["signer"], "issuing_level": UNIT_LEVEL,
            "achievement_summary": f"Quyết định của {issuer.name}", "created_at": now_utc(),
            "created_by_id": user.id})
    with transaction():
        keys = [r["identity_key"] for r in rows]
        duplicate = None
        for start in range(0, len(keys), 500):  # a bounded number of parameters each
            duplicate = duplicate or db.session.scalar(
                sa.select(AwardRecord.name).where(
                    AwardRecord.award_form_id == form.id, AwardRecord.year == year,
                    AwardRecord.identity_key.in_(keys[start:start + 500])).limit(1))
        if duplicate:
            raise Invalid(f"{duplicate} đã có {form.name} năm {year}: một thành tích chỉ "
                          f"khen thưởng một lần.", code="duplicate_award",
                          details={"subjects": [duplicate]})
        db.session.execute(sa.insert(AwardRecord), rows)
        awards.year_moved(year)
    return {"unit_id": unit.id, "award_form": form.code, "year": year,
            "decision_number": head["number"], "recorded": len(rows)}


# -- holds ------------------------------------------------------------------------------------


def add_hold(user, data):
    """A discipline, inspection or complaint on a person or collective, with its paper and
    its end date (empty while it runs)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    unit = _unit(data.get("unit_id"))
    _may_enter(user, unit)
    s = _subject({k: data.get(k) for k in ("kind", "name", "organisation") if k in data}
                 | {"kind": data.get("subject_kind") or "individual"}, unit, "subject")
    paper = validation.check({k: data.get(k) for k in HOLD if data.get(k) is not None}, HOLD)
    if data.get("kind") not in HOLD_KINDS:
        raise Invalid(f"«Loại vụ việc» phải là một trong: {'; '.join(HOLD_KINDS.values())}.",
                      details={"kind": list(HOLD_KINDS)}, code="invalid_input")
    if not paper.get("source_paper"):
        raise Invalid("Cần ghi văn bản căn cứ (số, ngày, cơ quan ban hành).",
                      details={"source_paper": ["Bắt buộc."]}, code="invalid_input")
    starts = _date(data.get("starts_on"), "Từ ngày", "starts_on")
    ends = _date(data["ends_on"], "Đến ngày", "ends_on") if data.get("ends_on") else None
    if ends is not None and ends < starts:
        raise Invalid("«Đến ngày» trước «Từ ngày».", details={"ends_on": ["Trước ngày bắt đầu."]},
                      code="invalid_input")
    with transaction():
        hold = Hold(unit_id=unit.id, subject_kind=s["kind"], name=s["name"],
                    organisation=s["organisation"], identity_key=s["identity_key"],
                    kind=data["kind"], source_paper=paper["source_paper"], starts_on=starts,
                    ends_on=ends, note=paper.get("note") or "", created_by_id=user.id)
        db.session.add(hold)
    return _hold(hold)


def _hold(h):
    return {"id": h.id, "unit_id": h.unit_id, "subject_kind": h.subject_kind, "name": h.name,
            "organisation": h.organisation, "kind": h.kind, "kind_name": HOLD_KINDS[h.kind],
            "source_paper": h.source_paper, "starts_on": h.starts_on, "ends_on": h.ends_on,
            "note": h.note}


def holds(user, unit_id):
    _may_see(user, unit_id)
    rows = db.session.scalars(sa.select(Hold).where(
        Hold.unit_id == unit_id, private_results(user, Hold))
        .order_by(Hold.starts_on.desc(), Hold.id)).all()
    return [_hold(h) for h in rows]


# -- initiatives --------------------------------------------------------------------------------


def add_initiative(user, data):
    """A recognised initiative: its authors, who recognised it, the decision, the scope."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    unit = _unit(data.get("unit_id"))
    _may_enter(user, unit)
    head = validation.check({k: data.get(k) for k in INITIATIVE if data.get(k) is not None},
                            INITIATIVE)
    for key in ("title", "recognised_by", "decision_number", "scope"):
        if not head.get(key):
            raise Invalid(f"Thiếu «{INITIATIVE[key].label}».", details={key: ["Bắt buộc."]},
                          code="invalid_input")
    if head["scope"] not in SCOPES:
        raise Invalid("«Phạm vi ảnh hưởng» là trong đơn vị (unit) hoặc toàn tỉnh (province).",
                      details={"scope": list(SCOPES)}, code="invalid_input")
    decided_on = _date(data.get("decided_on"), "Ngày quyết định", "decided_on")
    year = _year(data.get("year") if data.get("year") is not None else decided_on.year)
    authors = data.get("authors")
    _items(authors, "tác giả")
    people = {}
    for i, raw in enumerate(authors):
        s = _subject(raw, unit, f"authors[{i}]", kinds=("individual",))
        people[s["identity_key"]] = s
    with transaction():
        initiative = Initiative(unit_id=unit.id, title=head["title"],
                                level=head.get("level") or "", recognised_by=head["recognised_by"],
                                decision_number=head["decision_number"], decided_on=decided_on,
                                year=year, scope=head["scope"], created_by_id=user.id)
        db.session.add(initiative)
        db.session.flush()
        db.session.execute(sa.insert(InitiativeAuthor), [
            {"initiative_id": initiative.id, "identity_key": k, "name": s["name"],
             "organisation": s["organisation"]} for k, s in people.items()])
    return {"id": initiative.id, "unit_id": unit.id, "title": initiative.title,
            "scope": initiative.scope, "year": year, "authors": [s["name"] for s in people.values()]}


def initiatives(user, unit_id, year=None):
    _may_see(user, unit_id)
    query = (sa.select(Initiative).where(Initiative.unit_id == unit_id,
                                         private_results(user, Initiative))
             .order_by(Initiative.year.desc(), Initiative.id))
    if year is not None:
        query = query.where(Initiative.year == _year(year))
    rows = db.session.scalars(query).all()
    authors = {}
    if rows:
        for a in db.session.execute(sa.select(InitiativeAuthor).where(
                InitiativeAuthor.initiative_id.in_(
                    sa.select(Initiative.id).where(Initiative.unit_id == unit_id)))
                .order_by(InitiativeAuthor.name)).scalars():
            authors.setdefault(a.initiative_id, []).append(a.name)
    return [{"id": r.id, "title": r.title, "level": r.level, "recognised_by": r.recognised_by,
             "decision_number": r.decision_number, "decided_on": r.decided_on, "year": r.year,
             "scope": r.scope, "scope_name": SCOPES[r.scope], "authors": authors.get(r.id, [])}
            for r in rows]


# -- Excel in: the same checks as the entry by hand -----------------------------------------------

RATING_SHEET = "Xếp loại"
RATING_COLUMNS = (
    spreadsheets.Column("Loại", 12, required=True),
    spreadsheets.Column("Tên tập thể, họ tên cá nhân", 34, required=True),
    spreadsheets.Column("Đơn vị công tác", 24),
    spreadsheets.Column("Thuộc tập thể (phòng, trường …)", 34),
    spreadsheets.Column("Xếp loại", 34, required=True),
)
_RATING_BY_NAME = {spreadsheets._norm(v): k for k, v in RATINGS.items()}
_KIND_BY_NAME = {"cá nhân": "individual", "tập thể": "collective"}


def rating_template(user, unit_id, year):
    unit = _unit(unit_id)
    _may_enter(user, unit)
    example = ["Cá nhân", "Nguyễn Văn An", unit.short_name or unit.name, "Phòng Tổ chức cán bộ",
               RATINGS["htxs"]]
    data = spreadsheets.template(RATING_SHEET, RATING_COLUMNS, example, {
        "Loại": ["Cá nhân", "Tập thể"], "Xếp loại": list(RATINGS.values())})
    return f"Mẫu xếp loại năm {_year(year)}.xlsx", data


def import_ratings(user, unit_id, year, data: bytes, filename: str):
    """The unit's ratings from the filled-in template: every row read, each problem named
    by row and column, then the same checks and the same write as by hand (all or none)."""
    unit = _unit(unit_id)
    _may_enter(user, unit)
    rows, problems = spreadsheets.read(data, filename, RATING_COLUMNS,
                                       max_bytes=imports.max_bytes(),
                                       sheet_title=RATING_SHEET, max_rows=MAX_ITEMS)
    items, lines = [], []
    for number, values in rows:
        lines.append(number)
        kind = _KIND_BY_NAME.get((values["Loại"] or "").strip().casefold())
        if values["Loại"] and kind is None:
            problems.append(spreadsheets.problem(number, "Loại",
                                                 "chọn «Tập thể» hoặc «Cá nhân»."))
        rating = _RATING_BY_NAME.get(spreadsheets._norm(values["Xếp loại"] or ""))
        if values["Xếp loại"] and rating is None:
            problems.append(spreadsheets.problem(
                number, "Xếp loại", "chọn một trong: " + "; ".join(RATINGS.values()) + "."))
        items.append({"kind": kind or "individual", "name": values["Tên tập thể, họ tên cá nhân"],
                      "organisation": values["Đơn vị công tác"] or "",
                      "collective": values["Thuộc tập thể (phòng, trường …)"] or "",
                      "rating": rating})
    if problems:
        spreadsheets.refuse(problems)
    try:
        return record_ratings(user, unit_id, year, items, lines)
    except Invalid as error:  # the same checks, their rows numbered as in the sheet
        if error.code == "invalid_file":
            raise
        spreadsheets.refuse([error.message])
