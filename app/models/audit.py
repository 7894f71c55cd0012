"""The audit trail, the outbox and the number registers."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_utc
from app.extensions import db
from app.models.org import User


class WorkflowEvent(db.Model):
    """One fired trigger: who, in which role, from where to where, why, on what content."""

    __tablename__ = "workflow_events"
    __table_args__ = (sa.Index("ix_workflow_events_item", "item_type", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    trigger: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    from_state: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    to_state: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    content_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # The content itself, so a resubmission can be compared with what was seen before.
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    # The item's hash chain: this event's content with the previous link, and that link.
    record_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    prev_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")


class OutboxMessage(db.Model):
    """A notification written in the same transaction as the step that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_outbox_item", "item_type", "item_id"),
        sa.Index("ix_outbox_recipient_user_id_read_at", "recipient_user_id", "read_at"),
        sa.Index("ix_outbox_channel_status_next_attempt_at", "channel", "status",
                 "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workflow_events.id"), index=True)
    item_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    template: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    recipient_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recipient_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    recipient_email: Mapped[str | None] = mapped_column(sa.String(255))
    payload: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    # A worker's claim: other workers skip the row until it is sent, failed or the lease ends.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # In-app: when the person opened it (the bell counts the unread ones).
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # How the row travels: "mail" (the delivery worker's Flask-Mail) or "edxml" (an edXML
    # package through the exchange transport, app/services/exchange.py). An edXML row
    # carries its stable send id: every copy of it is the same package to the axis.
    channel: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="mail",
                                         server_default="mail")
    send_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # the DocumentId the package carries (normalised: organ,YYYY/MM/DD,number/symbol): the
    # status messages that come back name it
    document_id: Mapped[str | None] = mapped_column(sa.String(120), index=True)


class ReminderLog(db.Model):
    """One reminder per item, person and day: `flask reminders send` may run twice a day."""

    __tablename__ = "reminder_log"
    __table_args__ = (sa.UniqueConstraint("item_type", "item_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    day: Mapped[date] = mapped_column(sa.Date, nullable=False)


class NumberRegister(db.Model):
    """Sổ đăng ký văn bản: one counter per issuing body, document type and year."""

    __tablename__ = "number_registers"
    __table_args__ = (sa.UniqueConstraint("issuer_unit_id", "doc_type", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    doc_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    last_number: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    # Where the register stood when last set by hand (the Văn thư's paper register): the
    # numbers up to it were given outside the app, so only those above it can be gaps.
    base_number: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0,
                                             server_default="0")
    # The hash of the last entry given from it: the head of the register's chain.
    head_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class RegisterEntry(db.Model):
    """One number given from a register, by the app or entered by the Office: a number is
    given once per register (the unique constraint holds against concurrent issuers)."""

    __tablename__ = "register_entries"
    __table_args__ = (sa.UniqueConstraint("register_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("number_registers.id"), nullable=False)
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    item_type: Mapped[str | None] = mapped_column(sa.String(16))
    item_id: Mapped[int | None] = mapped_column(sa.Integer)
    entered: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    # The register's hash chain (app/services/audit_chain.py).
    entry_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    prev_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class RegisterChange(db.Model):
    """Audit row of a register's last-used number set by hand (admin or Văn thư)."""

    __tablename__ = "register_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(sa.ForeignKey("number_registers.id"), nullable=False,
                                             index=True)
    old_last: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    new_last: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)

    user: Mapped[User | None] = relationship(lazy="joined")


class AuditAnchor(db.Model):
    """One anchor of the record (app/services/audit_anchor.py): the Merkle roots of every
    chain head and covered row up to its watermarks. ``document`` is the exact JSON also
    written outside the database, where SQL cannot reach; verify trusts that copy."""

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # its sequence
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    root: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    prev_root: Mapped[str | None] = mapped_column(sa.String(64))
    document: Mapped[str] = mapped_column(sa.Text, nullable=False)
    location: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    # The RFC 3161 time-stamp token of ``document`` (DER), when a TSA is configured.
    tsa_token: Mapped[bytes | None] = mapped_column(sa.LargeBinary)


class AuditAnchorLeaf(db.Model):
    """A leaf an anchor added or changed: a chain's head (count, last id, hash) or a covered
    row's hash. An anchor's full set is every anchor's leaves up to it, the latest per key:
    enough to recompute its roots, and to name the row that no longer matches."""

    __tablename__ = "audit_anchor_leaves"
    __table_args__ = (sa.Index("ix_audit_anchor_leaves_kind_key", "kind", "key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    anchor_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_anchors.id"), nullable=False,
                                           index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    key: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    count: Mapped[int | None] = mapped_column(sa.Integer)
    last_id: Mapped[int | None] = mapped_column(sa.Integer)
    digest: Mapped[str] = mapped_column(sa.String(64), nullable=False)


class ExchangeReceipt(db.Model):
    """A status message (01–06, edXML MessageStatus) a recipient's document system sent back
    about a package we sent: taken in by polling or by callback, checked, kept once."""

    __tablename__ = "exchange_receipts"
    __table_args__ = (
        sa.Index("ix_exchange_receipts_decision_organ", "decision_id", "organ_id", "stated_at"),
        sa.Index("ix_exchange_receipts_status_code", "status_code", "decision_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id"), nullable=False)
    # the outbox row (the package) the status answers
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"), index=True)
    organ_id: Mapped[str] = mapped_column(sa.String(13), nullable=False)
    document_id: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    status_code: Mapped[str] = mapped_column(sa.String(2), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    staff: Mapped[str | None] = mapped_column(sa.String(255))
    # the time the receiver stated (its Timestamp), and when we took it in (UTC)
    stated_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    source: Mapped[str] = mapped_column(sa.String(8), nullable=False)  # poll | callback
    # the same message taken in twice (a poll after a callback) is kept once
    message_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
