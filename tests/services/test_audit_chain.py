"""Issue 14: a record no one can quietly rewrite. Each item's events and each register's
numbers are hash chains; `flask audit verify` finds a row changed, removed or inserted by
hand directly in the database, and names exactly the first broken link."""
import importlib.util
import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditAnchor,
    AuditAnchorLeaf,
    AwardRecord,
    Campaign,
    Decision,
    Dossier,
    Nominee,
    NumberRegister,
    Plan,
    RegisterEntry,
    Registration,
    StoredDocument,
    WorkflowEvent,
)
from app.services import audit_anchor, audit_chain, workflow
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
    assert set(audit_chain.ITEM_MODELS.values()) == {Campaign, Plan, Dossier, Decision,
                                                     Registration}


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


# -- anchors: the record pinned outside the database (issue 20, item 14) ----------------------
#
# Each test anchors first (`flask audit anchor`), then tampers by SQL as someone with the
# database's password would, keeping the chains and heads consistent where the case says
# so, and checks that `flask audit verify` names it and exits 1.


@pytest.fixture
def anchor_store(app, tmp_path, request):
    """AUDIT_ANCHOR_URL for the test: a folder of its own, or, with TDKT_TEST_STORAGE=s3
    (`make test-s3`), a bucket with object lock on the S3 server."""
    from tests.conftest import ON_S3

    before = dict(app.config)
    if ON_S3:
        server = request.getfixturevalue("s3_server")
        bucket = locked_bucket(server)
        app.config.update({k: v for k, v in server.app_config(bucket).items()
                           if k != "STORAGE_URL"})
        app.config["AUDIT_ANCHOR_URL"] = f"s3://{bucket}/anchors"
    else:
        app.config["AUDIT_ANCHOR_URL"] = f"file://{tmp_path / 'anchors'}"
    yield audit_anchor.store()
    app.config.clear()
    app.config.update(before)


def locked_bucket(server):
    import secrets

    name = f"tdkt-anchors-{secrets.token_hex(4)}"
    server.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def cli(app, *args):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=list(args))
    db.session.rollback()
    return result.exit_code, result.output


def anchored(app):
    code, output = cli(app, "audit", "anchor")
    assert code == 0, output
    return output


def broken(app):
    """Verify after tampering: it must fail; its BROKEN lines."""
    code, output = cli(app, "audit", "verify")
    assert code == 1, output
    return [line for line in output.splitlines() if line.startswith("BROKEN")]


def _first(model, *where):
    return db.session.scalars(sa.select(model).where(*where).order_by(model.id)).first()


@pytest.mark.storage
def test_an_untampered_record_verifies_against_its_anchors(app, world, anchor_store):
    campaign = helpers.make_campaign(world)
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    helpers.fire(world, "plan", plan, "head_a", "sign_off")
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    first, waiting = (approve(world, new_decision(world, campaign, [n.id]))
                      for n in dossier.nominees[:2])
    issue(world, first)
    output = anchored(app)
    assert "Anchor #1 written to" in output
    assert anchor_store.names() == ["anchor-00000001.json"]
    text = anchor_store.read("anchor-00000001.json").decode()
    document = json.loads(text)
    assert document["seq"] == 1 and document["prev_root"] is None
    assert document["covered"]["workflow_events"] == {
        "last_id": db.session.scalar(sa.select(sa.func.max(WorkflowEvent.id))),
        "rows": db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))}
    assert document["kinds"]["award"]["leaves"] == 1
    assert document["kinds"]["document"]["leaves"] == db.session.scalar(
        sa.select(sa.func.count(StoredDocument.id))) > 0
    assert document["kinds"]["verdict"]["leaves"] == 3  # the appraised dossier's nominees
    assert document["kinds"]["dossier"]["leaves"] == 1
    # the database holds the same text, and the leaves that recompute its roots
    assert db.session.get(AuditAnchor, 1).document == text
    code, output = cli(app, "audit", "verify")
    assert code == 0, output
    assert "Every row anchored by anchor #1" in output and "BROKEN" not in output

    # work goes on: a second decision issued after the anchor is in the window (chains
    # only) until the next anchor, which names the first and adds only what moved
    second = issue(world, waiting)
    code, output = cli(app, "audit", "verify")
    assert code == 0, output
    output = anchored(app)
    assert "Anchor #2" in output
    later = json.loads(anchor_store.read("anchor-00000002.json"))
    assert later["prev_root"] == document["root"]
    assert later["kinds"]["award"]["leaves"] == 2
    leaves = set(db.session.execute(sa.select(AuditAnchorLeaf.kind, AuditAnchorLeaf.key)
                                    .where(AuditAnchorLeaf.anchor_id == 2)).all())
    assert ("decision", second.id) in leaves and ("award", 2) in leaves
    assert ("verdict", dossier.nominees[0].id) not in leaves  # unchanged: not written again
    assert ("campaign", campaign.id) not in leaves
    code, output = cli(app, "audit", "verify")
    assert code == 0, output
    assert "anchor #2" in output


@pytest.mark.storage
def test_the_last_event_deleted_and_the_head_moved_back_is_caught(app, issued, anchor_store):
    """Item 14, first case: the chain stays consistent (its new last event is the item's
    head), so the chains alone see nothing; the anchor does."""
    dossier_id = issued[1].id
    anchored(app)
    *_, before, last = _events("dossier", dossier_id)
    last_id, last_hash, before_id, before_hash = (last.id, last.record_sha256, before.id,
                                                  before.record_sha256)
    db.session.execute(sa.text("DELETE FROM outbox WHERE event_id = :id"), {"id": last_id})
    db.session.execute(sa.text("DELETE FROM workflow_events WHERE id = :id"), {"id": last_id})
    db.session.execute(sa.text("UPDATE dossiers SET audit_head = :h WHERE id = :id"),
                       {"h": before_hash, "id": dossier_id})
    db.session.commit()
    assert audit_chain.verify().intact  # the chains alone: blind to it
    lines = broken(app)
    assert (f"BROKEN dossier {dossier_id} at event/entry {last_id}: bản ghi {last_id} (cuối "
            f"chuỗi khi lập mốc #1) không còn; chuỗi nay dừng ở {before_id}: bản ghi cuối đã "
            f"bị xóa và đầu chuỗi bị dời lại; expected {last_hash}, found {before_hash}"
            ) in lines
    assert any(line.startswith("BROKEN workflow_events at workflow_events ≤") for line in lines)


@pytest.mark.storage
def test_a_whole_chain_deleted_with_its_head_cleared_is_caught(app, issued, anchor_store):
    decision = issued[3]
    anchored(app)
    events = _events("decision", decision.id)
    count, last_id, last_hash = len(events), events[-1].id, events[-1].record_sha256
    ids = [e.id for e in events]
    db.session.execute(sa.delete(audit_chain.db.Model.metadata.tables["outbox"])
                       .where(sa.column("event_id").in_(ids)))
    db.session.execute(sa.delete(WorkflowEvent).where(WorkflowEvent.id.in_(ids)))
    db.session.execute(sa.text("UPDATE decisions SET audit_head = NULL WHERE id = :id"),
                       {"id": decision.id})
    db.session.commit()
    assert audit_chain.verify().intact
    assert (f"BROKEN decision {decision.id} at event/entry {last_id}: cả chuỗi đã bị xóa: mốc "
            f"#1 ghi {count} bản ghi, đến bản ghi {last_id}; expected {last_hash}, found None"
            ) in broken(app)


@pytest.mark.storage
def test_a_registers_last_number_removed_with_its_head_moved_back_is_caught(app, issued,
                                                                           anchor_store):
    anchored(app)
    first, last = db.session.scalars(sa.select(RegisterEntry).join(NumberRegister).where(
        NumberRegister.doc_type == "QĐ").order_by(RegisterEntry.id)).all()
    register_id, last_id = last.register_id, last.id
    db.session.execute(sa.text("DELETE FROM register_entries WHERE id = :id"), {"id": last_id})
    db.session.execute(sa.text("UPDATE number_registers SET head_sha256 = :h WHERE id = :id"),
                       {"h": first.entry_sha256, "id": register_id})
    db.session.commit()
    assert audit_chain.verify().intact
    assert any(line.startswith(f"BROKEN register {register_id} at event/entry {last_id}: bản "
                               f"ghi {last_id} (cuối chuỗi khi lập mốc #1) không còn")
               for line in broken(app))


@pytest.mark.storage
@pytest.mark.parametrize("column,value", [("name", "Người khác"), ("decision_number",
                                                                    "99/QĐ-UBND"),
                                          ("money", 1)])
def test_an_award_record_edited_is_caught(app, issued, anchor_store, column, value):
    anchored(app)
    record = _first(AwardRecord)
    record_id = record.id
    before = audit_anchor.row_digest(audit_anchor.AWARD_FIELDS, _mapping(record,
                                                                        audit_anchor.AWARD_FIELDS))
    db.session.execute(sa.text(f"UPDATE award_records SET {column} = :v WHERE id = :id"),
                       {"v": value, "id": record_id})
    db.session.commit()
    db.session.expire_all()
    after = audit_anchor.row_digest(audit_anchor.AWARD_FIELDS,
                                    _mapping(db.session.get(AwardRecord, record_id),
                                             audit_anchor.AWARD_FIELDS))
    assert broken(app) == [f"BROKEN award record {record_id} at award_records {record_id}: "
                           f"đã bị sửa sau mốc #1; expected {before}, found {after}"]


def _mapping(obj, fields):
    return {name: getattr(obj, name) for name in fields}


@pytest.mark.storage
def test_an_award_record_deleted_is_caught(app, issued, anchor_store):
    anchored(app)
    record_id = _first(AwardRecord).id
    db.session.execute(sa.text("DELETE FROM award_records WHERE id = :id"), {"id": record_id})
    db.session.commit()
    lines = broken(app)
    assert lines[0].startswith(f"BROKEN award record {record_id} at award_records {record_id}: "
                               "đã bị xóa sau mốc #1")
    assert lines[1].startswith("BROKEN award_records at award_records ≤")


@pytest.mark.storage
def test_a_verdict_edited_is_caught(app, issued, anchor_store):
    dossier = issued[1]
    anchored(app)
    nominee = _first(Nominee, Nominee.dossier_id == dossier.id, Nominee.verdict == "accepted")
    nominee_id = nominee.id
    # the Board's verdict turned, and the dossier put back in appraisal to look legitimate
    db.session.execute(sa.text("UPDATE nominees SET verdict = 'declined', verdict_reason = "
                               "'Không đủ điều kiện' WHERE id = :id"), {"id": nominee_id})
    db.session.execute(sa.text("UPDATE dossiers SET state = 'in_appraisal' WHERE id = :id"),
                       {"id": dossier.id})
    db.session.commit()
    lines = broken(app)
    assert len(lines) == 1
    assert lines[0].startswith(f"BROKEN verdict of nominee {nominee_id} at nominees {nominee_id}: "
                               "đã bị sửa sau mốc #1; expected ")


@pytest.mark.storage
def test_a_nominee_slipped_into_an_appraised_dossier_is_caught(app, issued, anchor_store):
    dossier = issued[1]
    anchored(app)
    nominee = dossier.nominees[0]
    db.session.execute(sa.insert(Nominee).values(
        dossier_id=dossier.id, campaign_id=dossier.campaign_id, kind="individual",
        name="Người thêm lén", identity_key="x", award_form_id=nominee.award_form_id,
        verdict="accepted", position=9))
    db.session.commit()
    added = db.session.scalar(sa.select(sa.func.max(Nominee.id)))
    assert [line.split(";")[0] for line in broken(app)] == [
        f"BROKEN verdict of nominee {added} at nominees {added}: bị chèn thêm trong phạm vi "
        f"mốc #1"]


@pytest.mark.storage
def test_a_kept_documents_recorded_hash_edited_is_caught(app, issued, anchor_store):
    anchored(app)
    kept = _first(StoredDocument)
    kept_id, kept_sha = kept.id, kept.sha256
    forged = "0" * 64
    # the file swapped in storage and its recorded hash made to match: downloads would pass
    db.session.execute(sa.text("UPDATE stored_documents SET sha256 = :v WHERE id = :id"),
                       {"v": forged, "id": kept_id})
    db.session.commit()
    lines = broken(app)
    assert len(lines) == 1 and lines[0].startswith(
        f"BROKEN document {kept_id} at stored_documents {kept_id}: đã bị sửa sau mốc #1")
    assert kept_sha != forged


@pytest.mark.storage
def test_an_event_edited_and_its_chain_rehashed_is_caught(app, issued, anchor_store):
    """SHA-256 has no key: someone with SQL can recompute the whole chain after an edit.
    The anchored head no longer matches."""
    dossier_id = issued[1].id
    anchored(app)
    events = _events("dossier", dossier_id)
    events[1].comment = "Viết lại"
    prev = events[0].record_sha256
    for event in events[1:]:
        event.prev_sha256 = prev
        event.record_sha256 = audit_chain.link_hash(audit_chain.EVENT_FIELDS, event, prev)
        prev = event.record_sha256
    db.session.execute(sa.text("UPDATE dossiers SET audit_head = :h WHERE id = :id"),
                       {"h": prev, "id": dossier_id})
    db.session.commit()
    assert audit_chain.verify().intact
    lines = broken(app)
    assert len(lines) == 1 and lines[0].startswith(
        f"BROKEN dossier {dossier_id} at event/entry {events[-1].id}: chuỗi đã bị viết lại so "
        f"với mốc #1")


@pytest.mark.storage
def test_anchoring_is_refused_while_the_record_is_broken(app, issued, anchor_store):
    anchored(app)
    db.session.execute(sa.text("UPDATE award_records SET name = 'X' WHERE id = :id"),
                       {"id": _first(AwardRecord).id})
    db.session.commit()
    code, output = cli(app, "audit", "anchor")
    assert code == 1
    assert "BROKEN award record" in output and "không lập mốc" in output
    assert anchor_store.names() == ["anchor-00000001.json"]
    assert db.session.scalar(sa.select(sa.func.count(AuditAnchor.id))) == 1


@pytest.mark.storage
def test_the_database_copy_of_an_anchor_edited_is_caught(app, issued, anchor_store):
    """The database's copy is not trusted: a leaf rewritten to match tampered data, or the
    anchor's text rewritten, shows against the outside copy."""
    anchored(app)
    record = _first(AwardRecord)
    record_id = record.id
    db.session.execute(sa.text("UPDATE award_records SET name = 'X' WHERE id = :id"),
                       {"id": record_id})
    db.session.commit()
    db.session.expire_all()
    forged = audit_anchor.row_digest(audit_anchor.AWARD_FIELDS, _mapping(
        db.session.get(AwardRecord, record_id), audit_anchor.AWARD_FIELDS))
    db.session.execute(sa.update(AuditAnchorLeaf).where(
        AuditAnchorLeaf.kind == "award", AuditAnchorLeaf.key == record_id).values(digest=forged))
    db.session.execute(sa.update(AuditAnchor).values(document="{}"))
    db.session.commit()
    lines = broken(app)
    assert lines[0].startswith("BROKEN anchor #1 at head: bản sao mốc trong cơ sở dữ liệu khác "
                               "bản ở nơi lưu ngoài (đã bị sửa)")
    assert any(line.startswith("BROKEN award (anchor #1) at head: dữ liệu trong phạm vi mốc đã "
                               "bị sửa, xóa hoặc chèn") for line in lines)


@pytest.mark.storage
def test_the_database_copy_of_leaves_edited_with_the_data_intact(app, issued, anchor_store):
    anchored(app)
    db.session.execute(sa.update(AuditAnchorLeaf).where(AuditAnchorLeaf.kind == "document")
                       .values(digest="1" * 64))
    db.session.commit()
    assert [line.split(";")[0] for line in broken(app)] == [
        "BROKEN anchor #1 at head: các lá «document» của mốc trong cơ sở dữ liệu đã bị sửa "
        "(dữ liệu vẫn khớp bản ở nơi lưu ngoài)"]


@pytest.mark.storage
def test_an_anchor_added_by_sql_is_not_trusted(app, issued, anchor_store):
    """The outside copy older than the database's: an anchor only the database holds
    (written by SQL to bless tampering) is refused, and the tampering still shows."""
    anchored(app)
    anchored(app)
    record_id = _first(AwardRecord).id
    # drop the second anchor's outside copy (what an attacker with SQL alone cannot do,
    # here to stand for an outside store older than the database)
    if isinstance(anchor_store, audit_anchor.FolderStore):
        os.remove(anchor_store.path / "anchor-00000002.json")
    else:
        pytest.skip("object lock keeps the bucket's copy")
    db.session.execute(sa.text("UPDATE award_records SET name = 'X' WHERE id = :id"),
                       {"id": record_id})
    db.session.commit()
    lines = broken(app)
    assert lines[0].startswith("BROKEN anchor #2 at head: mốc có trong cơ sở dữ liệu nhưng không "
                               "có ở nơi lưu ngoài")
    assert any(line.startswith(f"BROKEN award record {record_id}") for line in lines)


@pytest.mark.storage
def test_an_outside_anchor_newer_than_the_database_is_checked_and_copied_back(app, world, issued,
                                                                             anchor_store):
    """The database restored from a backup taken before the last anchor (or its anchor rows
    deleted): verify checks the rows against the outside copy, and the next anchor copies
    it back before adding its own."""
    anchored(app)
    db.session.execute(sa.delete(AuditAnchorLeaf))
    db.session.execute(sa.delete(AuditAnchor))
    db.session.commit()
    code, output = cli(app, "audit", "verify")
    assert code == 0, output
    assert "Note: anchor #1" in output and "kept outside but not in the database" in output
    output = anchored(app)
    assert "Anchor #1 was kept outside but not in the database: copied back." in output
    assert "Anchor #2 written" in output
    assert db.session.get(AuditAnchor, 1).document == anchor_store.read(
        "anchor-00000001.json").decode()
    code, output = cli(app, "audit", "verify")
    assert code == 0, output
    # and rows lost with the restore (the database older than the anchor) are named
    record_id = _first(AwardRecord).id
    db.session.execute(sa.text("DELETE FROM award_records WHERE id = :id"), {"id": record_id})
    db.session.execute(sa.delete(AuditAnchorLeaf).where(AuditAnchorLeaf.anchor_id == 2))
    db.session.execute(sa.delete(AuditAnchor).where(AuditAnchor.id == 2))
    db.session.commit()
    lines = broken(app)
    assert any(line.startswith(f"BROKEN award record {record_id} at award_records {record_id}: "
                               "đã bị xóa sau mốc #2") for line in lines)


@pytest.mark.storage
def test_an_outside_anchor_edited_breaks_the_chain_of_anchors(app, issued, anchor_store):
    if not isinstance(anchor_store, audit_anchor.FolderStore):
        pytest.skip("object lock keeps the bucket's copy")
    anchored(app)
    path = anchor_store.path / "anchor-00000001.json"
    document = json.loads(path.read_text())
    document["kinds"]["award"]["root"] = "2" * 64
    os.chmod(path, 0o644)
    path.write_text(json.dumps(document))
    lines = broken(app)
    assert lines[0].startswith("BROKEN anchor #1 at anchor-00000001.json: mốc ở nơi lưu ngoài "
                               "không hợp lệ: gốc của mốc không khớp nội dung (tệp bị sửa)")


def test_anchors_are_written_once_and_read_only(tmp_path):
    folder = audit_anchor.FolderStore(tmp_path / "anchors")
    folder.write_once("anchor-00000001.json", b"{}")
    assert (os.stat(folder.path / "anchor-00000001.json").st_mode & 0o777) == 0o444
    with pytest.raises(FileExistsError):
        folder.write_once("anchor-00000001.json", b"{ }")
    assert folder.read("anchor-00000001.json") == b"{}"


def test_a_locked_bucket_keeps_each_anchor_under_object_lock(app, world, issued, s3_server):
    from app.services.storage_backends import S3Backend
    from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY

    bucket = locked_bucket(s3_server)
    store = audit_anchor.BucketStore(
        S3Backend(bucket, "anchors", endpoint_url=s3_server.endpoint, region=REGION,
                  access_key=ACCESS_KEY, secret_key=SECRET_KEY), 30, "COMPLIANCE")
    assert store.locked()
    store.write_once("anchor-00000001.json", b"{}")
    head = s3_server.client().head_object(Bucket=bucket, Key="anchors/anchor-00000001.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(FileExistsError):
        store.write_once("anchor-00000001.json", b"{ }")
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        s3_server.client().delete_object(Bucket=bucket, Key="anchors/anchor-00000001.json",
                                         VersionId=head["VersionId"])
    assert store.read("anchor-00000001.json") == b"{}"


def _tree_hash(leaves):
    """RFC 6962's definition, recursive."""
    import hashlib

    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _tree_hash(leaves[:k]) + _tree_hash(leaves[k:])).digest()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 33])
def test_the_streamed_merkle_root_is_rfc_6962s(n):
    leaves = [audit_anchor.leaf_hash("award", i, (None, None, f"{i:064x}")) for i in range(n)]
    tree = audit_anchor.Merkle()
    for leaf in leaves:
        tree.add(leaf)
    assert tree.root() == _tree_hash(leaves).hex()


def test_the_canonical_forms_name_the_columns_they_cover():
    """A new column of award_records must be decided on; the verdicts are settled in the
    states named (no verdict edit there, no step back to appraisal)."""
    from workflows.dossier import DOSSIER

    assert set(audit_anchor.AWARD_FIELDS) == (
        {c.key for c in AwardRecord.__table__.columns} - set(audit_anchor.AWARD_LATER_FIELDS))
    assert set(audit_anchor.DOCUMENT_FIELDS) == (
        {c.key for c in StoredDocument.__table__.columns} - {"superseded_at", "content"})
    assert not audit_anchor.VERDICTS_SETTLED & DOSSIER.edits["verdicts"].states
    for step in DOSSIER.steps:
        if set(step.source) & audit_anchor.VERDICTS_SETTLED:
            assert step.dest in audit_anchor.VERDICTS_SETTLED, step.trigger


# -- time stamps by an RFC 3161 authority ------------------------------------------------------


@pytest.fixture
def tsa(app, tmp_path):
    from tests.tsa import TSAServer

    before = {k: app.config.get(k) for k in ("AUDIT_TSA_URL", "AUDIT_TSA_CA_FILE")}
    with TSAServer(tmp_path / "tsa") as server:
        app.config.update(AUDIT_TSA_URL=server.url, AUDIT_TSA_CA_FILE=str(server.ca))
        yield server
    app.config.update(before)


@pytest.mark.storage
def test_each_anchor_is_stamped_by_the_tsa_and_checked(app, issued, anchor_store, tsa,
                                                       tmp_path):
    output = anchored(app)
    assert "stamped by the TSA" in output and tsa.requests == 1
    assert anchor_store.names() == ["anchor-00000001.json", "anchor-00000001.tsr"]
    token = anchor_store.read("anchor-00000001.tsr")
    assert db.session.get(AuditAnchor, 1).tsa_token == token
    # openssl, on its own, finds the token stamps exactly the anchor's bytes
    (tmp_path / "a.json").write_bytes(anchor_store.read("anchor-00000001.json"))
    (tmp_path / "a.tsr").write_bytes(token)
    import subprocess

    checked = subprocess.run(["openssl", "ts", "-verify", "-data", "a.json", "-in", "a.tsr",
                              "-CAfile", str(tsa.ca)], cwd=tmp_path, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    code, output = cli(app, "audit", "verify")
    assert code == 0, output
    assert ", stamped by the TSA at " in output and " GMT, kept at" in output


@pytest.mark.storage
def test_a_token_for_other_bytes_or_from_another_authority_is_a_break(app, issued, anchor_store,
                                                                      tsa, tmp_path):
    if not isinstance(anchor_store, audit_anchor.FolderStore):
        pytest.skip("object lock keeps the bucket's copy")
    anchored(app)
    anchored(app)
    # anchor 2's token put on anchor 1: a real token, of other bytes
    one = anchor_store.path / "anchor-00000001.tsr"
    os.chmod(one, 0o644)
    one.write_bytes(anchor_store.read("anchor-00000002.tsr"))
    lines = broken(app)
    assert lines[0].startswith("BROKEN anchor #1 at anchor-00000001.tsr: dấu thời gian của mốc "
                               "không khớp nội dung hoặc không do TSA tin cậy cấp")
    # a token of the right bytes from an authority the configuration does not trust
    from tests.tsa import TSAServer

    with TSAServer(tmp_path / "other") as other:
        app.config["AUDIT_TSA_URL"] = other.url
        app.config["AUDIT_TSA_CA_FILE"] = str(other.ca)
        forged = audit_anchor.stamp(anchor_store.read("anchor-00000001.json"))
    app.config.update(AUDIT_TSA_URL=tsa.url, AUDIT_TSA_CA_FILE=str(tsa.ca))
    one.write_bytes(forged)
    assert broken(app)[0].startswith("BROKEN anchor #1 at anchor-00000001.tsr: dấu thời gian")


@pytest.mark.storage
def test_no_anchor_is_made_when_the_tsa_does_not_answer(app, issued, anchor_store, tsa):
    app.config["AUDIT_TSA_URL"] = "http://127.0.0.1:9/tsa"  # nothing listens there
    code, output = cli(app, "audit", "anchor")
    assert code == 2 and "Máy chủ đóng dấu thời gian không trả lời" in output
    assert anchor_store.names() == []
    assert db.session.scalar(sa.select(sa.func.count(AuditAnchor.id))) == 0


@pytest.mark.storage
def test_verify_reads_in_pages_whatever_the_number_of_rows(app, issued, anchor_store,
                                                           monkeypatch):
    """No statement per row: the statements of a verify against an anchor stay the same
    when the rows double (pages of PAGE rows; here PAGE is large, so one page each)."""
    from sqlalchemy import event

    def statements():
        seen = []

        def count(conn, cursor, statement, *_):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            db.session.expire_all()
            assert audit_anchor.verify().intact
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    anchored(app)
    before = statements()
    # twice the award records (as an import of earlier awards adds them), anchored
    rows = db.session.scalars(sa.select(AwardRecord)).all()
    for record in rows:
        copy = {c.key: getattr(record, c.key) for c in AwardRecord.__table__.columns
                if c.key not in ("id", "nominee_id")}
        db.session.add(AwardRecord(**copy))
    db.session.commit()
    anchored(app)
    assert statements() == before
    # the pages are real: with pages of one row, the same rows take more statements
    monkeypatch.setattr(audit_chain, "PAGE", 1)
    assert statements() > before


def test_an_anchor_store_that_cannot_be_read_is_a_break(app, issued, s3_server):
    from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY

    before = dict(app.config)
    app.config.update(AUDIT_ANCHOR_URL="s3://no-such-bucket/anchors",
                      STORAGE_S3_ENDPOINT_URL=s3_server.endpoint, STORAGE_S3_REGION=REGION,
                      STORAGE_S3_ACCESS_KEY_ID=ACCESS_KEY, STORAGE_S3_SECRET_ACCESS_KEY=SECRET_KEY)
    try:
        lines = broken(app)
        assert lines[0].startswith("BROKEN anchors at head: không đọc được nơi lưu mốc ngoài "
                                   "(s3://no-such-bucket/anchors at http://")
        assert "NoSuchBucket" in lines[0]
    finally:
        app.config.clear()
        app.config.update(before)


@pytest.mark.storage
def test_many_rows_edited_are_named_up_to_a_limit_then_counted(app, issued, anchor_store,
                                                               monkeypatch):
    monkeypatch.setattr(audit_anchor, "NAMED", 1)
    anchored(app)
    db.session.execute(sa.text("UPDATE award_records SET name = 'X'"))
    db.session.commit()
    first = _first(AwardRecord).id
    lines = broken(app)
    assert lines[0].startswith(f"BROKEN award record {first} at award_records {first}: đã bị "
                               "sửa sau mốc #1")
    assert lines[1].startswith("BROKEN award (anchor #1) at head: và 1 bản ghi khác không khớp "
                               "mốc (chỉ nêu 1 bản ghi đầu)")
    assert len(lines) == 2
