import pytest

from tests.axis import StandInAxis


@pytest.fixture
def axis(app, monkeypatch):
    """The stand-in axis, and the app configured to send to it (direct mode: one package
    per recipient, so each one's copies are counted apart)."""
    stand_in = StandInAxis()
    for key, value in {**stand_in.config(), "EDXML_MODE": "direct",
                       "EDXML_SYSTEM_ORGAN_ID": "000.00.99.H29",
                       "EXCHANGE_POLL_SECONDS": 0}.items():
        monkeypatch.setitem(app.config, key, value)
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def demo(app):
    """The Phó Chủ tịch who signs and the Ủy ban's seal, under a demo CA of the module's own."""
    from tests.signing.support import DEPUTY, UBND_NAME, DemoSet

    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


@pytest.fixture
def trusted(app, demo, monkeypatch):
    from app.services import esigning

    for key, value in demo.config().items():
        monkeypatch.setitem(app.config, key, value)
    esigning._VERIFIED.clear()
