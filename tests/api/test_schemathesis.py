"""Property-based run over the whole OpenAPI document (issue 10 #10): schemathesis sends
generated requests to every operation, signed in as a Board head and as a unit's staff;
no answer may be a server error or differ from what the document says.

Bounded for CI: SCHEMATHESIS_EXAMPLES examples per operation and role (default 25), which
takes two to three minutes per database on this machine.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import OpenAPIV30SpecValidator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests import helpers

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
ROLES = ("board_head", "staff_a")


def test_the_document_validates_as_openapi_3(client):
    spec = client.get("/api/openapi.json").get_json()
    errors = [f"{list(e.path)}: {e.message[:200]}"
              for e in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert errors == []


@pytest.fixture
def tokens(app, world):
    """A launched campaign (so items exist to find) and, per role, the run's bearer token and
    a way to make throwaway ones (for the operation that revokes the token it is called with)."""
    helpers.make_campaign(world)
    return {who: (helpers.token_for(world.users[who]),
                  lambda who=who: helpers.token_for(world.users[who])) for who in ROLES}


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck), database=None)
CHECKS = (not_a_server_error, response_schema_conformance, content_type_conformance)
# Revoking the token a request carries would sign the rest of the run out: that operation
# gets a throwaway token per example, and runs last.
REVOKE = ("DELETE", "/api/v1/auth/token")


def _is_revoke(operation):
    return (operation.method.upper(), operation.path) == REVOKE


def _checker(operation, bearer_for, calls, revoked):
    """The property for one operation: each example is sent with bearer_for()'s token."""
    revoking = _is_revoke(operation)

    @given(case=operation.as_strategy())
    @SETTINGS
    def check(case):
        bearer = bearer_for()
        response = case.call(headers={"Authorization": f"Bearer {bearer}"})
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        if revoking and response.status_code == 204:
            revoked.append(bearer)

    return check


def _run_all(app, token, throwaway):
    """Every operation of the document, each with its own generated examples; returns the
    operations that were run, the findings (operation, first failing example), the schema
    and the throwaway tokens that the revoking operation answered 204 for."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_is_revoke)
    ran, findings, calls, revoked = [], [], [], []
    for operation in operations:
        before = len(calls)
        bearer_for = throwaway if _is_revoke(operation) else (lambda: token)
        try:
            _checker(operation, bearer_for, calls, revoked)()
        except Exception as error:  # noqa: BLE001 - every operation is reported at once
            findings.append(f"{operation.method.upper()} {operation.path}: {error}"[:1500])
        if len(calls) > before:  # only an operation that was called counts as run
            ran.append((operation.method.upper(), operation.path))
    assert len(calls) >= 2 * len(ran), "hypothesis generated almost nothing"
    print(f"{len(calls)} requests, statuses {sorted(set(calls))}")
    return ran, findings, schema, revoked


@pytest.mark.parametrize("who", ROLES)
def test_every_operation_answers_as_documented(app, tokens, who):
    token, throwaway = tokens[who]
    ran, findings, schema, revoked = _run_all(app, token, throwaway)
    spec = schema.raw_schema
    documented = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops
                  if m in ("get", "post", "put", "patch", "delete")}
    assert len(ran) == len(set(ran)) and set(ran) == documented  # every operation was tested
    assert ran[-1] == REVOKE  # last, so the run's own token was never at stake
    assert findings == [], "\n\n".join(findings)
    # The revoking operation did revoke: each token it answered 204 for is now refused,
    # while the run's own token still works.
    assert revoked, "no revocation succeeded"
    client = app.test_client()
    for bearer in revoked:
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {bearer}"}
                          ).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200


def test_the_document_says_what_the_api_does(client, api, world, campaign):
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    value = schemas["FigureIn"]["properties"]["value"]
    assert value["maximum"] == 999999999999.99 and isinstance(value["maximum"], float)
    upload = spec["paths"]["/api/v1/dossiers/{item_id}/attachments"]["post"]
    assert "parameters" not in upload or all(p["in"] == "path" for p in upload["parameters"])
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert schemas["Error"]["properties"]["error"]["$ref"].endswith("/ErrorBody")
    assert set(schemas["ErrorBody"]["required"]) == {"code", "message"}
    assert schemas["PlanTransitionIn"]["properties"]["trigger"]["enum"][0] == "submit"
    created = api("board_head").get(f"/api/v1/campaigns/{campaign.id}").get_json()["created_at"]
    assert created.endswith("+00:00")
