"""Several real processes on one PostgreSQL database and one S3 bucket: web processes
(gunicorn, from this venv, each on a free port) and delivery workers (`flask notifications
work`), all configured through the environment as in production."""
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from werkzeug.test import encode_multipart

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_config() -> Path:
    # The deployment's own settings file (deploy/ once it has one), so the test runs them.
    for candidate in (ROOT / "deploy" / "gunicorn.conf.py", ROOT / "gunicorn.conf.py"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("gunicorn.conf.py")


class Answer:
    def __init__(self, status, headers, body, logs):
        self.status, self.headers, self.body = status, headers, body
        self.logs = logs  # the processes' logs, for the message of a failed assertion

    def json(self):
        return json.loads(self.body)


class Cluster:
    def __init__(self, env: dict, logs: Path, web=2, workers=2):
        self.env = {**os.environ, **env}
        self.logs = logs
        self.ports = [free_port() for _ in range(web)]
        self.n_workers = workers
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self._turn = itertools.cycle(range(web))
        self._lock = threading.Lock()
        self.served_by = [0] * web

    # -- processes ----------------------------------------------------------------------
    def _spawn(self, name, args):
        with open(self.logs / f"{name}.log", "wb") as out:  # the child keeps its own copy
            proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, proc))

    def start(self, timeout=60):
        for i, port in enumerate(self.ports):
            self._spawn(f"web{i}", [sys.executable, "-m", "gunicorn", "-c",
                                    str(gunicorn_config()), "--workers", "1",
                                    # two masters on one machine: no shared control socket
                                    "--no-control-socket",
                                    "--bind", f"127.0.0.1:{port}", "wsgi:app"])
        for i in range(self.n_workers):
            self._spawn(f"worker{i}", [sys.executable, "-m", "flask", "--app", "wsgi.py",
                                       "notifications", "work", "--poll", "1"])
        deadline = time.monotonic() + timeout
        for port in self.ports:
            while True:
                self._check_alive()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"web process on {port} did not answer:\n"
                                           + self.log_tail()) from None
                    time.sleep(0.2)

    def _check_alive(self):
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n" + self.log_tail())

    def stop(self):
        for _name, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def log_tail(self, lines=30) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    # -- HTTP ---------------------------------------------------------------------------
    def next_server(self) -> int:
        with self._lock:
            return next(self._turn)

    def call(self, method, path, token=None, json_body=None, files=None,
             server=None) -> Answer:
        """One request to the next web process in turn (or to ``server``)."""
        index = self.next_server() if server is None else server
        headers, data = {}, None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif files is not None:
            boundary, data = encode_multipart(files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.ports[index]}{path}",
                                         data=data, headers=headers, method=method)
        with self._lock:
            self.served_by[index] += 1
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Answer(response.status, response.headers, response.read(), self.log_tail)
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers, error.read(), self.log_tail)
