"""Remote signing at «Phê duyệt» (the signer's key on their own token or at their CA):
the step answers 202 with a signing request and the decision does not move; the CMS of
the request's digest sent back finishes it; a signature by another certificate changes
nothing. One LibreOffice printing."""
import base64

from app.esign import aio, pki
from app.esign.keys import Pkcs12Key
from app.extensions import db
from app.models import Decision
from app.services import esigning, identities
from tests import helpers
from tests.docgen.support import scenario
from tests.signing.support import DEPUTY
from tests.web.test_views import csrf_of, login


def cms_for(demo, slug, digest_hex, settings):
    """What the person's token (or their CA) answers: a CMS SignedData of the digest."""
    p12, _png = demo.files[slug]
    key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, settings)
    cms = aio.run(key.pdf_signer().async_sign(bytes.fromhex(digest_hex), "sha256",
                                                  use_pades=True))
    return base64.b64encode(cms.dump()).decode()


def test_a_remote_signer_answers_the_request_and_only_then_the_decision_moves(
        world, demo, trusted, api, client):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    s = scenario(world, until="drafting")
    p12, png = demo.files["deputy"]
    _key, cert, _extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
    identities.register_user(None, "chairman", backend="remote",
                             certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
                             image_png=png.read_bytes(), account="hau.dt")
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
    chairman = api("chairman")
    decision_id = s.decision.id
    # on the page: the waiting state, nothing moved
    login(client, "chairman")
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    r = client.post(f"/decisions/{decision_id}/transitions", follow_redirects=True, data={
        "csrf_token": csrf_of(page), "trigger": "approve", "version": s.decision.version})
    assert "Đang chờ ký số trên thiết bị của" in r.get_data(as_text=True)
    url = f"/api/v1/decisions/{decision_id}/transitions"
    version = chairman.get(f"/api/v1/decisions/{decision_id}").get_json()["version"]
    r = chairman.post(url, json={"trigger": "approve", "version": version})
    assert r.status_code == 202, r.get_json()
    pending = r.get_json()
    request = pending["signing_request"]
    assert pending["state"] == "awaiting_chairman" and pending["version"] == version
    assert len(request["digest"]) == 64 and request["field"] == "chu_ky"
    assert base64.b64decode(request["pdf"]).startswith(b"%PDF")
    assert chairman.get(f"/api/v1/decisions/{decision_id}").get_json()["state"] == \
        "awaiting_chairman"
    settings = identities.settings()

    # signed by another certificate: refused, nothing changes
    r = chairman.post(url, json={"trigger": "approve", "version": version,
                                 "signing_request": request["id"],
                                 "signature": cms_for(demo, "ubnd", request["digest"],
                                                      settings)})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "certificate_mismatch"
    assert chairman.get(f"/api/v1/decisions/{decision_id}").get_json()["state"] == \
        "awaiting_chairman"
    assert esigning.APPROVED not in _names(decision_id)

    r = chairman.post(url, json={"trigger": "approve", "version": version,
                                 "signing_request": request["id"],
                                 "signature": cms_for(demo, "deputy", request["digest"],
                                                      settings)})
    assert r.status_code == 200 and r.get_json()["state"] == "approved", r.get_json()
    db.session.remove()
    decision = db.session.get(Decision, decision_id)
    shown = esigning.panel(decision)
    assert [(x["signer"], x["valid"]) for x in shown["signatures"]] == [(DEPUTY, True)]
    # done: the same answer again is refused, nothing changes
    r = chairman.post(url, json={"trigger": "approve", "version": decision.version,
                                 "signing_request": request["id"], "signature": "AAAA"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"


def _names(decision_id):
    return {r.name for r in esigning._kept(decision_id).values()}


def test_a_signing_plugin_answers_with_the_whole_signed_pdf(world, demo, trusted, api):
    """The field's plugins return the whole signed file: the prepared bytes unchanged, one
    signature added in the prepared field."""
    from app.esign import pdfsign
    from app.esign.keys import Pkcs12Key

    s = scenario(world, until="drafting")
    p12, png = demo.files["deputy"]
    identities.register_user(None, "chairman", backend="remote",
                             certificate_pem=_pem(p12), image_png=png.read_bytes())
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
    chairman = api("chairman")
    url = f"/api/v1/decisions/{s.decision.id}/transitions"
    version = chairman.get(f"/api/v1/decisions/{s.decision.id}").get_json()["version"]
    r = chairman.post(url, json={"trigger": "approve", "version": version})
    assert r.status_code == 202, r.get_json()
    request = r.get_json()["signing_request"]
    key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, identities.settings())
    signed = pdfsign.sign_approval(base64.b64decode(request["pdf"]), key,
                                   field=request["field"], image_png=png.read_bytes(),
                                   settings=identities.settings(),
                                   expected_cert=key.certificate)
    r = chairman.post(url, json={"trigger": "approve", "version": version,
                                 "signing_request": request["id"],
                                 "signed_pdf": base64.b64encode(signed).decode()})
    assert r.status_code == 200 and r.get_json()["state"] == "approved", r.get_json()
    db.session.remove()
    shown = esigning.panel(db.session.get(Decision, s.decision.id))
    assert [(x["signer"], x["valid"]) for x in shown["signatures"]] == [(DEPUTY, True)]


def _pem(p12):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    _key, cert, _extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
    return cert.public_bytes(serialization.Encoding.PEM)
