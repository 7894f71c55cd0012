"""The remote-signing service calls back: the person confirms on their device, the
stand-in service posts its answer, signed with HMAC-SHA256 under the shared secret, to the
request's callback URL on the live app, and the step is finished without the waiting page
polling; the page's next poll says it is done. A forged callback (no signature, a wrong
one, an old one, another ticket, an unreadable body) is refused with JSON 401/400 and
changes nothing; the same callback replayed finds the request spent. One LibreOffice
printing."""
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.esign import pki
from app.esign.keys import Pkcs12Key
from app.extensions import db
from app.models import Decision, StoredDocument, WorkflowEvent
from app.services import esigning, identities, remote_signing
from tests.browser.conftest import QuietHandler
from tests.esign.remote_standin import RemoteStandIn
from tests.signing.support import DEPUTY
from tests.signing.test_remote_pages import awaiting_chairman, press_approve

SECRET = "bí-mật-chung-của-dịch-vụ-ký-số"


@pytest.fixture(scope="module")
def live(app):
    """The app on 127.0.0.1 (the service calls it back there)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def standin(app, demo, trusted, live, monkeypatch):
    p12, png = demo.files["deputy"]
    settings = identities.settings()
    key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, settings)
    with RemoteStandIn({"hau.dt": {"key": key, "image": png.read_bytes()}}, settings,
                       callback_secret=SECRET) as s:
        for name, value in (("SIGNING_REMOTE_URL", s.url),
                            ("SIGNING_REMOTE_CALLBACK_SECRET", SECRET),
                            ("SIGNING_REMOTE_CALLBACK_BASE", live)):
            monkeypatch.setitem(app.config, name, value)
        yield s


def post(url, body: bytes, headers: dict):
    try:
        with urllib.request.urlopen(urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json", **headers},
                method="POST"), timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def signed(body: bytes, secret=SECRET, at=None) -> dict:
    stamp = str(int(at if at is not None else time.time()))
    return {remote_signing.TIMESTAMP_HEADER: stamp,
            remote_signing.SIGNATURE_HEADER: remote_signing.sign_callback(secret, stamp, body)}


def footprint(decision_id):
    db.session.expire_all()  # what the live server's thread wrote (not remove(): the
    # test client's requests share this app context and its signed-in user)
    kept = db.session.scalar(sa.select(sa.func.count(StoredDocument.id)).where(
        StoredDocument.item_type == "decision", StoredDocument.item_id == decision_id))
    return db.session.get(Decision, decision_id).state, kept, db.session.scalar(
        sa.select(sa.func.count(WorkflowEvent.id)))


def test_the_services_callback_finishes_the_step_and_a_forged_or_replayed_one_changes_nothing(
        app, world, demo, standin, client):
    decision_id, version = awaiting_chairman(world, demo)
    wait = press_approve(client, decision_id, version)
    token = wait.rsplit("/", 1)[1]
    [(ticket, request)] = standin.requests.items()
    url = f"{standin_base(app)}/api/v1/signing/callback/decision/{decision_id}/{token}"
    assert request["callback_url"] == url  # the service was told where to answer
    before = footprint(decision_id)
    assert before[0] == "awaiting_chairman"

    # forged: each refused with its JSON error while the request still waits
    standin.requests[ticket].update(standin._answer(standin.requests[ticket]), status="done")
    answer = {k: v for k, v in standin.requests[ticket].items()
              if k in {"kind", "status", "cms"}}
    body = json.dumps({**answer, "id": ticket}).encode()
    for headers, status, code in (
            ({}, 401, "callback_unauthenticated"),
            (signed(body, secret="đoán-mò"), 401, "callback_unauthenticated"),
            (signed(body, at=time.time() - 3600), 401, "callback_unauthenticated"),
            ({**signed(body), remote_signing.TIMESTAMP_HEADER: "soon"}, 401,
             "callback_unauthenticated")):
        got = post(url, body, headers)
        assert got[0] == status and got[1]["error"]["code"] == code, got
        assert got[1]["error"]["message"]
    other = json.dumps({**answer, "id": "999"}).encode()  # signed, for another ticket
    got = post(url, other, signed(other))
    assert got[0] == 400 and got[1]["error"]["code"] == "callback_ticket_mismatch", got
    got = post(url, b"{not json", signed(b"{not json"))
    assert got[0] == 400 and got[1]["error"]["code"] == "callback_malformed", got
    elsewhere = url.replace(f"/{token}", "/another-token")
    got = post(elsewhere, body, signed(body))
    assert got[0] == 404 and got[1]["error"]["code"] == "signing_request_unknown", got
    assert footprint(decision_id) == before
    standin.requests[ticket]["status"] = "pending"  # the device has not answered yet

    # the person confirms: the service calls back and the step is done, without a poll
    standin.confirm(ticket)
    [(called, status, reply, sent_body, sent_headers)] = standin.callbacks
    assert (called, status) == (ticket, 200) and reply["status"] == "done", reply
    state, kept, events = footprint(decision_id)
    assert state == "approved" and kept > before[1] and events == before[2] + 1
    shown = esigning.panel(db.session.get(Decision, decision_id))
    assert [(x["signer"], x["valid"]) for x in shown["signatures"]] == [(DEPUTY, True)]
    # the waiting page's next poll says so, once
    status = client.get(wait + "/status").get_json()
    assert status["status"] == "done" and status["next"], status
    assert "Đã ký số và phê duyệt quyết định." in status["message"]
    assert client.get(wait + "/status").status_code == 404

    # replayed, exactly as the service sent it: the request is spent, nothing changes
    after = footprint(decision_id)
    got = post(url, sent_body, sent_headers)
    assert got[0] == 404 and got[1]["error"]["code"] == "signing_request_unknown", got
    assert footprint(decision_id) == after


def standin_base(app):
    return app.config["SIGNING_REMOTE_CALLBACK_BASE"]

