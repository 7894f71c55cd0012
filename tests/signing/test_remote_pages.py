"""The decision page's waiting state in the remote mode: «Phê duyệt» sends the request to
the remote-signing service (the stand-in on 127.0.0.1), the page polls, and the step
finishes when the person confirms on their device, with either answer (a CMS for the
digest, or the whole signed PDF); a cancelled or timed-out request changes nothing."""
import pytest

from app.esign import pki
from app.esign.keys import Pkcs12Key
from app.extensions import db
from app.models import Decision
from app.services import esigning, identities
from tests import helpers
from tests.docgen.support import scenario
from tests.esign.remote_standin import RemoteStandIn
from tests.signing.support import DEPUTY
from tests.web.test_views import csrf_of, login


@pytest.fixture
def standin(app, demo, trusted, monkeypatch):
    """The chairman's device at the stand-in service; the app sends its requests there."""
    p12, png = demo.files["deputy"]
    settings = identities.settings()
    key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, settings)
    with RemoteStandIn({"hau.dt": {"key": key, "image": png.read_bytes()}}, settings) as s:
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_URL", s.url)
        yield s


def pem_of(p12):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    _key, cert, _extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
    return cert.public_bytes(serialization.Encoding.PEM)


def awaiting_chairman(world, demo):
    s = scenario(world, until="drafting")
    p12, png = demo.files["deputy"]
    identities.register_user(None, "chairman", backend="remote", certificate_pem=pem_of(p12),
                             image_png=png.read_bytes(), account="hau.dt")
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
    db.session.refresh(s.decision)
    return s.decision.id, s.decision.version


def press_approve(client, decision_id, version):
    """The Chairman presses «Phê duyệt»: the answer is the waiting page."""
    login(client, "chairman")
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    r = client.post(f"/decisions/{decision_id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "approve", "version": version})
    assert r.status_code == 302 and "/signing/" in r.location, r.location
    return r.location


def state_of(decision_id):
    db.session.remove()
    return db.session.get(Decision, decision_id).state


@pytest.mark.parametrize("answer", ["cms", "pdf"])
def test_the_page_waits_for_the_device_then_the_signature_finishes_the_step(
        app, world, demo, standin, client, monkeypatch, answer):
    monkeypatch.setitem(app.config, "SIGNING_REMOTE_ANSWER", answer)
    decision_id, version = awaiting_chairman(world, demo)
    wait = press_approve(client, decision_id, version)
    html = client.get(wait).get_data(as_text=True)
    chairman = world.users["chairman"].full_name
    assert f"Đang chờ ký số trên thiết bị của {chairman}" in html
    assert 'role="status" aria-live="polite"' in html
    [(ticket, request)] = standin.requests.items()
    assert request["kind"] == answer and request["account"] == "hau.dt"
    assert f"<code>{ticket}</code>" in html
    status = client.get(wait + "/status").get_json()
    assert status["status"] == "pending" and "next" not in status
    assert state_of(decision_id) == "awaiting_chairman"
    standin.confirm(ticket)  # the person confirms on their device
    status = client.get(wait + "/status").get_json()
    assert status["status"] == "done", status
    assert state_of(decision_id) == "approved"
    page = client.get(status["next"]).get_data(as_text=True)
    assert "Đã ký số và phê duyệt quyết định." in page
    shown = esigning.panel(db.session.get(Decision, decision_id))
    assert [(x["signer"], x["valid"]) for x in shown["signatures"]] == [(DEPUTY, True)]
    assert client.get(wait + "/status").status_code == 404  # spent


def test_cancel_and_timeout_say_so_and_change_nothing(app, world, demo, standin, client,
                                                      monkeypatch):
    decision_id, version = awaiting_chairman(world, demo)
    wait = press_approve(client, decision_id, version)
    page = client.get(wait).get_data(as_text=True)
    r = client.post(wait + "/cancel", data={"csrf_token": csrf_of(page)},
                    follow_redirects=True)
    assert "Đã hủy yêu cầu ký số; quyết định chưa thay đổi." in r.get_data(as_text=True)
    assert client.get(wait + "/status").status_code == 404
    r = client.get(wait, follow_redirects=True)
    assert "Yêu cầu ký này đã xong, đã hủy hoặc hết hạn." in r.get_data(as_text=True)
    assert state_of(decision_id) == "awaiting_chairman"
    assert not set(esigning._kept(decision_id)) & set(esigning.NAMES)

    monkeypatch.setitem(app.config, "SIGNING_REMOTE_WAIT_SECONDS", 0)
    wait = press_approve(client, decision_id, version)
    standin.confirm(list(standin.requests)[-1])  # too late: the request has lapsed
    status = client.get(wait + "/status").get_json()
    assert status["status"] == "expired"
    assert "Hết thời gian chờ ký số trên thiết bị; quyết định chưa thay đổi." in \
        status["message"]
    assert state_of(decision_id) == "awaiting_chairman"
    assert not set(esigning._kept(decision_id)) & set(esigning.NAMES)


def test_the_clerk_issues_with_her_own_token_from_the_page(app, world, demo, standin, client):
    """The organisation's key on the Văn thư's token: «Ban hành» waits for her device."""
    from app.esign.keys import ORGANISATION
    from tests.docgen.support import approve

    settings = identities.settings()
    standin.accounts["vt.ubnd"] = {"key": Pkcs12Key(
        demo.files["ubnd"][0].read_bytes(), pki.DEMO_PASSPHRASE, settings, holder=ORGANISATION)}
    p12, png = demo.files["deputy"]
    identities.register_user(None, "chairman", p12_path=p12, image_png=png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE")
    identities.register_unit(None, "UBND", backend="remote", key_label="vt.ubnd",
                             certificate_pem=pem_of(demo.files["ubnd"][0]),
                             seal_png=demo.files["ubnd"][1].read_bytes(), seal_mm=36)
    decision = approve(world, scenario(world, until="drafting").decision)
    decision_id = decision.id
    login(client, "clerk")
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    r = client.post(f"/decisions/{decision_id}/transitions", data={
        "csrf_token": csrf_of(page), "trigger": "issue", "version": decision.version,
        "expected_number": "1"})
    assert r.status_code == 302 and "/signing/" in r.location, r.location
    wait = r.location
    html = client.get(wait).get_data(as_text=True)
    assert "Ban hành quyết định: ký số của cơ quan" in html
    assert f"Đang chờ ký số trên thiết bị của {world.users['clerk'].full_name}" in html
    [(ticket, request)] = standin.requests.items()
    assert request["kind"] == "cms" and request["account"] == "vt.ubnd"
    assert client.get(wait + "/status").get_json()["status"] == "pending"
    db.session.remove()
    assert db.session.get(Decision, decision_id).number is None
    standin.confirm(ticket)
    status = client.get(wait + "/status").get_json()
    assert status["status"] == "done", status
    db.session.remove()
    issued = db.session.get(Decision, decision_id)
    assert issued.state == "issued" and issued.number == 1
    shown = esigning.panel(issued)
    assert shown["label"] == "Bản điện tử đã ban hành" and shown["valid"], shown
    assert "Đã ký số và ban hành quyết định." in client.get(status["next"]).get_data(
        as_text=True)
