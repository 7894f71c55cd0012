"""The OpenAPI document describes every API route, and every documented operation works."""
import io
import re

import pytest

from app.extensions import db
from app.services import decisions
from tests import helpers

METHODS = {"get", "post", "put", "patch", "delete"}


def _spec(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def test_spec_is_openapi3_with_bearer_security(client):
    spec = _spec(client)
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []


def test_every_api_route_is_documented(app, client):
    spec = _spec(client)
    documented = {(re.sub(r"\{(\w+)\}", r"<\1>", p), m.upper())
                  for p, ops in spec["paths"].items() for m in ops if m in METHODS}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


@pytest.fixture
def scenario(world):
    """One of everything, so each documented operation has a real target."""
    campaign = helpers.make_campaign(world)
    dossier = helpers.appraised_dossier(world, campaign)
    plan = helpers.complete_plan(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    return {
        "campaign": campaign.id, "plan": plan.id, "dossier": dossier.id,
        "nominee": dossier.nominees[0].id, "attachment": dossier.attachments[0].id,
        "decision": decision.id, "code": "SYT", "username": "staff_a",
    }


ACTOR = {  # who calls each family of operations
    "auth": "staff_a", "me": "staff_a", "units": "admin", "users": "admin",
    "reference": "staff_a", "campaigns": "board_head", "plans": "appraiser",
    "dossiers": "appraiser", "decisions": "appraiser", "inbox": "appraiser",
    "notifications": "staff_a", "outbox": "board_head", "distribution-lists": "board_head",
    "awards": "appraiser",
    "dashboard": "board_head", "excel": "board_head",
}


def _url(path, ids):
    ids = dict(ids)
    family = path.split("/")[3]
    item = {"campaigns": "campaign", "plans": "plan", "dossiers": "dossier",
            "decisions": "decision"}.get(family)
    return (path.replace("{item_id}", str(ids.get(item, 0)))
            .replace("{nominee_id}", str(ids["nominee"]))
            .replace("{attachment_id}", str(ids["attachment"]))
            .replace("{code}", ids["code"]).replace("{username}", ids["username"])
            .replace("{name}", DOCUMENT_NAMES.get(family, "x"))
            .replace("{message_id}", "1")
            .replace("{campaign_id}", str(ids["campaign"]))
            .replace("{dossier_id}", str(ids["dossier"]))
            .replace("{decision_id}", str(ids["decision"])).replace("{year}", "2026"))


DOCUMENT_NAMES = {"campaigns": "launch", "plans": "plan", "dossiers": "proposal",
                  "decisions": "decision"}


def test_every_documented_operation_answers_without_a_server_error(client, api, scenario):
    """Called with an empty or minimal body: a real answer (2xx, or a 4xx JSON error
    explaining what is missing), never a 500 and never 'no such route'."""
    spec = _spec(client)
    seen = 0
    for path, ops in spec["paths"].items():
        for method in sorted(set(ops) & METHODS):
            if path == "/api/v1/auth/token" and method == "delete":
                continue  # revoking would end this test's own session; covered elsewhere
            who = ACTOR[path.split("/")[3]]
            url = _url(path, scenario)
            kwargs = {}
            if method in ("post", "put", "patch"):
                kwargs["json"] = {}
            if path.endswith("/attachments") and method == "post":
                kwargs = {"data": {"kind": "to_trinh", "file": (io.BytesIO(b"x"), "a.pdf")},
                          "content_type": "multipart/form-data"}
            r = getattr(api(who), method)(url, **kwargs)
            seen += 1
            assert r.status_code < 500, (method, url, r.get_data(as_text=True)[:300])
            if r.status_code == 404:
                body = r.get_json()
                assert body["error"]["code"] == "not_found" and body["error"]["message"] != (
                    "Không tìm thấy địa chỉ yêu cầu."), (method, url)
            if r.status_code >= 400:
                assert set(r.get_json()["error"]) == {"code", "message", "details", "request_id"}
                assert r.get_json()["error"]["request_id"] == r.headers["X-Request-ID"]
            r.close()
            db.session.rollback()
    assert seen >= 40
