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


# -- nothing signed-in is kept in a cache (issue 20 #17) ---------------------------------------

ROLES = ["staff_a", "head_a", "appraiser", "board_head", "chairman", "clerk", "admin"]
DOCUMENT_NAMES = {"campaigns": "launch", "plans": "plan", "dossiers": "proposal",
                  "decisions": "decision"}


@pytest.fixture
def one_of_each(world, campaign):
    """A campaign with a plan, an appraised dossier with papers and an issued decision: each
    GET route has something real to show."""
    from app.extensions import db
    from app.models import AwardRecord, OutboxMessage
    from tests.award_helpers import issue

    plan = helpers.complete_plan(world, campaign)
    dossier = helpers.appraised_dossier(world, campaign)
    decision = issue(world, campaign, [dossier])
    record = db.session.query(AwardRecord).first()
    message = db.session.query(OutboxMessage).first()
    return {"campaigns": campaign.id, "plans": plan.id, "dossiers": dossier.id,
            "decisions": decision.id, "attachment": dossier.attachments[0].id,
            "record": record.id, "message": message.id if message else 1}


def _get_urls(app, ids, api_only=False):
    """Every GET route of the app, its arguments filled from ``ids``."""
    urls = []
    adapter = app.url_map.bind("tdkt.test")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "favicon"):
            continue
        if api_only and not rule.rule.startswith("/api/v1/"):
            continue
        parts = rule.rule.removeprefix("/api/v1").split("/")
        collections = (["campaigns", "plans", "dossiers", "decisions"]
                       if "collection" in rule.arguments else [parts[1]])
        for family in collections:
            values = {"collection": family, "item_id": ids.get(family, 1),
                      "campaign_id": ids["campaigns"], "dossier_id": ids["dossiers"],
                      "decision_id": ids["decisions"], "attachment_id": ids["attachment"],
                      "record_id": ids["record"], "message_id": ids["message"],
                      "name": DOCUMENT_NAMES.get(family, "x"), "year": 2026, "code": "SYT",
                      "token": "no-such-token", "sha256": "0" * 64, "identity_id": 1,
                      "role": "unit_staff", "package_id": 1, "unit_id": 1, "year_id": 1,
                      "unit": "SYT"}
            urls.append(adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments}))
    return sorted(set(urls))


def test_every_signed_in_answer_and_document_says_no_store(app, client, api, world, one_of_each):
    """Every GET route, signed in as each role with a session and with a token, whatever it
    answers (a page, JSON, a document, an Excel file, a redirect, a refusal): no-store."""
    pages = _get_urls(app, one_of_each)
    calls = _get_urls(app, one_of_each, api_only=True)
    assert len(pages) > 80 and len(calls) > 50
    kinds = set()
    for who in ROLES:
        login(client, who)
        token = api(who)
        for url, answer in [(u, client.get(u)) for u in pages] + [
                (u, token.get(u)) for u in calls]:
            assert answer.status_code != 500, (who, url)  # /readyz: 503 without mail
            assert answer.headers.get("Cache-Control") == "no-store", (
                who, url, answer.status_code, answer.headers.get("Cache-Control"))
            if answer.status_code == 200:
                kinds.add(answer.mimetype)
            answer.close()
    # pages, JSON, DOCX/PDF documents and Excel files were among the answers checked
    assert {"text/html", "application/json", "application/pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= kinds, kinds
    assert any("wordprocessingml" in kind for kind in kinds), kinds


def test_static_files_keep_their_caching(client):
    with client.get("/static/app.css") as r:
        assert r.status_code == 200 and "no-store" not in r.headers.get("Cache-Control", "")
        assert r.headers.get("ETag") or r.headers.get("Last-Modified")
    with client.get("/favicon.ico") as r:
        assert r.status_code == 200 and "max-age=86400" in r.headers["Cache-Control"]
    assert client.get("/login").headers["Cache-Control"] == "no-store"  # not a static file
