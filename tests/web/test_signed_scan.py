"""Issue 11: the Office attaches the signed scan (PDF) from the decision's page
(templates/work/decision.html → registers.signed_scan), and it is listed and downloadable
there beside the generated DOCX."""
import hashlib
import io
import re

import pytest

from app.extensions import db
from app.models import Decision, WorkflowEvent
from app.services import decisions, storage
from app.services.errors import Conflict, Forbidden, Invalid
from tests import helpers
from tests.docgen.support import SYT_NOMINEES, appraised, approve, new_decision
from tests.web.test_views import csrf_of, login
from workflows import DECISION


def _approved(world, campaign):
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    return approve(world, new_decision(world, campaign, [dossier.nominees[0].id]))


def _send(client, decision, page, body, filename):
    """The page's form sent, with the version the page was drawn at."""
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(f"/decisions/{decision.id}/signed-scan", data={
        "csrf_token": csrf_of(page), "version": version,
        "file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.storage
def test_the_office_attaches_the_signed_scan_on_the_page_and_it_downloads(client, world,
                                                                         campaign):
    decision = _approved(world, campaign)
    url = f"/decisions/{decision.id}"

    login(client, "appraiser")  # the Board sees the decision, not the Office's form
    page = client.get(url).get_data(as_text=True)
    assert "signed-scan" not in page
    assert client.post(f"{url}/signed-scan", data={
        "csrf_token": csrf_of(page), "file": (io.BytesIO(helpers.PDF), "scan.pdf")},
        content_type="multipart/form-data").status_code == 403

    login(client, "clerk")
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/signed-scan"' in page and 'id="signed-scan"' in page
    assert "gửi kèm thư khi ban hành" in page  # before issue it goes with the mail

    refused = _send(client, decision, page, b"PK\x03\x04not a pdf", "scan.docx")
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "alert-danger" in html and "Đã lưu bản chụp" not in html
    missing = client.post(f"{url}/signed-scan", data={"csrf_token": csrf_of(page)},
                          follow_redirects=True).get_data(as_text=True)
    assert "Chọn tệp PDF bản chụp quyết định đã ký." in missing

    done = _send(client, decision, page, helpers.PDF, "Quyết định đã ký.pdf")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Đã lưu bản chụp quyết định đã ký." in html
    link = re.search(rf'href="(/api/v1/decisions/{decision.id}/documents/decision_signed)"',
                     html)
    assert link, "the scan is listed among the decision's papers"
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.data == helpers.PDF
    assert got.headers["Content-Type"] == "application/pdf"
    history = client.get(f"{url}/history").get_data(as_text=True)
    assert hashlib.sha256(helpers.PDF).hexdigest() in history

    stale = _send(client, decision, page, helpers.PDF, "scan.pdf")
    assert stale.status_code == 409  # the page was drawn before the scan was kept
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == "approved"


SCAN_2 = helpers.PDF.replace(b"%%EOF", b"% corrected copy\n%%EOF")


@pytest.mark.storage
def test_an_issued_decisions_scan_is_replaced_only_by_a_recorded_correction(client, world,
                                                                          campaign, api):
    """Issue 20, item 2: after issue the plain upload is gone; a correction needs a reason,
    keeps the old file (listed, downloadable) and writes a history row with both hashes."""
    assert SCAN_2 != helpers.PDF
    decision = _approved(world, campaign)
    url = f"/decisions/{decision.id}"
    login(client, "clerk")
    page = client.get(url).get_data(as_text=True)
    assert _send(client, decision, page, helpers.PDF, "Bản chụp.pdf").status_code == 200
    helpers.fire(world, "decision", decision, "clerk", "issue")
    old_sha, new_sha = (hashlib.sha256(b).hexdigest() for b in (helpers.PDF, SCAN_2))

    page = client.get(url).get_data(as_text=True)
    assert 'id="signed-scan"' not in page and "Lưu bản chụp" not in page
    assert f'action="{url}/signed-scan/correction"' in page
    question = DECISION.edits["scan_correction"].confirm
    assert f'data-confirm="{question}"' in page
    # the plain upload is refused after issue (a page drawn before it, or the API)
    plain = _send(client, decision, page, SCAN_2, "khác.pdf")
    assert plain.status_code == 409
    r = api("clerk").post(f"/api/v1/decisions/{decision.id}/signed-scan",
                          data={"file": (io.BytesIO(SCAN_2), "khác.pdf")},
                          content_type="multipart/form-data")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_state"

    def correct(body, reason, page):
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        return client.post(f"{url}/signed-scan/correction", data={
            "csrf_token": csrf_of(page), "version": version, "reason": reason,
            "file": (io.BytesIO(body), "Bản chụp đúng.pdf")},
            content_type="multipart/form-data", follow_redirects=True)

    refused = correct(SCAN_2, "  ", page).get_data(as_text=True)
    assert "Cần ghi lý do thay bản chụp quyết định đã ký." in refused
    db.session.expire_all()
    assert db.session.scalars(db.select(WorkflowEvent).where(
        WorkflowEvent.trigger == "scan_correction")).all() == []
    kept = decisions.signed_scans(db.session.get(Decision, decision.id))
    assert [(k.sha256, k.superseded_at) for k in kept] == [(old_sha, None)]

    done = correct(SCAN_2, "Bản chụp trước thiếu trang 2", page)
    html = done.get_data(as_text=True)
    assert "Đã thay bản chụp quyết định đã ký; bản cũ vẫn được lưu trong lịch sử." in html
    db.session.expire_all()
    decision = db.session.get(Decision, decision.id)
    old, new = decisions.signed_scans(decision)
    assert (old.sha256, new.sha256) == (old_sha, new_sha)
    assert old.superseded_at is not None and new.superseded_at is None
    assert storage.read(old.storage_key) == helpers.PDF  # the old file is kept, not deleted
    [event] = db.session.scalars(db.select(WorkflowEvent).where(
        WorkflowEvent.item_id == decision.id, WorkflowEvent.trigger == "scan_correction")).all()
    assert event.actor_id == world.users["clerk"].id and event.role == "office_clerk"
    assert event.comment == "Bản chụp trước thiếu trang 2"
    assert (event.from_state, event.to_state) == ("issued", "issued")
    assert event.snapshot["signed_scan"]["replaced"]["sha256"] == old_sha
    assert event.snapshot["signed_scan"]["now"]["sha256"] == new_sha
    assert decision.audit_head == event.record_sha256  # in the item's audit chain
    # the page and its history: both files, both hashes, who and why
    for shown in (html, client.get(f"{url}/history").get_data(as_text=True)):
        assert "Thay bản chụp đã ký" in shown and "Bản chụp trước thiếu trang 2" in shown
        assert old_sha in shown and new_sha in shown
    assert "Bản hiện hành" in html and "Đã bị thay lúc" in html
    # the current scan is the new one; the old one downloads by its hash
    assert client.get(f"/api/v1/decisions/{decision.id}/documents/decision_signed").data == SCAN_2
    for sha, body in ((old_sha, helpers.PDF), (new_sha, SCAN_2)):
        link = f"/api/v1/decisions/{decision.id}/signed-scans/{sha}"
        assert f'href="{link}"' in html
        got = client.get(link)
        assert got.status_code == 200 and got.data == body
        assert got.headers["Content-Type"] == "application/pdf"
        # whoever may download the decision's documents: its unit's staff, not another's
        login(client, "staff_a")
        assert client.get(link).data == body
        login(client, "staff_b")
        assert client.get(link).status_code == 404
        login(client, "clerk")
    assert client.get(f"/api/v1/decisions/{decision.id}/signed-scans/{'0' * 64}"
                      ).status_code == 404
    # the API's correction: a reason required, the same record
    r = api("clerk").post(f"/api/v1/decisions/{decision.id}/signed-scan/correction",
                          data={"file": (io.BytesIO(helpers.PDF), "lại.pdf")},
                          content_type="multipart/form-data")
    assert r.status_code == 422
    r = api("clerk").post(f"/api/v1/decisions/{decision.id}/signed-scan/correction",
                          data={"file": (io.BytesIO(helpers.PDF), "lại.pdf"),
                                "reason": "Trả lại bản gốc"},
                          content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["sha256"] == old_sha
    history = api("clerk").get(f"/api/v1/decisions/{decision.id}/history").get_json()
    assert [e["comment"] for e in history if e["trigger"] == "scan_correction"] == [
        "Bản chụp trước thiếu trang 2", "Trả lại bản gốc"]
    assert len(decisions.signed_scans(decision)) == 3


@pytest.mark.storage
def test_a_first_scan_after_issue_is_recorded_too_and_needs_a_reason(world, campaign):
    decision = _approved(world, campaign)
    helpers.fire(world, "decision", decision, "clerk", "issue")
    clerk = world.users["clerk"]
    with pytest.raises(Conflict):  # the plain upload is for an approved decision only
        decisions.attach_signed_scan(clerk, decision.id, io.BytesIO(helpers.PDF), "a.pdf")
    with pytest.raises(Invalid):
        decisions.correct_signed_scan(clerk, decision.id, io.BytesIO(helpers.PDF), "a.pdf", "")
    with pytest.raises(Forbidden):  # the Office's correction, no one else's
        decisions.correct_signed_scan(world.users["appraiser"], decision.id,
                                      io.BytesIO(helpers.PDF), "a.pdf", "Bổ sung")
    kept = decisions.correct_signed_scan(clerk, decision.id, io.BytesIO(helpers.PDF),
                                         "Bản chụp.pdf", "Bổ sung bản chụp sau khi ban hành")
    [event] = db.session.scalars(db.select(WorkflowEvent).where(
        WorkflowEvent.item_id == decision.id, WorkflowEvent.trigger == "scan_correction")).all()
    assert event.snapshot["signed_scan"] == {
        "replaced": None, "now": {"filename": "Bản chụp.pdf", "sha256": kept.sha256,
                                  "size": len(helpers.PDF)}}
    assert [d.sha256 for d in decisions.signed_scans(decision)] == [kept.sha256]
