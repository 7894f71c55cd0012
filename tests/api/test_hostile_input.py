"""Input no form would send: NUL bytes (issue 10 #5) and nameless multipart fields
(#11) are refused with a 4xx in the API's error shape, before or after sign-in."""
import io

import pytest

from app.models import Dossier
from tests import helpers


def _error(r, status):
    assert r.status_code == status, (r.status_code, r.data[:300])
    body = r.get_json()["error"]
    assert set(body) == {"code", "message", "details", "request_id"}
    return body


@pytest.mark.parametrize("body", [
    {"username": "\u0000", "password": "x"},
    {"username": "staff_a", "password": "a\u0000b"},
])
def test_a_nul_byte_at_sign_in_is_a_400(client, world, body):
    error = _error(client.post("/api/v1/auth/token", json=body), 400)
    assert "NUL" in error["message"]


def test_a_nul_byte_in_a_query_or_body_is_a_400(api, world, campaign):
    _error(api("board_head").get("/api/v1/decisions?state=%00"), 400)
    _error(api("board_head").get("/api/v1/campaigns?state=a%00b"), 400)
    plan = helpers.complete_plan(world, campaign)
    _error(api("staff_a").patch(f"/api/v1/plans/{plan.id}", json={
        "version": plan.version, "summary": "a\u0000"}), 400)


def test_a_nul_byte_in_a_page_form_is_a_400_page(client, world):
    r = client.post("/login", data={"username": "a\x00", "password": "x"})
    assert r.status_code == 400
    assert "NUL" in r.get_data(as_text=True)


def test_a_nameless_multipart_field_is_a_422_in_vietnamese(api, world, campaign):
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    body = (b"--B\r\nContent-Disposition: form-data\r\n\r\nabc\r\n"
            b"--B\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nto_trinh\r\n--B--\r\n")
    r = api("staff_a").post(f"/api/v1/dossiers/{dossier.id}/attachments", data=body,
                            headers={"Content-Type": "multipart/form-data; boundary=B"})
    error = _error(r, 422)
    assert error["code"] == "validation_error"
    assert error["details"]["multipart"][""] == ["Trường này không được hỗ trợ."]
    r = api("staff_a").post(f"/api/v1/dossiers/{dossier.id}/attachments",
                            data={"file": (io.BytesIO(helpers.PDF), "a.pdf"), "kind": "to_trinh"},
                            content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
