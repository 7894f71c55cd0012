"""Every request has an id: the caller's X-Request-ID when sane, else a new one; it is in the
answer's header, on the error pages, in API errors and in every JSON log line."""
import io
import json
import logging

import pytest

from app import create_app


def test_a_sane_incoming_id_is_kept_and_a_bad_one_replaced(client):
    r = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c.42"})
    assert r.headers["X-Request-ID"] == "lb-7f3a9c.42"
    for bad in ("có dấu", "x" * 129, "a\"b<script>", ""):
        r = client.get("/healthz", headers={"X-Request-ID": bad})
        assert r.headers["X-Request-ID"] != bad and len(r.headers["X-Request-ID"]) == 32
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_id_is_on_the_error_page_and_in_api_errors(client):
    r = client.get("/khong-co-trang-nay", headers={"X-Request-ID": "trace-404-page"})
    assert r.status_code == 404
    assert "Mã yêu cầu" in r.get_data(as_text=True) and "trace-404-page" in r.get_data(as_text=True)
    r = client.get("/api/v1/inbox", headers={"X-Request-ID": "trace-401-api"})  # no token
    assert r.status_code == 401
    assert r.get_json()["error"]["request_id"] == "trace-401-api"
    r = client.get("/api/v1/inbox")
    assert r.get_json()["error"]["request_id"] == r.headers["X-Request-ID"]


@pytest.fixture
def json_app(tmp_path):
    """An app with LOG_FORMAT=json, its log lines caught; the root logger put back after."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "LOG_FORMAT": "json",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "UPLOAD_FOLDER": str(tmp_path / "up")})
    (ours,) = [h for h in root.handlers if getattr(h, "_tdkt", False)]
    caught = io.StringIO()
    ours.setStream(caught)

    @app.route("/boom")
    def boom():
        raise RuntimeError("hỏng ở đây")

    try:
        yield app, caught
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_json_logs_one_object_per_line_with_the_request(json_app):
    app, caught = json_app
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # operators' routes are not logged
    r = client.get("/khong-co", headers={"X-Request-ID": "trace-json-1"})
    assert r.status_code == 404
    r = client.get("/boom", headers={"X-Request-ID": "trace-json-2"})
    assert r.status_code == 500 and "trace-json-2" in r.get_data(as_text=True)
    lines = [json.loads(line) for line in caught.getvalue().splitlines()]  # each line is JSON
    by_id = {}
    for entry in lines:
        assert {"time", "level", "logger", "message"} <= set(entry)
        by_id.setdefault(entry.get("request_id"), []).append(entry)
    assert None not in by_id and not any(e.get("path") == "/healthz" for e in lines)
    (access,) = by_id["trace-json-1"]
    assert access["logger"] == "tdkt.request" and access["level"] == "INFO"
    assert access["method"] == "GET" and access["path"] == "/khong-co"
    assert access["status"] == 404 and access["duration_ms"] >= 0
    error, access = by_id["trace-json-2"]
    assert error["level"] == "ERROR" and error["logger"] == "app.errors"
    assert "RuntimeError: hỏng ở đây" in error["exception"]
    assert access["status"] == 500 and access["path"] == "/boom"


def test_behind_nginx_the_client_address_is_the_forwarded_one(tmp_path):
    def address_app(hops):
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                          "FORWARDED_PROXIES": hops,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
        from flask import request

        app.add_url_rule("/addr", "addr", lambda: f"{request.remote_addr} {request.scheme}")
        return app.test_client()

    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert address_app(1).get("/addr", headers=headers).text == "203.0.113.9 https"
    # without a proxy configured, a client's own header is not believed
    assert address_app(0).get("/addr", headers=headers).text == "127.0.0.1 http"
