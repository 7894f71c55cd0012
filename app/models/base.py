"""Column helpers shared by every table."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow():
    """Naive UTC: SQLite keeps no zone, so every timestamp is stored the same way."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class WorkflowItemMixin(TimestampMixin):
    """A row carried through a process: its state, and a version for optimistic locking.

    The version is SQLAlchemy's version_id_col: every UPDATE says
    ``WHERE id = ? AND version = ?``, so two people acting on the same version
    cannot both succeed.
    """

    state: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    state_changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}
