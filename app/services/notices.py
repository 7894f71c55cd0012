"""What people were told: their in-app list, per-item delivery records, failed mail."""
import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage, User
from app.services.clock import now_utc
from app.services.errors import Conflict, NotFound
from app.services.permissions import BOARD, PROVINCE_WIDE_DECISIONS, require_role
from app.services.tx import transaction
from app.services.workflow import load


def mine(user, unread_only=False):
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient_user_id == user.id)
    if unread_only:
        query = query.where(OutboxMessage.read_at.is_(None))
    return query.order_by(OutboxMessage.id.desc())


def unread_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient_user_id == user.id, OutboxMessage.read_at.is_(None)))


def mark_read(user, ids=None) -> int:
    """Mark the given notifications (or all) of this user as read."""
    with transaction():
        query = sa.update(OutboxMessage).where(
            OutboxMessage.recipient_user_id == user.id, OutboxMessage.read_at.is_(None))
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        result = db.session.execute(query.values(read_at=now_utc())
                                    .execution_options(synchronize_session=False))
    return result.rowcount


def for_item(user, kind, item_id):
    """Who was told about an item, and whether delivery succeeded (item visibility applies)."""
    item = load(kind, item_id, user)
    query = sa.select(OutboxMessage).where(
        OutboxMessage.item_type == kind, OutboxMessage.item_id == item.id)
    if kind == "decision" and not user.roles & PROVINCE_WIDE_DECISIONS:
        # An issued decision names many units: each sees what its own people were told,
        # not the other units' addresses.
        own = sa.select(User.id).where(User.unit_id == user.unit_id)
        query = query.where(OutboxMessage.recipient_user_id.in_(own))
    return db.session.scalars(query.order_by(OutboxMessage.id)).all()


def undelivered(user, status="failed"):
    require_role(user, BOARD, "xem thư chưa gửi được")
    return sa.select(OutboxMessage).where(OutboxMessage.status == status).order_by(
        OutboxMessage.id.desc())


def resend(user, message_id):
    """Put a failed message back in the queue, its tries counted afresh (Board)."""
    require_role(user, BOARD, "gửi lại thư")
    with transaction():
        row = db.session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            raise NotFound("Không tìm thấy thư.")
        if row.status != "failed":
            raise Conflict("Chỉ gửi lại được thư đã gửi thất bại.",
                           details={"status": row.status}, code="not_failed")
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now_utc()
        row.claimed_by = row.claimed_at = None
    return row
