"""The transaction boundary every use case runs inside: all of it commits, or none of it."""
from contextlib import contextmanager

from flask import g
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.services.errors import STALE_MESSAGE, Conflict

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_PG_CONFLICT_CODES = {"40001", "40P01", "55P03"}


def _is_lock_conflict(exc: OperationalError) -> bool:
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _PG_CONFLICT_CODES:
        return True
    return "database is locked" in str(orig or exc)


def on_rollback(undo):
    """Undo a side effect outside the database (a file written) if the transaction fails."""
    g.setdefault("tx_undo", []).append(undo)


def on_commit(done):
    """Run ``done`` once the transaction has committed (counting what really happened)."""
    g.setdefault("tx_done", []).append(done)


def _rollback():
    db.session.rollback()
    g.pop("tx_done", None)
    for undo in reversed(g.pop("tx_undo", [])):
        undo()


@contextmanager
def transaction(keep_loaded=False):
    """Commit on success; roll back and translate concurrency failures into a 409.

    ``keep_loaded``: for a use case that changes what it has loaded only through the
    session (a step: its set-based writes add rows to other tables and touch nothing it
    holds), what it holds is exactly what it committed. It stays loaded, so answering
    costs no statement, instead of being read again after the commit."""
    try:
        yield db.session
        session = db.session()
        session.expire_on_commit = not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
        g.pop("tx_undo", None)
    except StaleDataError:
        _rollback()
        raise Conflict(STALE_MESSAGE, code="stale") from None
    except OperationalError as exc:
        _rollback()
        if _is_lock_conflict(exc):
            raise Conflict(STALE_MESSAGE, code="busy") from None
        raise
    except IntegrityError:
        _rollback()
        raise Conflict("Dữ liệu trùng hoặc vừa bị thay đổi bởi người khác. Hãy tải lại và thử lại.",
                       code="integrity") from None
    except BaseException:
        _rollback()
        raise
    for done in g.pop("tx_done", []):
        done()
