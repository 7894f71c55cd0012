"""The application factory: a table of contents, each subsystem wires itself."""
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None, instance_path=None):
    """Build the app. ``config`` (a mapping) overrides everything; tests pass one."""
    app = Flask(
        __name__,
        instance_path=str(instance_path or ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    configure(app, config)
    trust_proxies(app)
    register_observability(app)
    register_extensions(app)
    forbid_caching(app)
    register_errors(app)
    register_guards(app)
    register_api(app)
    register_web(app)
    register_delivery(app)
    register_cli(app)
    register_shell(app)
    return app


def configure(app, config):
    from app.config import demo_signing_trust, from_environment, validate

    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)
    validate(app.config, app.instance_path)
    demo_signing_trust(app.config, app.instance_path)


def trust_proxies(app):
    """Behind nginx every request comes from 127.0.0.1: believe the proxy's headers, but
    only as many hops as are configured (a client's own X-Forwarded-For is ignored)."""
    hops = app.config["FORWARDED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_observability(app):
    from app.observability import init_observability

    init_observability(app)


def register_extensions(app):
    from app.extensions import (
        CONTENT_SECURITY_POLICY,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
        talisman,
    )
    from app.models import User

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = "Hãy đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    mail.init_app(app)
    limiter.init_app(app)
    production = app.config["ENV_NAME"] == "production"
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        # TLS ends at the reverse proxy, which redirects plain HTTP; HSTS is sent on HTTPS
        # requests (or X-Forwarded-Proto: https) in production.
        force_https=False,
        strict_transport_security=production,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )

    @login_manager.user_loader
    def load_user(session_id):
        # "id:session_version" (User.get_id): an older version is a session ended by a
        # sign-out or a password change.
        user_id, _, version = str(session_id).partition(":")
        if not (user_id.isdigit() and version.isdigit()) or int(user_id) > 2**31 - 1:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app, db)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _tune_postgresql(app, db)


def _tune_sqlite(app, db):
    """WAL lets readers work while one writer commits; the busy timeout queues writers."""
    from sqlalchemy import event

    from app.services.names import collate

    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # Names in Vietnamese alphabetical order (PostgreSQL: the ICU "vi-x-icu").
            dbapi_connection.create_collation("vi", collate)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a power cut may lose the last commits but never corrupts the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()


# The site's public, unchanging files: the only answers a browser or a proxy may keep.
CACHEABLE_ENDPOINTS = frozenset({"static", "favicon"})


def forbid_caching(app):
    """Pages, API answers and documents hold personal data and change with each step: no
    browser, proxy or shared computer keeps a copy (Cache-Control: no-store), whoever asked
    (the sign-in page's CSRF token included). Only the static files keep their caching."""
    from flask import request

    @app.after_request
    def _no_store(response):
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response


def register_errors(app):
    from app.errors import init_errors

    init_errors(app)


def _tune_postgresql(app, db):
    """Short queries all: the JIT compiler's start-up (tens of ms) never pays for itself."""
    from sqlalchemy import event

    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _settings(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            dbapi_connection.commit()


def register_guards(app):
    from app.guards import init_guards

    init_guards(app)


def register_api(app):
    from app.api import init_api

    init_api(app)


def register_web(app):
    from app.web import init_web

    init_web(app)


def register_delivery(app):
    from app.delivery.worker import start_in_process

    start_in_process(app)


def register_cli(app):
    from app.cli import register

    register(app)


def register_shell(app):
    from app import models
    from app.extensions import db

    @app.shell_context_processor
    def context():
        return {"db": db, **{name: getattr(models, name) for name in models.__all__}}
