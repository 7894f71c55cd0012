"""Is this process ready to serve? The database, the storage and the mail relay, checked at
once, each within a deadline, so a load balancer or an operator gets an answer in under a
second even when a part hangs (a database behind a dropped route, a relay that accepts
the connection and says nothing)."""
import socket
import time
from concurrent.futures import ThreadPoolExecutor, wait

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.services import storage

_PROBE_ENGINE = "tdkt_probe_engine"


def _probe_engine(app):
    """A separate engine without a pool: each check opens one short connection with its own
    timeouts, never waiting on (or spoiling) the pool the requests use."""
    engine = app.extensions.get(_PROBE_ENGINE)
    if engine is None:
        url = db.engine.url
        if url.get_backend_name() == "postgresql":
            # libpq waits at least 2 s to connect; the deadline in readiness() answers sooner
            # and this bounds how long the abandoned check lives on.
            connect_args = {"connect_timeout": 2, "options": "-c statement_timeout=1000"}
        else:
            connect_args = {"timeout": 1}  # SQLite: how long to wait on a lock
        engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
        app.extensions[_PROBE_ENGINE] = engine
    return engine


def _database(app):
    with _probe_engine(app).connect() as connection:
        connection.execute(sa.text("SELECT 1")).scalar_one()
    return {}


def _mail(app, deadline):
    """An SMTP server greets first: a "220" banner means it is there and answering."""
    config = app.config
    if config.get("MAIL_SUPPRESS_SEND"):
        return {"note": "MAIL_SUPPRESS_SEND: mail is built but not sent"}
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    with socket.create_connection((host, port), timeout=deadline) as sock:
        if config.get("MAIL_USE_SSL"):
            return {"server": f"{host}:{port}"}  # SMTPS: the greeting comes after TLS
        sock.settimeout(deadline)
        banner = sock.recv(512)
        if not banner.startswith(b"220"):
            raise ConnectionError(f"unexpected greeting {banner[:60]!r}")
        sock.sendall(b"QUIT\r\n")
    return {"server": f"{host}:{port}"}


def _storage(app):
    with app.app_context():
        storage.check()
    return {}


def _timed(check):
    started = time.perf_counter()
    info = check()
    return round((time.perf_counter() - started) * 1000, 1), info


def readiness() -> dict:
    """{"status": "ok"|"fail", "checks": {name: {"state": "ok"|"fail", "ms", ["error"]}}}."""
    app = current_app._get_current_object()
    deadline = float(app.config["READYZ_TIMEOUT_SECONDS"])
    _probe_engine(app)  # built here, where the app context is
    checks = {"database": lambda: _database(app), "storage": lambda: _storage(app),
              "mail": lambda: _mail(app, deadline)}
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(_timed, check) for name, check in checks.items()}
        wait(futures.values(), timeout=deadline)
    finally:
        pool.shutdown(wait=False)  # a hung check ends on its own timeout, unwaited
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    result = {}
    for name, future in futures.items():
        if not future.done():
            result[name] = {"state": "fail", "ms": elapsed_ms,
                            "error": f"no answer within {deadline:g} s"}
        elif future.exception() is not None:
            error = future.exception()
            text = str(error).strip().splitlines()[0] if str(error).strip() else ""
            result[name] = {"state": "fail", "ms": elapsed_ms,
                            "error": f"{type(error).__name__}: {text}"[:300]}
        else:
            ms, info = future.result()
            result[name] = {"state": "ok", "ms": ms, **info}
    ok = all(check["state"] == "ok" for check in result.values())
    return {"status": "ok" if ok else "fail", "checks": result}
