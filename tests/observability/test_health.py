"""/healthz and /readyz against real parts: the test database, the upload folder, an aiosmtpd
server started and stopped, an unreachable PostgreSQL and parts that accept a connection and
then say nothing. /readyz must tell which part is down, and within a second."""
import socket
import time

import pytest

from app import create_app
from tests.notifications.conftest import free_port


def _ready(client):
    started = time.perf_counter()
    r = client.get("/readyz")
    return r, time.perf_counter() - started


def test_healthz_answers_without_the_database(app):
    broken = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                         "SQLALCHEMY_DATABASE_URI":
                         f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"})
    r = broken.test_client().get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    assert r.headers["X-Request-ID"]


def test_ready_when_database_storage_and_mail_answer(app, smtp_server):
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "ok"
    assert {name: c["state"] for name, c in body["checks"].items()} == {
        "database": "ok", "storage": "ok", "mail": "ok"}
    assert body["checks"]["mail"]["server"] == f"127.0.0.1:{smtp_server.port}"
    assert r.headers["Cache-Control"] == "no-store"
    assert elapsed < 1


def test_a_stopped_mail_relay_is_reported_within_a_second(app, smtp_server):
    smtp_server.stop()
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["mail"]["state"] == "fail"
    assert "ConnectionRefused" in checks["mail"]["error"]
    assert checks["database"]["state"] == checks["storage"]["state"] == "ok"
    assert elapsed < 1


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel completes them) and never says a word:
    a hung server, or one behind a firewall that lets the SYN through."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_a_mail_relay_that_never_greets_is_reported_within_a_second(app, config, silent_port):
    config(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent_port)
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 503
    assert r.get_json()["checks"]["mail"]["state"] == "fail"
    assert elapsed < 1


def _app_on(tmp_path, url, mail_port):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                       "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "up"),
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mail_port})


def test_an_unreachable_database_is_reported_within_a_second(tmp_path, smtp_server):
    closed = free_port()  # nothing listens there
    broken = _app_on(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{closed}/tdkt",
                     smtp_server.port)
    r, elapsed = _ready(broken.test_client())
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["database"]["state"] == "fail"
    assert "OperationalError" in checks["database"]["error"]
    assert checks["mail"]["state"] == checks["storage"]["state"] == "ok"
    assert elapsed < 1


def test_a_database_that_never_answers_is_reported_within_a_second(tmp_path, smtp_server,
                                                                    silent_port):
    hung = _app_on(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{silent_port}/tdkt",
                   smtp_server.port)
    r, elapsed = _ready(hung.test_client())
    assert r.status_code == 503
    database = r.get_json()["checks"]["database"]
    assert database["state"] == "fail" and "no answer within" in database["error"]
    assert elapsed < 1


def test_storage_that_cannot_be_written_is_reported(app, config, smtp_server, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"not a folder")
    config(UPLOAD_FOLDER=str(blocker / "uploads"))
    r, _ = _ready(app.test_client())
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["storage"]["state"] == "fail"
    assert checks["database"]["state"] == checks["mail"]["state"] == "ok"


def test_the_storage_check_leaves_nothing_behind(app, smtp_server):
    import os

    before = set(os.listdir(app.config["UPLOAD_FOLDER"]))
    assert _ready(app.test_client())[0].status_code == 200
    assert set(os.listdir(app.config["UPLOAD_FOLDER"])) == before
