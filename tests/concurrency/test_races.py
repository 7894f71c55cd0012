"""Two people act on the same item at the same moment, from two processes:
exactly one succeeds, the other is told someone acted first, one event is written."""
import multiprocessing

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage, WorkflowEvent
from app.services import workflow
from app.services.errors import Invalid
from tests import helpers
from tests.concurrency.race import fire_at_once

RACERS = 2


def _race(app, token, url, body):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    config = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "SECRET_KEY", "MAX_CONTENT_LENGTH")}
    config["TESTING"] = True
    procs = [ctx.Process(target=fire_at_once, args=(config, token, url, body, barrier, results))
             for _ in range(RACERS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return sorted(outcomes)


def _events(kind, item_id, trigger):
    return db.session.scalar(
        sa.select(sa.func.count(WorkflowEvent.id))
        .where(WorkflowEvent.item_type == kind, WorkflowEvent.item_id == item_id,
               WorkflowEvent.trigger == trigger))


@pytest.mark.parametrize("attempt", range(3))
def test_two_processes_sign_off_the_same_plan(app, world, campaign, attempt):
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    db.session.refresh(plan)
    token = helpers.token_for(world.users["head_a"])
    outcomes = _race(app, token, f"/api/v1/plans/{plan.id}/transitions",
                     {"trigger": "sign_off", "version": plan.version})
    assert [status for status, _ in outcomes] == [200, 409]
    assert outcomes[1][1] in ("stale_version", "stale", "busy")
    db.session.expire_all()
    assert _events("plan", plan.id, "sign_off") == 1
    db.session.refresh(plan)
    assert plan.state == "submitted"


def test_two_processes_issue_the_same_decision_once(app, world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)
    from app.services import decisions

    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id, [n.id for n in dossier.nominees])
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve")):
        helpers.fire(world, "decision", decision, who, trigger)
    db.session.refresh(decision)
    outbox_before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    token = helpers.token_for(world.users["clerk"])
    outcomes = _race(app, token, f"/api/v1/decisions/{decision.id}/transitions",
                     {"trigger": "issue", "version": decision.version})
    assert [status for status, _ in outcomes] == [200, 409]
    db.session.expire_all()
    assert _events("decision", decision.id, "issue") == 1
    assert _events("dossier", dossier.id, "decide") == 1
    decision = db.session.get(type(decision), decision.id)
    assert decision.state == "issued" and decision.number == 1
    # only the winner's notifications were written
    told = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) - outbox_before
    assert told == db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).join(
            WorkflowEvent, WorkflowEvent.id == OutboxMessage.event_id)
        .where(WorkflowEvent.item_type == "decision", WorkflowEvent.trigger == "issue"))


def test_a_failing_effect_leaves_nothing_behind(app, world, campaign, monkeypatch):
    """The event and outbox rows are written, then an effect fails: all of it rolls back."""
    plan = helpers.complete_plan(world, campaign)
    before = (plan.state, plan.version,
              db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))),
              db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))))

    from app.services import outbox

    enqueue = outbox.tell

    def fails_after_writing(*args, **kwargs):
        enqueue(*args, **kwargs)
        db.session.flush()  # the outbox rows reach the database...
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) > before[3]
        raise RuntimeError("disk full")  # ...and then the step fails

    monkeypatch.setattr(outbox, "tell", fails_after_writing)
    with pytest.raises(RuntimeError):
        workflow.perform("plan", plan.id, world.users["staff_a"], "submit", version=plan.version)
    db.session.expire_all()
    plan = db.session.get(type(plan), plan.id)
    after = (plan.state, plan.version,
             db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))),
             db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))))
    assert after == before
    assert plan.submitted_at is None


def test_a_guard_failure_changes_nothing(world, campaign):
    from app.models import Plan

    plan = helpers.unit_item(Plan, campaign, "SYT")
    with pytest.raises(Invalid) as refused:
        workflow.perform("plan", plan.id, world.users["staff_a"], "submit", version=plan.version)
    assert refused.value.code == "guard_failed"
    assert refused.value.details["reasons"][0].startswith("Kế hoạch chưa đầy đủ")
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert (plan.state, plan.version) == ("draft", 1)
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)).where(
        WorkflowEvent.item_type == "plan")) == 0
