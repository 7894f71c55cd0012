"""Under gunicorn with two workers and PROMETHEUS_MULTIPROC_DIR, whichever worker answers a
scrape reports the requests of both (prometheus_client's multiprocess mode, wired in
deploy/gunicorn.conf.py)."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.notifications.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-tests-0123456789"


def _get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}
                                     if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode(), response.headers


def _sample(text, name, **labels):
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return 0.0


def _healthz_count(text):
    return _sample(text, "tdkt_http_requests_total", method="GET", endpoint="/healthz",
                   status="200")


def test_two_workers_report_one_sum(tmp_path):
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tdkt.sqlite3'}",
           "FLASK_APP": "wsgi.py", "SECRET_KEY": "gunicorn-metrics-test-key",
           "UPLOAD_FOLDER": str(tmp_path / "uploads"), "METRICS_TOKEN": TOKEN,
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "OUTBOX_WORKER_IN_PROCESS": "0",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
           "GUNICORN_ACCESS_LOG": "", "MAIL_SUPPRESS_SEND": "1"}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"")  # left by an earlier run: removed
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        before = _healthz_count(_get(base + "/metrics", TOKEN)[0])  # the warm-up's
        for _ in range(20):
            _, headers = _get(base + "/healthz")
            assert headers["X-Request-ID"]
        for _ in range(6):
            text, _ = _get(base + "/metrics", TOKEN)
            # the 20 of both workers, whichever worker answers the scrape
            assert _healthz_count(text) == before + 20
            assert _sample(text, "tdkt_outbox_depth") == 0
        pids = {p.name.rsplit("_", 1)[-1] for p in metrics_dir.glob("*.db")}
        assert "99999.db" not in pids and len(pids) >= 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
