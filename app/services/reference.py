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
