"""Sign-in checks and API bearer tokens (stored hashed, revocable, expiring)."""
import hashlib
import math
import secrets
import time
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import now_utc
from app.extensions import db, limiter
from app.models import ApiToken, User
from app.services.errors import Invalid, ServiceError
from app.services.org import check_password_policy, end_sessions
from app.services.tx import transaction


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Locked(ServiceError):
    """Too many wrong passwords for this account: wait ``retry_after`` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Hãy thử lại sau {minutes} "
            f"phút, hoặc đề nghị quản trị hệ thống mở khóa.",
            details={"retry_after": retry_after})
        self.retry_after = retry_after


@cache
def _decoy_hash() -> str:
    """A hash made with the default method: checking an unknown username against it costs
    what checking a real account costs, so timing tells nothing about who exists."""
    return generate_password_hash(secrets.token_hex(16))


def lock_delay(failures: int) -> int:
    """Seconds an account waits after ``failures`` wrong passwords in a row: nothing for
    the first few, then doubling from LOGIN_LOCK_SECONDS up to LOGIN_LOCK_MAX_SECONDS."""
    config = current_app.config
    free = config["LOGIN_FREE_FAILURES"]
    if failures < free:
        return 0
    return min(config["LOGIN_LOCK_SECONDS"] * 2 ** (failures - free),
               config["LOGIN_LOCK_MAX_SECONDS"])


def _record_failure(user):
    """Count one more wrong password, atomically (two tries at once both count)."""
    with transaction():
        failures = db.session.execute(
            sa.update(User).where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
            .execution_options(synchronize_session=False)).scalar_one()
        delay = lock_delay(failures)
        if delay:
            db.session.execute(
                sa.update(User).where(User.id == user.id)
                .values(locked_until=now_utc() + timedelta(seconds=delay))
                .execution_options(synchronize_session=False))
    db.session.expire(user, ["failed_logins", "locked_until"])


# How long the wrong passwords typed for a name with no account are remembered. A real
# account remembers its own until the next right password; a month is beyond any wait an
# attacker would measure to tell the two apart.
GHOST_MEMORY_SECONDS = 30 * 24 * 3600


def _ghost_keys(username: str) -> tuple[str, str]:
    """The limiter-store keys counting one name without an account (hashed: any length,
    nothing of the name kept)."""
    digest = hashlib.sha256(username.encode("utf-8")).hexdigest()[:40]
    return f"tdkt/sign-in/failures/{digest}", f"tdkt/sign-in/locked/{digest}"


def _ghost_lock_left(username: str) -> float:
    """Seconds a name without an account still waits, as an account would."""
    _failures, locked = _ghost_keys(username)
    storage = limiter.storage
    if not storage.get(locked):
        return 0
    return storage.get_expiry(locked) - time.time()


def _record_ghost_failure(username: str) -> None:
    """Count a wrong password for a name with no account (or a disabled one) exactly as an
    account counts its own, in the limiter's store (shared by every process when it is
    Redis), so that no user row is made for a guessed name."""
    failures_key, locked_key = _ghost_keys(username)
    storage = limiter.storage
    delay = lock_delay(storage.incr(failures_key, GHOST_MEMORY_SECONDS))
    if delay:
        storage.clear(locked_key)
        storage.incr(locked_key, delay)


def authenticate(username: str, password: str) -> User:
    """The user, or Unauthorized / Locked. A name without an account answers exactly as an
    account does (the same wrong-password count, the same lock and its delays, the cost of a
    real hash): the answers never tell whether a username exists."""
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    real = user is not None and user.active
    if real:
        left = ((user.locked_until - now_utc()).total_seconds()
                if user.locked_until is not None else 0)
    else:
        left = _ghost_lock_left(username)
    if left > 0:
        raise Locked(math.ceil(left))
    if not real:
        check_password_hash(_decoy_hash(), password)
        _record_ghost_failure(username)
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", code="bad_credentials")
    if not user.check_password(password):
        _record_failure(user)
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", code="bad_credentials")
    if user.failed_logins or user.locked_until:
        with transaction():
            user.failed_logins, user.locked_until = 0, None
    return user


def sign_out(user) -> None:
    """End every browser session of this person: a cookie saved before stays useless."""
    with transaction():
        end_sessions(user, tokens=False)


def issue_token(username: str, password: str):
    """Return (plain token, row); only the hash is kept."""
    user = authenticate(username, password)
    token = secrets.token_urlsafe(32)
    with transaction():
        row = ApiToken(user_id=user.id, token_hash=_digest(token),
                       expires_at=now_utc() + timedelta(
                           hours=current_app.config["API_TOKEN_TTL_HOURS"]))
        db.session.add(row)
    return token, row


def user_for_token(token: str) -> User | None:
    # Every API request asks: the token, its user and the user's roles in one statement.
    row = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.token_hash == _digest(token))
        .options(joinedload(ApiToken.user).joinedload(User.role_rows))).unique().first()
    if row is None or row.revoked_at is not None or row.expires_at <= now_utc():
        return None
    return row.user if row.user.active else None


def revoke_token(token: str) -> None:
    with transaction():
        row = db.session.scalars(
            sa.select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
        if row is not None and row.revoked_at is None:
            row.revoked_at = now_utc()


def change_password(user, current: str, new: str):
    """Change one's own password; the current one must be given."""
    if not user.check_password(current):
        raise Invalid("Mật khẩu hiện tại không đúng.", details={"current": ["Không đúng."]},
                      code="bad_password")
    check_password_policy(new, field="new", label="Mật khẩu mới")
    if new == current:
        raise Invalid("Mật khẩu mới phải khác mật khẩu hiện tại.",
                      details={"new": ["Trùng mật khẩu hiện tại."]}, code="same_password")
    with transaction():
        user.set_password(new)
        user.must_change_password = False
        end_sessions(user)  # the page signs this session in again, under the new version
