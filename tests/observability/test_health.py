"""/healthz and /readyz against real parts: the test database, the upload folder, an aiosmtpd
server started and stopped, an unreachable PostgreSQL and parts that accept a connection and
then say nothing. /readyz must tell which part is down, and within a second."""
import http.client
import http.server
import socket
import threading
import time

import botocore.exceptions
import pytest

from app import create_app
from app.services import storage, storage_backends
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
    config(UPLOAD_FOLDER=str(blocker / "uploads"), STORAGE_URL="")  # the local backend
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


# -- S3 storage ----------------------------------------------------------------------------


class _ReadOnlyGateway(http.server.BaseHTTPRequestHandler):
    """In front of the S3 server: reads pass through, writes are refused as S3 refuses them
    with read-only credentials or a read-only bucket policy (MinIO's `readonly`)."""

    upstream = ""

    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        conn = http.client.HTTPConnection(self.upstream, timeout=5)
        try:
            conn.request(self.command, self.path, body=body or None, headers=dict(self.headers))
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _refuse(self):
        if self.headers.get("Expect", "").lower() != "100-continue":  # else no body comes
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.close_connection = True
        data = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                b"<Message>Access Denied.</Message></Error>")
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_HEAD = _forward
    do_PUT = do_POST = do_DELETE = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture
def read_only_gateway(s3_server):
    handler = type("Gateway", (_ReadOnlyGateway,),
                   {"upstream": s3_server.endpoint.removeprefix("http://")})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _credentials(s3_server):
    settings = s3_server.app_config("any")
    return {"region": settings["STORAGE_S3_REGION"],
            "access_key": settings["STORAGE_S3_ACCESS_KEY_ID"],
            "secret_key": settings["STORAGE_S3_SECRET_ACCESS_KEY"]}


def _on_s3(app, config, s3_server, bucket, endpoint=None):
    settings = s3_server.app_config(bucket, prefix="readyz")
    if endpoint:
        settings["STORAGE_S3_ENDPOINT_URL"] = endpoint
    config(**settings)
    with app.app_context():
        storage.backend()  # built (boto3's clients) as in a process that has served before


def test_an_s3_bucket_is_ready_when_it_takes_a_write_and_keeps_nothing(app, config, smtp_server,
                                                                         s3_server):
    bucket = s3_server.new_bucket()
    _on_s3(app, config, s3_server, bucket)
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["checks"]["storage"]["state"] == "ok" and elapsed < 1
    assert s3_server.client().list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_read_only_s3_bucket_is_not_ready(app, config, smtp_server, s3_server,
                                            read_only_gateway):
    bucket = s3_server.new_bucket()
    _on_s3(app, config, s3_server, bucket, endpoint=read_only_gateway)
    # the bucket is there and answers through the gateway: only writes are refused
    via_gateway = storage_backends.S3Backend(bucket, endpoint_url=read_only_gateway,
                                             **_credentials(s3_server))
    via_gateway.client.head_bucket(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        via_gateway.client.put_object(Bucket=bucket, Key="x", Body=b"x")
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["storage"]["state"] == "fail" and "AccessDenied" in checks["storage"]["error"]
    assert checks["database"]["state"] == checks["mail"]["state"] == "ok"
    assert elapsed < 1


def test_a_stopped_s3_server_is_reported_within_a_second(app, config, smtp_server):
    from tests.s3 import S3Server

    own = S3Server()
    own.start()
    try:
        _on_s3(app, config, own, own.new_bucket())
        assert _ready(app.test_client())[0].status_code == 200
    finally:
        own.stop()
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["storage"]["state"] == "fail"
    assert "Could not connect" in checks["storage"]["error"], checks["storage"]
    assert checks["database"]["state"] == checks["mail"]["state"] == "ok"
    assert elapsed < 1


def test_an_s3_server_that_never_answers_is_reported_within_a_second(app, config, smtp_server,
                                                                      s3_server, silent_port):
    _on_s3(app, config, s3_server, "tdkt-hung", endpoint=f"http://127.0.0.1:{silent_port}")
    r, elapsed = _ready(app.test_client())
    assert r.status_code == 503
    storage_check = r.get_json()["checks"]["storage"]
    assert storage_check["state"] == "fail" and "no answer within" in storage_check["error"]
    assert elapsed < 1
