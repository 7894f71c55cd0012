import pytest

from app.services import esigning


@pytest.fixture
def trusted(app, demo, monkeypatch):
    """The app trusts the module's demo CA (``demo``: each module's own set of holders),
    with no verification remembered from an earlier test."""
    for key, value in demo.config().items():
        monkeypatch.setitem(app.config, key, value)
    esigning._VERIFIED.clear()
