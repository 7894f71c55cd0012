"""Builders and readers shared by the notification tests."""
import io

import docx
import sqlalchemy as sa
from docx.table import Table
from docx.text.paragraph import Paragraph

from app.extensions import db
from app.models import OutboxMessage, StoredDocument
from app.services import decisions, storage
from tests import helpers

BASE = "http://tdkt.test"


def addr(who: str) -> str:
    """The e-mail address of a user of the test world (tests/helpers.py)."""
    return f"{who}@tdkt.test"


def link(kind, item_id) -> str:
    return f"{BASE}/{kind}s/{item_id}"


def rows(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        query = query.where(getattr(OutboxMessage, key) == value)
    return db.session.scalars(query).all()


def count_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))


def decision_from(world, campaign, dossiers, until="approved"):
    """A decision holding every accepted nominee of the dossiers, taken up to ``until``."""
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for d in dossiers for n in d.nominees])
    for who, trigger, state in (("appraiser", "submit", "awaiting_board_head"),
                                ("board_head", "sign_proposal", "awaiting_chairman"),
                                ("chairman", "approve", "approved"),
                                ("clerk", "issue", "issued")):
        if decision.state == until:
            break
        helpers.fire(world, "decision", decision, who, trigger)
        assert decision.state == state
    return decision


def stored(kind, item_id, name) -> tuple[StoredDocument, bytes]:
    """The kept final document and its bytes, exactly as on disk."""
    db.session.expire_all()
    doc = db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.name == name, StoredDocument.superseded_at.is_(None))).one()
    return doc, storage.read(doc.storage_key)


def _paragraphs(container):
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield from _paragraphs(cell)


def printed_recipients(data: bytes) -> list[str]:
    """The entries printed under «Nơi nhận:» in a DOCX."""
    texts = [p.text for p in _paragraphs(docx.Document(io.BytesIO(data)))]
    start = texts.index("Nơi nhận:") + 1
    out = []
    for text in texts[start:]:
        if not text.startswith("- "):
            break
        out.append(text[2:].rstrip(";."))
    return out
