import pytest

from app.services import esigning
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
