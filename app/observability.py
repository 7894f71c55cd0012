"""What an operator sees of a running process: a request id on every request, logs (one
JSON object per line when LOG_FORMAT=json), request latency, and three routes outside the
application's own: /healthz (the process answers), /readyz (its database, storage and mail
relay) and /metrics (Prometheus, only with METRICS_TOKEN).

Like the other adapters, the routes parse, call one service and render.
"""
import hmac
import logging
import re
import sys
import time
import uuid

from flask import Response, abort, current_app, g, has_request_context, jsonify, request

from app import metrics
from app.logs import JsonFormatter
from app.services import health, outbox

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain: it goes into logs and headers.
_SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# The routes of this module: their own requests are not logged line by line (a load
# balancer asks every few seconds).
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})

request_log = logging.getLogger("tdkt.request")


def request_id() -> str:
    """This request's id: the caller's X-Request-ID when sane, else a new one ("" outside a
    request)."""
    if not has_request_context():
        return ""
    rid = g.get("request_id")
    if rid is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "").strip()
        rid = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return rid


def _user_id():
    """The id of the user this request has loaded, read without loading anything: after a
    commit the row is expired, and reading ``.id`` would cost a query per request."""
    user = g.get("_login_user")
    return vars(user).get("id") if user is not None and hasattr(user, "__dict__") else None


# -- logs ------------------------------------------------------------------------------------

class RequestContextFilter(logging.Filter):
    """Adds the request's id, method, path and user to every record logged while serving it."""

    def filter(self, record):
        if has_request_context():
            record.request_id = request_id()
            record.method = request.method
            record.path = request.path
            record.user_id = _user_id()
        return True


def _configure_logging(app):
    """LOG_FORMAT=json: the root logger writes JSON lines to standard error, once per
    process however many apps are built. Otherwise logging is left as it is (plain)."""
    root = logging.getLogger()
    if app.config["LOG_FORMAT"] != "json":
        return
    if not any(getattr(h, "_tdkt", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestContextFilter())
        handler._tdkt = True
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


# -- every request ---------------------------------------------------------------------------

def _start():
    g.request_started = time.perf_counter()
    request_id()


def _finish(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    started = g.get("request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    metrics.observe_request(request.method, endpoint, response.status_code, seconds)
    if request.path not in _QUIET:
        request_log.info("%s %s %s %.1f ms", request.method, request.path,
                         response.status_code, seconds * 1000,
                         extra={"status": response.status_code,
                                "duration_ms": round(seconds * 1000, 1)})
    return response


# -- the operators' routes -------------------------------------------------------------------

def healthz():
    """The process answers; nothing else is touched."""
    return jsonify({"status": "ok"})


def readyz():
    result = health.readiness()
    response = jsonify(result)
    response.status_code = 200 if result["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def metrics_view():
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)  # no token configured: there is no metrics endpoint
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.encode()):
        response = Response("Unauthorized\n", status=401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition(outbox.gauges)
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def init_observability(app):
    _configure_logging(app)
    # First of all the before_request functions: every later refusal carries the id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics_view)

    @app.context_processor
    def _request_id():
        return {"request_id": request_id}
