"""The sign-in limit of a production server with several gunicorn workers (issue 20 #16):
counted in each worker's memory, every worker would let the whole limit through, so such a
server refuses to start; with the deployment's shared Redis, two real workers together let
exactly the configured number of tries a minute through. The workers are forks of an app
the master built (preload_app), each with its own database connections (issue 22 #15)."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.scaleout.cluster import ROOT, free_port, gunicorn_config
from tests.tools import missing

pytestmark = pytest.mark.multiprocess

REDIS_URL = "redis://127.0.0.1:6379/6"  # this file's own index (test_two_servers has 3)
LIMIT = 6


def _env(app, **extra):
    return {**os.environ, "TDKT_ENV": "production", "SECRET_KEY": "workers-test-" + "k" * 32,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "OUTBOX_WORKER_IN_PROCESS": "0",
            "LOGIN_RATE_LIMIT": f"{LIMIT} per minute", "LOGIN_FREE_FAILURES": "1000",
            **extra}


def _gunicorn(env, port, logs, *args):
    with open(logs, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(gunicorn_config()), "--workers", "2",
             "--no-control-socket", "--bind", f"127.0.0.1:{port}", *args, "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def test_production_with_two_workers_and_the_memory_store_refuses_to_start(app, tmp_path):
    logs = tmp_path / "web.log"
    env = _env(app, RATELIMIT_STORAGE_URI="")
    env.pop("TDKT_WEB_WORKERS", None)
    env.pop("WEB_CONCURRENCY", None)
    proc = _gunicorn(env, free_port(), logs)
    try:
        code = proc.wait(timeout=60)
    finally:
        _stop(proc)
    output = logs.read_text(errors="replace")
    assert code != 0, output
    assert "RATELIMIT_STORAGE_URI=memory:// không dùng được với 2 tiến trình web" in output, output


def _sockets_to(pid, port):
    """TCP connections of process ``pid`` to ``port`` (its open sockets found in the
    kernel's table): which processes hold database connections."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) == port:
                found += 1
    return found


def _redis():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:  # noqa: BLE001 - no Redis here: the test says so
        return None


def test_two_workers_sharing_redis_let_exactly_the_limit_through(app, tmp_path):
    store = _redis()
    if store is None:
        missing(f"Redis is not reachable at {REDIS_URL}: the shared limit needs it")
    store.flushdb()
    port, access = free_port(), tmp_path / "access.log"
    proc = _gunicorn(_env(app, RATELIMIT_STORAGE_URI=REDIS_URL), port, tmp_path / "web.log",
                     "--access-logfile", str(access), "--access-logformat", "%(p)s %(s)s %(U)s")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "web.log").read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)

        def attempt(i):
            request = urllib.request.Request(
                f"{base}/api/v1/auth/token", method="POST",
                headers={"Content-Type": "application/json"},
                data=json.dumps({"username": f"khong-co-{i}", "password": "sai"}).encode())
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    return answer.status
            except urllib.error.HTTPError as error:
                with error:
                    return error.code

        # several at once: both workers are busy hashing, so both take attempts
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(attempt, range(3 * LIMIT)))
        # a worker writes its access line after the answer has gone: wait for the last ones
        line_deadline = time.monotonic() + 15
        while True:
            served = re.findall(r"^<(\d+)> (\d{3}) /api/v1/auth/token$",
                                access.read_text(), re.M)
            if len(served) >= 3 * LIMIT or time.monotonic() > line_deadline:
                break
            time.sleep(0.1)
        url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        if url.get_backend_name() == "postgresql":
            # issue 22 #15: the app is built once in the master (preload_app), whose start-up
            # check read the database; the master keeps no connection across the fork, and
            # each worker opened its own.
            assert _sockets_to(proc.pid, url.port or 5432) == 0
            for pid in {int(pid) for pid, _ in served}:
                assert _sockets_to(pid, url.port or 5432) >= 1, pid
    finally:
        _stop(proc)
    assert sorted(statuses) == [401] * LIMIT + [429] * (2 * LIMIT), statuses
    assert len(served) == 3 * LIMIT
    assert len({pid for pid, _ in served}) == 2, served  # two workers answered
