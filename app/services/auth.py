"""Sign-in checks and API bearer tokens (stored hashed, revocable, expiring)."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc
from app.extensions import db
from app.models import ApiToken, User
from app.services.errors import Invalid, ServiceError
from app.services.org import check_password_policy
from app.services.tx import transaction


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(username: str, password: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None or not user.active or not user.check_password(password):
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", code="bad_credentials")
    return user


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
    row = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
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
    with transaction():
        user.set_password(new)
