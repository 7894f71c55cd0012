"""Configuration: environment, instance file, and refusal to run production unsafely."""
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.config import ConfigError, _database_url, from_environment, validate
from app.extensions import db
from tests.conftest import PASSWORD


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


@pytest.mark.parametrize("variable", ["TDKT_WEB_WORKERS", "WEB_CONCURRENCY"])
def test_production_with_several_workers_refuses_a_process_local_limiter(
        monkeypatch, tmp_path, variable):
    """Issue 20 #16: each worker would count sign-in attempts apart, letting the limit
    through once per worker."""
    monkeypatch.setenv("TDKT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("TDKT_WEB_WORKERS", raising=False)
    monkeypatch.setenv(variable, "3")
    with pytest.raises(ConfigError, match=r"RATELIMIT_STORAGE_URI=memory:// .* 3 tiến trình "
                                          r"web.*redis://"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    config = from_environment(str(tmp_path))
    assert config["WEB_WORKERS"] == 3
    validate({**config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}, str(tmp_path))
    validate({**config, "WEB_WORKERS": 1}, str(tmp_path))  # one process: its memory is all
    validate({**config, "ENV_NAME": "development"}, str(tmp_path))


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


# -- no public session key (issue 10 #2) -------------------------------------------------------

PUBLISHED_KEYS = ["dev-only-not-secret", "test-secret"]


def test_development_without_a_key_makes_its_own_and_keeps_it_private(monkeypatch, tmp_path):
    monkeypatch.delenv("TDKT_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    app = create_app(config, instance_path=tmp_path / "instance")
    key = app.config["SECRET_KEY"]
    assert key not in PUBLISHED_KEYS and len(key) >= 32
    kept = tmp_path / "instance" / "secret_key"
    assert kept.read_text().strip() == key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # the next start (another worker, the flask command) signs with the same key
    assert create_app(config, instance_path=tmp_path / "instance").config["SECRET_KEY"] == key
    # another installation has another key
    other = create_app(config, instance_path=tmp_path / "elsewhere").config["SECRET_KEY"]
    assert other != key


@pytest.mark.parametrize("key", PUBLISHED_KEYS + ["short"])
def test_production_refuses_a_public_or_short_key(monkeypatch, tmp_path, key):
    monkeypatch.setenv("TDKT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"},
                   instance_path=tmp_path)


def test_production_cookies_are_https_only(monkeypatch, tmp_path):
    monkeypatch.setenv("TDKT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "")  # as copied from .env.example
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _forged(key, payload):
    """A session cookie as Flask would sign it with ``key``."""
    forger = Flask("forger")
    forger.secret_key = key
    return forger.session_interface.get_signing_serializer(forger).dumps(payload)


def test_a_cookie_signed_with_a_published_key_is_refused(app, world, monkeypatch, tmp_path):
    """A development install started without SECRET_KEY: a session cookie signed with any
    key ever published opens nothing, while one signed with the install's own key does."""
    monkeypatch.delenv("TDKT_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    dev = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                     instance_path=tmp_path)
    client = dev.test_client()
    r = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 302, r.data
    cookie = client.get_cookie("session").value
    payload = dev.session_interface.get_signing_serializer(dev).loads(cookie)
    assert "_user_id" in payload
    assert client.get("/admin/users").status_code == 200

    try:
        for key in PUBLISHED_KEYS:
            attacker = dev.test_client()
            attacker.set_cookie("session", _forged(key, payload))
            r = attacker.get("/admin/users")
            assert r.status_code == 302 and "/login" in r.headers["Location"], key
    finally:
        with dev.app_context():  # this second app's pool: closed, not left to the GC
            db.session.remove()
            db.engine.dispose()


def test_wsgi_reads_the_env_file_like_the_flask_command(tmp_path):
    """gunicorn imports wsgi.py: a .env saying production without a key must stop it, as
    it stops the flask command; one with a key starts it with that key."""
    root = Path(__file__).resolve().parent.parent
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(root / "wsgi.py", site / "wsgi.py")
    (site / "app").symlink_to(root / "app")
    (site / "workflows").symlink_to(root / "workflows")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TDKT_ENV", "SECRET_KEY", "DATABASE_URL", "FLASK_APP")}
    env["PYTHONPATH"] = str(site)
    code = "import wsgi; print(wsgi.app.config['SECRET_KEY'])"

    (site / ".env").write_text("TDKT_ENV=production\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "ConfigError" in run.stderr, run.stdout

    (site / ".env").write_text(
        f"TDKT_ENV=production\nSECRET_KEY=from-the-env-file-0123456789\n"
        f"DATABASE_URL=sqlite:///{tmp_path}/x.db\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "from-the-env-file-0123456789"


@pytest.mark.parametrize("url", ["/var/lib/tdkt-anchors", "s3://", "s3:///prefix",
                                 "ftp://host/anchors", "file://relative"])
def test_an_anchor_store_naming_no_place_stops_start_up(tmp_path, url):
    """AUDIT_ANCHOR_URL (issue 20, item 14) names a folder or a bucket, or nothing."""
    with pytest.raises(ConfigError, match="AUDIT_ANCHOR_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "AUDIT_ANCHOR_URL": url})
    with pytest.raises(ConfigError, match="AUDIT_ANCHOR_LOCK_MODE"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "AUDIT_ANCHOR_LOCK_MODE": "NONE"})
    for good in ("", f"file://{tmp_path}/anchors", "s3://bucket/anchors"):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                          "AUDIT_ANCHOR_URL": good})
        assert app.config["AUDIT_ANCHOR_URL"] == good


def test_a_tsa_without_the_ca_to_check_it_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="AUDIT_TSA_CA_FILE"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "AUDIT_TSA_URL": "http://tsa.example/"})
