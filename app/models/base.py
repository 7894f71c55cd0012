"""Column helpers shared by every table."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.clock import now_utc


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime, default=now_utc, onupdate=now_utc, nullable=False
    )


class WorkflowItemMixin(TimestampMixin):
    """A row carried through a process: its state, and a version for optimistic locking.

    The version is SQLAlchemy's version_id_col: every UPDATE says
    ``WHERE id = ? AND version = ?``, so two people acting on the same version
    cannot both succeed.
    """

    state: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    state_changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    # The hash of the item's last audit event: the head of its chain (app/services/
    # audit_chain.py), so even a removed last event shows.
    audit_head: Mapped[str | None] = mapped_column(sa.String(64))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}
