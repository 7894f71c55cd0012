"""EDXML_MODE and its organ ids are checked at start-up: a wrong value stops the app with
its reason, never a package with a bad From later."""
import pytest

from app import create_app
from app.config import ConfigError


@pytest.mark.parametrize("settings, said", [
    ({"EDXML_MODE": "relay"}, "EDXML_MODE"),
    ({"EDXML_MODE": "direct"}, "EDXML_SYSTEM_ORGAN_ID"),
    ({"EDXML_MODE": "direct", "EDXML_SYSTEM_ORGAN_ID": "000.00.99"}, "EDXML_SYSTEM_ORGAN_ID"),
    ({"EDXML_HANDOFF_ORGAN_ID": "H29"}, "EDXML_HANDOFF_ORGAN_ID"),
])
def test_a_wrong_exchange_setting_stops_start_up(tmp_path, settings, said):
    with pytest.raises(ConfigError, match=said):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", **settings})


def test_the_exchange_settings_that_start(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["EDXML_MODE"] == "handoff"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                      "EDXML_MODE": "direct", "EDXML_SYSTEM_ORGAN_ID": "000.00.99.H29"})
    assert app.config["EDXML_SYSTEM_ORGAN_ID"] == "000.00.99.H29"
