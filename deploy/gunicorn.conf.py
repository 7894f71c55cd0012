"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (deploy/systemd/tdkt-web.service
runs exactly this; the repository's top-level gunicorn.conf.py reads this file).

- Sync workers, several per server (GUNICORN_WORKERS, 2 by default; 2 × cores + 1 at most):
  a request is short SQL and, for documents, CPU; nginx buffers slow clients.
- Preloaded (GUNICORN_PRELOAD, on by default): the master builds the app once and each
  worker is a fork of it, serving at once (a worker that builds the app itself answers
  nothing for about 1.3 s). The master closes its database pools before forking and each
  worker drops the pools it inherited (app.serving); no thread runs before the fork (the
  outbox thread starts on a worker's first request). New code needs a restart
  (`systemctl restart tdkt-web`); a reload (HUP) re-reads these settings only.
- Memory is bounded by design, not by restarting workers: large documents are streamed
  or built in one pass, lists are paged in SQL. Recycling stays as a safety net only,
  after GUNICORN_MAX_REQUESTS (20,000) requests with up to GUNICORN_MAX_REQUESTS_JITTER
  (2,000) more, so the workers never restart together; 0 turns it off.
- GUNICORN_TIMEOUT (120 s): issuing a decision with 2,000 certificates takes seconds, not
  minutes; nginx waits a little longer than this (deploy/nginx/tdkt.conf).
- Each worker is told how many there are (TDKT_WEB_WORKERS): in production the app refuses
  to start several with the sign-in limits counted in each one's memory (RATELIMIT_STORAGE_URI
  must name the shared Redis).
- PROMETHEUS_MULTIPROC_DIR: every worker's metrics are kept as files there and summed at
  each scrape; emptied when gunicorn starts, a dead worker marked so.
"""
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").lower() not in ("0", "false", "no")
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
# The preloaded app is built in the master, before any worker exists: its start-up check
# of the sign-in limit store counts the configured workers (each worker checks again with
# the number really running, post_worker_init).
os.environ["TDKT_WEB_WORKERS"] = str(workers)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # issuing 2,000 certificates
graceful_timeout = 30
keepalive = 5  # nginx keeps upstream connections open (keepalive in the site)
# X-Forwarded-Proto is believed only from these addresses (nginx on the same host).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# With LOG_FORMAT=json the application logs each request as one JSON line itself.
# (GUNICORN_ACCESS_LOG empty: no access log.)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG",
                           "" if os.environ.get("LOG_FORMAT") == "json" else "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines as JSON too, so that the whole stream parses line by line; the
    # root logger gets no handler here (the app adds its own).
    _json_handler = {"class": "logging.StreamHandler", "formatter": "json",
                     "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
        "handlers": {"console": _json_handler, "error_console": _json_handler},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"],
                               "propagate": False, "qualname": "gunicorn.error"},
            # the app logs each request itself, with its id, user and duration
            "gunicorn.access": {"level": "WARNING", "handlers": ["console"],
                                "propagate": False, "qualname": "gunicorn.access"},
        },
    }
# gunicorn's control socket (`gunicornc`): in the unit's runtime folder (/run/tdkt), never
# in a home folder (the unit protects /home); off when neither is given, so that several
# gunicorns on one machine (tests, benchmarks) do not share one.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or (
    os.path.join(os.environ["RUNTIME_DIRECTORY"], "gunicorn.ctl")
    if os.environ.get("RUNTIME_DIRECTORY") else "gunicorn.ctl")
control_socket_disable = not (os.environ.get("GUNICORN_CONTROL_SOCKET")
                              or os.environ.get("RUNTIME_DIRECTORY"))
# Temporary files of request bodies in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

_METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _METRICS_DIR:  # the preloaded app's metrics module needs it before on_starting runs
    Path(_METRICS_DIR).mkdir(parents=True, exist_ok=True)


def on_starting(server):
    """Counts of a previous run would be added to this one's: start from an empty folder."""
    if _METRICS_DIR:
        folder = Path(_METRICS_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()


def when_ready(server):
    """The master, about to fork its first workers: no database connection may cross the
    fork (the production start-up check used one)."""
    if server.cfg.preload_app:
        from app.serving import before_fork

        before_fork(server.app.wsgi())


def post_fork(server, worker):
    """In the new worker: the number of workers, as now set (the command line, this file,
    TTIN/TTOU), for the app's check of its sign-in limit store."""
    os.environ["TDKT_WEB_WORKERS"] = str(max(server.num_workers, server.cfg.workers))


def post_worker_init(worker):
    """The worker has its app (forked, or built here when not preloaded): its own
    database pools, and the sign-in limit store checked for the workers now running."""
    from app.serving import after_fork

    after_fork(worker.wsgi, int(os.environ["TDKT_WEB_WORKERS"]))


def child_exit(server, worker):
    """A worker that ended (recycled, killed): its live gauges stop counting."""
    if _METRICS_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
