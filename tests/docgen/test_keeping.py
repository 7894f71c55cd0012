"""Final documents are kept at the step that makes them final and served byte for byte;
drafts are made on demand and never kept. Through the API."""
import hashlib
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Decision, Plan, StoredDocument
from app.services import outbox, workflow
from tests import helpers
from tests.docgen.support import open_docx, scenario, signed_plan, texts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def stored(kind, item_id, name=None):
    query = sa.select(StoredDocument).where(StoredDocument.item_type == kind,
                                            StoredDocument.item_id == item_id)
    if name:
        query = query.where(StoredDocument.name == name)
    return db.session.scalars(query.order_by(StoredDocument.id)).all()


def listing(client, kind, item_id):
    response = client.get(f"/api/v1/{kind}s/{item_id}/documents")
    assert response.status_code == 200, response.get_json()
    return {d["name"]: d for d in response.get_json()}


def download(client, kind, item_id, name):
    response = client.get(f"/api/v1/{kind}s/{item_id}/documents/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == DOCX
    return response


def disposition_name(response):
    """The file name from Content-Disposition, as RFC 6266/5987 say a client reads it."""
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # a header that cannot go on the wire as is would break servers
    assert header.startswith("attachment;")
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert match, header
    return unquote(match.group(1), encoding="utf-8", errors="strict")


def event_hash(client, kind, item_id, trigger):
    events = client.get(f"/api/v1/{kind}s/{item_id}/history").get_json()
    hashes = [e["content_sha256"] for e in events if e["trigger"] == trigger]
    assert len(hashes) == 1, events
    return hashes[0]


def test_finals_are_kept_hashed_and_served_byte_for_byte(world, api):
    s = scenario(world)
    decision, clerk, appraiser = s.decision, api("clerk"), api("appraiser")

    docs = listing(clerk, "decision", decision.id)
    assert list(docs) == ["proposal", "decision", "certificates"]
    for d in docs.values():
        assert d["final"] is True and re.fullmatch(r"[0-9a-f]{64}", d["sha256"]) and d["size"] > 0
    assert docs["decision"]["filename"] == "Quyết định 01-QĐ-UBND khen thưởng.docx"
    assert docs["proposal"]["filename"] == "Tờ trình 01-TTr-SNV đề nghị khen thưởng.docx"
    assert docs["certificates"]["filename"] == "Bằng khen kèm Quyết định 01-QĐ-UBND.docx"

    first = download(clerk, "decision", decision.id, "decision")
    second = download(clerk, "decision", decision.id, "decision")
    assert first.data == second.data
    sha = hashlib.sha256(first.data).hexdigest()
    assert sha == docs["decision"]["sha256"] == first.headers["X-Content-SHA256"]
    assert first.headers["ETag"] == f'"{sha}"'
    assert sha == event_hash(clerk, "decision", decision.id, "issue")
    assert docs["decision"]["size"] == len(first.data)
    assert disposition_name(first) == "Quyết định 01-QĐ-UBND khen thưởng.docx"
    assert "Số: 01/QĐ-UBND" in texts(open_docx(first.data))

    proposal = download(clerk, "decision", decision.id, "proposal")
    assert hashlib.sha256(proposal.data).hexdigest() == docs["proposal"]["sha256"] == event_hash(
        clerk, "decision", decision.id, "sign_proposal")
    assert disposition_name(proposal) == "Tờ trình 01-TTr-SNV đề nghị khen thưởng.docx"
    certificates = download(clerk, "decision", decision.id, "certificates")
    assert hashlib.sha256(certificates.data).hexdigest() == docs["certificates"]["sha256"]

    # the kept bytes on disk are exactly what was hashed
    row = stored("decision", decision.id, "decision")[0]
    on_disk = Path(current_app.config["UPLOAD_FOLDER"], row.storage_key).read_bytes()
    assert on_disk == first.data and row.sha256 == sha

    plan_docs = listing(appraiser, "plan", s.plan.id)
    plan_file = download(appraiser, "plan", s.plan.id, "plan")
    assert hashlib.sha256(plan_file.data).hexdigest() == plan_docs["plan"]["sha256"] == event_hash(
        appraiser, "plan", s.plan.id, "sign_off")
    assert disposition_name(plan_file) == "Kế hoạch hưởng ứng 01-KH-SYT - Sở Y tế.docx"

    dossier_docs = listing(appraiser, "dossier", s.syt.id)
    assert [d["final"] for d in dossier_docs.values()] == [True, True]
    assert dossier_docs["proposal"]["sha256"] == event_hash(appraiser, "dossier", s.syt.id,
                                                            "sign_off")
    minutes = download(appraiser, "dossier", s.syt.id, "minutes")
    assert hashlib.sha256(minutes.data).hexdigest() == dossier_docs["minutes"]["sha256"]
    assert disposition_name(minutes) == "Biên bản họp Hội đồng Thi đua - Khen thưởng - Sở Y tế.docx"

    launch = listing(appraiser, "campaign", s.campaign.id)["launch"]
    assert launch["final"] and launch["sha256"] == event_hash(appraiser, "campaign", s.campaign.id,
                                                              "launch")

    # an awardee unit sees the issued decision; it is the same file
    assert download(api("staff_b"), "decision", decision.id, "decision").data == first.data


def test_drafts_are_made_on_demand_and_never_kept(world, api):
    s = scenario(world, until="approved")
    decision, clerk = s.decision, api("clerk")
    docs = listing(clerk, "decision", decision.id)
    assert docs["proposal"]["final"] is True  # signed by the Board already
    for name in ("decision", "certificates"):
        assert docs[name]["final"] is False
        assert docs[name]["sha256"] is None and docs[name]["size"] is None
        assert docs[name]["filename"].startswith("Dự thảo - ")
    rows_before = len(stored("decision", decision.id))
    assert rows_before == 1  # the proposal only
    for _ in range(2):
        response = download(clerk, "decision", decision.id, "decision")
        assert "X-Content-SHA256" not in response.headers and "ETag" not in response.headers
        assert disposition_name(response) == "Dự thảo - Quyết định khen thưởng.docx"
        doc = open_docx(response.data)
        assert doc.core_properties.title.startswith("DỰ THẢO")
        assert "Số:        /QĐ-UBND" in texts(doc)
    db.session.expire_all()
    assert len(stored("decision", decision.id)) == rows_before
    assert db.session.get(Decision, decision.id).number is None

    # unknown document: a JSON 404; a plan has no "decision"
    for url in (f"/api/v1/decisions/{decision.id}/documents/bang-khen",
                f"/api/v1/plans/{s.plan.id}/documents/decision"):
        response = api("appraiser").get(url)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "no_such_document"
    response = clerk.get("/api/v1/decisions/999999/documents/decision")
    assert response.status_code == 404 and response.get_json()["error"]["code"]

    # another unit's user: its papers do not exist for them
    other = api("staff_b")
    for url in (f"/api/v1/plans/{s.plan.id}/documents", f"/api/v1/plans/{s.plan.id}/documents/plan",
                f"/api/v1/dossiers/{s.syt.id}/documents/minutes",
                f"/api/v1/dossiers/{s.syt.id}/documents"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "error" in response.get_json()
    # …and an unissued decision is nobody's business outside the province's offices
    assert other.get(f"/api/v1/decisions/{decision.id}/documents/decision").status_code == 404
    assert api("staff_a").get(f"/api/v1/plans/{s.plan.id}/documents/plan").status_code == 200


def test_a_plan_signed_again_gets_a_new_number_and_paper(world, api):
    campaign = helpers.make_campaign(world)
    plan = signed_plan(world, campaign)
    first = stored("plan", plan.id)
    assert len(first) == 1 and first[0].superseded_at is None and plan.number == 1
    old_path = Path(current_app.config["UPLOAD_FOLDER"], first[0].storage_key)

    appraiser, staff, head = api("appraiser"), api("staff_a"), api("head_a")
    assert appraiser.fire("plan", plan.id, "start_appraisal").status_code == 200
    assert appraiser.fire("plan", plan.id, "return_to_unit",
                          comment="Bổ sung chỉ tiêu.").status_code == 200
    # returned: the paper is a draft again (no number) until the head signs anew
    docs = listing(staff, "plan", plan.id)
    assert docs["plan"]["final"] is False and docs["plan"]["sha256"] is None
    assert "Số:        /KH-SYT" in texts(open_docx(download(staff, "plan", plan.id, "plan").data))
    assert staff.fire("plan", plan.id, "submit").status_code == 200
    assert head.fire("plan", plan.id, "sign_off").status_code == 200

    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.number == 2 and plan.symbol == "KH-SYT"
    rows = stored("plan", plan.id)
    assert len(rows) == 2
    old, new = rows
    assert old.superseded_at is not None and new.superseded_at is None
    assert old.sha256 != new.sha256 and old.storage_key != new.storage_key
    assert old_path.exists()  # the superseded paper is kept
    docs = listing(staff, "plan", plan.id)
    assert docs["plan"]["final"] and docs["plan"]["sha256"] == new.sha256
    response = download(staff, "plan", plan.id, "plan")
    assert hashlib.sha256(response.data).hexdigest() == new.sha256
    assert "Số: 02/KH-SYT" in texts(open_docx(response.data))
    assert disposition_name(response) == "Kế hoạch hưởng ứng 02-KH-SYT - Sở Y tế.docx"
    events = staff.get(f"/api/v1/plans/{plan.id}/history").get_json()
    assert [e["content_sha256"] for e in events if e["trigger"] == "sign_off"] == [
        old.sha256, new.sha256]


def test_a_failed_step_leaves_no_row_and_no_file(world, monkeypatch):
    s = scenario(world, until="approved")
    decision = s.decision
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "documents"
    files_before = set(folder.iterdir())
    rows_before = db.session.scalar(sa.select(sa.func.count(StoredDocument.id)))
    original = outbox.tell
    calls = []

    def enqueue_then_fail(process, item, event, step, actor=None):
        original(process, item, event, step, actor=actor)
        if process.name == "decision":  # the issue step's own event: after its effect kept the papers
            calls.append(event.trigger)
            raise RuntimeError("mail outbox unavailable")

    monkeypatch.setattr(outbox, "tell", enqueue_then_fail)
    db.session.refresh(decision)
    with pytest.raises(RuntimeError, match="outbox"):
        workflow.perform("decision", decision.id, world.users["clerk"], "issue",
                         version=decision.version)
    assert calls == ["issue"]  # the failure came after the documents were written
    assert set(folder.iterdir()) == files_before
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(StoredDocument.id))) == rows_before
    assert not stored("decision", decision.id, "decision")
    assert not stored("decision", decision.id, "certificates")
    decision = db.session.get(Decision, decision.id)
    assert decision.state == "approved" and decision.number is None

    # the same step, once the outbox works again, keeps its papers
    monkeypatch.setattr(outbox, "tell", original)
    helpers.fire(world, "decision", decision, "clerk", "issue")
    assert decision.number == 1
    kept = set(folder.iterdir()) - files_before
    # each paper's DOCX, and beside it the content it was rendered from (its preview)
    assert sorted(p.suffix for p in kept) == [".docx", ".docx", ".json", ".json"]
    assert {p.with_suffix(".json") for p in kept if p.suffix == ".docx"} == {
        p for p in kept if p.suffix == ".json"}
    assert len(stored("decision", decision.id)) == 3
