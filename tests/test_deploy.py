"""The deployment files under deploy/, each checked by its own tool: nginx -t on the site,
systemd-analyze verify on the units, gunicorn --check-config on its settings, and the
PostgreSQL settings against the server's own list."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES
from tests.tools import missing

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV = Path(sys.prefix)


def _tool(name):
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
    if path is None:
        missing(f"{name} is not installed here (make test installs it: SYSTEM_PACKAGES)")
    return path


# -- nginx ------------------------------------------------------------------------------------

def _nginx_test(tmp_path, site_text):
    """nginx -t on the site, included from a minimal nginx.conf whose pid and logs are in
    tmp_path; the certificate is a throwaway self-signed one."""
    nginx = _tool("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=tdkt.test", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
    site = tmp_path / "tdkt.conf"
    site.write_text(site_text.replace("/etc/ssl/tdkt/", f"{tmp_path}/"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {site};
}}
""")
    return subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)],
                          capture_output=True, text=True)


def test_the_nginx_site_passes_nginx_t(tmp_path):
    result = _nginx_test(tmp_path, (DEPLOY / "nginx" / "tdkt.conf").read_text())
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_nginx_t_does_catch_a_broken_site(tmp_path):
    text = (DEPLOY / "nginx" / "tdkt.conf").read_text().replace("proxy_read_timeout",
                                                                "proxy_reed_timeout")
    result = _nginx_test(tmp_path, text)
    assert result.returncode != 0 and "proxy_reed_timeout" in result.stderr


def test_the_upload_limit_matches_the_apps():
    from app.config import from_environment

    site = (DEPLOY / "nginx" / "tdkt.conf").read_text()
    (limit,) = re.findall(r"client_max_body_size (\d+)m;", site)
    app_limit_mb = from_environment("/tmp")["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    # a little above the app's, so that the app answers 413 itself, in Vietnamese
    assert app_limit_mb < int(limit) <= app_limit_mb + 2
    # nginx waits longer than gunicorn's timeout, so the app's answer reaches the person
    (read_timeout,) = re.findall(r"proxy_read_timeout (\d+)s;", site)
    assert int(read_timeout) > 120
    assert re.search(r"location ~ \^/\(metrics\|readyz\)\$ \{[^}]*deny all;", site)


# -- systemd ----------------------------------------------------------------------------------

UNITS = ["tdkt-web.service", "tdkt-worker@.service", "tdkt-reminders.service",
         "tdkt-reminders.timer", "tdkt-backup.service", "tdkt-backup.timer",
         "tdkt-audit-verify.service", "tdkt-audit-verify.timer"]


def _verify(tmp_path, units):
    """systemd-analyze verify on copies whose paths point at this checkout and its venv (it
    checks that every ExecStart= program exists)."""
    analyze = _tool("systemd-analyze")
    for name, text in units.items():
        text = text.replace("/opt/tdkt/.venv", str(VENV)).replace("/opt/tdkt", str(ROOT))
        (tmp_path / name).write_text(text)
    names = [str(tmp_path / n) for n in units]
    # a template is verified as one of its instances
    names = [n.replace("@.service", "@1.service") for n in names]
    if any("@1.service" in n for n in names):
        for name in units:
            if name.endswith("@.service"):
                (tmp_path / name.replace("@.", "@1.")).symlink_to(tmp_path / name)
    result = subprocess.run([analyze, "verify", *names], capture_output=True, text=True,
                            env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})
    if "Failed to initialize manager" in result.stderr:
        missing(f"systemd-analyze cannot run in this container: {result.stderr[:200]}")
    return result


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    units = {name: (DEPLOY / "systemd" / name).read_text() for name in UNITS}
    result = _verify(tmp_path, units)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # not even a warning


def test_systemd_analyze_verify_does_catch_a_broken_unit(tmp_path):
    text = (DEPLOY / "systemd" / "tdkt-web.service").read_text()
    result = _verify(tmp_path, {"tdkt-web.service": text.replace("Restart=", "Restrat=")})
    assert "Restrat" in result.stderr
    result = _verify(tmp_path, {"tdkt-reminders.service": (
        DEPLOY / "systemd" / "tdkt-reminders.service").read_text().replace(
        "bin/flask", "bin/no-such-flask")})
    assert result.returncode != 0 and "no-such-flask" in result.stderr


def test_the_units_run_the_real_commands():
    web = (DEPLOY / "systemd" / "tdkt-web.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in web
    assert "PROMETHEUS_MULTIPROC_DIR=/run/tdkt/metrics" in web and "RuntimeDirectory=tdkt" in web
    worker = (DEPLOY / "systemd" / "tdkt-worker@.service").read_text()
    assert "flask notifications work" in worker
    reminders = (DEPLOY / "systemd" / "tdkt-reminders.service").read_text()
    assert "Type=oneshot" in reminders and "flask reminders send" in reminders
    for job in ("tdkt-reminders", "tdkt-backup", "tdkt-audit-verify"):
        timer = (DEPLOY / "systemd" / f"{job}.timer").read_text()
        assert f"Unit={job}.service" in timer and "OnCalendar=" in timer
        assert "Type=oneshot" in (DEPLOY / "systemd" / f"{job}.service").read_text()
    audit = (DEPLOY / "systemd" / "tdkt-audit-verify.service").read_text()
    # verify first (a break fails the unit before anything is anchored), then anchor
    assert ("ExecStart=/opt/tdkt/.venv/bin/flask audit verify\n"
            "ExecStart=/opt/tdkt/.venv/bin/flask audit anchor\n") in audit
    backup = (DEPLOY / "systemd" / "tdkt-backup.service").read_text()
    # each backup holds an anchor of its own state; a refused anchor never stops a backup
    assert "ExecStartPre=-/opt/tdkt/.venv/bin/flask audit anchor\n" in backup
    for unit in (audit, backup):
        assert "-/var/lib/tdkt-anchors" in unit  # the anchor folder, when it is one
    web = (DEPLOY / "systemd" / "tdkt-web.service").read_text()
    assert "anchors" not in web  # the web processes cannot write an anchor


def test_the_backup_unit_writes_each_night_into_a_new_folder(tmp_path):
    """The backup unit's command, as systemd hands it to the shell (%% → %, $$ → $), with
    `flask` replaced by echo: one argument, a new folder named by date and time."""
    unit = (DEPLOY / "systemd" / "tdkt-backup.service").read_text()
    (command,) = re.findall(r"^ExecStart=/bin/sh -c '(.*)'$", unit, re.M)
    assert "/opt/tdkt/.venv/bin/flask backup create " in command
    command = command.replace("%%", "%").replace("$$", "$").replace(
        "/opt/tdkt/.venv/bin/flask", "printf '%s\\n'").replace("/var/backups/tdkt",
                                                                str(tmp_path))
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    backup, create, folder = done.stdout.splitlines()
    assert (backup, create) == ("backup", "create")
    assert re.fullmatch(re.escape(str(tmp_path)) + r"/20\d\d-\d\d-\d\d_\d{6}", folder), folder
    assert "ReadWritePaths=/var/lib/tdkt /var/backups/tdkt" in unit


# -- gunicorn ---------------------------------------------------------------------------------

@pytest.mark.parametrize("conf, log_format", [("deploy/gunicorn.conf.py", "json"),
                                              ("gunicorn.conf.py", "plain")])
def test_gunicorn_config_loads(conf, log_format, tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
           "LOG_FORMAT": log_format,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "GUNICORN_WORKERS": "3"}
    result = subprocess.run([str(VENV / "bin" / "gunicorn"), "--check-config", "-c", conf,
                             "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    printed = subprocess.run([str(VENV / "bin" / "gunicorn"), "--print-config", "-c", conf,
                              "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert re.search(r"^workers\s+= 3$", printed.stdout, re.M)
    assert re.search(r"^child_exit\s+= <child_exit\(\)>$", printed.stdout, re.M)
    # issue 22 #15: workers are forks of a built app, and are not recycled every few
    # hundred requests (a safety net above 10,000, with jitter, at most)
    assert re.search(r"^preload_app\s+= True$", printed.stdout, re.M)
    max_requests = int(re.search(r"^max_requests\s+= (\d+)$", printed.stdout, re.M).group(1))
    assert max_requests == 0 or max_requests > 10_000
    assert int(re.search(r"^max_requests_jitter\s+= (\d+)$", printed.stdout, re.M).group(1)) > 0
    for hook in ("when_ready", "post_worker_init"):
        assert re.search(rf"^{hook}\s+= <{hook}\(\)>$", printed.stdout, re.M), hook
    json_logs = "app.logs.JsonFormatter" in printed.stdout
    assert json_logs == (log_format == "json")


# -- PostgreSQL -------------------------------------------------------------------------------

@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL to name PostgreSQL")
def test_the_postgresql_settings_are_real_settings(app):
    from app.extensions import db

    settings = {}
    for line in (DEPLOY / "postgresql" / "tdkt.conf").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, value = (part.strip() for part in line.partition("="))
            settings[name] = value.strip("'")
    assert len(settings) >= 15
    with app.app_context(), db.engine.connect() as conn:
        known = dict(conn.execute(sa.text(
            "SELECT name, vartype FROM pg_settings WHERE name = ANY(:names)"),
            {"names": list(settings)}).all())
        enums = dict(conn.execute(sa.text(
            "SELECT name, enumvals FROM pg_settings WHERE vartype = 'enum' AND name = ANY(:n)"),
            {"n": list(settings)}).all())
    assert set(settings) == set(known), set(settings) - set(known)
    for name, value in settings.items():
        if known[name] == "bool":
            assert value in ("on", "off"), name
        if name in enums:
            assert value in enums[name], name
