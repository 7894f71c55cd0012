"""A record no one can quietly rewrite: each workflow event and each register entry stores
the hash of its content and of the previous link of its chain (per item, per register);
the item and register rows keep their chain's head. Existing rows are chained in order.

Revision ID: e1a2c3b4d5f6
Revises: a9c3e5f7b1d2
Create Date: 2026-12-01 09:40:00

"""
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1a2c3b4d5f6"
down_revision = "a9c3e5f7b1d2"
branch_labels = None
depends_on = None

ITEM_TABLES = {"campaign": "campaigns", "plan": "plans", "dossier": "dossiers",
               "decision": "decisions"}
# A frozen copy of app/services/audit_chain.py's canonical form (version 1).
EVENT_FIELDS = ("item_type", "item_id", "actor_id", "role", "trigger", "from_state",
                "to_state", "comment", "content_sha256", "snapshot", "created_at")
ENTRY_FIELDS = ("register_id", "number", "item_type", "item_id", "entered", "user_id",
                "created_at")
PAGE = 1000


def _link_hash(fields, row, prev):
    content = {}
    for name in fields:
        value = row[name]
        if isinstance(value, str) and name == "created_at":  # SQLite hands back text
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.isoformat(timespec="microseconds")
        content[name] = value
    content["prev"] = prev
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain(conn, table, fields, group, hash_column):
    """Hash every row of ``table`` in (group, id) order, page by page; returns each
    group's head."""
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    if "snapshot" in fields:  # reflected as JSON only where the dialect says so
        t.c.snapshot.type = sa.JSON()
    if "entered" in fields:
        t.c.entered.type = sa.Boolean()
    t.c.created_at.type = sa.DateTime()
    order = [t.c[g] for g in group] + [t.c.id]
    heads, prev_key, prev, after = {}, None, None, None
    while True:
        query = sa.select(t).order_by(*order).limit(PAGE)
        if after is not None:
            query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
        rows = conn.execute(query).mappings().all()
        updates = []
        for row in rows:
            key = tuple(row[g] for g in group)
            if key != prev_key:
                prev_key, prev = key, None
            digest = _link_hash(fields, row, prev)
            updates.append({"row_id": row["id"], "h": digest, "p": prev})
            prev = heads[key] = digest
        if updates:
            conn.execute(t.update().where(t.c.id == sa.bindparam("row_id"))
                         .values({hash_column: sa.bindparam("h"),
                                  "prev_sha256": sa.bindparam("p")}), updates)
        if len(rows) < PAGE:
            return heads
        after = tuple(rows[-1][c.key] for c in order)


def backfill(conn):
    """Chain the rows already there (also run by the tests on rows with the links
    cleared)."""
    heads = _chain(conn, "workflow_events", EVENT_FIELDS, ("item_type", "item_id"),
                   "record_sha256")
    for item_type, table in ITEM_TABLES.items():
        rows = [{"row_id": item_id, "h": h} for (kind, item_id), h in heads.items()
                if kind == item_type]
        if rows:
            t = sa.table(table, sa.column("id"), sa.column("audit_head"))
            conn.execute(t.update().where(t.c.id == sa.bindparam("row_id"))
                         .values(audit_head=sa.bindparam("h")), rows)
    heads = _chain(conn, "register_entries", ENTRY_FIELDS, ("register_id",), "entry_sha256")
    if heads:
        t = sa.table("number_registers", sa.column("id"), sa.column("head_sha256"))
        conn.execute(t.update().where(t.c.id == sa.bindparam("row_id"))
                     .values(head_sha256=sa.bindparam("h")),
                     [{"row_id": k[0], "h": h} for k, h in heads.items()])


def upgrade():
    for table in ("workflow_events", "register_entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("record_sha256" if table == "workflow_events"
                                          else "entry_sha256", sa.String(64), nullable=True))
            batch_op.add_column(sa.Column("prev_sha256", sa.String(64), nullable=True))
    for table in ITEM_TABLES.values():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("audit_head", sa.String(64), nullable=True))
    with op.batch_alter_table("number_registers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_sha256", sa.String(64), nullable=True))
    backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table("number_registers", schema=None) as batch_op:
        batch_op.drop_column("head_sha256")
    for table in ITEM_TABLES.values():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("audit_head")
    for table, column in (("workflow_events", "record_sha256"),
                          ("register_entries", "entry_sha256")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("prev_sha256")
            batch_op.drop_column(column)
