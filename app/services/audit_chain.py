"""A record no one can quietly rewrite: the audit events of each item, and the numbers each
register gave, are hash chains.

Every workflow event stores the SHA-256 of its own content (its meaningful columns as a
stable JSON, including the previous link) and the hash of the item's previous event; the
item row keeps the hash of its last event (``audit_head``), so a removed last event shows
too. Register entries are chained the same way per register, the register row keeping the
head. A row changed, removed or inserted by hand breaks the chain at that point, and
``flask audit verify`` names the first broken link of every chain. What a chain alone
cannot show (its end cut and its head moved back, a whole chain deleted, a chain
recomputed) the anchors show: audit_anchor.py pins every chain's head outside the database.

The canonical form below is part of the stored data: migration e1a2c3b4d5f6 carries a
frozen copy of it for the backfill. Change it only with a migration that rehashes.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Campaign,
    Decision,
    Dossier,
    NumberRegister,
    Plan,
    RegisterEntry,
    Registration,
    WorkflowEvent,
)

EVENT_FIELDS = ("item_type", "item_id", "actor_id", "role", "trigger", "from_state",
                "to_state", "comment", "content_sha256", "snapshot", "created_at")
ENTRY_FIELDS = ("register_id", "number", "item_type", "item_id", "entered", "user_id",
                "created_at")
# The models whose rows carry an item's chain head, by the events' item_type.
# (The steps link events through this module, so it cannot import their kinds.)
ITEM_MODELS = {"campaign": Campaign, "plan": Plan, "dossier": Dossier, "decision": Decision,
               "registration": Registration}
PAGE = 1000


def _value(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def link_hash(fields: tuple, row, prev: str | None) -> str:
    """SHA-256 of a row's ``fields`` (read by attribute or key) and the previous link."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    content = {name: _value(get(name)) for name in fields}
    content["prev"] = prev
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_event(event: WorkflowEvent, item) -> None:
    """Link a new event to its item's chain. The item is loaded under its row lock (or
    its version check) by the step, so no other step can link to the same head."""
    event.prev_sha256 = item.audit_head
    event.record_sha256 = link_hash(EVENT_FIELDS, event, item.audit_head)
    item.audit_head = event.record_sha256


def chain_entry(entry: RegisterEntry, prev: str | None) -> str:
    """Link a new register entry to ``prev`` (its register's head, read under the
    register's row lock); returns the new head."""
    entry.prev_sha256 = prev
    entry.entry_sha256 = link_hash(ENTRY_FIELDS, entry, prev)
    return entry.entry_sha256


# -- verifying ------------------------------------------------------------------------------


@dataclass
class Break:
    chain: str  # "plan 12", "register 3 (QĐ 2026, UBND)"
    row_id: int | None  # the event or entry where the chain breaks; None: the head
    problem: str
    expected: str | None
    found: str | None
    where: str | None = None  # names the row when it is no event or entry ("award_records 12")


@dataclass
class Report:
    chains: int = 0
    links: int = 0
    breaks: list[Break] = field(default_factory=list)
    # Each chain as it stood at a watermark (verify's ``cutoffs``): chain key ->
    # [links up to it, the last one's id, its hash, the state it left the item in].
    prefixes: dict = field(default_factory=dict)
    # Said to the operator but not a break (no anchor yet, a copy to put back, …).
    notes: list[str] = field(default_factory=list)
    anchor: dict | None = None  # the anchor checked against (audit_anchor.verify)

    @property
    def intact(self) -> bool:
        return not self.breaks


class _Walker:
    """Follows chains given row by row in chain order; keeps the first break of each."""

    def __init__(self, report, fields, hash_attr, cutoff=None):
        self.report, self.fields, self.hash_attr = report, fields, hash_attr
        self.cutoff = cutoff
        self.key = self.prev = None
        self.broken = False
        self.tails = {}  # chain key -> its last stored hash (checked against the heads)

    def feed(self, key, row, label):
        if key != self.key:
            self.key, self.prev, self.broken = key, None, False
            self.report.chains += 1
        self.report.links += 1
        stored, stored_prev = row[self.hash_attr], row["prev_sha256"]
        if not self.broken:
            if stored_prev != self.prev:
                self._break(label, row["id"], "liên kết tới bản ghi trước không khớp "
                            "(bản ghi trước bị xóa, sửa hoặc chèn thêm)", self.prev, stored_prev)
            else:
                computed = link_hash(self.fields, row, self.prev)
                if computed != stored:
                    self._break(label, row["id"], "nội dung bản ghi đã bị sửa", computed, stored)
        self.prev = stored
        self.tails[key] = stored
        if self.cutoff is not None and row["id"] <= self.cutoff:
            prefix = self.report.prefixes.setdefault(key, [0, None, None, None])
            prefix[:] = [prefix[0] + 1, row["id"], stored, row.get("to_state")]

    def _break(self, label, row_id, problem, expected, found):
        self.broken = True
        self.report.breaks.append(Break(label, row_id, problem, expected, found))


def _paged(columns, order, where=None):
    """Rows of a query in keyset pages of PAGE, in ``order`` (a tuple of columns whose
    last is the unique id): never the whole table in memory."""
    after = None
    while True:
        query = sa.select(*columns).order_by(*order).limit(PAGE)
        if where is not None:
            query = query.where(where)
        if after is not None:
            query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
        rows = db.session.execute(query).mappings().all()
        yield from rows
        if len(rows) < PAGE:
            return
        after = tuple(rows[-1][c.key] for c in order)


def verify(cutoffs: dict | None = None) -> Report:
    """Walk every chain in SQL pages and report the first broken link of each. With
    ``cutoffs`` ({"workflow_events": last id, "register_entries": last id}, an anchor's
    watermarks), also note where each chain stood at them (``Report.prefixes``, keyed
    (item_type, item_id) or ("register", register id))."""
    cutoffs = cutoffs or {}
    report = Report()
    events = _Walker(report, EVENT_FIELDS, "record_sha256", cutoffs.get("workflow_events"))
    columns = [getattr(WorkflowEvent, name) for name in EVENT_FIELDS
               if name not in ("item_type", "item_id")]
    for row in _paged((WorkflowEvent.item_type, WorkflowEvent.item_id, WorkflowEvent.id,
                       WorkflowEvent.prev_sha256, WorkflowEvent.record_sha256, *columns),
                      (WorkflowEvent.item_type, WorkflowEvent.item_id, WorkflowEvent.id)):
        key = (row["item_type"], row["item_id"])
        events.feed(key, row, f"{row['item_type']} {row['item_id']}")
    for name, model in ITEM_MODELS.items():
        for row in _paged((model.id, model.audit_head), (model.id,)):
            tail = events.tails.get((name, row["id"]))
            if row["audit_head"] != tail:
                report.breaks.append(Break(f"{name} {row['id']}", None,
                                           "bản ghi cuối của chuỗi đã bị xóa hoặc thay",
                                           row["audit_head"], tail))
    known = set(ITEM_MODELS)
    for item_type, item_id in events.tails:
        if item_type not in known:
            report.breaks.append(Break(f"{item_type} {item_id}", None,
                                       "loại hồ sơ không xác định", None, item_type))

    entries = _Walker(report, ENTRY_FIELDS, "entry_sha256", cutoffs.get("register_entries"))
    for row in _paged((RegisterEntry.id, RegisterEntry.prev_sha256, RegisterEntry.entry_sha256,
                       *[getattr(RegisterEntry, n) for n in ENTRY_FIELDS]),
                      (RegisterEntry.register_id, RegisterEntry.id)):
        entries.feed(("register", row["register_id"]), row, f"register {row['register_id']}")
    for row in _paged((NumberRegister.id, NumberRegister.head_sha256), (NumberRegister.id,)):
        tail = entries.tails.get(("register", row["id"]))
        if row["head_sha256"] != tail:
            report.breaks.append(Break(f"register {row['id']}", None,
                                       "số cuối của sổ đã bị xóa hoặc thay",
                                       row["head_sha256"], tail))
    return report
