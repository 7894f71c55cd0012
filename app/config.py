"""Settings: safe defaults here, secrets from the environment or instance/config.py.

Every entry point (the ``flask`` command, gunicorn through wsgi.py, the delivery worker,
which runs as a ``flask`` command or inside the web process) builds the app through
wsgi.py, which loads the project's ``.env`` first: they all read the same settings.
"""
import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

_TRUE = {"1", "true", "yes", "on"}


def _env_bool(name, default=False):
    value = (os.environ.get(name) or "").strip()
    return default if not value else value.lower() in _TRUE  # empty, as in .env.example: default


def _env_int(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _database_url(instance_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "tdkt.sqlite3")
    # Heroku-style URLs name the old driver; psycopg 3 is the one we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_env_file(path) -> bool:
    """Read ``path`` (a .env file) into the environment, never overriding what is set: what
    the ``flask`` command does, done by wsgi.py for gunicorn too."""
    return load_dotenv(path, override=False)


def from_environment(instance_path):
    """Build the settings mapping from defaults and environment variables."""
    production = os.environ.get("TDKT_ENV", "development") == "production"
    return {
        "ENV_NAME": "production" if production else os.environ.get("TDKT_ENV", "development"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", os.path.join(instance_path, "uploads")),
        # Where files are kept: empty = UPLOAD_FOLDER on this disk; s3://bucket/prefix = an
        # S3-compatible store (AWS, MinIO) that several servers share. Credentials: the
        # STORAGE_S3_* variables, else boto3's own (AWS_ACCESS_KEY_ID, …, instance roles).
        "STORAGE_URL": os.environ.get("STORAGE_URL") or "",
        "STORAGE_S3_ENDPOINT_URL": os.environ.get("STORAGE_S3_ENDPOINT_URL") or None,
        "STORAGE_S3_REGION": os.environ.get("STORAGE_S3_REGION") or None,
        "STORAGE_S3_ACCESS_KEY_ID": os.environ.get("STORAGE_S3_ACCESS_KEY_ID") or None,
        "STORAGE_S3_SECRET_ACCESS_KEY": os.environ.get("STORAGE_S3_SECRET_ACCESS_KEY") or None,
        # Downloads from S3 answer 302 to a URL signed for this many seconds (the bytes then
        # bypass the app); off: the app streams them, after checking their SHA-256.
        "STORAGE_PRESIGNED_DOWNLOADS": _env_bool("STORAGE_PRESIGNED_DOWNLOADS", False),
        "STORAGE_PRESIGNED_SECONDS": _env_int("STORAGE_PRESIGNED_SECONDS", 300),
        # Where `flask audit anchor` writes each anchor outside the database, once and never
        # over: file:///path (a folder the backups keep apart) or s3://bucket/prefix (the
        # STORAGE_S3_* server; object lock for AUDIT_ANCHOR_RETAIN_DAYS, in this mode, when
        # the bucket has it). Empty: no anchors (verify checks the chains alone).
        "AUDIT_ANCHOR_URL": os.environ.get("AUDIT_ANCHOR_URL") or "",
        "AUDIT_ANCHOR_RETAIN_DAYS": _env_int("AUDIT_ANCHOR_RETAIN_DAYS", 3650),
        "AUDIT_ANCHOR_LOCK_MODE": os.environ.get("AUDIT_ANCHOR_LOCK_MODE") or "COMPLIANCE",
        # An RFC 3161 time-stamping authority for each anchor (its URL, and the PEM of the CA
        # its tokens are checked against); empty: anchors carry the server's time only.
        "AUDIT_TSA_URL": os.environ.get("AUDIT_TSA_URL") or "",
        "AUDIT_TSA_CA_FILE": os.environ.get("AUDIT_TSA_CA_FILE") or "",
        # Whole request bodies above this answer 413 before any view runs.
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # An Excel list to import (nominees, earlier awards): refused whole above this.
        "EXCEL_IMPORT_MAX_MB": _env_int("EXCEL_IMPORT_MAX_MB", 5),
        # Rows of data an import takes, refused whole above: a dossier's nominees (the
        # dossier's total after the import too), and the register's earlier awards.
        "EXCEL_IMPORT_MAX_ROWS": _env_int("EXCEL_IMPORT_MAX_ROWS", 2000),
        # Fields one form may send (Flask's default, 1,000, refused with 413 the drafting
        # form of a dossier past about 95 nominees): room for a dossier at the import
        # limit, each nominee's eight fields and a few files (two fields each).
        "MAX_FORM_PARTS": 16 * _env_int("EXCEL_IMPORT_MAX_ROWS", 2000) + 1000,
        "EXCEL_AWARD_IMPORT_MAX_ROWS": _env_int("EXCEL_AWARD_IMPORT_MAX_ROWS", 20000),
        "UPLOAD_ALLOWED_EXTENSIONS": os.environ.get(
            "UPLOAD_ALLOWED_EXTENSIONS", "pdf,docx,doc,odt,jpg,jpeg,png,xlsx,xls"
        ),
        "API_TOKEN_TTL_HOURS": _env_int("API_TOKEN_TTL_HOURS", 12),
        # A final paper's PDF: LibreOffice is stopped after this many seconds (a worker is
        # busy meanwhile; gunicorn's own timeout is longer).
        "PDF_TIMEOUT_SECONDS": _env_int("PDF_TIMEOUT_SECONDS", 60),
        # Sign-in throttling: per client address (Flask-Limiter; memory, or Redis when
        # RATELIMIT_STORAGE_URI names it) and per account (wrong passwords in a row lock it
        # for LOGIN_LOCK_SECONDS, doubling each time up to LOGIN_LOCK_MAX_SECONDS).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        # How many web processes serve this site: gunicorn's own count (deploy/gunicorn.conf.py
        # tells each worker), else TDKT_WEB_WORKERS or WEB_CONCURRENCY. Production with more
        # than one refuses the process-local memory:// store above (each would count apart).
        "WEB_WORKERS": _env_int("TDKT_WEB_WORKERS", _env_int("WEB_CONCURRENCY", 1)),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT") or "10 per minute;60 per hour",
        # The public verification (/xac-minh, POST /api/v1/verify), per client address.
        "VERIFY_RATE_LIMIT": os.environ.get("VERIFY_RATE_LIMIT") or "20 per minute",
        "LOGIN_FREE_FAILURES": _env_int("LOGIN_FREE_FAILURES", 5),
        "LOGIN_LOCK_SECONDS": _env_int("LOGIN_LOCK_SECONDS", 30),
        "LOGIN_LOCK_MAX_SECONDS": _env_int("LOGIN_LOCK_MAX_SECONDS", 3600),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "TIMEZONE": os.environ.get("TDKT_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Production is served over HTTPS: the cookie never travels in clear.
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_LIFETIME_MINUTES", 480) * 60,
        # CSRF is checked explicitly: on every form, and on API writes that
        # ride a browser session rather than a bearer token.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        # Mail (Flask-Mail's own settings)
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Ban Thi đua - Khen thưởng <tdkt@localhost>"),
        "MAIL_SUPPRESS_SEND": _env_bool("MAIL_SUPPRESS_SEND", False),
        # Outbox delivery: tries, back-off, and the worker inside the app (embedded default)
        # A message is tried until OUTBOX_RETRY_HOURS after it was written (a weekend
        # outage does not fail Monday's mail), every OUTBOX_BACKOFF_SECONDS doubling up to
        # OUTBOX_BACKOFF_MAX_SECONDS; OUTBOX_MAX_ATTEMPTS, when not 0, also caps the tries.
        "OUTBOX_MAX_ATTEMPTS": _env_int("OUTBOX_MAX_ATTEMPTS", 0),
        "OUTBOX_RETRY_HOURS": _env_int("OUTBOX_RETRY_HOURS", 72),
        "OUTBOX_BACKOFF_SECONDS": _env_int("OUTBOX_BACKOFF_SECONDS", 60),
        "OUTBOX_BACKOFF_MAX_SECONDS": _env_int("OUTBOX_BACKOFF_MAX_SECONDS", 1800),
        "OUTBOX_BATCH": _env_int("OUTBOX_BATCH", 50),
        # A worker renews its claim after every message, so a short lease only delays the
        # rows of a worker that was killed.
        "OUTBOX_LEASE_SECONDS": _env_int("OUTBOX_LEASE_SECONDS", 90),
        "OUTBOX_WORKER_IN_PROCESS": _env_bool("OUTBOX_WORKER_IN_PROCESS", True),
        "OUTBOX_POLL_SECONDS": _env_int("OUTBOX_POLL_SECONDS", 5),
        # Electronic exchange (issue 23): how edXML packages leave (app.axis): "" (off: the
        # Nơi nhận get mail only), "http" (an axis endpoint, or the Office's own document
        # system in hand-off mode) or "folder". The HTTP axis takes the system id and secret
        # in headers; the same secret authenticates its callbacks with status messages.
        "EXCHANGE_TRANSPORT": (os.environ.get("EXCHANGE_TRANSPORT") or "").strip().lower(),
        "EXCHANGE_AXIS_URL": os.environ.get("EXCHANGE_AXIS_URL") or "",
        "EXCHANGE_SYSTEM_ID": os.environ.get("EXCHANGE_SYSTEM_ID") or "",
        "EXCHANGE_SECRET": os.environ.get("EXCHANGE_SECRET") or "",
        "EXCHANGE_TIMEOUT_SECONDS": _env_int("EXCHANGE_TIMEOUT_SECONDS", 30),
        "EXCHANGE_OUTGOING_DIR": os.environ.get("EXCHANGE_OUTGOING_DIR") or "",
        "EXCHANGE_INCOMING_DIR": os.environ.get("EXCHANGE_INCOMING_DIR") or "",
        # The Board's overview counts issued decisions a recipient has not received (no 01
        # or 03) this many working days after they were sent.
        "EXCHANGE_RECEIPT_WORKING_DAYS": _env_int("EXCHANGE_RECEIPT_WORKING_DAYS", 2),
        # Status messages polled at most this often by the delivery worker (0: only by
        # `flask exchange poll` or the callback).
        "EXCHANGE_POLL_SECONDS": _env_int("EXCHANGE_POLL_SECONDS", 60),
        # Reminders (flask reminders send): items due within this many days
        "REMINDER_DAYS": _env_int("REMINDER_DAYS", 3),
        # Operations: logs (plain text, or one JSON object per line), the token that opens
        # /metrics (empty: no metrics endpoint), and how long /readyz waits for its checks.
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto: their
        # word is taken for the client's address (sign-in limits) and scheme. 0: none.
        "FORWARDED_PROXIES": _env_int("FORWARDED_PROXIES", 0),
        "LOG_FORMAT": (os.environ.get("LOG_FORMAT") or "plain").strip().lower(),
        "LOG_LEVEL": (os.environ.get("LOG_LEVEL") or "INFO").strip().upper(),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "READYZ_TIMEOUT_SECONDS": float(os.environ.get("READYZ_TIMEOUT_SECONDS") or 0.8),
        # Digital signatures (app.esign). Trust roots and intermediates: PEM/DER files or
        # directories, separated by commas (the Ban Cơ yếu's công vụ root and sub-CAs; the
        # national public root to check incoming papers; the demo CA of `flask signing`).
        # CRLs: files or URLs named here; nothing is fetched from a certificate's own URLs.
        "SIGNING_TRUST_ROOTS": os.environ.get("SIGNING_TRUST_ROOTS") or "",
        "SIGNING_INTERMEDIATES": os.environ.get("SIGNING_INTERMEDIATES") or "",
        "SIGNING_CRLS": os.environ.get("SIGNING_CRLS") or "",
        "SIGNING_REVOCATION_MODE": os.environ.get("SIGNING_REVOCATION_MODE") or "soft-fail",
        # The CA's OCSP responder, asked about certificates it issued (configured roots and
        # intermediates); empty: CRLs only.
        "SIGNING_OCSP_URL": os.environ.get("SIGNING_OCSP_URL") or "",
        # RFC 3161 timestamp authority; empty: signatures carry no timestamp.
        "SIGNING_TSA_URL": os.environ.get("SIGNING_TSA_URL") or "",
        # "" (B-T), "LT" (embed revocation data) or "LTA" (LT + document timestamp).
        "SIGNING_LONG_TERM": (os.environ.get("SIGNING_LONG_TERM") or "").strip().upper(),
        # Font of the number, date and text stamps (rescaled to 1000 units/em if needed).
        "SIGNING_FONT": os.environ.get("SIGNING_FONT") or "",
        "SIGNING_ITALIC_FONT": os.environ.get("SIGNING_ITALIC_FONT") or "",
        "SIGNING_VERIFY_MAX_MB": _env_int("SIGNING_VERIFY_MAX_MB", 20),
        "SIGNING_VERIFY_SECONDS": _env_int("SIGNING_VERIFY_SECONDS", 15),
        # The remote-signing service (the CA's, or the bridge to the signing plugin) the
        # server sends a person's signing request to; empty: the signer's own client posts
        # the answer (API). How long a page waits for the answer, and which answer it asks
        # for: "cms" (a CMS for the digest) or "pdf" (the whole signed PDF).
        "SIGNING_REMOTE_URL": (os.environ.get("SIGNING_REMOTE_URL") or "").strip(),
        "SIGNING_REMOTE_WAIT_SECONDS": _env_int("SIGNING_REMOTE_WAIT_SECONDS", 300),
        "SIGNING_REMOTE_ANSWER": (os.environ.get("SIGNING_REMOTE_ANSWER") or "cms").strip(),
        # The service's callback: the secret it signs its answers with (HMAC-SHA256 of
        # "<timestamp>.<body>"; empty: no callback, the waiting page polls), the address it
        # reaches this server at (default PUBLIC_BASE_URL), how old an answer may be.
        "SIGNING_REMOTE_CALLBACK_SECRET": os.environ.get("SIGNING_REMOTE_CALLBACK_SECRET")
        or "",
        "SIGNING_REMOTE_CALLBACK_BASE": (os.environ.get("SIGNING_REMOTE_CALLBACK_BASE")
                                         or "").strip(),
        "SIGNING_REMOTE_CALLBACK_SKEW": _env_int("SIGNING_REMOTE_CALLBACK_SKEW", 300),
        # The passphrase of the demo's key files (registered identities name the setting
        # that holds theirs); never set in production, which holds no person's key.
        "SIGNING_DEMO_PASSPHRASE": os.environ.get("SIGNING_DEMO_PASSPHRASE")
        or ("" if production else "demo"),
        # The issued decision's signed PDF goes with its mail up to this size; above it, a
        # link to it.
        "SIGNED_PDF_MAIL_MAX_MB": float(os.environ.get("SIGNED_PDF_MAIL_MAX_MB") or 10),
        # An organisation's seal on an HSM/token of the server (PKCS#11 module and PIN).
        "SIGNING_PKCS11_MODULE": os.environ.get("SIGNING_PKCS11_MODULE") or "",
        "SIGNING_PKCS11_PIN": os.environ.get("SIGNING_PKCS11_PIN") or "",
        # The edXML exchange package (QCVN 102:2016; issue 23). "handoff" (the default): the
        # package goes to the Office's own document system, which sends it on; its From is
        # EDXML_HANDOFF_ORGAN_ID, or, when empty, the issuing body's own mã định danh (the
        # document system the Office keeps for it). "direct": the province registered this
        # product on the axis under its own system id, EDXML_SYSTEM_ORGAN_ID (required).
        "EDXML_MODE": (os.environ.get("EDXML_MODE") or "handoff").strip().lower(),
        "EDXML_HANDOFF_ORGAN_ID": (os.environ.get("EDXML_HANDOFF_ORGAN_ID") or "").strip(),
        "EDXML_SYSTEM_ORGAN_ID": (os.environ.get("EDXML_SYSTEM_ORGAN_ID") or "").strip(),
        # An incoming package (or status message) larger than this is refused unread.
        "EDXML_MAX_MB": float(os.environ.get("EDXML_MAX_MB") or 40),
        # OpenAPI document (flask-smorest)
        "API_TITLE": "Hệ thống Thi đua – Khen thưởng API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot run safely."""


# Keys that have been published (in this repository, its history or its documentation):
# anyone can sign a session cookie with them, so production refuses them.
PUBLISHED_KEYS = frozenset({"dev-only-not-secret", "test-secret"})

SECRET_KEY_FILE = "secret_key"


def _instance_key(instance_path) -> str:
    """Development's own random key, made once and kept in instance/ (mode 0600)."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if len(key) < 32:
        key = secrets.token_hex(32)
        # Created with 0600 from the start: never readable by others, even for a moment.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key + "\n")
    os.chmod(path, 0o600)
    return key


DEMO_CA_DIR = "signing/demo-ca"  # under instance/: the demo's CA (`flask seed demo`)


def demo_signing_trust(config, instance_path):
    """In the demo and development, the signatures are checked against the demo's CA once
    `flask seed demo` has made it, unless trust settings are given (never in production,
    never in the tests, which bring their own)."""
    if config.get("ENV_NAME") == "production" or config.get("TESTING"):
        return
    ca = Path(instance_path) / DEMO_CA_DIR
    if config.get("SIGNING_TRUST_ROOTS") or not (ca / "root.pem").exists():
        return
    config["SIGNING_TRUST_ROOTS"] = str(ca / "root.pem")
    config["SIGNING_INTERMEDIATES"] = config.get("SIGNING_INTERMEDIATES") or str(ca / "sub-ca.pem")
    config["SIGNING_CRLS"] = config.get("SIGNING_CRLS") or str(ca / "sub-ca.crl")


def validate(config, instance_path):
    """Refuse to start in production without a secret key of its own; elsewhere, use the
    instance's random key when none is given. Refuse a STORAGE_URL that names no store."""
    key = config.get("SECRET_KEY")
    if config.get("ENV_NAME") == "production":
        if not key:
            raise ConfigError(
                "SECRET_KEY chưa được đặt. In production mode (TDKT_ENV=production) set "
                "SECRET_KEY in the environment or instance/config.py before starting."
            )
        if key in PUBLISHED_KEYS or len(key) < 16:
            raise ConfigError(
                "SECRET_KEY không an toàn: this key is public or too short (under 16 "
                "characters). Generate one with: python -c \"import secrets; "
                "print(secrets.token_hex(32))\"")
    elif not key:
        config["SECRET_KEY"] = _instance_key(instance_path)
    if config.get("SIGNING_REVOCATION_MODE", "soft-fail") not in {
            "soft-fail", "hard-fail", "require"}:
        raise ConfigError("SIGNING_REVOCATION_MODE: soft-fail, hard-fail or require.")
    if config.get("SIGNING_LONG_TERM", "") not in {"", "LT", "LTA"}:
        raise ConfigError("SIGNING_LONG_TERM: empty, LT or LTA.")
    if config.get("SIGNING_REMOTE_ANSWER", "cms") not in {"cms", "pdf"}:
        raise ConfigError("SIGNING_REMOTE_ANSWER: cms or pdf.")
    if config.get("SIGNING_LONG_TERM") == "LTA" and not config.get("SIGNING_TSA_URL"):
        raise ConfigError("SIGNING_LONG_TERM=LTA needs SIGNING_TSA_URL (a timestamp authority).")
    _validate_limiter_store(config)
    _validate_edxml(config)
    url = (config.get("STORAGE_URL") or "").strip()
    if url and not url.startswith(("s3://", "file://")):
        raise ConfigError(f"STORAGE_URL không hợp lệ: {url!r}. Leave it empty (the local "
                          "UPLOAD_FOLDER), or give s3://bucket/prefix or file:///path.")
    if url.startswith("s3://") and not url[len("s3://"):].split("/")[0]:
        raise ConfigError("STORAGE_URL names no bucket: s3://bucket/prefix.")
    anchors = (config.get("AUDIT_ANCHOR_URL") or "").strip()
    if anchors and not (anchors.startswith("file:///")
                        or (anchors.startswith("s3://") and anchors[len("s3://"):].split("/")[0])):
        raise ConfigError(f"AUDIT_ANCHOR_URL không hợp lệ: {anchors!r}. Leave it empty (no "
                          "anchors), or give file:///path or s3://bucket/prefix.")
    if config.get("AUDIT_ANCHOR_LOCK_MODE", "COMPLIANCE") not in ("COMPLIANCE", "GOVERNANCE"):
        raise ConfigError("AUDIT_ANCHOR_LOCK_MODE must be COMPLIANCE or GOVERNANCE.")
    if (config.get("AUDIT_TSA_URL") or "").strip() and not config.get("AUDIT_TSA_CA_FILE"):
        raise ConfigError("AUDIT_TSA_URL needs AUDIT_TSA_CA_FILE: the CA (PEM) its "
                          "time-stamp tokens are checked against.")


def _validate_edxml(config):
    from app.edxml import organ_id_problem

    mode = config.get("EDXML_MODE", "handoff")
    if mode not in ("handoff", "direct"):
        raise ConfigError("EDXML_MODE: handoff (the default) or direct.")
    for key in ("EDXML_HANDOFF_ORGAN_ID", "EDXML_SYSTEM_ORGAN_ID"):
        value = config.get(key) or ""
        if value and organ_id_problem(value):
            raise ConfigError(f"{key}={value!r}: {organ_id_problem(value)}")
    if mode == "direct" and not config.get("EDXML_SYSTEM_ORGAN_ID"):
        raise ConfigError("EDXML_MODE=direct needs EDXML_SYSTEM_ORGAN_ID: the system id the "
                          "province registered for this product on the document axis.")


def validate_web_workers(config):
    """The check below, for a worker that learns how many there are after the app was
    built (gunicorn's preloaded app: app.serving.after_fork)."""
    _validate_limiter_store(config)


def _validate_limiter_store(config):
    """Sign-in limits and locks counted in one process's memory let each worker allow the
    whole limit: production with several workers needs a shared store (Redis)."""
    store = (config.get("RATELIMIT_STORAGE_URI") or "memory://").strip()
    workers = int(config.get("WEB_WORKERS") or 1)
    if config.get("ENV_NAME") == "production" and store.startswith("memory") and workers > 1:
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI={store} không dùng được với {workers} tiến trình web: "
            f"each worker would count sign-in attempts on its own, letting {workers} times "
            "the limit through. Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (a Redis "
            "all the web processes share), or run a single worker (GUNICORN_WORKERS=1).")
