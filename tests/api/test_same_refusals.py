"""The API refuses bad input in the pages' words (issue 10 #8): both reach the one set of
checks (app/services/validation.py), so an over-long field or a bad address gets the same
message whichever way it is sent, and the document declares the same limits."""
import html
import io

from tests.web.test_views import csrf_of, login

LONG_NAME = "Nguyễn " * 40 + "Văn Bình"  # 248 + characters: over the 255 of «Họ tên»
BAD_EMAIL = "lan.nguyen@@syt"


def _page_says(client, url, data):
    page = client.get(url).get_data(as_text=True)
    r = client.post(url, data={"csrf_token": csrf_of(page), **data}, follow_redirects=True)
    return html.unescape(r.get_data(as_text=True))


def _api_says(response):
    assert response.status_code == 422, response.get_json()
    return response.get_json()["error"]["message"]


def _account(**overrides):
    return {"username": "lan_nguyen", "full_name": "Nguyễn Thị Lan", "email": "lan@tdkt.test",
            "password": "mat-khau-du-dai", "unit": "SYT", "roles": ["unit_staff"], **overrides}


def test_an_over_long_name_and_a_bad_address_get_the_same_words_from_the_api_and_the_page(
        client, api, world):
    login(client, "admin")
    for field, value in (("full_name", LONG_NAME + "x" * 20), ("email", BAD_EMAIL)):
        said = _api_says(api("admin").post("/api/v1/users", json=_account(**{field: value})))
        assert said.startswith("«"), said  # the service's words: «field label»: ...
        form = {**_account(**{field: value}), "roles": "unit_staff"}
        assert said in _page_says(client, "/admin/users", form), (field, said)


def test_a_username_and_a_campaign_code_are_checked_by_the_service_for_every_way_in(
        client, api, world):
    from app.services import org, validation
    from app.services.errors import Invalid
    from tests import helpers

    said = _api_says(api("admin").post("/api/v1/users", json=_account(username="lan nguyen")))
    assert said == validation.USERNAME_MESSAGE
    login(client, "admin")
    form = {**_account(username="lan nguyen"), "roles": "unit_staff"}
    assert said in _page_says(client, "/admin/users", form)
    try:  # the CLI's way in (flask users create) is the same service
        org.upsert_user("lan nguyen", "mat-khau-du-dai", ["unit_staff"], "SYT")
    except Invalid as refused:
        assert refused.message == said
    else:
        raise AssertionError("a username with a space was accepted")
    spec = helpers.campaign_spec(code="PT 2026")
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in spec.items()}
    r = api("board_head").post("/api/v1/campaigns", json=body)
    assert _api_says(r) == validation.CAMPAIGN_CODE_MESSAGE


def test_an_over_long_unit_field_gets_the_same_words_from_the_api_and_the_csv_import(
        client, api, world):
    said = _api_says(api("admin").patch("/api/v1/units/SYT", json={"short_name": "S" * 121}))
    assert said == "«Tên viết tắt»: tối đa 120 ký tự (đang có 121)."
    login(client, "admin")
    page = client.get("/admin/units").get_data(as_text=True)
    csv = f"code,name,short_name\nSYT,Sở Y tế,{'S' * 121}\n".encode()
    r = client.post("/admin/units", data={"csrf_token": csrf_of(page),
                                          "file": (io.BytesIO(csv), "don-vi.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert f"Dòng 2: {said}" in html.unescape(r.get_data(as_text=True))


def test_the_document_declares_the_services_limits(client):
    from app.services import validation

    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    unit = schemas["UnitIn"]["properties"]
    assert unit["short_name"]["maxLength"] == validation.UNIT["short_name"].max_len
    from app.api.schemas import NO_CONTROLS

    assert unit["email"] == {"type": "string", "format": "email", "description": NO_CONTROLS,
                             "maxLength": validation.MAX_EMAIL, "nullable": True}
    nominee = schemas["NomineeCreate"]["properties"]
    assert nominee["achievement_summary"]["maxLength"] == validation.LONG
    assert nominee["votes_for"]["maximum"] == validation.MAX_INT
