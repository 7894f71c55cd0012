"""Delivering the outbox: inside the web process (embedded default) or as
`flask notifications work` processes at scale (several at once are safe)."""
import logging
import threading
import time

from app.delivery import deliver_due
from app.delivery.exchange import deliver_packages
from app.services import exchange

log = logging.getLogger(__name__)


def run(app, once=False, poll=None, stop: threading.Event | None = None):
    """Deliver in a loop until ``stop`` is set (or once). Errors are logged, never fatal."""
    poll = app.config["OUTBOX_POLL_SECONDS"] if poll is None else poll
    stop = stop or threading.Event()
    total = {"sent": 0, "retry": 0, "failed": 0}
    polled = None
    while not stop.is_set():
        for deliver in (deliver_due, deliver_packages):  # mail, then edXML packages
            try:
                with app.app_context():
                    while True:  # drain: keep going while whole batches come back
                        counts = deliver()
                        for key in total:
                            total[key] += counts[key]
                        if sum(counts.values()) < app.config["OUTBOX_BATCH"]:
                            break
            except Exception:  # a database hiccup must not kill the worker
                log.exception("outbox delivery round failed")
        every = app.config.get("EXCHANGE_POLL_SECONDS") or 0
        if every and app.config.get("EXCHANGE_TRANSPORT") and (
                polled is None or time.monotonic() - polled >= every):
            polled = time.monotonic()
            try:
                with app.app_context():
                    exchange.poll()
            except Exception:  # the axis away: polled again next time
                log.exception("status polling failed")
        if once:
            break
        stop.wait(poll)
    return total


_started = threading.Lock()


def start_in_process(app):
    """Start one delivery thread per web process, on its first request."""
    if not app.config["OUTBOX_WORKER_IN_PROCESS"] or app.testing:
        return
    state = {"thread": None}

    @app.before_request
    def _ensure_worker():
        if state["thread"] is None and _started.acquire(blocking=False):
            thread = threading.Thread(target=run, args=(app,), name="outbox-worker",
                                      daemon=True)
            thread.start()
            state["thread"] = thread
        return None
