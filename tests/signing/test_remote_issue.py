"""The Văn thư with her own token (the organisation's key held by a person: the remote
back-end): «Ban hành» through the API answers 202 with a signing request (the numbered,
dated revision's digest, or the PDF with the number and date to fill) and nothing moves,
no number is spent; the CMS of the digest, or the whole signed PDF, finishes it."""
import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from app.esign import aio, pdfsign, pki
from app.esign.keys import Pkcs12Key
from app.services import esigning, identities, storage
from tests.docgen.support import approve, scenario
from tests.esign.support import pdfsig, pdftotext, signature_blocks
from tests.signing.support import DEPUTY, UBND_NAME, pyhanko_statuses


def key_of(demo, slug):
    return Pkcs12Key(demo.files[slug][0].read_bytes(), pki.DEMO_PASSPHRASE,
                     identities.settings(), holder="organisation" if slug == "ubnd" else "person")


def ready(world, demo):
    p12, png = demo.files["deputy"]
    identities.register_user(None, "chairman", p12_path=p12, image_png=png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE")
    _key, cert, _extra = pkcs12.load_key_and_certificates(
        demo.files["ubnd"][0].read_bytes(), b"demo")
    identities.register_unit(None, "UBND", backend="remote", key_label="vt.ubnd",
                             certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
                             seal_png=demo.files["ubnd"][1].read_bytes(), seal_mm=36)
    return approve(world, scenario(world, until="drafting").decision)


@pytest.mark.parametrize("answer", ["cms", "pdf"])
def test_the_clerks_token_answers_and_only_then_the_decision_is_issued(
        world, demo, trusted, api, tmp_path, answer):
    decision = ready(world, demo)
    clerk = api("clerk")
    url = f"/api/v1/decisions/{decision.id}/transitions"
    version = decision.version
    r = clerk.post(url, json={"trigger": "issue", "version": version})
    assert r.status_code == 202, r.get_json()
    request = r.get_json()["signing_request"]
    assert r.get_json()["state"] == "approved"
    assert request["field"] == "con_dau" and len(request["digest"]) == 64
    assert request["number_text"].startswith("Số: 01/QĐ-UBND") or "01/QĐ" in \
        request["number_text"]
    got = clerk.get(f"/api/v1/decisions/{decision.id}").get_json()
    assert got["state"] == "approved" and got.get("number") is None
    assert esigning.issued_pdf(decision.id) is None

    if answer == "cms":
        # another key's CMS: refused, nothing changes
        wrong = aio.run(key_of(demo, "deputy").pdf_signer().async_sign(
            bytes.fromhex(request["digest"]), "sha256", use_pades=True))
        r = clerk.post(url, json={"trigger": "issue", "version": version,
                                  "signing_request": request["id"],
                                  "signature": base64.b64encode(wrong.dump()).decode()})
        assert r.status_code == 422 and \
            r.get_json()["error"]["code"] == "certificate_mismatch", r.get_json()
        assert clerk.get(f"/api/v1/decisions/{decision.id}").get_json()["state"] == "approved"
        cms = aio.run(key_of(demo, "ubnd").pdf_signer().async_sign(
            bytes.fromhex(request["digest"]), "sha256", use_pades=True))
        body = {"signature": base64.b64encode(cms.dump()).decode()}
    else:  # the plugin fills the number and the date and seals the whole PDF
        spec = pdfsign.IssueFields(**{**request["spec"], "signer_image_px": tuple(
            request["spec"]["signer_image_px"] or ()) or None})
        signed = pdfsign.issue(base64.b64decode(request["pdf"]), key_of(demo, "ubnd"), spec,
                               seal_png=demo.files["ubnd"][1].read_bytes(),
                               settings=identities.settings(),
                               expected_cert=key_of(demo, "ubnd").certificate)
        body = {"signed_pdf": base64.b64encode(signed).decode()}
    r = clerk.post(url, json={"trigger": "issue", "version": version,
                              "signing_request": request["id"], **body})
    assert r.status_code == 200 and r.get_json()["state"] == "issued", r.get_json()
    row = esigning.issued_pdf(decision.id)
    path = tmp_path / "issued.pdf"
    path.write_bytes(storage.read(row.storage_key, row.sha256))
    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks), blocks
    assert DEPUTY in blocks[0] and UBND_NAME in blocks[1]
    # the seal covers its revision; only the validation data (B-LT) follows it
    seal_status = pyhanko_statuses(storage.read(row.storage_key, row.sha256), demo)[1]
    assert seal_status.bottom_line
    assert seal_status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert seal_status.modification_level == ModificationLevel.LTA_UPDATES
    assert request["number_text"] in " ".join(pdftotext(path).split())
