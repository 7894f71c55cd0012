"""The three key back-ends: PKCS#12 (demo only), PKCS#11 on SoftHSM2 (an organisation's
seal), and the raw-digest signature every back-end gives (for XML signatures)."""
import os

import pytest

from app.esign import SigningRefused, pdfsign, verify
from app.esign import pki as demo_pki
from app.esign.keys import (
    ORGANISATION,
    PERSON,
    Pkcs11Key,
    Pkcs12Key,
    sha256,
    verify_raw_signature,
)
from app.esign.settings import EsignSettings
from tests.esign.conftest import SPEC
from tests.esign.support import (
    ORG_NAME,
    SOFTHSM,
    pdfsig,
    signature_blocks,
    softhsm_restart,
    softhsm_token,
)


def test_pkcs12_is_refused_with_production_settings(pki):
    production = EsignSettings.from_config({"ENV_NAME": "production"})
    assert not production.allow_pkcs12
    with pytest.raises(SigningRefused) as refused:
        Pkcs12Key(pki.p12(pki.person), demo_pki.DEMO_PASSPHRASE, production)
    assert refused.value.code == "pkcs12_in_production"
    assert EsignSettings.from_config({"ENV_NAME": "development"}).allow_pkcs12


def test_a_person_key_on_the_server_token_is_refused(pki, settings):
    with pytest.raises(SigningRefused) as refused:
        Pkcs11Key(settings, module=SOFTHSM, token_label="x", pin="1", key_label="x",
                  holder=PERSON)
    assert refused.value.code == "pkcs11_person"


def test_wrong_pkcs12_passphrase_is_a_clear_refusal(pki, settings):
    with pytest.raises(SigningRefused) as refused:
        Pkcs12Key(pki.p12(pki.person), b"wrong", settings)
    assert refused.value.code == "pkcs12_unreadable"


def test_pkcs12_signs_a_raw_digest(pki, settings):
    key = pki.key(pki.person, settings)
    digest = sha256(b"<edXML/>")
    verify_raw_signature(key.certificate, digest, key.sign_digest(digest))
    with pytest.raises(SigningRefused):
        verify_raw_signature(key.certificate, sha256(b"other"), key.sign_digest(digest))


@pytest.fixture(scope="module")
def softhsm(pki, tmp_path_factory):
    conf = softhsm_token(tmp_path_factory.mktemp("softhsm"), pki.org.key, pki.org.der())
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    softhsm_restart()
    yield
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def test_the_organisation_seals_through_pkcs11_on_softhsm(softhsm, pki, settings, approved,
                                                          tmp_path):
    key = Pkcs11Key(settings, module=SOFTHSM, token_label="seal", pin="1234",
                    key_label="ubnd", holder=ORGANISATION)
    try:
        assert key.certificate.dump() == pki.org.der()
        issued = pdfsign.issue(approved, key, SPEC, seal_png=pki.seal_png, settings=settings,
                               expected_cert=pki.asn1(pki.org), timestamper=pki.timestamper())
        digest = sha256(b"<edXML/>")
        verify_raw_signature(key.certificate, digest, key.sign_digest(digest))
    finally:
        key.close()
    report = verify.verify_pdf(issued, settings)
    assert [s.bottom_line for s in report.signatures] == [True, True]
    assert report.signatures[1].signer_name == ORG_NAME
    assert report.signatures[0].modification_level == "FORM_FILLING"
    path = tmp_path / "p11.pdf"
    path.write_bytes(issued)
    blocks = signature_blocks(pdfsig(path))
    assert all("Signature is Valid." in b for b in blocks) and len(blocks) == 2


def test_pkcs11_wrong_pin_is_a_clear_refusal(softhsm, settings):
    with pytest.raises(SigningRefused) as refused:
        Pkcs11Key(settings, module=SOFTHSM, token_label="seal", pin="0000", key_label="ubnd")
    assert refused.value.code == "pkcs11_unavailable"
