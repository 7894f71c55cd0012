"""The app around a pre-forking server's fork (gunicorn with ``preload_app``).

The master builds the app once; each worker is a fork of it and starts serving at once,
instead of importing and building everything itself (about 1.3 s, during which the
worker answers nothing). What must not cross the fork:

- database connections: the master closes its pools before forking (``before_fork``);
  a worker drops whatever pool it inherited without closing the master's sockets
  (``after_fork``) and opens its own on first use;
- threads: none is started at build time; the outbox delivery thread starts on a
  worker's first request (app.delivery.worker.start_in_process);
- the number of workers the sign-in limit check needs: re-checked in each worker with
  the count the master really runs (command line, settings file, TTIN/TTOU).
"""
import importlib

from app.config import validate_web_workers

# What a worker loads on its first signature, verification or issued PDF (pyHanko with its
# cryptography and validation stack, pikepdf, fontTools): about 40 MB a worker grew by
# (bench/scale_bench.py --esign). Imported once in the master, before the fork, those
# pages are shared by every worker instead of being each one's own.
PRELOADED = ("app.esign.pdfsign", "app.esign.verify", "app.esign.remote", "app.docgen.pdf")


def _engines(app):
    """Every engine of the app's Flask-SQLAlchemy (whichever instance it registered)."""
    db = getattr(app, "extensions", {}).get("sqlalchemy")
    if db is None:
        return []
    with app.app_context():
        return list(db.engines.values())


def before_fork(app) -> None:
    """In the master: close every pooled connection (the production start-up check made
    one), so no worker inherits a socket another process also uses; load the signing
    libraries the workers then share (``PRELOADED``; they start no thread)."""
    for engine in _engines(app):
        engine.dispose()
    for name in PRELOADED:
        importlib.import_module(name)


def after_fork(app, workers: int) -> None:
    """In a worker, before its first request: forget the inherited pools (close=False:
    the sockets belong to the master) and re-check the sign-in limit store for
    ``workers`` processes (a ConfigError stops the worker, and gunicorn with it)."""
    for engine in _engines(app):
        engine.dispose(close=False)
    app.config["WEB_WORKERS"] = workers
    validate_web_workers(app.config)
