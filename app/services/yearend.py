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
    CHANGE_ACTIONS,
    CHANGE_ITEMS,
    HOLD_KINDS,
    RATINGS,
    SCOPES,
    AwardForm,
    AwardRecord,
    Decision,
    Hold,
    Initiative,
    InitiativeAuthor,
    Nominee,
    ResultChange,
    Unit,
    UnitDecision,
    User,
    YearRating,
)
from app.services import audit_anchor, awards, imports, names, spreadsheets, validation
from app.services.dossiers import identity_key
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
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


def _rating_rows(user, unit, year, items, lines=None):
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
    return rows


def _write_ratings(year, rows):
    keys = [r["identity_key"] for r in rows]
    for start in range(0, len(keys), 500):  # a bounded number of parameters each
        db.session.execute(sa.delete(YearRating).where(
            YearRating.year == year, YearRating.identity_key.in_(keys[start:start + 500])))
    db.session.execute(sa.insert(YearRating), rows)


def record_ratings(user, unit_id, year, items, lines=None):
    """The unit's ratings for ``year``: each person (with the collective they belong to
    that year) and each collective; a subject rated again that year is re-rated. All or
    nothing, in one statement for the old rows and one for the new. ``lines``: the rows'
    numbers in the sheet they came from (an Excel import), for the messages."""
    year = _year(year)
    unit = _unit(unit_id)
    _may_enter(user, unit)
    rows = _rating_rows(user, unit, year, items, lines)
    with transaction():
        _write_ratings(year, rows)
    return {"unit_id": unit.id, "year": year, "recorded": len(rows)}


def ratings(user, unit_id, year):
    _may_see(user, unit_id)
    year = _year(year)
    rows = db.session.scalars(
        sa.select(YearRating).where(YearRating.unit_id == unit_id, YearRating.year == year,
                                    private_results(user, YearRating))
        .order_by(YearRating.subject_kind.desc(), YearRating.name, YearRating.id)).all()
    return [_rating(r) for r in rows]


# -- the unit's own titles ---------------------------------------------------------------------


def _decision_input(user, unit, data, form=None):
    """The checked head and subjects of a unit decision (entered or corrected): its form
    (``form`` when correcting: the form does not change), number, date, signer, year, and
    one award-record row per subject, without the decision's id."""
    head = validation.check({k: data.get(k) for k in DECISION}
                            | ({"award_form": form.code} if form is not None else {}), DECISION)
    decided_on = _date(data.get("decided_on"), "Ngày quyết định", "decided_on")
    if decided_on > today():
        raise Invalid("«Ngày quyết định»: chưa tới ngày này.",
                      details={"decided_on": ["Ngày trong tương lai."]}, code="invalid_input")
    year = _year(data.get("year") if data.get("year") is not None else decided_on.year)
    if form is None:
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
    return head, decided_on, year, form, rows


def _refuse_duplicates(form, year, keys, besides=None):
    """A subject with this form in this year already (outside decision ``besides``): one
    achievement is awarded once."""
    duplicate = None
    for start in range(0, len(keys), 500):  # a bounded number of parameters each
        query = sa.select(AwardRecord.name).where(
            AwardRecord.award_form_id == form.id, AwardRecord.year == year,
            AwardRecord.identity_key.in_(keys[start:start + 500])).limit(1)
        if besides is not None:
            query = query.where(sa.or_(AwardRecord.unit_decision_id.is_(None),
                                       AwardRecord.unit_decision_id != besides))
        duplicate = duplicate or db.session.scalar(query)
    if duplicate:
        raise Invalid(f"{duplicate} đã có {form.name} năm {year}: một thành tích chỉ "
                      f"khen thưởng một lần.", code="duplicate_award",
                      details={"subjects": [duplicate]})


def record_unit_decision(user, data):
    """A decision of the unit's head on its own titles (LĐTT, CSTĐCS, TTLĐTT, Giấy khen):
    kept as a unit decision, and every subject named becomes an award record at cấp cơ sở,
    with the decision's number, date and signer, in one statement; an earlier year's
    decision is entered the same way (the Board's import of history)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    unit = _unit(data.get("unit_id"))
    _may_enter(user, unit)
    head, decided_on, year, form, rows = _decision_input(user, unit, data)
    with transaction():
        _refuse_duplicates(form, year, [r["identity_key"] for r in rows])
        decision = UnitDecision(unit_id=unit.id, award_form_id=form.id, number=head["number"],
                                decided_on=decided_on, signer=head["signer"], year=year,
                                created_by_id=user.id)
        db.session.add(decision)
        db.session.flush()
        db.session.execute(sa.insert(AwardRecord),
                           [{**r, "unit_decision_id": decision.id} for r in rows])
        awards.year_moved(year)
    return {"id": decision.id, "unit_id": unit.id, "award_form": form.code, "year": year,
            "decision_number": head["number"], "recorded": len(rows)}


# -- holds ------------------------------------------------------------------------------------


def _hold_input(unit, data):
    """A hold's columns from ``data``, checked (the entry's and the correction's rules)."""
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
    return {"subject_kind": s["kind"], "name": s["name"], "organisation": s["organisation"],
            "identity_key": s["identity_key"], "kind": data["kind"],
            "source_paper": paper["source_paper"], "starts_on": starts, "ends_on": ends,
            "note": paper.get("note") or ""}


def add_hold(user, data):
    """A discipline, inspection or complaint on a person or collective, with its paper and
    its end date (empty while it runs)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    unit = _unit(data.get("unit_id"))
    _may_enter(user, unit)
    values = _hold_input(unit, data)
    with transaction():
        hold = Hold(unit_id=unit.id, created_by_id=user.id, **values)
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


def _initiative_input(unit, data):
    """An initiative's columns and its authors (by identity key) from ``data``, checked."""
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
    return ({"title": head["title"], "level": head.get("level") or "",
             "recognised_by": head["recognised_by"], "decision_number": head["decision_number"],
             "decided_on": decided_on, "year": year, "scope": head["scope"]}, people)


def add_initiative(user, data):
    """A recognised initiative: its authors, who recognised it, the decision, the scope."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    unit = _unit(data.get("unit_id"))
    _may_enter(user, unit)
    values, people = _initiative_input(unit, data)
    with transaction():
        initiative = Initiative(unit_id=unit.id, created_by_id=user.id, **values)
        db.session.add(initiative)
        db.session.flush()
        db.session.execute(sa.insert(InitiativeAuthor), [
            {"initiative_id": initiative.id, "identity_key": k, "name": s["name"],
             "organisation": s["organisation"]} for k, s in people.items()])
    return {"id": initiative.id, "unit_id": unit.id, "title": initiative.title,
            "scope": initiative.scope, "year": initiative.year,
            "authors": [s["name"] for s in people.values()]}


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


# -- corrections after entry ---------------------------------------------------------------------
#
# A rating, a hold, an initiative or a unit decision is corrected or removed by the people
# who may enter it (the unit's staff and head, the Board; for a unit decision also the unit
# deciding the unit's titles), each change in one transaction with its audit row
# (result_changes: who, when, before and after). A row outside the user's scope does not
# exist for them (404), as on the lists.


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _audit(user, unit_id, item_type, item_id, action, before=None, after=None):
    db.session.add(ResultChange(
        unit_id=unit_id, item_type=item_type, item_id=item_id, action=action,
        before={k: _plain(v) for k, v in before.items()} if before is not None else None,
        after={k: _plain(v) for k, v in after.items()} if after is not None else None,
        user_id=user.id, created_at=now_utc()))


def _mine(user, model, item_id, *, see=True):
    """The row ``item_id`` of ``model``, locked, when ``user`` may change it: it must be
    in their scope (``see``: the private results' scope) and theirs to enter; else 404."""
    row = None
    if isinstance(item_id, int):
        query = sa.select(model).where(model.id == item_id)
        if see:
            query = query.where(private_results(user, model))
        row = db.session.scalars(query.with_for_update()).first()
    if row is None:
        raise NotFound("Không tìm thấy mục yêu cầu.")
    try:
        _may_enter(user, db.session.get(Unit, row.unit_id))
    except Forbidden:
        raise NotFound("Không tìm thấy mục yêu cầu.") from None
    return row


# ratings, one at a time (the page's row form; the same checks as the import)

def _rating(r):
    return {"id": r.id, "year": r.year, "kind": r.subject_kind, "name": r.name,
            "organisation": r.organisation, "rating": r.rating,
            "rating_name": RATINGS[r.rating], "collective_key": r.collective_key}


def rate_one(user, unit_id, year, item):
    """One person's or collective's rating for ``year``, added or changed (a subject rated
    again is re-rated), with the import's checks; a subject another unit rated that year is
    refused (it is that unit's to change)."""
    year = _year(year)
    unit = _unit(unit_id)
    _may_enter(user, unit)
    [row] = _rating_rows(user, unit, year, [item])
    with transaction():
        old = db.session.scalars(sa.select(YearRating).where(
            YearRating.year == year, YearRating.identity_key == row["identity_key"])
            .with_for_update()).first()
        if old is not None and old.unit_id != unit.id:
            raise Invalid(f"{row['name']} đã được một đơn vị khác xếp loại năm {year}.",
                          details={"name": ["Đơn vị khác đã xếp loại."]}, code="rated_elsewhere")
        before = _rating(old) if old is not None else None
        _write_ratings(year, [row])
        new = db.session.scalars(sa.select(YearRating).where(
            YearRating.year == year, YearRating.identity_key == row["identity_key"])).one()
        after = _rating(new)
        _audit(user, unit.id, "rating", new.id, "edited" if before else "added",
               before and {k: before[k] for k in ("name", "rating", "collective_key")},
               {k: after[k] for k in ("name", "rating", "collective_key")})
    return after


def change_rating(user, rating_id, rating):
    if rating not in RATINGS:
        raise Invalid(f"«Xếp loại» phải là một trong: {'; '.join(RATINGS.values())}.",
                      details={"rating": list(RATINGS)}, code="invalid_input")
    with transaction():
        row = _mine(user, YearRating, rating_id)
        before = row.rating
        row.rating = rating
        _audit(user, row.unit_id, "rating", row.id, "edited",
               {"name": row.name, "rating": before}, {"name": row.name, "rating": rating})
    return _rating(row)


def remove_rating(user, rating_id):
    with transaction():
        row = _mine(user, YearRating, rating_id)
        _audit(user, row.unit_id, "rating", row.id, "removed",
               {"name": row.name, "year": row.year, "rating": row.rating})
        db.session.delete(row)


# holds

def edit_hold(user, hold_id, data):
    """A hold corrected (its subject, kind, paper, dates, note), with the entry's checks."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    with transaction():
        hold = _mine(user, Hold, hold_id)
        values = _hold_input(db.session.get(Unit, hold.unit_id), data)
        before = _hold(hold)
        for key, value in values.items():
            setattr(hold, key, value)
        after = _hold(hold)
        _audit(user, hold.unit_id, "hold", hold.id, "edited", _changed(before, after),
               _changed(after, before))
    return after


def remove_hold(user, hold_id):
    with transaction():
        hold = _mine(user, Hold, hold_id)
        _audit(user, hold.unit_id, "hold", hold.id, "removed", _hold(hold))
        db.session.delete(hold)


def _changed(one, other):
    """The fields of ``one`` that differ in ``other`` (the name always, to say whose)."""
    return {k: v for k, v in one.items() if other.get(k) != v or k == "name"}


# initiatives

def _initiative(i, authors):
    return {"id": i.id, "unit_id": i.unit_id, "title": i.title, "level": i.level,
            "recognised_by": i.recognised_by, "decision_number": i.decision_number,
            "decided_on": i.decided_on, "year": i.year, "scope": i.scope,
            "scope_name": SCOPES[i.scope], "authors": authors}


def _authors_of(initiative_id):
    return list(db.session.scalars(sa.select(InitiativeAuthor.name).where(
        InitiativeAuthor.initiative_id == initiative_id).order_by(InitiativeAuthor.name)))


def edit_initiative(user, initiative_id, data):
    """An initiative corrected (title, body, decision, date, year, scope, authors)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    with transaction():
        initiative = _mine(user, Initiative, initiative_id)
        values, people = _initiative_input(db.session.get(Unit, initiative.unit_id), data)
        before = _initiative(initiative, _authors_of(initiative.id))
        for key, value in values.items():
            setattr(initiative, key, value)
        db.session.execute(sa.delete(InitiativeAuthor).where(
            InitiativeAuthor.initiative_id == initiative.id))
        db.session.execute(sa.insert(InitiativeAuthor), [
            {"initiative_id": initiative.id, "identity_key": k, "name": p["name"],
             "organisation": p["organisation"]} for k, p in people.items()])
        after = _initiative(initiative, _authors_of(initiative.id))
        _audit(user, initiative.unit_id, "initiative", initiative.id, "edited",
               _changed(before, after), _changed(after, before))
    return after


def remove_initiative(user, initiative_id):
    with transaction():
        initiative = _mine(user, Initiative, initiative_id)
        _audit(user, initiative.unit_id, "initiative", initiative.id, "removed",
               _initiative(initiative, _authors_of(initiative.id)))
        db.session.execute(sa.delete(InitiativeAuthor).where(
            InitiativeAuthor.initiative_id == initiative.id))
        db.session.delete(initiative)


# unit decisions and their award records

HISTORY_MESSAGE = ("đã là lịch sử: {reason}. Không sửa, xóa được; một quyết định sai đã "
                   "được dùng như vậy được xử lý bằng quyết định hủy bỏ, thay thế.")
_RECORD_FIELDS = ("name", "title", "position_title", "organisation", "decision_number",
                  "decided_on", "year", "issuer_name")


def history_records(record_ids) -> dict:
    """Which of these award records are history, with why: sealed in an audit anchor (the
    anchored snapshot never changes: audit_anchor.py), or possibly read as eligibility
    evidence of an issued decision of the Chairman (its subject awarded in an issued
    decision on or after the record's date). Two statements whatever their number."""
    ids = list(record_ids)
    if not ids:
        return {}
    out = {}
    sealed = audit_anchor.anchored_upto("award_records")
    for record_id in ids:
        if record_id <= sealed:
            out[record_id] = "đã được niêm phong trong mốc kiểm toán"
    used = (sa.select(Nominee.id).join(Decision, Decision.id == Nominee.decision_id)
            .where(Nominee.identity_key == AwardRecord.identity_key,
                   Nominee.struck.is_(False), Decision.state == "issued",
                   Decision.issued_on >= AwardRecord.decided_on))
    for start in range(0, len(ids), 500):
        for record_id in db.session.scalars(sa.select(AwardRecord.id).where(
                AwardRecord.id.in_(ids[start:start + 500]), sa.exists(used))):
            out.setdefault(record_id, "có thể đã là căn cứ xét điều kiện của một quyết định "
                                      "khen thưởng đã ban hành")
    return out


def _refuse_history(records):
    history = history_records([r.id for r in records])
    if history:
        named = [r for r in records if r.id in history]
        first = named[0]
        raise Conflict(f"Bản ghi khen thưởng của {', '.join(r.name for r in named)} "
                       + HISTORY_MESSAGE.format(reason=history[first.id]),
                       details={"subjects": [r.name for r in named]}, code="award_history")


def _unit_decision(d, form_code, form_name, records, history=None):
    history = history or {}
    return {"id": d.id, "unit_id": d.unit_id, "award_form": form_code, "form_name": form_name,
            "number": d.number, "decided_on": d.decided_on, "signer": d.signer, "year": d.year,
            "subjects": [{"record_id": r.id, "kind": r.subject_kind, "name": r.name,
                          "organisation": r.organisation, "title": r.title,
                          "position_title": r.position_title,
                          "history": history.get(r.id)} for r in records]}


def unit_decisions(user, unit_id, year):
    """The unit's decisions on its own titles for ``year``, each with its names and which
    of their records are history (not to be corrected). Three statements."""
    _may_see(user, unit_id)
    year = _year(year)
    rows = db.session.execute(
        sa.select(UnitDecision, AwardForm.code, AwardForm.name)
        .join(AwardForm, AwardForm.id == UnitDecision.award_form_id)
        .where(UnitDecision.unit_id == unit_id, UnitDecision.year == year)
        .order_by(UnitDecision.decided_on, UnitDecision.id)).all()
    records = {}
    if rows:
        for r in db.session.scalars(sa.select(AwardRecord).where(
                AwardRecord.unit_decision_id.in_(
                    sa.select(UnitDecision.id).where(UnitDecision.unit_id == unit_id,
                                                     UnitDecision.year == year)))
                .order_by(AwardRecord.name, AwardRecord.id)):
            records.setdefault(r.unit_decision_id, []).append(r)
    history = history_records([r.id for rs in records.values() for r in rs])
    return [_unit_decision(d, code, name, records.get(d.id, []), history)
            for d, code, name in rows]


def _decision_audit(d, form, records):
    return {"award_form": form.code, "number": d.number, "decided_on": d.decided_on,
            "signer": d.signer, "year": d.year, "names": [r.name for r in records]}


def correct_unit_decision(user, decision_id, data):
    """A unit decision corrected: its number, date, signer, year and names. Its award
    records follow in the same transaction: a name removed, its record goes; a name added,
    a record is written; the rest take the corrected number, date, signer and year. Refused
    (409 ``award_history``) when a record it would change or remove is history."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", code="invalid_input")
    with transaction():
        decision = _mine(user, UnitDecision, decision_id, see=False)
        unit = db.session.get(Unit, decision.unit_id)
        form = db.session.get(AwardForm, decision.award_form_id)
        head, decided_on, year, form, rows = _decision_input(user, unit, data, form=form)
        records = db.session.scalars(sa.select(AwardRecord).where(
            AwardRecord.unit_decision_id == decision.id).order_by(AwardRecord.id)
            .with_for_update()).all()
        before = _decision_audit(decision, form, records)
        old = {r.identity_key: r for r in records}
        new = {r["identity_key"]: r for r in rows}
        removed = [r for k, r in old.items() if k not in new]
        changed = [(r, new[k]) for k, r in old.items()
                   if k in new and any(getattr(r, f) != new[k][f] for f in _RECORD_FIELDS)]
        _refuse_history(removed + [r for r, _ in changed])
        _refuse_duplicates(form, year, list(new), besides=decision.id)
        if removed:
            db.session.execute(sa.delete(AwardRecord).where(
                AwardRecord.id.in_([r.id for r in removed]))
                .execution_options(synchronize_session=False))
        for record, values in changed:
            db.session.execute(sa.update(AwardRecord).where(AwardRecord.id == record.id)
                               .values({f: values[f] for f in (*_RECORD_FIELDS, "search_key")})
                               .execution_options(synchronize_session=False))
        added = [{**r, "unit_decision_id": decision.id} for k, r in new.items() if k not in old]
        if added:
            db.session.execute(sa.insert(AwardRecord), added)
        years = {decision.year, year}
        decision.number, decision.decided_on = head["number"], decided_on
        decision.signer, decision.year = head["signer"], year
        db.session.flush()
        db.session.expire_all()
        decision = db.session.get(UnitDecision, decision_id)
        records = db.session.scalars(sa.select(AwardRecord).where(
            AwardRecord.unit_decision_id == decision.id).order_by(AwardRecord.name)).all()
        after = _decision_audit(decision, form, records)
        _audit(user, unit.id, "unit_decision", decision.id, "edited", before, after)
        for y in years:
            awards.year_moved(y)
        out = _unit_decision(decision, form.code, form.name, records)
    return out


def remove_unit_decision(user, decision_id):
    """A unit decision entered in error, removed with its award records (refused while one
    of them is history)."""
    with transaction():
        decision = _mine(user, UnitDecision, decision_id, see=False)
        form = db.session.get(AwardForm, decision.award_form_id)
        records = db.session.scalars(sa.select(AwardRecord).where(
            AwardRecord.unit_decision_id == decision.id).with_for_update()).all()
        _refuse_history(records)
        _audit(user, decision.unit_id, "unit_decision", decision.id, "removed",
               _decision_audit(decision, form, records))
        db.session.execute(sa.delete(AwardRecord).where(
            AwardRecord.unit_decision_id == decision.id)
            .execution_options(synchronize_session=False))
        awards.year_moved(decision.year)
        db.session.delete(decision)


# the audit rows, as the unit and the Board read them

FIELD_LABELS = {"name": "Tên", "rating": "Xếp loại", "collective_key": "Tập thể",
                "kind": "Loại", "kind_name": "Loại vụ việc", "source_paper": "Văn bản căn cứ",
                "starts_on": "Từ ngày", "ends_on": "Đến ngày", "note": "Ghi chú",
                "title": "Tên sáng kiến", "recognised_by": "Cơ quan công nhận",
                "decision_number": "Số quyết định", "decided_on": "Ngày quyết định",
                "year": "Năm", "scope": "Phạm vi", "scope_name": "Phạm vi", "authors": "Tác giả",
                "number": "Số quyết định", "signer": "Người ký", "names": "Tên",
                "award_form": "Danh hiệu", "organisation": "Đơn vị công tác",
                "subject_kind": "Cá nhân / tập thể", "level": "Cấp công nhận",
                "titles_decided_by": "Đơn vị quyết định danh hiệu"}
_HIDDEN = {"id", "unit_id", "kind", "scope", "collective_key"}


def _shown(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.strptime(value, "%Y-%m-%d").strftime("%d/%m/%Y")
        except ValueError:
            return value
    if value in RATINGS:
        return RATINGS[value]
    return "" if value is None else str(value)


def changes(user, unit_id, limit=50):
    """The latest changes of the unit's year-end records, newest first (its scope: the unit
    and the Board). Two statements."""
    _may_see(user, unit_id)
    rows = db.session.execute(
        sa.select(ResultChange, User.full_name).outerjoin(User, User.id == ResultChange.user_id)
        .where(ResultChange.unit_id == unit_id).order_by(ResultChange.id.desc())
        .limit(limit)).all()
    out = []
    for c, who in rows:
        before, after = c.before or {}, c.after or {}
        keys = [k for k in (*before, *[k for k in after if k not in before])
                if k not in _HIDDEN and (c.action != "edited" or k in ("name", "number")
                                         or before.get(k) != after.get(k))]
        out.append({"id": c.id, "at": c.created_at, "item_type": c.item_type,
                    "item": CHANGE_ITEMS.get(c.item_type, c.item_type), "item_id": c.item_id,
                    "action": c.action, "action_name": CHANGE_ACTIONS.get(c.action, c.action),
                    "by": who or "", "before": before, "after": after,
                    "fields": [{"label": FIELD_LABELS.get(k, k), "before": _shown(before.get(k)),
                                "after": _shown(after.get(k))} for k in keys]})
    return out
