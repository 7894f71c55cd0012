"""The Prometheus endpoint: closed without its token, and what it counts: request latency by
route, steps by kind and trigger, document render time, and the outbox read at scrape time
in one statement."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import g
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from app.extensions import db
from tests import helpers

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def scrape(app, config):
    config(METRICS_TOKEN=TOKEN)

    def get():
        r = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        assert r.content_type.startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(r.get_data(as_text=True)):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    return get


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_no_token_configured_means_no_endpoint(app, config):
    config(METRICS_TOKEN=None)
    assert app.test_client().get("/metrics").status_code == 404


def test_the_token_is_required(app, config):
    config(METRICS_TOKEN=TOKEN)
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    r = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401


def test_request_latency_by_route(app, scrape):
    before = scrape()
    client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/khong-co-trang-nay").status_code == 404
    after = scrape()
    route = {"method": "GET", "endpoint": "/healthz"}
    assert value(after, "tdkt_http_request_duration_seconds_count", **route) - value(
        before, "tdkt_http_request_duration_seconds_count", **route) == 3
    assert value(after, "tdkt_http_requests_total", status="200", **route) - value(
        before, "tdkt_http_requests_total", status="200", **route) == 3
    unmatched = {"method": "GET", "endpoint": "<unmatched>", "status": "404"}
    assert value(after, "tdkt_http_requests_total", **unmatched) - value(
        before, "tdkt_http_requests_total", **unmatched) == 1


def test_steps_by_kind_and_trigger_only_once_committed(world, campaign, api, scrape):
    before = scrape()
    plan = helpers.complete_plan(world, campaign)
    r = api("staff_a").fire("plan", plan.id, "submit")
    assert r.status_code == 200
    # refused (a unit's staff cannot sign off): nothing happened, nothing counted
    assert api("staff_a").fire("plan", plan.id, "sign_off").status_code in (403, 409, 422)
    after = scrape()

    def steps(samples, trigger):
        return value(samples, "tdkt_workflow_steps_total", kind="plan", trigger=trigger)

    assert steps(after, "submit") - steps(before, "submit") == 1
    assert steps(after, "sign_off") == steps(before, "sign_off")


def test_document_render_time(world, campaign, api, scrape):
    before = scrape()
    plan = helpers.complete_plan(world, campaign)
    r = api("staff_a").get(f"/api/v1/plans/{plan.id}/documents/plan")
    assert r.status_code == 200
    after = scrape()
    labels = {"kind": "plan", "document": "plan"}
    assert value(after, "tdkt_document_render_seconds_count", **labels) - value(
        before, "tdkt_document_render_seconds_count", **labels) == 1
    assert value(after, "tdkt_document_render_seconds_sum", **labels) > value(
        before, "tdkt_document_render_seconds_sum", **labels)


@contextmanager
def counting():
    seen = []

    def count(conn, cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_outbox_depth_age_and_failures_in_one_statement(world, campaign, api, scrape, ctx):
    from app.clock import now_utc
    from app.models import OutboxMessage

    plan = helpers.complete_plan(world, campaign)
    assert api("staff_a").fire("plan", plan.id, "submit").status_code == 200
    rows = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
    waiting = [r for r in rows if r.status in ("pending", "sending")]
    assert waiting  # the launch and the submit tell people
    assert not [r for r in rows if r.status == "failed"]
    waiting[-1].created_at = now_utc() - timedelta(hours=2)
    failed = OutboxMessage(item_type="plan", item_id=plan.id, template=waiting[0].template,
                           recipient_name="x", recipient_email="x@tdkt.test", status="failed")
    sent = OutboxMessage(item_type="plan", item_id=plan.id, template=waiting[0].template,
                         recipient_name="y", recipient_email="y@tdkt.test", status="sent")
    db.session.add_all([failed, sent])
    db.session.commit()
    g.pop("_login_user", None)  # the API calls above ran in this test's app context
    with counting() as seen:
        samples = scrape()
    assert len(seen) == 1, seen
    assert value(samples, "tdkt_outbox_depth") == len(waiting)
    assert 7200 <= value(samples, "tdkt_outbox_oldest_age_seconds") < 7200 + 60
    assert value(samples, "tdkt_outbox_failed") == 1
