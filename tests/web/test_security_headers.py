"""Security headers on every response (issue 10 #9): a Content-Security-Policy allowing
only this site (no inline script), never framed, nosniff, a Referrer-Policy, HSTS in
production; and no page carries inline script the policy would block."""
import re

import pytest

from app import create_app
from tests import helpers
from tests.web.test_views import login


def _policy(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login", "/api/openapi.json", "/api/v1/me", "/khong-co"])
def test_every_response_carries_the_headers(client, world, path):
    r = client.get(path)
    policy = _policy(r)
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v for values in policy.values() for v in values)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r.headers  # development, plain HTTP


def test_production_sends_hsts_over_https(monkeypatch, tmp_path):
    monkeypatch.setenv("TDKT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                      "OUTBOX_WORKER_IN_PROCESS": False})
    r = app.test_client().get("/login", base_url="https://tdkt.example")
    assert "max-age=" in r.headers["Strict-Transport-Security"]
    r = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in r.headers


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"<style", re.I), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
]


def _inline(html):
    return [what for pattern, what in INLINE if pattern.search(html)]


def test_no_page_has_inline_script_or_style(app, client, world, campaign):
    """What the policy would block: checked on every main page as each role sees it."""
    plan = helpers.complete_plan(world, campaign)
    pages = {"staff_a": ["/", f"/plans/{plan.id}", f"/plans/{plan.id}/edit",
                         f"/campaigns/{campaign.id}", "/account/password"],
             "board_head": ["/", "/outbox", f"/campaigns/{campaign.id}"],
             "admin": ["/admin/users", "/admin/units", "/admin/reference"]}
    for who, paths in pages.items():
        login(client, who)
        for path in paths:
            r = client.get(path)
            assert r.status_code == 200, (who, path)
            assert _inline(r.get_data(as_text=True)) == [], (who, path)
    with app.test_request_context():
        from app.errors import error_page

        html, _ = error_page(409)
        assert _inline(html) == []
