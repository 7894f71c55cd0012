"""The Prometheus metrics the application counts: the one module that knows prometheus_client.

Counters and histograms live in this process; under gunicorn with several workers they
are shared through files when PROMETHEUS_MULTIPROC_DIR is set (prometheus_client's
multiprocess mode, which reads that variable when it is first imported, so it must be in
the environment before the app starts: deploy/gunicorn.conf.py and the systemd unit set it).
The outbox gauges are not counted at all: they are read from the database at each scrape
(``exposition``), so every process reports the same truth.
"""
import os
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

# Buckets for web requests and for documents: a page is tens of ms, issuing 2,000
# certificates is seconds.
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_RENDER_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)

REQUEST_SECONDS = Histogram(
    "tdkt_http_request_duration_seconds", "Time to answer a request, by route.",
    ["method", "endpoint"], buckets=_REQUEST_BUCKETS)
REQUESTS = Counter(
    "tdkt_http_requests", "Requests answered, by route and status.",
    ["method", "endpoint", "status"])
STEPS = Counter(
    "tdkt_workflow_steps", "Workflow steps committed, by kind of item and trigger.",
    ["kind", "trigger"])
RENDER_SECONDS = Histogram(
    "tdkt_document_render_seconds", "Time to generate a formal document (DOCX).",
    ["kind", "document"], buckets=_RENDER_BUCKETS)


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method, endpoint).observe(seconds)
    REQUESTS.labels(method, endpoint, str(status)).inc()


_deferred: list | None = None  # in a use case's child process: what it counted, for its parent


def step_done(kind: str, trigger: str) -> None:
    if _deferred is not None:
        _deferred.append(("step_done", (kind, trigger)))
        return
    STEPS.labels(kind, trigger).inc()


def rendered(kind: str, document: str, seconds: float) -> None:
    if _deferred is not None:
        _deferred.append(("rendered", (kind, document, seconds)))
        return
    RENDER_SECONDS.labels(kind, document).observe(seconds)


@contextmanager
def deferred():
    """In a short-lived child process (app.services.isolation): what is counted inside is
    kept in the list yielded, for the parent to count (``replay``), instead of being lost
    with the child."""
    global _deferred
    _deferred = counted = []
    try:
        yield counted
    finally:
        _deferred = None


def replay(counted) -> None:
    """Count here what a child process counted (``deferred``)."""
    for name, args in counted:
        {"step_done": step_done, "rendered": rendered}[name](*args)


class _ThisProcess:
    """The default registry, seen through a per-scrape registry (single-process mode)."""

    def collect(self):
        yield from REGISTRY.collect()


class _Outbox:
    """Outbox gauges from one aggregate read, taken when scraped."""

    def __init__(self, read):
        self.read = read

    def collect(self):
        depth, oldest_age, failed = self.read()
        yield GaugeMetricFamily("tdkt_outbox_depth",
                                "Mail waiting to be sent (pending or being sent).", value=depth)
        yield GaugeMetricFamily("tdkt_outbox_oldest_age_seconds",
                                "Age of the oldest mail not yet sent (0 when none).",
                                value=oldest_age)
        yield GaugeMetricFamily("tdkt_outbox_failed",
                                "Mail that failed for good (listed for the Board to resend).",
                                value=failed)


def exposition(read_outbox) -> tuple[bytes, str]:
    """The text a Prometheus scrape receives, and its content type. ``read_outbox`` returns
    (depth, age of the oldest unsent row in seconds, failed count)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every worker's files, the dead ones' included
    else:
        registry.register(_ThisProcess())
    registry.register(_Outbox(read_outbox))
    return generate_latest(registry), CONTENT_TYPE_LATEST

