"""The organisation's seal on an HSM/token of the server (PKCS#11, SoftHSM2 here): the
Văn thư's «Ban hành» through the API numbers, dates and seals the Chairman's signed
decision with the key on the token; poppler's pdfsig checks the result."""
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from app.clock import today
from app.services import esigning, identities, storage
from tests.docgen.support import approve, scenario
from tests.esign.support import pdfsig, signature_blocks
from tests.signing.support import DEPUTY, UBND_NAME, pyhanko_statuses


def test_the_office_seals_through_pkcs11_in_the_issue_step(world, demo, trusted, hsm, api,
                                                           tmp_path):
    p12, png = demo.files["deputy"]
    identities.register_user(None, "chairman", p12_path=p12, image_png=png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE")
    seal = identities.register_unit(None, "UBND", backend="pkcs11", certificate_pem=hsm,
                                    token_label="seal", key_label="ubnd",
                                    seal_png=demo.files["ubnd"][1].read_bytes(), seal_mm=36)
    assert seal.key_path is None  # no key file: the key is on the token
    decision = approve(world, scenario(world, until="drafting").decision)
    clerk = api("clerk")
    r = clerk.post(f"/api/v1/decisions/{decision.id}/transitions",
                   json={"trigger": "issue", "version": decision.version})
    assert r.status_code == 200 and r.get_json()["state"] == "issued", r.get_json()
    row = esigning.issued_pdf(decision.id)
    data = storage.read(row.storage_key, row.sha256)
    path = tmp_path / "issued.pdf"
    path.write_bytes(data)
    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks), blocks
    assert DEPUTY in blocks[0] and "Not total document signed" in blocks[0]
    # the seal covers its whole revision; the validation data (B-LT) follows in its own,
    # which pyHanko sees adds nothing else (pdfsig only that the seal is not the last one)
    assert UBND_NAME in blocks[1]
    seal_status = pyhanko_statuses(data, demo)[1]
    assert seal_status.bottom_line
    assert seal_status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert seal_status.modification_level == ModificationLevel.LTA_UPDATES
    got = clerk.get(f"/api/v1/decisions/{decision.id}").get_json()
    assert got["issued_on"] == today().isoformat()
