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
    verify = spec["paths"]["/api/v1/verify"]["post"]  # for anyone: no token
    assert verify["security"] == []
    assert verify["requestBody"]["content"]["multipart/form-data"]["encoding"] == {
        "file": {"contentType": "application/pdf"}}


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
        "unit": world.units["SYT"].id,
    }


ACTOR = {  # who calls each family of operations
    "auth": "staff_a", "me": "staff_a", "units": "admin", "users": "admin",
    "reference": "staff_a", "campaigns": "board_head", "plans": "appraiser",
    "dossiers": "appraiser", "decisions": "appraiser", "inbox": "appraiser",
    "registrations": "appraiser",
    "notifications": "staff_a", "outbox": "board_head", "distribution-lists": "board_head",
    "awards": "appraiser",
    "dashboard": "board_head", "excel": "board_head", "verify": "staff_a",
    "exchange": "staff_a",  # the axis' callback: no secret, 401
    "incoming-packages": "appraiser",
    "unit-decisions": "staff_a", "holds": "staff_a", "initiatives": "staff_a",
    "ratings": "staff_a",
    "eligibility-rules": "appraiser",
    "signing": "staff_a",  # the remote-signing service's callback (no sign-in: HMAC)
    "clusters": "admin", "cluster-years": "board_head", "flag-awards": "appraiser",
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
            .replace("{message_id}", "1").replace("{package_id}", "1")
            .replace("{unit_id}", str(ids["unit"]))
            .replace("{campaign_id}", str(ids["campaign"]))
            .replace("{dossier_id}", str(ids["dossier"]))
            .replace("{decision_id}", str(ids["decision"])).replace("{year}", "2026")
            .replace("{year_id}", "1").replace("{unit}", "SYT"))


DOCUMENT_NAMES = {"campaigns": "launch", "plans": "plan", "dossiers": "proposal",
                  "decisions": "decision", "registrations": "registration"}


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


# -- the rules the document states (issue 20 #19) ----------------------------------------------

def _valid(spec):
    from openapi_spec_validator import OpenAPIV30SpecValidator

    return [e.message for e in OpenAPIV30SpecValidator(spec).iter_errors()]


def _path_parameter(spec, path, name):
    item = spec["paths"][path]
    for param in item.get("parameters", []) + item["get"].get("parameters", []):
        if param["in"] == "path" and param["name"] == name:
            return param
    raise AssertionError(f"{path} documents no {name}")


def test_the_document_states_the_rules_and_still_validates(client):
    from app.api.schemas import TEXT_PATTERN
    from app.services import validation
    from app.services.errors import Invalid

    spec = _spec(client)
    assert _valid(spec) == []
    schemas = spec["components"]["schemas"]

    # control characters: every text a service rule checks says so, in words and a pattern
    texts = {(name, field): prop for name, schema in schemas.items()
             for field, prop in schema.get("properties", {}).items()
             if prop.get("pattern") == TEXT_PATTERN or prop.get("format") == "email"}
    assert len(texts) > 60
    assert {("DossierPatch", "summary"), ("NomineeCreate", "name"), ("StrikesIn", "reason"),
            ("CampaignCreate", "title"), ("VerdictIn", "reason"), ("UnitIn", "email"),
            ("DecisionPatch", "title")} <= set(texts)
    pattern = re.compile(TEXT_PATTERN)
    assert pattern.match("Nguyễn Văn A\tđội 1\nxã Đông Kinh\x0b")
    for refused in ("\x00", "\x01", "\x0c", "\x1f", "\x7f", "\x85", "\ufffe", "\ud800"):
        assert not pattern.match(f"a{refused}b"), refused
        assert validation.control_problem(f"a{refused}b", "x")  # the service refuses it too
        with pytest.raises(Invalid, match="ký tự điều khiển"):  # addresses as well
            validation.check({"e": f"a{refused}b@tdkt.vn"}, {"e": validation.Email()})
    for (name, field), prop in texts.items():
        assert "Control characters" in prop["description"], (name, field)

    # the years, from the service's own bounds
    for path in ("/api/v1/excel/awards/{year}", "/api/v1/dashboard/years/{year}"):
        schema = _path_parameter(spec, path, "year")["schema"]
        assert (schema["minimum"], schema["maximum"]) == (1945, 2200) == (
            validation.YEAR.minimum, validation.YEAR.limit)

    # a council's times are times of day, as the API reads them
    for name in ("DossierPatch", "DossierOut"):
        for field in ("council_started_at", "council_ended_at"):
            pattern = re.compile(schemas[name]["properties"][field]["pattern"])
            assert all(pattern.match(t) for t in ("08:00", "10:30", "23:59:59", "00:00"))
            assert not any(pattern.match(t) for t in ("8:00", "1030", "24:00", "10:30+07:00",
                                                       "10:30:00.5", "T10:30", "10"))

    # a strike needs a reason
    strikes = schemas["StrikesIn"]
    assert "reason" in strikes["required"] and strikes["properties"]["reason"]["minLength"] == 1
    assert "Required to strike" in schemas["StrikeIn"]["properties"]["reason"]["description"]

    # the Excel operations say what they answer and what they take
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    excel = {path: ops for path, ops in spec["paths"].items() if path.startswith("/api/v1/excel/")}
    gets = [ops["get"] for ops in excel.values() if "get" in ops]
    posts = [ops["post"] for ops in excel.values() if "post" in ops]
    assert len(gets) == 8 and len(posts) == 2
    for op in gets:
        assert op["responses"]["200"]["content"] == {
            xlsx: {"schema": {"type": "string", "format": "binary"}}}
    for op in posts:
        body = op["requestBody"]["content"]["multipart/form-data"]
        assert body["encoding"]["file"]["contentType"] == xlsx


def test_the_api_does_what_its_document_states(api, world, campaign):
    """Each stated rule is the API's: what the pattern refuses is refused, what it takes is
    taken."""
    staff = api("staff_a")
    dossier_id = staff.get(f"/api/v1/dossiers?campaign_id={campaign.id}").get_json()["items"][0]["id"]

    def patch(**fields):
        version = staff.get(f"/api/v1/dossiers/{dossier_id}").get_json()["version"]
        return staff.patch(f"/api/v1/dossiers/{dossier_id}", json={"version": version, **fields})

    for refused in ("1030", "8:00", "10:30+07:00", "10:30:00.5", "24:00"):
        r = patch(council_ended_at=refused)
        assert r.status_code == 422, (refused, r.get_json())
        assert "council_ended_at" in str(r.get_json()["error"]["details"])
    r = patch(council_started_at="08:00", council_ended_at="10:30:15")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["council_ended_at"] == "10:30:15"
    r = patch(summary="Báo cáo\x01")
    assert r.status_code == 422 and "ký tự điều khiển" in r.get_json()["error"]["message"]

    board = api("board_head")
    for year, status in ((1944, 422), (1945, 200), (2200, 200), (2201, 422)):
        assert board.get(f"/api/v1/dashboard/years/{year}").status_code == status, year
        r = board.get(f"/api/v1/excel/awards/{year}")
        assert r.status_code == status, year
        if status == 200:
            assert r.mimetype == (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        r.close()
