"""Fixtures: the app on SQLite (or on PostgreSQL when DATABASE_URL says so), built by the
real migrations, emptied after every test; a small province; API clients per role."""
import os
import secrets
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from tests import helpers

PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql"))
# Under pytest-xdist (`make test` runs the suite on both cores) each worker gets its own
# database: gw0 uses test_gw0, and so on. Set before anything reads DATABASE_URL, so the app,
# the tests that start web processes and those processes all see the worker's database.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# TDKT_TEST_STORAGE=s3: files go to a bucket on a real S3 server (moto's, on 127.0.0.1) instead
# of the local folder; `make test-s3` runs the tests marked `storage` that way.
ON_S3 = os.environ.get("TDKT_TEST_STORAGE", "local") == "s3"
# A cheap hash: the tests create many accounts; production keeps werkzeug's default.
PASSWORD = "mat-khau-thu-nghiem"
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _worker_database(url: str, worker: str) -> str:
    """The URL of this worker's own database beside the one DATABASE_URL names, created on
    first use (from template0, so nothing in the named database leaks into it)."""
    base = sa.engine.make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = sa.create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": own.database}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{own.database}" TEMPLATE template0 '
                                     "ENCODING 'UTF8'"))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


if ON_POSTGRES and XDIST_WORKER:
    PG_URL = _worker_database(PG_URL, XDIST_WORKER)
    os.environ["DATABASE_URL"] = PG_URL


def _database_uri(tmp_path_factory):
    if ON_POSTGRES:
        from app.config import _database_url

        return _database_url("")
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 server (moto's standalone one) on a free port of 127.0.0.1, for the run."""
    from tests.s3 import S3Server

    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _storage_config(request):
    if not ON_S3:
        return {}
    server = request.getfixturevalue("s3_server")
    return server.app_config(server.new_bucket(), prefix=f"run-{secrets.token_hex(4)}")


@pytest.fixture(scope="session")
def app(tmp_path_factory, _storage_config):
    uri = _database_uri(tmp_path_factory)
    app = create_app({
        **_storage_config,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "SECRET_KEY": "test-secret",
        # The suite signs in hundreds of times from 127.0.0.1; the throttling tests set
        # their own limit.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "PUBLIC_BASE_URL": "http://tdkt.test",
    })
    with app.app_context():
        if ON_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()  # the schema comes from the migrations, as in production
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if ON_POSTGRES:
                names = ", ".join(t.name for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(t.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def world(app, ctx):
    """A small province: the committee, its office, the Board, two units, one person per role."""
    return helpers.build_world(PASSWORD_HASH)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(app, world):
    """api("staff_a").get(...): a JSON client carrying that user's bearer token."""
    clients = {}

    def make(who):
        if who not in clients:
            clients[who] = helpers.ApiClient(app.test_client(), helpers.token_for(world.users[who]))
        return clients[who]

    return make


@pytest.fixture
def campaign(world):
    return helpers.make_campaign(world)


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is marked `browser`: Chromium runs once per CI run (on
    SQLite); the PostgreSQL pass deselects them (`make test-postgres`)."""
    browser_dir = os.path.join(os.path.dirname(__file__), "browser") + os.sep
    for item in items:
        if str(item.path).startswith(browser_dir):
            item.add_marker(pytest.mark.browser)


def pytest_report_header(config):
    return (f"database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}; "
            f"storage: {'S3 (moto server)' if ON_S3 else 'local folder'}")


__all__ = ["SimpleNamespace"]
