"""Distribution lists (Nơi nhận): reusable, named, printed and mailed from the same entries."""
import sqlalchemy as sa

from app.extensions import db
from app.models import DistributionEntry, DistributionList
from app.services import validation
from app.services.errors import Invalid
from app.services.permissions import require_role
from app.services.tx import transaction
from workflows.roles import BOARD


def entries_from(specs):
    specs = validation.check({"entries": list(specs)}, {"entries": validation.ENTRIES})["entries"]
    out = []
    for i, spec in enumerate(specs, start=1):
        label = (spec.get("label") or "").strip()
        if not label:
            raise Invalid("Mỗi nơi nhận cần có tên.", details={"entries": [i]}, code="empty_label")
        out.append(DistributionEntry(position=i, label=label, email=spec.get("email") or None,
                                     organ_id=spec.get("organ_id") or None))
    return out


def upsert_list(code, name, entries) -> DistributionList:
    """Create or replace a list by code (the CLI's and the demo's way). Idempotent."""
    validation.code(code, validation.LIST_CODE, validation.LIST_CODE_MESSAGE)
    checked = validation.check({"code": code, "name": name}, validation.DISTRIBUTION_LIST)
    name = checked["name"]
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


def editable_lists(user):
    """Every list, for the Board member who edits them."""
    require_role(user, BOARD, "sửa danh sách nơi nhận")
    return all_lists()


def save_list(user, code, data):
    """Create or replace a named list (Board)."""
    require_role(user, BOARD, "sửa danh sách nơi nhận")
    return upsert_list(code, data["name"], data["entries"])

