"""Reference data in force on a date, and the loader for the shipped data file."""
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import AttachmentRequirement, AwardForm, DocumentType, LegalBasis, RuleValue
from app.services.errors import Invalid

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


def award_forms(on: date):
    return db.session.scalars(
        sa.select(AwardForm).where(AwardForm.in_force(on)).order_by(AwardForm.code)
    ).all()


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
                  "proposal": "Tờ trình"}


def source_in_words(note: str | None) -> str:
    """A source note with its [V]/[S]/[U] tags spelled out: "Luật TĐKT 2022 (đã đối chiếu…)"."""
    text = note or ""
    for tag, words in CONFIDENCE.items():
        text = text.replace(f"[{tag}]", f"({words})")
    return " ".join(text.split()).replace("( ", "(")


def everything() -> dict:
    """All reference rows, in force or not, with their dates and sources: the admin's view."""
    def rows(model, *order):
        return db.session.scalars(sa.select(model).order_by(*order)).all()

    return {
        "award_forms": rows(AwardForm, AwardForm.code, AwardForm.effective_from),
        "bases": rows(LegalBasis, LegalBasis.document_kind, LegalBasis.position),
        "rules": rows(RuleValue, RuleValue.key, RuleValue.effective_from),
        "papers": rows(AttachmentRequirement, AttachmentRequirement.code),
    }


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
}


def _coerce(model, row):
    out = dict(row)
    for key in ("effective_from", "effective_to"):
        if out.get(key):
            out[key] = date.fromisoformat(out[key])
    return out


def load_reference_data(path: Path = DATA_FILE) -> dict:
    """Insert or update every row of the data file, matched on its natural key. Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return _load(data)


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
        columns = {c.name: c for c in model.__table__.columns if c.name != "id"}
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
            missing = sorted(k for k in required | set(keys) if raw.get(k) in (None, ""))
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
            if dates.get("effective_to") and dates.get("effective_from") and \
                    dates["effective_to"] < dates["effective_from"]:
                problems.append(f"{where}: ngày hết hiệu lực trước ngày có hiệu lực.")
    return problems


def import_reference(text: str) -> dict:
    """Check a whole reference file (a province's own, kept outside the package), then
    load it in one transaction: nothing is written when any row is wrong. Rows match on
    their natural key (code and effective date): a new decree is a new row."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Invalid(f"Tệp không phải JSON hợp lệ: {error}.", code="invalid_file") from None
    problems = _problems(data)
    if problems:
        raise Invalid(problems[0] if len(problems) == 1 else
                      f"Tệp dữ liệu tham chiếu có {len(problems)} lỗi, chưa nạp gì.",
                      details={"reasons": problems}, code="invalid_reference")
    try:
        return _load(data)
    except Exception:
        db.session.rollback()
        raise


def _load(data) -> dict:
    counts = {}
    for section, (model, keys) in _MODELS.items():
        counts[section] = 0
        for raw in data.get(section, []):
            row = _coerce(model, raw)
            existing = db.session.scalars(
                sa.select(model).where(*(getattr(model, k) == row[k] for k in keys))
            ).first()
            if existing is None:
                db.session.add(model(**row))
                counts[section] += 1
            else:
                for k, v in row.items():
                    setattr(existing, k, v)
    db.session.commit()
    return counts
