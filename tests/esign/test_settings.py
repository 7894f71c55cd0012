"""The SIGNING_* settings: read into EsignSettings, and wrong values stop start-up."""
import pytest

from app import create_app
from app.config import ConfigError
from app.esign import EsignSettings


@pytest.mark.parametrize("changes", [
    {"SIGNING_REVOCATION_MODE": "sometimes"},
    {"SIGNING_LONG_TERM": "XL"},
    {"SIGNING_LONG_TERM": "LTA", "SIGNING_TSA_URL": ""},
])
def test_wrong_signing_settings_stop_start_up(tmp_path, changes):
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "SECRET_KEY": "x" * 32, **changes}, instance_path=tmp_path / "i")


def test_settings_are_read_from_the_app_config(tmp_path):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x" * 32,
        "SIGNING_TRUST_ROOTS": "/etc/ca/root.pem, /etc/ca/public",
        "SIGNING_CRLS": "http://crl.example.vn/sub.crl /var/crl/local.crl",
        "SIGNING_TSA_URL": "http://tsa.example.vn/", "SIGNING_LONG_TERM": "LTA",
    }, instance_path=tmp_path / "i")
    settings = EsignSettings.from_config(app.config)
    assert settings.trust_roots == ("/etc/ca/root.pem", "/etc/ca/public")
    assert settings.crl_sources == ("http://crl.example.vn/sub.crl", "/var/crl/local.crl")
    assert settings.long_term == "LTA" and settings.allow_pkcs12
    assert settings.timezone == "Asia/Ho_Chi_Minh"
