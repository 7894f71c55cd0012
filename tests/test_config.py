"""Configuration: environment, instance file, and refusal to run production unsafely."""
import pytest

from app import create_app
from app.config import ConfigError, _database_url


def test_production_without_secret_key_stops_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("TDKT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_with_secret_key_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("TDKT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SECRET_KEY"] == "s3cret-from-the-environment"


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/tdkt")
    assert _database_url("/inst") == "postgresql+psycopg://u:p@db.example:5432/tdkt"
    monkeypatch.delenv("DATABASE_URL")
    assert _database_url("/inst") == "sqlite:////inst/tdkt.sqlite3"


def test_environment_settings_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("API_TOKEN_TTL_HOURS", "2")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert app.config["API_TOKEN_TTL_HOURS"] == 2


def test_every_setting_is_documented_in_env_example():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    documented = set(re.findall(r"^([A-Z_]+)=", (root / ".env.example").read_text(), re.M))
    read = set(re.findall(r'(?:environ\.get|_env_int|_env_bool)\(\s*"([A-Z_]+)"',
                          (root / "app" / "config.py").read_text()))
    assert read <= documented, read - documented
