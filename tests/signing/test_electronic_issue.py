"""The decision issued electronically (issue 21): the Phó Chủ tịch signs (KT.) at «Phê
duyệt», the Văn thư numbers, dates and seals at «Ban hành»; checked by poppler's pdfsig
and pyHanko's validator. One LibreOffice printing for the whole flow; the refusals and the
paper path print nothing."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from app.clock import today
from app.extensions import db
from app.models import Decision, OutboxMessage, StoredDocument, WorkflowEvent
from app.services import documents, esigning, identities, storage, workflow
from app.services.errors import Invalid
from app.services.tx import transaction
from tests import helpers
from tests.docgen.support import STRUCK, approve, scenario
from tests.esign.support import nss_trusting, pdfsig, pdfsig_trusting, pdftotext, signature_blocks
from tests.signing.support import DEPUTY, UBND_NAME, DemoSet, pyhanko_statuses
from tests.web.test_views import login


@pytest.fixture(scope="module")
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    made.holder("expired", DEPUTY, title="Phó Chủ tịch", expired=True)
    made.holder("revoked", DEPUTY, title="Phó Chủ tịch", revoked=True)
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


def register(demo, slug, username=None, unit=None):
    p12, png = demo.files[slug]
    if unit:
        return identities.register_unit(None, unit, p12_path=p12, seal_png=png.read_bytes(),
                                        passphrase_setting="SIGNING_DEMO_PASSPHRASE", seal_mm=36)
    return identities.register_user(None, username, p12_path=p12, image_png=png.read_bytes(),
                                    passphrase_setting="SIGNING_DEMO_PASSPHRASE")


def kept(decision_id):
    return {r.name: r for r in db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == "decision", StoredDocument.item_id == decision_id,
        StoredDocument.superseded_at.is_(None)))}


def issue(world, decision, **params):
    db.session.refresh(decision)
    return workflow.perform("decision", decision.id, world.users["clerk"], "issue",
                            version=decision.version, params=params)


def test_signed_at_approval_then_numbered_dated_and_sealed_at_issue(world, demo, trusted,
                                                                    tmp_path, client):
    s = scenario(world, until="drafting")
    register(demo, "deputy", "chairman")
    register(demo, "ubnd", unit="UBND")
    decision = approve(world, s.decision, strike=(STRUCK,))
    assert decision.state == "approved"
    papers = kept(decision.id)
    prepared = storage.read(papers[esigning.PREPARED].storage_key)
    approved = storage.read(papers[esigning.APPROVED].storage_key)
    # he signed exactly the bytes printed after the last strike, their hash kept first
    assert approved.startswith(prepared) and len(approved) > len(prepared)
    assert STRUCK not in pdftotext(_write(tmp_path / "prepared.pdf", prepared))
    shown = esigning.panel(decision)
    assert shown["label"] == "Đã ký số, chờ Văn thư ban hành"
    assert [(r["signer"], r["valid"]) for r in shown["signatures"]] == [(DEPUTY, True)]
    login(client, "clerk")  # the Văn thư's form: the date is today's, not typed
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Ban hành điện tử: ngày ban hành là ngày ký số của cơ quan" in page
    assert re.search(rf'name="issued_on" value="{today():%d/%m/%Y}"[^>]*readonly', page)

    # refusals change nothing: a typed date for an electronic issue ...
    decision.proposal_date = today() - timedelta(days=3)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        issue(world, decision, issued_on=(today() - timedelta(days=1)).isoformat())
    assert refused.value.code == "electronic_issue_date"
    # ... and the seal on a paper its signer has not signed (the unsigned print)
    row = db.session.get(StoredDocument, papers[esigning.APPROVED].id)
    signed_key, signed_sha = row.storage_key, row.sha256
    storage.write_new("documents/test-unsigned-copy.pdf", prepared)
    row.storage_key, row.sha256 = "documents/test-unsigned-copy.pdf", \
        papers[esigning.PREPARED].sha256
    db.session.commit()
    events = db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
    with pytest.raises(Invalid) as refused:
        issue(world, decision)
    assert refused.value.code == "signer_signature_missing"
    db.session.refresh(decision)
    assert decision.state == "approved" and decision.number is None
    assert esigning.ISSUED not in kept(decision.id)
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events
    row = db.session.get(StoredDocument, papers[esigning.APPROVED].id)
    row.storage_key, row.sha256 = signed_key, signed_sha
    db.session.commit()

    issue(world, decision, issued_on=today().isoformat())  # today's date may be confirmed
    decision = db.session.get(Decision, decision.id)
    assert decision.state == "issued" and decision.issued_on == today()
    row = kept(decision.id)[esigning.ISSUED]
    data = storage.read(row.storage_key, row.sha256)
    assert data.startswith(approved)  # one incremental update on the signer's revision
    path = _write(tmp_path / "issued.pdf", data)

    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2
    for block in blocks:
        assert "Signature is Valid." in block
        assert "ETSI.CAdES.detached" in block and "SHA-256" in block
    assert "Not total document signed" in blocks[0] and DEPUTY in blocks[0]
    # the validation data (B-LT) follows the seal in its own revision: pyHanko sees that it
    # adds nothing else (LTA_UPDATES below); pdfsig only that the seal is not the last one
    assert "Not total document signed" in blocks[1]
    assert UBND_NAME in blocks[1]
    nss = nss_trusting(demo.dir / "root.pem", tmp_path / "nss")
    trusted_blocks = signature_blocks(pdfsig_trusting(path, nss))
    assert all("Certificate is Trusted." in b for b in trusted_blocks), trusted_blocks

    first, second = pyhanko_statuses(data, demo)
    assert first.intact and first.valid and first.trusted and first.bottom_line
    assert first.modification_level == ModificationLevel.FORM_FILLING
    assert first.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert first.signing_cert.subject.native["common_name"] == DEPUTY
    assert second.bottom_line and second.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert second.modification_level == ModificationLevel.LTA_UPDATES
    assert second.signing_cert.subject.native["common_name"] == UBND_NAME

    text = " ".join(pdftotext(path).split())
    assert f"Số: {decision.number:02d}/QĐ-UBND" in text
    assert f"Lạng Sơn, ngày {today():%d} tháng {today().month} năm {today().year}" in text \
        or f"Lạng Sơn, ngày {today():%d} tháng {today():%m} năm {today().year}" in text
    assert "KT. CHỦ TỊCH" in text

    # the mail carries the DOCX (the editable draft) and the electronic original
    message = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_type == "decision", OutboxMessage.recipient_email.is_not(None))
        .order_by(OutboxMessage.id.desc())).first()
    assert [a["name"] for a in message.payload["attachments"]] == \
        ["decision", "decision_issued_pdf"]
    shown = esigning.panel(decision)
    assert shown["label"] == "Bản điện tử đã ban hành" and shown["valid"]
    assert [(r["signer"], r["organisation"] == UBND_NAME) for r in shown["signatures"]] == \
        [(DEPUTY, True), (UBND_NAME, True)]
    assert shown["sha256"] == row.sha256
    # the decision's PDF is the electronic original (never a second, unsigned printing)
    body, _name, sha = documents.fetch_pdf("decision", decision, "decision")
    with body.fileobj as fh:
        assert sha == row.sha256 and fh.read() == data
    listed = {d["name"]: d for d in documents.listing("decision", decision)}
    assert listed["decision"]["pdf_sha256"] == row.sha256

    # the decision page's panel, and the signed PDF byte for byte for those who may see it
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Chữ ký số: Bản điện tử đã ban hành" in page and page.count("Hợp lệ") == 2
    assert DEPUTY in page and row.sha256 in page
    got = client.get(f"/api/v1/decisions/{decision.id}/signed-pdfs/decision_issued_pdf")
    assert got.status_code == 200 and got.data == data


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("slug, code, words", [
    ("expired", "certificate_expired", "hết hạn"),
    ("revoked", "certificate_revoked", "bị thu hồi")])
def test_a_refused_certificate_changes_nothing(app, world, demo, trusted, slug, code, words):
    s = scenario(world, until="drafting")
    # registered while good (registration refuses it now), expired or revoked since
    identity = register(demo, "deputy", "chairman")
    lapsed = identities._from_pkcs12(demo.files[slug][0], "SIGNING_DEMO_PASSPHRASE",
                                     identities.PERSON)
    with transaction():
        identity.certificate_pem = identities._pem(lapsed.dump())
        identity.key_path = str(demo.files[slug][0].relative_to(app.instance_path))
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
    db.session.refresh(s.decision)
    version, events = s.decision.version, db.session.scalar(
        sa.select(sa.func.count(WorkflowEvent.id)))
    with pytest.raises(Invalid) as refused:
        helpers.fire(world, "decision", s.decision, "chairman", "approve")
    assert refused.value.code == code
    assert words in refused.value.message
    db.session.refresh(s.decision)
    assert s.decision.state == "awaiting_chairman" and s.decision.version == version
    assert s.decision.approved_by_id is None
    assert not set(kept(s.decision.id)) & set(esigning.NAMES)
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events


def test_a_chairman_without_a_certificate_follows_the_paper_path(world, demo, trusted, client):
    s = scenario(world, until="drafting")
    register(demo, "ubnd", unit="UBND")  # the Office has its seal; the signer has none
    decision = approve(world, s.decision)
    assert not set(kept(decision.id)) & set(esigning.NAMES)
    assert esigning.panel(decision)["label"] == "Chưa ký số"
    issue(world, decision, issued_on=today().isoformat())
    db.session.refresh(decision)
    assert decision.state == "issued" and esigning.issued_pdf(decision.id) is None
    assert esigning.panel(decision)["signed"] is False
    login(client, "clerk")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Chữ ký số: Chưa ký số" in page and "người có thẩm quyền chưa ký số" in page
    assert client.get(f"/api/v1/decisions/{decision.id}/signed-pdfs/decision_issued_pdf"
                      ).status_code == 404


def test_through_the_api_the_same_steps_sign_when_no_signature_is_given(world, demo, trusted,
                                                                       api):
    s = scenario(world, until="drafting")
    register(demo, "deputy", "chairman")
    register(demo, "ubnd", unit="UBND")
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
    clerk = api("clerk")
    r = api("chairman").fire("decision", s.decision.id, "approve")
    assert r.status_code == 200 and r.get_json()["state"] == "approved", r.get_json()
    assert esigning.APPROVED in kept(s.decision.id)
    db.session.remove()  # what the requests left in this context's session
    db.session.execute(sa.update(Decision).where(Decision.id == s.decision.id)
                       .values(proposal_date=today() - timedelta(days=2)))
    db.session.commit()
    version = clerk.get(f"/api/v1/decisions/{s.decision.id}").get_json()["version"]
    r = clerk.post(f"/api/v1/decisions/{s.decision.id}/transitions", json={
        "trigger": "issue", "version": version,
        "issued_on": (today() - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "electronic_issue_date"
    r = clerk.fire("decision", s.decision.id, "issue")
    assert r.status_code == 200 and r.get_json()["state"] == "issued", r.get_json()
    got = clerk.get(f"/api/v1/decisions/{s.decision.id}/signed-pdfs/decision_issued_pdf")
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert got.headers.get("Content-Type", "").startswith("application/pdf")


def test_a_signed_pdf_above_the_mail_limit_goes_as_a_link(app, world, monkeypatch):
    from app.delivery import render
    from app.services import outbox
    from workflows import DECISION

    s = scenario(world, until="issued")  # the paper path: no printing
    db.session.add(StoredDocument(item_type="decision", item_id=s.decision.id,
                                  name="decision_issued_pdf", filename="Quyết định.pdf",
                                  sha256="0" * 64, size=3 * 1024 * 1024,
                                  storage_key="documents/not-read.pdf"))
    db.session.commit()
    step = DECISION.step("issue", "approved")
    attached, links = outbox._attachments("decision", s.decision, step)
    assert [a["name"] for a in attached] == ["decision", "decision_issued_pdf"] and not links
    monkeypatch.setitem(app.config, "SIGNED_PDF_MAIL_MAX_MB", 1)
    attached, links = outbox._attachments("decision", s.decision, step)
    assert [a["name"] for a in attached] == ["decision"]
    assert links == [{"label": "Bản điện tử đã ký số (PDF, 3.0 MB)",
                      "url": f"http://tdkt.test/api/v1/decisions/{s.decision.id}"
                             "/signed-pdfs/decision_issued_pdf"}]
    row = OutboxMessage(item_type="decision", item_id=s.decision.id, template="step",
                        payload={"trigger_label": "Ban hành", "title": "Quyết định",
                                 "to_state_label": "Đã ban hành", "attachments": attached,
                                 "links": links})
    _subject, text, html, files = render(row)
    assert links[0]["url"] in text and links[0]["url"] in html
    assert [name for name, _ in files] == [documents.current(
        "decision", s.decision.id, "decision").filename]
