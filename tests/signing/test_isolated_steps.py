"""A large decision's steps run in a short-lived forked child (app/services/isolation.py):
the same results, one transaction, the same errors, a failure leaves nothing, the caller's
database connection untouched, the metrics counted by the caller. On SQLite and on
PostgreSQL (DATABASE_URL)."""
import os

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from app.extensions import db
from app.models import Decision, Dossier, StoredDocument, WorkflowEvent
from app.services import awards, decisions, esigning, steps, storage, workflow
from app.services.errors import Conflict
from tests import helpers
from tests.docgen.support import scenario
from tests.signing.support import DEPUTY, UBND_NAME, DemoSet, pyhanko_statuses


@pytest.fixture(scope="module")
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


@pytest.fixture
def large(monkeypatch, tmp_path):
    """Every decision counts as large; each step's process id is written to a file."""
    monkeypatch.setattr(decisions, "ISOLATE_STEPS_FROM", 1)
    seen = tmp_path / "pids"
    perform = steps._perform

    def noted(kind, item_id, user, trigger, *args):
        with seen.open("a") as fh:
            fh.write(f"{kind.name} {trigger} {os.getpid()}\n")
        return perform(kind, item_id, user, trigger, *args)

    monkeypatch.setattr(steps, "_perform", noted)
    return seen


def _register(demo):
    from tests.signing.test_electronic_issue import register

    register(demo, "deputy", "chairman")
    register(demo, "ubnd", unit="UBND")


def _pids(seen, trigger):
    return [int(line.split()[2]) for line in seen.read_text().splitlines()
            if line.split()[:2] == ["decision", trigger]]


def _steps_done(trigger):
    return REGISTRY.get_sample_value("tdkt_workflow_steps_total",
                                     {"kind": "decision", "trigger": trigger}) or 0


def test_approve_and_issue_in_a_child_sign_and_issue_as_in_place(world, demo, trusted, large,
                                                                  api):
    s = scenario(world, until="drafting")
    _register(demo)
    decision_id, dossier_ids = s.decision.id, (s.syt.id, s.pdk.id)
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal")):
        assert api(who).fire("decision", decision_id, trigger).status_code == 200
    counted = _steps_done("issue")
    r = api("chairman").fire("decision", decision_id, "approve")
    assert r.status_code == 200 and r.get_json()["state"] == "approved", r.get_json()
    r = api("clerk").fire("decision", decision_id, "issue")
    body = r.get_json()
    assert r.status_code == 200 and body["state"] == "issued", body
    assert isinstance(body["actions"], list) and body["version"] > 0  # read here, after it
    # every step of the decision ran in a child process, each its own
    pids = [p for t in ("submit", "sign_proposal", "approve", "issue") for p in _pids(large, t)]
    assert len(pids) == 4 and os.getpid() not in pids and len(set(pids)) == 4
    # counted here, once
    assert _steps_done("issue") == counted + 1
    # what it committed: the number, the signed and sealed PDF, the audit events, the dossiers
    db.session.remove()
    decision = db.session.get(Decision, decision_id)
    assert decision.number is not None and decision.issued_on is not None
    issued = esigning.issued_pdf(decision_id)
    data = storage.read(issued.storage_key, issued.sha256)
    assert [st.bottom_line for st in pyhanko_statuses(data, demo)] == [True, True]
    assert [e.trigger for e in db.session.scalars(
        sa.select(WorkflowEvent).where(WorkflowEvent.item_type == "decision",
                                       WorkflowEvent.item_id == decision_id)
        .order_by(WorkflowEvent.id))] == ["submit", "sign_proposal", "approve", "issue"]
    assert [db.session.get(Dossier, i).state for i in dossier_ids] == ["decided", "decided"]
    got = api("clerk").get(f"/api/v1/decisions/{decision_id}/signed-pdfs/decision_issued_pdf")
    assert got.status_code == 200 and got.data == data


def test_a_refusal_in_the_child_comes_back_with_its_code_and_details(world, demo, trusted,
                                                                    large, api):
    s = scenario(world, until="drafting")
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    db.session.refresh(s.decision)
    version = s.decision.version
    r = api("board_head").fire("decision", s.decision.id, "sign_proposal", version=version - 1)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "stale_version"
    assert error["details"] == {"current_version": version, "your_version": version - 1}
    with pytest.raises(Conflict) as refused:  # through the service: the same error object
        workflow.perform("decision", s.decision.id, world.users["board_head"],
                         "sign_proposal", version=version - 1)
    assert refused.value.code == "stale_version" and refused.value.status == 409
    db.session.refresh(s.decision)
    assert s.decision.state == "awaiting_board_head" and s.decision.version == version
    assert len(_pids(large, "sign_proposal")) == 2  # the API's and the service's
    assert os.getpid() not in _pids(large, "sign_proposal")


def test_a_failure_after_the_seal_leaves_nothing_and_the_caller_goes_on(world, demo, trusted,
                                                                       large, monkeypatch):
    s = scenario(world, until="drafting")
    _register(demo)
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve")):
        helpers.fire(world, "decision", s.decision, who, trigger)
    db.session.refresh(s.decision)
    version, events = s.decision.version, db.session.scalar(
        sa.select(sa.func.count(WorkflowEvent.id)))
    files = {p.name for p in storage_files()}

    def broken(*args, **kwargs):
        raise RuntimeError("ghi sổ khen thưởng thất bại")

    record_decision = awards.record_decision
    monkeypatch.setattr(awards, "record_decision", broken)  # after the number and the seal
    with pytest.raises(RuntimeError, match="ghi sổ khen thưởng thất bại") as failed:
        workflow.perform("decision", s.decision.id, world.users["clerk"], "issue",
                         version=version)
    # where it failed, in the child, is the cause of the error raised here (the log shows it)
    assert "in broken" in str(failed.value.__cause__) and "_issue" in str(failed.value.__cause__)
    assert _pids(large, "issue") and os.getpid() not in _pids(large, "issue")
    # this process's session and connection still work, and nothing of the step is there
    db.session.refresh(s.decision)
    assert s.decision.state == "approved" and s.decision.version == version
    assert s.decision.number is None and s.decision.issued_on is None
    assert esigning.issued_pdf(s.decision.id) is None
    assert not db.session.scalar(sa.select(sa.func.count(StoredDocument.id)).where(
        StoredDocument.item_type == "decision", StoredDocument.item_id == s.decision.id,
        StoredDocument.name == esigning.ISSUED))
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events
    assert {p.name for p in storage_files()} == files  # the sealed PDF written was removed
    monkeypatch.setattr(awards, "record_decision", record_decision)
    decision = helpers.fire(world, "decision", s.decision, "clerk", "issue")
    assert decision.state == "issued" and esigning.issued_pdf(decision.id) is not None


def storage_files():
    from flask import current_app

    root = current_app.config.get("UPLOAD_FOLDER")
    if current_app.config.get("STORAGE_URL"):
        pytest.skip("counts the files of the local storage")
    from pathlib import Path

    return [p for p in Path(root).rglob("*") if p.is_file()]


def test_the_child_is_another_process_and_a_database_in_memory_runs_in_place(app, ctx):
    from app import create_app
    from app.services import isolation

    assert isolation.run(os.getpid) != os.getpid()
    assert db.session.scalar(sa.select(sa.literal(1))) == 1  # this connection goes on
    in_memory = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                            "TESTING": True, "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]})
    with in_memory.app_context():  # a child could not open it again
        assert isolation.run(os.getpid) == os.getpid()
