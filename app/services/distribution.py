"""Distribution lists (Nơi nhận): reusable, named, printed and mailed from the same entries."""
import sqlalchemy as sa

from app.extensions import db
from app.models import DecisionRecipient, DistributionEntry, DistributionList
from app.services.errors import Conflict, Invalid
from app.services.permissions import BOARD, require_role
from app.services.tx import transaction
from app.services.workflow import check_version, load, touch


def entries_from(specs):
    out = []
    for i, spec in enumerate(specs, start=1):
        label = (spec.get("label") or "").strip()
        if not label:
            raise Invalid("Mỗi nơi nhận cần có tên.", details={"entries": [i]}, code="empty_label")
        out.append(DistributionEntry(position=i, label=label, email=spec.get("email") or None))
    return out


def upsert_list(code, name, entries) -> DistributionList:
    """Create or replace a list by code (the CLI's and the demo's way). Idempotent."""
    with transaction():
        row = db.session.scalars(sa.select(DistributionList).where(
            DistributionList.code == code)).first()
        if row is None:
            row = DistributionList(code=code, name=name)
            db.session.add(row)
        row.name = name
        row.entries = entries_from(entries)
    return row


def by_code(code) -> DistributionList:
    row = db.session.scalars(sa.select(DistributionList).where(
        DistributionList.code == code)).first()
    if row is None:
        raise Invalid(f"Danh sách nơi nhận «{code}» không tồn tại.",
                      details={"distribution_list": code}, code="unknown_list")
    return row


def all_lists():
    return db.session.scalars(sa.select(DistributionList).order_by(DistributionList.code)).all()


def save_list(user, code, data):
    """Create or replace a named list (Board)."""
    require_role(user, BOARD, "sửa danh sách nơi nhận")
    return upsert_list(code, data["name"], data["entries"])


def set_decision_recipients(user, decision_id, entries, version=None):
    """Change a decision's Nơi nhận before it is issued (Board)."""
    with transaction():
        decision = load("decision", decision_id, user, lock=True)
        require_role(user, BOARD, "sửa nơi nhận của quyết định")
        if version is not None:
            check_version(decision, version)
        if decision.state == "issued":
            raise Conflict("Quyết định đã ban hành, không thể sửa nơi nhận.",
                           code="not_editable")
        decision.recipients = [DecisionRecipient(position=e.position, label=e.label,
                                                 email=e.email) for e in entries_from(entries)]
        touch(decision)
    return decision
