"""Extensions created unbound, so any module can import them without the app."""
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations portable (SQLite batch mode needs names).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# Security headers on every response (set up in app/__init__.py from the settings).
talisman = Talisman()

# Only this site's own files: no inline script or style attribute, no plug-ins, never
# framed. Bootstrap's stylesheet draws a few icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Storage from RATELIMIT_STORAGE_URI (memory:// by default, redis://… to share the counts
# between gunicorn workers); limits are only set where named (sign-in, verification).
limiter = Limiter(key_func=get_remote_address)


def login_rate_limit():
    """The per-address limit on sign-in attempts, read at each request (LOGIN_RATE_LIMIT)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def verify_rate_limit():
    """The per-address limit on the public verification (VERIFY_RATE_LIMIT)."""
    return current_app.config["VERIFY_RATE_LIMIT"]
