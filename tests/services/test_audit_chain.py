"""Issue 14: a record no one can quietly rewrite. Each item's events and each register's
numbers are hash chains; `flask audit verify` finds a row changed, removed or inserted by
hand directly in the database, and names exactly the first broken link."""
import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Campaign,
    Decision,
    Dossier,
    NumberRegister,
    Plan,
    RegisterEntry,
    WorkflowEvent,
)
from app.services import audit_chain, workflow
from tests import helpers
from tests.docgen.support import SYT_NOMINEES, appraised, approve, issue, new_decision


@pytest.fixture
def issued(world):
    """A launched campaign, a plan signed off, a dossier appraised, two decisions issued
    (two numbers in the QĐ register)."""
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    approved = [approve(world, new_decision(world, campaign, [n.id]))
                for n in dossier.nominees[:2]]
    first, second = (issue(world, d) for d in approved)
    return campaign, dossier, first, second


def _verify(app):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _events(item_type, item_id):
    return db.session.scalars(sa.select(WorkflowEvent).where(
        WorkflowEvent.item_type == item_type, WorkflowEvent.item_id == item_id)
        .order_by(WorkflowEvent.id)).all()


def _chains():
    items = db.session.execute(sa.select(WorkflowEvent.item_type, WorkflowEvent.item_id)
                               .distinct()).all()
    return len(items) + db.session.scalar(sa.select(sa.func.count(sa.distinct(
        RegisterEntry.register_id))))


def test_the_chains_of_a_campaign_run_through_its_steps_verify(app, issued):
    campaign, dossier, first, second = issued
    chains = _chains()
    assert chains >= 6  # campaign, plan, dossier, two decisions, the registers
    code, output = _verify(app)
    assert code == 0, output
    assert f"all {chains} chains intact" in output
    # each event links to the one before it, and the item holds the last
    events = _events("dossier", dossier.id)
    assert events[0].prev_sha256 is None
    assert [e.prev_sha256 for e in events[1:]] == [e.record_sha256 for e in events[:-1]]
    assert db.session.get(Dossier, dossier.id).audit_head == events[-1].record_sha256
    entries = db.session.scalars(sa.select(RegisterEntry).join(NumberRegister).where(
        NumberRegister.doc_type == "QĐ").order_by(RegisterEntry.id)).all()
    assert [e.item_id for e in entries] == [first.id, second.id]
    assert entries[1].prev_sha256 == entries[0].entry_sha256
    assert db.session.get(NumberRegister, entries[1].register_id).head_sha256 == \
        entries[1].entry_sha256


@pytest.mark.parametrize("column,value", [("comment", "Đã sửa lén"), ("actor_id", None),
                                          ("to_state", "draft")])
def test_an_event_edited_in_the_database_is_reported_at_that_link(app, issued, column, value):
    _campaign, dossier, _first, _second = issued
    events = _events("dossier", dossier.id)
    target = events[2]
    db.session.execute(sa.text(f"UPDATE workflow_events SET {column} = :v WHERE id = :id"),
                       {"v": value, "id": target.id})
    code, output = _verify(app)
    assert code == 1
    broken = [line for line in output.splitlines() if line.startswith("BROKEN")]
    assert broken == [f"BROKEN dossier {dossier.id} at event/entry {target.id}: nội dung bản ghi "
                      f"đã bị sửa; expected {_recomputed(target.id)}, "
                      f"found {target.record_sha256}"]


def _recomputed(event_id):
    db.session.expire_all()
    event = db.session.get(WorkflowEvent, event_id)
    return audit_chain.link_hash(audit_chain.EVENT_FIELDS, event, event.prev_sha256)


def test_an_event_removed_from_the_middle_is_reported_at_the_next_one(app, issued):
    _campaign, dossier, _first, _second = issued
    dossier_id = dossier.id
    events = _events("dossier", dossier.id)
    gone, after = events[1], events[2]
    first_hash, gone_id, gone_hash, after_id = (events[0].record_sha256, gone.id,
                                                gone.record_sha256, after.id)
    db.session.execute(sa.text("DELETE FROM outbox WHERE event_id = :id"), {"id": gone_id})
    db.session.execute(sa.text("DELETE FROM workflow_events WHERE id = :id"), {"id": gone_id})
    code, output = _verify(app)
    assert code == 1
    assert [line for line in output.splitlines() if line.startswith("BROKEN")] == [
        f"BROKEN dossier {dossier_id} at event/entry {after_id}: liên kết tới bản ghi trước "
        f"không khớp (bản ghi trước bị xóa, sửa hoặc chèn thêm); "
        f"expected {first_hash}, found {gone_hash}"]


def test_the_last_event_removed_shows_at_the_items_head(app, issued):
    dossier_id = issued[1].id
    *_, before, last = _events("dossier", dossier_id)
    last_id, last_hash, before_hash = last.id, last.record_sha256, before.record_sha256
    db.session.execute(sa.text("DELETE FROM outbox WHERE event_id = :id"), {"id": last_id})
    db.session.execute(sa.text("DELETE FROM workflow_events WHERE id = :id"), {"id": last_id})
    code, output = _verify(app)
    assert code == 1
    assert [line for line in output.splitlines() if line.startswith("BROKEN")] == [
        f"BROKEN dossier {dossier_id} at head: bản ghi cuối của chuỗi đã bị xóa hoặc thay; "
        f"expected {last_hash}, found {before_hash}"]


def test_a_register_entry_edited_in_the_database_is_reported(app, issued):
    _campaign, _dossier, first, second = issued
    entry = db.session.scalars(sa.select(RegisterEntry).join(NumberRegister).where(
        NumberRegister.doc_type == "QĐ", RegisterEntry.item_id == first.id)).one()
    register_id, entry_id, stored = entry.register_id, entry.id, entry.entry_sha256
    # the decision's number given to another item
    db.session.execute(sa.text("UPDATE register_entries SET item_id = :v WHERE id = :id"),
                       {"v": second.id, "id": entry_id})
    code, output = _verify(app)
    assert code == 1
    broken = [line for line in output.splitlines() if line.startswith("BROKEN")]
    assert broken == [f"BROKEN register {register_id} at event/entry {entry_id}: "
                      f"nội dung bản ghi đã bị sửa; expected "
                      f"{_entry_hash(entry_id)}, found {stored}"]


def _entry_hash(entry_id):
    db.session.expire_all()
    entry = db.session.get(RegisterEntry, entry_id)
    return audit_chain.link_hash(audit_chain.ENTRY_FIELDS, entry, entry.prev_sha256)


def test_the_item_models_are_the_kinds_of_the_workflow():
    assert {name: kind.model for name, kind in workflow.KINDS.items()} == \
        audit_chain.ITEM_MODELS
    assert set(audit_chain.ITEM_MODELS.values()) == {Campaign, Plan, Dossier, Decision}


def test_the_migration_chains_existing_rows_the_same_way(app, issued):
    """The migration's frozen copy of the canonical form gives the hashes the app gives:
    rows it backfills verify, and so do the app's next steps on them."""
    before = {e.id: e.record_sha256 for e in db.session.scalars(sa.select(WorkflowEvent))}
    entries_before = {e.id: e.entry_sha256 for e in db.session.scalars(sa.select(RegisterEntry))}
    db.session.execute(sa.update(WorkflowEvent).values(record_sha256=None, prev_sha256=None))
    db.session.execute(sa.update(RegisterEntry).values(entry_sha256=None, prev_sha256=None))
    db.session.execute(sa.update(NumberRegister).values(head_sha256=None))
    for model in (Campaign, Plan, Dossier, Decision):
        db.session.execute(sa.update(model).values(audit_head=None)
                           .execution_options(synchronize_session=False))
    path = next(Path("migrations/versions").glob("e1a2c3b4d5f6_*.py"))
    spec = importlib.util.spec_from_file_location("chain_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.PAGE = 3  # several pages, as on a large installation
    module.backfill(db.session.connection())
    db.session.commit()
    db.session.expire_all()
    assert {e.id: e.record_sha256 for e in db.session.scalars(sa.select(WorkflowEvent))} == before
    assert {e.id: e.entry_sha256
            for e in db.session.scalars(sa.select(RegisterEntry))} == entries_before
    code, output = _verify(app)
    assert code == 0, output


def test_verify_reads_in_pages(app, issued, monkeypatch):
    monkeypatch.setattr(audit_chain, "PAGE", 2)
    report = audit_chain.verify()
    assert report.intact and report.links == (
        db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
        + db.session.scalar(sa.select(sa.func.count(RegisterEntry.id))))
