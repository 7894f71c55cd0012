"""Reference data in force on a date; the loader of reference files (the shipped one, a
province's own); the admin's edits. Every row added, replaced or edited leaves an audit row
(``ReferenceChange``) with the values before and after."""
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    AttachmentRequirement,
    AwardForm,
    DocumentType,
    EligibilityRule,
    LegalBasis,
    ReferenceChange,
    RuleValue,
    Unit,
)
from app.services import validation
from app.services.errors import STALE_MESSAGE, Conflict, Forbidden, Invalid, NotFound
from app.services.tx import transaction
from workflows.roles import ADMIN

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "reference.json"


def award_form(code: str, on: date) -> AwardForm:
    form = db.session.scalars(
        sa.select(AwardForm).where(AwardForm.code == code, AwardForm.in_force(on))
        .order_by(AwardForm.effective_from.desc())
    ).first()
    if form is None:
        raise Invalid(f"Hình thức khen thưởng «{code}» không tồn tại hoặc không còn hiệu lực.",
                      details={"award_form": code}, code="unknown_award_form")
    return form


def award_forms(on: date, level: str | None = None):
    """The award forms in force; ``level`` "province" for the Chairman's (what a campaign
    offers), "unit" for those a unit's head decides (cấp cơ sở)."""
    query = sa.select(AwardForm).where(AwardForm.in_force(on))
    if level is not None:
        query = query.where(AwardForm.level == level)
    return db.session.scalars(query.order_by(AwardForm.code)).all()


# The word a province's award names carry ("Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh")
# that a centrally-run city's must not: the shipped names are a tỉnh's, printed as they are.
_TINH = re.compile(r"\btỉnh\b", re.IGNORECASE)


def locality() -> str:
    """The kind of area the top People's Committee governs, as its data names it: "tỉnh"
    unless it says otherwise ("thành phố")."""
    value = db.session.scalar(sa.select(Unit.locality).where(
        Unit.kind == "province", Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    return (value or "").strip() or "tỉnh"


def locality_mismatches(on: date | None = None) -> list[str]:
    """The award forms in force whose printed words say "tỉnh" while the area is not a
    tỉnh (a centrally-run city that kept the shipped names): each as "BKCT «name»"."""
    if _TINH.fullmatch(locality()):
        return []
    latest = {}  # per code, the row that prints (a later row of a code supersedes it)
    for form in award_forms(on or today()):
        if form.code not in latest or form.effective_from > latest[form.code].effective_from:
            latest[form.code] = form
    return [f"{f.code} «{f.name}»" for f in latest.values()
            if any(_TINH.search(x or "") for x in (f.name, f.certificate_title,
                                                    f.certificate_model))]


def check_locality(on: date | None = None):
    """Refused while a city's award forms in force would print "tỉnh" on its papers: it
    loads its own names first (a row of the same code, in force from its date)."""
    mismatched = locality_mismatches(on)
    if mismatched:
        message = (f"Địa bàn là «{locality()}» nhưng {len(mismatched)} hình thức khen thưởng "
                   f"đang có hiệu lực còn ghi «tỉnh»: {'; '.join(mismatched)}. Hãy nạp tên "
                   f"hình thức khen thưởng của {locality()} (một dòng mới cùng mã, có hiệu "
                   f"lực từ ngày của {locality()}) trước.")
        raise Invalid(message, details={"award_forms": mismatched}, code="locality_mismatch")


def rule(key: str, on: date, default=None) -> Decimal | None:
    value = db.session.scalar(
        sa.select(RuleValue.value).where(RuleValue.key == key, RuleValue.in_force(on))
        .order_by(RuleValue.effective_from.desc()).limit(1)
    )
    return Decimal(value) if value is not None else default


def legal_bases(document_kind: str, on: date):
    return db.session.scalars(
        sa.select(LegalBasis)
        .where(LegalBasis.document_kind == document_kind, LegalBasis.in_force(on))
        .order_by(LegalBasis.position)
    ).all()


def all_legal_bases(on: date):
    """Every "Căn cứ" line in force on a date, for every kind of document."""
    return db.session.scalars(
        sa.select(LegalBasis).where(LegalBasis.in_force(on))
        .order_by(LegalBasis.document_kind, LegalBasis.position)).all()


def rules(on: date):
    """Every rule value (thresholds, time limits) in force on a date."""
    return db.session.scalars(
        sa.select(RuleValue).where(RuleValue.in_force(on)).order_by(RuleValue.key)).all()


# The confidence tags of ../shared/DOMAIN.md, as people read them.
CONFIDENCE = {"V": "đã đối chiếu văn bản gốc", "S": "theo nguồn thứ cấp",
              "U": "chưa đối chiếu"}
DOCUMENT_KINDS = {"decision": "Quyết định khen thưởng", "launch": "Văn bản phát động",
                  "board_proposal": "Tờ trình của Sở Nội vụ (Ban Thi đua – Khen thưởng)"}


def source_in_words(note: str | None) -> str:
    """A source note with its [V]/[S]/[U] tags spelled out: "Luật TĐKT 2022 (đã đối chiếu…)"."""
    text = note or ""
    for tag, words in CONFIDENCE.items():
        text = text.replace(f"[{tag}]", f"({words})")
    return " ".join(text.split()).replace("( ", "(")


def attachment_requirements(on: date):
    """(per-dossier, per-nominee) requirements in force: {code: name} each."""
    rows = db.session.scalars(
        sa.select(AttachmentRequirement).where(AttachmentRequirement.in_force(on))
        .order_by(AttachmentRequirement.code)
    ).all()
    return ({r.code: r.name for r in rows if r.per == "dossier"},
            {r.code: r.name for r in rows if r.per == "nominee"})


def document_types(on: date) -> dict[str, tuple[str, str]]:
    """{code: (printed title, ký hiệu abbreviation)} in force on a date."""
    rows = db.session.scalars(
        sa.select(DocumentType).where(DocumentType.in_force(on))
        .order_by(DocumentType.effective_from)
    ).all()
    return {r.code: (r.title, r.abbreviation) for r in rows}


_MODELS = {
    "award_forms": (AwardForm, ("code", "effective_from")),
    "legal_bases": (LegalBasis, ("code", "effective_from")),
    "rule_values": (RuleValue, ("key", "effective_from")),
    "attachment_requirements": (AttachmentRequirement, ("code", "effective_from")),
    "document_types": (DocumentType, ("code", "effective_from")),
    "eligibility_rules": (EligibilityRule, ("code", "effective_from")),
}


def _coerce(model, row):
    out = dict(row)
    for key in ("effective_from", "effective_to"):
        if out.get(key):
            out[key] = date.fromisoformat(out[key])
    return out


def load_reference_data(path: Path = DATA_FILE, *, replace: bool = False) -> dict:
    """Load the shipped data file, rows matched on their natural key. Idempotent; a row
    changed since (by the admin, or by a newer file) is refused unless ``replace``."""
    return import_reference(path.read_text(encoding="utf-8"), replace=replace,
                            note=f"tệp {path.name}")


def _problems(data) -> list[str]:
    """What is wrong with a reference file, in Vietnamese; empty when it can be loaded."""
    if not isinstance(data, dict):
        return ["Tệp phải là một đối tượng JSON với các mục: " + ", ".join(_MODELS) + "."]
    problems = [f"Mục «{k}» không được hỗ trợ (dùng: {', '.join(_MODELS)})."
                for k in data if not k.startswith("_") and k not in _MODELS]
    for section, (model, keys) in _MODELS.items():
        rows = data.get(section, [])
        if not isinstance(rows, list):
            problems.append(f"Mục «{section}» phải là một danh sách.")
            continue
        columns = {c.name: c for c in model.__table__.columns if c.name not in _NOT_IN_FILES}
        required = {name for name, c in columns.items()
                    if not c.nullable and c.default is None and c.server_default is None}
        seen = {}  # natural key -> first line: a second row would silently replace it
        for n, raw in enumerate(rows, start=1):
            where = f"«{section}» dòng {n}"
            if not isinstance(raw, dict):
                problems.append(f"{where}: phải là một đối tượng.")
                continue
            key = tuple(str(raw.get(k)) for k in keys)
            if key in seen:
                problems.append(f"{where}: trùng {' và '.join(keys)} với dòng {seen[key]}.")
            seen.setdefault(key, n)
            unknown = sorted(set(raw) - set(columns))
            if unknown:
                problems.append(f"{where}: trường không hợp lệ {', '.join(unknown)}.")
            # "" is a value (a công văn has no type abbreviation), but never a key
            missing = sorted(k for k in required | set(keys) if raw.get(k) is None
                             or k in keys and raw.get(k) == "")
            if missing:
                problems.append(f"{where}: thiếu {', '.join(missing)}.")
            dates = {}
            for key in ("effective_from", "effective_to"):
                if raw.get(key):
                    try:
                        dates[key] = date.fromisoformat(str(raw[key]))
                    except ValueError:
                        problems.append(f"{where}: {key} không phải ngày (YYYY-MM-DD).")
            if section == "award_forms" and (
                    raw.get("certificate_paper", "A4") not in ("A4", "A3")
                    or raw.get("certificate_orientation", "landscape")
                    not in ("landscape", "portrait")):
                problems.append(f"{where}: khổ giấy bằng khen là A4 hoặc A3, hướng là "
                                f"landscape hoặc portrait.")
            if section == "eligibility_rules":
                problems += _rule_problems(raw, where)
            if dates.get("effective_to") and dates.get("effective_from") and \
                    dates["effective_to"] < dates["effective_from"]:
                problems.append(f"{where}: ngày hết hiệu lực trước ngày có hiệu lực.")
    return problems


def _rule_problems(raw, where) -> list[str]:
    from app.services import eligibility  # it reads the reference data: imported late

    problems = eligibility.check_condition(raw.get("condition"), f"{where}: condition")
    if raw.get("severity", "block") not in ("block", "warn"):
        problems.append(f"{where}: severity là block hoặc warn.")
    if raw.get("ground", "merit") not in ("merit", "movement", "any"):
        problems.append(f"{where}: ground là merit, movement hoặc any.")
    return problems


# How the refusal of rows that differ says to replace them: the CLI's flag, the page's box.
AGAIN_CLI = "chạy lại với tùy chọn --replace"
AGAIN_PAGE = "nạp lại tệp và chọn «Thay các dòng đã có nhưng khác tệp»"


def import_reference_upload(user, data: bytes, filename: str, *, replace=False) -> dict:
    """The admin's upload on the reference page: the same check and load as
    ``flask reference import`` (all rows or none, each row written audited), as this user."""
    _may_edit(user)
    if not data:
        raise Invalid("Chưa chọn tệp dữ liệu tham chiếu.", details={"file": ["Bắt buộc."]},
                      code="file_required")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("Tệp phải là văn bản JSON, bảng mã UTF-8.", code="invalid_file") from None
    name = Path(filename or "").name or "tải lên"
    return import_reference(text, replace=replace, user=user, note=f"tệp {name}",
                            again=AGAIN_PAGE)


def import_reference(text: str, *, replace: bool = False, user=None, note=None,
                     again=AGAIN_CLI) -> dict:
    """Check a whole reference file (a province's own, kept outside the package), then
    load it in one transaction: nothing is written when any row is wrong. Rows match on
    their natural key (code and effective date): a new decree is a new row.

    A row already present with other values is refused (409, every difference listed,
    nothing written) unless ``replace``: then it is replaced, with an audit row of what it
    held before. ``user`` None: the CLI (an operator on the server)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:  # where, in words (its own message is English)
        raise Invalid(f"Tệp không phải JSON hợp lệ: lỗi cú pháp ở dòng {error.lineno}, cột "
                      f"{error.colno}.", code="invalid_file",
                      details={"line": error.lineno, "column": error.colno}) from None
    problems = _problems(data)
    if problems:
        raise Invalid(problems[0] if len(problems) == 1 else
                      f"Tệp dữ liệu tham chiếu có {len(problems)} lỗi, chưa nạp gì.",
                      details={"reasons": problems}, code="invalid_reference")
    try:
        return _load(data, replace=replace, user=user, note=note, again=again)
    except Exception:
        db.session.rollback()
        raise


def _json(value):
    """A value as the audit row keeps it (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _same(column, old, new) -> bool:
    if isinstance(column.type, sa.Numeric) and old is not None and new is not None:
        return Decimal(str(old)) == Decimal(str(new))
    if isinstance(column.type, sa.String) and not old and not new:
        return True  # None and "" say the same: nothing
    return old == new


def _row_key(model, keys, row) -> str:
    code = row[keys[0]] if isinstance(row, dict) else getattr(row, keys[0])
    since = row["effective_from"] if isinstance(row, dict) else row.effective_from
    return f"{code} từ {since:%d/%m/%Y}"


def _audit(section, row, key, action, origin, before, after, user=None, note=None):
    db.session.add(ReferenceChange(
        section=section, row_id=row.id, row_key=key, action=action, origin=origin,
        before={k: _json(v) for k, v in before.items()} if before is not None else None,
        after={k: _json(v) for k, v in after.items()}, note=note,
        user_id=user.id if user is not None else None, created_at=now_utc()))


def _load(data, *, replace=False, user=None, note=None, again=AGAIN_CLI) -> dict:
    """Every row of a checked file: new ones added, identical ones left, changed ones
    replaced (``replace``) or refused all together; one audit row per row written."""
    counts, replaced, refused = {}, {}, []
    for section, (model, keys) in _MODELS.items():
        counts[section] = replaced[section] = 0
        columns = model.__table__.c
        for raw in data.get(section, []):
            row = _coerce(model, raw)
            key = _row_key(model, keys, row)
            existing = db.session.scalars(
                sa.select(model).where(*(getattr(model, k) == row[k] for k in keys))
            ).first()
            if existing is None:
                added = model(**row)
                db.session.add(added)
                db.session.flush()
                _audit(section, added, key, "added", "file", None, row, user, note)
                counts[section] += 1
                continue
            changed = {k: (getattr(existing, k), v) for k, v in row.items()
                       if not _same(columns[k], getattr(existing, k), v)}
            if not changed:
                continue
            if not replace:
                refused.append(f"«{section}» {key}: " + "; ".join(
                    f"{k} «{_json(old) if old is not None else ''}» → "
                    f"«{_json(new) if new is not None else ''}»"
                    for k, (old, new) in changed.items()))
                continue
            for k, (_, new) in changed.items():
                setattr(existing, k, new)
            _audit(section, existing, key, "replaced", "file",
                   {k: old for k, (old, _) in changed.items()},
                   {k: new for k, (_, new) in changed.items()}, user, note)
            replaced[section] += 1
    if refused:
        db.session.rollback()
        raise Conflict(
            f"{len(refused)} dòng đã có (cùng mã và ngày hiệu lực) nhưng khác tệp; chưa nạp "
            f"gì. Dòng mới hãy ghi ngày hiệu lực mới; để thay các dòng này (có ghi nhật ký), "
            f"{again}.",
            details={"reasons": refused}, code="reference_changed")
    check_locality()  # nothing written while a city's award names would say "tỉnh"
    db.session.commit()
    return {"added": counts, "replaced": replaced}


# -- the admin's edits -------------------------------------------------------------------------

_NOT_IN_FILES = {"id", "version"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | long | number | integer | date | choice
    required: bool = False
    key: bool = False  # part of the natural key: given when the row is added, never edited
    max_len: int | None = None
    choices: dict = field(default_factory=dict)
    maximum: Decimal | int | None = None
    listed: bool = True  # a column of the page's table (the rest show in the edit form)


SUBJECT_KINDS = {"both": "Tập thể và cá nhân", "collective": "Tập thể",
                 "individual": "Cá nhân"}
PAPER_PER = {"dossier": "mỗi hồ sơ", "nominee": "mỗi người được đề nghị"}
_FROM = Field("effective_from", "Có hiệu lực từ ngày", "date", required=True, key=True,
              listed=False)
_TO = Field("effective_to", "Hết hiệu lực sau ngày", "date", listed=False)
_SOURCE = Field("source_note", "Nguồn và mức độ đối chiếu ([V], [S], [U])", "long",
                max_len=2000, listed=False)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple


SECTIONS = {
    "award_forms": Section("Hình thức khen thưởng", (
        Field("code", "Mã", required=True, key=True, max_len=32), _FROM,
        Field("name", "Tên", required=True, max_len=255),
        Field("subject_kind", "Đối tượng", "choice", required=True, choices=SUBJECT_KINDS),
        Field("money_multiplier_individual", "Hệ số tiền thưởng cá nhân", "number",
              maximum=Decimal("9999.99")),
        Field("money_multiplier_collective", "Hệ số tiền thưởng tập thể", "number",
              maximum=Decimal("9999.99")),
        Field("certificate_title", "Tiêu đề in trên hiện vật", max_len=120, listed=False),
        Field("certificate_model", "Mẫu hiện vật", max_len=255, listed=False),
        Field("certificate_paper", "Khổ giấy", "choice", required=True,
              choices={"A4": "A4", "A3": "A3"}, listed=False),
        Field("certificate_orientation", "Hướng giấy", "choice", required=True,
              choices={"landscape": "Ngang", "portrait": "Dọc"}, listed=False),
        Field("certificate_source_note", "Nguồn của mẫu và khổ giấy", max_len=500,
              listed=False),
        _TO, _SOURCE)),
    "legal_bases": Section("Căn cứ pháp lý", (
        Field("code", "Mã", required=True, key=True, max_len=64), _FROM,
        Field("document_kind", "Dùng cho văn bản", "choice", required=True,
              choices=DOCUMENT_KINDS),
        Field("position", "Thứ tự", "integer", required=True, maximum=9999),
        Field("text", "Nội dung dòng «Căn cứ»", "long", required=True, max_len=2000),
        _TO, _SOURCE)),
    "rule_values": Section("Ngưỡng, thời hạn, mức tiền", (
        Field("key", "Mã", required=True, key=True, max_len=64), _FROM,
        Field("label", "Nội dung", required=True, max_len=255),
        Field("value", "Giá trị", "number", required=True, maximum=Decimal("9999999999.99")),
        _TO, _SOURCE)),
    "document_types": Section("Loại văn bản", (
        Field("code", "Mã", required=True, key=True, max_len=32), _FROM,
        Field("title", "Tên in trên văn bản", required=True, max_len=120),
        Field("abbreviation", "Chữ viết tắt trong ký hiệu (công văn: để trống)",
              max_len=16),
        _TO, _SOURCE)),
    "attachment_requirements": Section("Tài liệu bắt buộc", (
        Field("code", "Mã", required=True, key=True, max_len=32), _FROM,
        Field("name", "Tên tài liệu", required=True, max_len=255),
        Field("per", "Nộp theo", "choice", required=True, choices=PAPER_PER),
        _TO, _SOURCE)),
}


def _date(value) -> date:
    text = str(value).strip()
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None


def _parse(section: str, values: dict, adding: bool) -> dict:
    """The form's values, checked: every problem at once, in Vietnamese."""
    details, clean, rules, plain = {}, {}, {}, {}
    for f in SECTIONS[section].fields:
        if f.key and not adding:
            continue
        raw = values.get(f.name)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            if f.required:
                details.setdefault(f.name, []).append(f"«{f.label}»: bắt buộc.")
            column = _MODELS[section][0].__table__.c[f.name]
            clean[f.name] = "" if not column.nullable and f.kind in ("text", "long") else None
            continue
        if f.kind == "date":
            try:
                clean[f.name] = _date(raw)
            except ValueError:
                details.setdefault(f.name, []).append(
                    f"«{f.label}»: không phải ngày (dd/mm/yyyy).")
        elif f.kind == "choice":
            if raw not in f.choices:
                details.setdefault(f.name, []).append(
                    f"«{f.label}»: chọn một trong {', '.join(f.choices.values())}.")
            clean[f.name] = raw
        elif f.kind in ("number", "integer"):
            rules[f.name] = validation.Number(f.label, integer=f.kind == "integer",
                                              maximum=f.maximum)
            plain[f.name] = raw
        else:
            rules[f.name] = validation.Text(f.label, f.max_len, f.required,
                                            single_line=f.kind == "text")
            plain[f.name] = raw
    try:
        clean.update(validation.check(plain, rules))
    except Invalid as error:
        for path, messages in error.details.items():
            details.setdefault(path, []).extend(messages)
    if details:
        first = next(iter(details.values()))[0]
        raise Invalid(first if len(details) == 1 else
                      f"{first} (và {sum(map(len, details.values())) - 1} lỗi khác)",
                      details=details, code="invalid_reference")
    return clean


def _may_edit(user):
    if user is None or not user.has_role(*ADMIN):
        raise Forbidden("Chỉ quản trị hệ thống được sửa dữ liệu tham chiếu.")


def _check_period(start, end):
    if start and end and end < start:
        raise Invalid("Ngày hết hiệu lực không được trước ngày có hiệu lực.",
                      details={"effective_to": ["Trước ngày có hiệu lực."]},
                      code="invalid_period")


def save_row(user, section: str, values: dict, *, row_id: int | None = None,
             version=None, note=None):
    """Add a row (``row_id`` None) or edit one, in one transaction, with its audit row.

    A new decree is a new row: adding a row closes the open row of the same code that is
    in force before it (its last day becomes the eve of the new one), with its own audit
    row. An edit changes what the row says, never its code or its first day; ``version``
    is the row's version the form was read at: if someone saved it since, 409."""
    _may_edit(user)
    if section not in SECTIONS:
        raise NotFound("Không có mục dữ liệu tham chiếu này.", code="no_such_section")
    model, keys = _MODELS[section]
    adding = row_id is None
    clean = _parse(section, values, adding)
    note = validation.text(note, "Ghi chú", 500, path="note") if note else None
    with transaction():
        if adding:
            _check_period(clean["effective_from"], clean.get("effective_to"))
            key = _row_key(model, keys, clean)
            if db.session.scalar(sa.select(model.id).where(
                    *(getattr(model, k) == clean[k] for k in keys))) is not None:
                raise Invalid(f"Đã có dòng {key}: hãy sửa dòng đó, hoặc ghi ngày hiệu lực "
                              f"khác cho dòng mới.",
                              details={"effective_from": ["Trùng mã và ngày hiệu lực."]},
                              code="duplicate_row")
            row = model(**clean)
            db.session.add(row)
            db.session.flush()
            _audit(section, row, key, "added", "page", None, clean, user, note)
            eve = clean["effective_from"] - timedelta(days=1)
            for older in db.session.scalars(sa.select(model).where(
                    getattr(model, keys[0]) == clean[keys[0]], model.id != row.id,
                    model.effective_from < clean["effective_from"],
                    sa.or_(model.effective_to.is_(None), model.effective_to > eve))):
                _audit(section, older, _row_key(model, keys, older), "edited", "page",
                       {"effective_to": older.effective_to}, {"effective_to": eve}, user,
                       f"Hết hiệu lực khi thêm dòng {key}")
                older.effective_to = eve
            if section == "award_forms":
                db.session.flush()
                check_locality(max(clean["effective_from"], today()))
            return row
        row = db.session.get(model, row_id)
        if row is None:
            raise NotFound("Không có dòng dữ liệu tham chiếu này.", code="no_such_row")
        try:
            read_at = int(version)
        except (TypeError, ValueError):
            read_at = None
        if read_at != row.version:
            raise Conflict(STALE_MESSAGE, code="stale")
        _check_period(row.effective_from, clean.get("effective_to"))
        columns = model.__table__.c
        changed = {k: (getattr(row, k), v) for k, v in clean.items()
                   if not _same(columns[k], getattr(row, k), v)}
        if changed:
            _audit(section, row, _row_key(model, keys, row), "edited", "page",
                   {k: old for k, (old, _) in changed.items()},
                   {k: new for k, (_, new) in changed.items()}, user, note)
            for k, (_, new) in changed.items():
                setattr(row, k, new)
        if section == "award_forms":
            db.session.flush()
            check_locality()
    return row


def sections() -> list[dict]:
    """Every section of reference data, its fields and all its rows (in force or not, with
    their dates, sources and versions): the admin's page."""
    out = []
    for name, section in SECTIONS.items():
        model, keys = _MODELS[name]
        rows = db.session.scalars(sa.select(model).order_by(
            getattr(model, keys[0]), model.effective_from)).all()
        out.append({"name": name, "title": section.title, "fields": section.fields,
                    "listed": [f for f in section.fields if f.listed], "rows": rows})
    return out


ACTIONS = {"added": "Thêm dòng", "replaced": "Thay bằng tệp", "edited": "Sửa"}


def changes(limit: int = 100) -> list[dict]:
    """The latest audit rows of reference data, newest first, as the admin reads them."""
    rows = db.session.scalars(sa.select(ReferenceChange)
                              .order_by(ReferenceChange.id.desc()).limit(limit)).all()
    return [{"at": c.created_at, "section": SECTIONS[c.section].title
             if c.section in SECTIONS else c.section, "key": c.row_key,
             "action": ACTIONS.get(c.action, c.action),
             "origin": "trang quản trị" if c.origin == "page" else "tệp dữ liệu",
             "by": c.user.full_name if c.user else "(dòng lệnh)",
             "fields": sorted(c.after) if c.before is not None else [],
             "before": c.before or {}, "after": c.after, "note": c.note} for c in rows]
