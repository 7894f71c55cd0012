import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from app.services import esigning
from tests.esign.support import SOFTHSM, softhsm_restart, softhsm_token
from tests.signing.support import DEPUTY, UBND_NAME, DemoSet


@pytest.fixture(scope="module")
def demo(app):
    """The Phó Chủ tịch who signs and the Ủy ban's seal, under a demo CA of the module's
    own (a module that needs other holders defines its own ``demo``)."""
    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


@pytest.fixture
def trusted(app, demo, monkeypatch):
    """The app trusts the module's demo CA (``demo``: each module's own set of holders),
    with no verification remembered from an earlier test."""
    for key, value in demo.config().items():
        monkeypatch.setitem(app.config, key, value)
    esigning._VERIFIED.clear()


@pytest.fixture
def hsm(app, demo, tmp_path, monkeypatch):
    """The Ủy ban's key and certificate (``demo``'s «ubnd») on a SoftHSM2 token «seal» under
    the label «ubnd», the app pointed at it; its certificate in PEM."""
    key, cert, _extra = pkcs12.load_key_and_certificates(
        demo.files["ubnd"][0].read_bytes(), b"demo")
    conf = softhsm_token(tmp_path / "hsm", key, cert.public_bytes(serialization.Encoding.DER))
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    softhsm_restart()
    monkeypatch.setitem(app.config, "SIGNING_PKCS11_MODULE", SOFTHSM)
    monkeypatch.setitem(app.config, "SIGNING_PKCS11_PIN", "1234")
    return cert.public_bytes(serialization.Encoding.PEM)
