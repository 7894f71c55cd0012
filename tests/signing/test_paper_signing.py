"""Every paper a signing step closes (issue 21 items 2 and 3), beyond the Chairman's
decision: the unit head's kế hoạch signed at «Ký duyệt» and numbered, dated and sealed by the
unit's own Văn thư; the Board head's tờ trình (TTr-SNV) with Sở Nội vụ's Văn thư, and with
none (his signature only: not an electronic original); the paper path «chưa ký số»; a body
that makes digital signing mandatory. One LibreOffice printing per signed paper; the
refusals and the paper path print nothing."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from app.clock import today
from app.extensions import db
from app.models import Decision, Plan, StoredDocument, User, WorkflowEvent
from app.services import esigning, identities, storage
from app.services.errors import Invalid
from app.services.verification import NOT_ORIGINAL
from tests import helpers
from tests.docgen.support import signed_plan
from tests.esign.support import pdfsig, pdftotext, signature_blocks
from tests.signing.support import DemoSet, pyhanko_statuses
from tests.web.test_views import login

HEAD_A, BOARD_HEAD = "Trần Văn Bình", "Vi Văn Thắng"


@pytest.fixture(scope="module")
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("head_a", HEAD_A, "Sở Y tế", title="Giám đốc")
    made.holder("syt", "Sở Y tế", "Sở Y tế", seal=True)
    made.holder("board_head", BOARD_HEAD, "Sở Nội vụ", title="Giám đốc")
    made.holder("snv", "Sở Nội vụ", "Sở Nội vụ", seal=True)
    yield made
    made.remove()


def register(demo, slug, username=None, unit=None):
    p12, png = demo.files[slug]
    if unit:
        return identities.register_unit(None, unit, p12_path=p12, seal_png=png.read_bytes(),
                                        passphrase_setting="SIGNING_DEMO_PASSPHRASE", seal_mm=34)
    return identities.register_user(None, username, p12_path=p12, image_png=png.read_bytes(),
                                    passphrase_setting="SIGNING_DEMO_PASSPHRASE")


def add_clerk(world, username, unit_code):
    """The body's own Văn thư (role office_clerk of that unit)."""
    user = User(username=username, full_name=f"Văn thư {unit_code}", unit=world.units[unit_code],
                password_hash=world.users["clerk"].password_hash, email=f"{username}@tdkt.test")
    user.set_roles(["office_clerk"])
    db.session.add(user)
    db.session.commit()
    world.users[username] = user
    return user


def kept(kind, item_id):
    return {r.name: r for r in db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.superseded_at.is_(None)))}


def test_the_unit_head_signs_and_the_units_own_clerk_numbers_dates_and_seals(
        world, demo, trusted, api, client, tmp_path):
    register(demo, "head_a", "head_a")
    register(demo, "syt", unit="SYT")
    add_clerk(world, "vanthu_syt", "SYT")
    add_clerk(world, "vanthu_pdk", "PDK")
    office, other = api("clerk"), api("vanthu_pdk")  # tokens made before the requests
    campaign = helpers.make_campaign(world)
    plan = signed_plan(world, campaign)  # «Ký duyệt»: he signs the PDF printed now
    assert plan.state == "submitted" and plan.number is None  # the Văn thư numbers it
    papers = kept("plan", plan.id)
    approved_id, prepared_sha = papers["plan_approved_pdf"].id, papers["plan_prepared_pdf"].sha256
    prepared = storage.read(papers["plan_prepared_pdf"].storage_key)
    approved = storage.read(papers["plan_approved_pdf"].storage_key)
    assert approved.startswith(prepared) and len(approved) > len(prepared)
    shown = esigning.papers_panel("plan", plan)
    assert [p["label"] for p in shown] == ["Đã ký số, chờ Văn thư cấp số và phát hành"]
    assert [(s["signer"], s["valid"]) for s in shown[0]["signatures"]] == [(HEAD_A, True)]

    plan_id = plan.id
    clerk = api("vanthu_syt")
    login(client, "vanthu_syt")  # her form: a number to type, today's date read-only
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Cấp số và ký số phát hành" in page and f'value="{today():%d/%m/%Y}" readonly' in page
    url = f"/api/v1/plans/{plan_id}/papers/plan/issue"
    # refusals change nothing: another body's Văn thư, a typed date, a paper not signed
    assert office.post(url, json={}).status_code == 404  # not theirs to see
    assert other.post(url, json={}).status_code == 404
    r = clerk.post(url, json={"issued_on": (today() - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "electronic_issue_date"
    row = db.session.get(StoredDocument, approved_id)
    signed_key, signed_sha = row.storage_key, row.sha256
    storage.write_new("documents/test-unsigned-plan.pdf", prepared)
    row.storage_key, row.sha256 = "documents/test-unsigned-plan.pdf", prepared_sha
    db.session.commit()
    events = db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
    r = clerk.post(url, json={})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "signer_signature_missing"
    db.session.remove()
    assert db.session.get(Plan, plan_id).number is None
    assert "plan_issued_pdf" not in kept("plan", plan_id)
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events
    row = db.session.get(StoredDocument, approved_id)
    row.storage_key, row.sha256 = signed_key, signed_sha
    db.session.commit()

    r = clerk.post(url, json={"number": 41})  # the number she gave, from her register
    assert r.status_code == 201, r.get_json()
    plan = db.session.get(Plan, plan_id)
    assert plan.number == 41 and plan.signed_on == today()
    issued = kept("plan", plan_id)["plan_issued_pdf"]
    data = storage.read(issued.storage_key, issued.sha256)
    assert data.startswith(approved)  # one incremental update on the head's revision
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks)
    assert all("ETSI.CAdES.detached" in b and "SHA-256" in b for b in blocks)
    assert "Not total document signed" in blocks[0] and HEAD_A in blocks[0]
    first, second = pyhanko_statuses(data, demo)
    assert first.bottom_line and first.modification_level == ModificationLevel.FORM_FILLING
    # the seal covers its revision; only its long-term data (B-LT) follows
    assert second.bottom_line and second.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert second.modification_level == ModificationLevel.LTA_UPDATES
    text = pdftotext(path)
    assert "41/KH-SYT" in text and f"ngày {today():%d} tháng" in text
    # the number is taken in the register: a second issue of 41 is refused
    assert clerk.post(url, json={"number": 41}).get_json()["error"]["code"] == "already_issued"

    shown = clerk.get(f"/api/v1/plans/{plan_id}/paper-signatures").get_json()
    assert shown[0]["label"] == "Bản gốc điện tử đã phát hành" and shown[0]["original"]
    assert [s["signer"] for s in shown[0]["signatures"]] == [HEAD_A, "Sở Y tế"]
    got = clerk.get(f"/api/v1/plans/{plan_id}/documents/plan/pdf")  # the paper's PDF
    assert got.data == data
    report = client.post("/api/v1/verify", data={"file": (BytesIO(data), "plan.pdf")},
                         content_type="multipart/form-data").get_json()
    assert report["all_valid"] and report["register"]["electronic_original"] is True
    assert report["register"]["number"] == "41/KH-SYT"


def _proposal_signed(world, demo, *, clerk: bool):
    register(demo, "board_head", "board_head")
    register(demo, "snv", unit="SNV")
    if clerk:
        add_clerk(world, "vanthu_snv", "SNV")
    from tests.docgen.support import scenario

    s = scenario(world, until="drafting")  # the units' papers on paper: nothing printed
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
    return db.session.get(Decision, s.decision.id)


def test_the_board_proposal_is_sealed_by_sno_noi_vus_clerk_before_the_chairman_approves(
        world, demo, trusted, api):
    decision = _proposal_signed(world, demo, clerk=True)
    assert decision.proposal_number is None and "proposal_approved_pdf" in kept(
        "decision", decision.id)
    decision_id = decision.id
    chairman, clerk = api("chairman"), api("vanthu_snv")
    r = chairman.fire("decision", decision_id, "approve")
    assert r.status_code == 422 and "Văn thư Sở Nội vụ" in r.get_json()["error"]["message"]
    r = clerk.post(f"/api/v1/decisions/{decision_id}/papers/proposal/issue",
                               json={})
    assert r.status_code == 201, r.get_json()
    db.session.remove()
    decision = db.session.get(Decision, decision_id)
    assert decision.proposal_number == 1 and decision.proposal_date == today()
    assert decision.proposal_label.endswith("/TTr-SNV")
    row = kept("decision", decision_id)["proposal_issued_pdf"]
    first, second = pyhanko_statuses(storage.read(row.storage_key, row.sha256), demo)
    assert first.bottom_line and first.modification_level == ModificationLevel.FORM_FILLING
    assert second.bottom_line and second.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert second.modification_level == ModificationLevel.LTA_UPDATES
    r = chairman.fire("decision", decision_id, "approve")  # he has no certificate: on paper
    assert r.status_code == 200 and r.get_json()["state"] == "approved", r.get_json()


def test_a_proposal_with_no_clerk_at_its_body_carries_the_heads_signature_only(
        world, demo, trusted, api, client):
    decision = _proposal_signed(world, demo, clerk=False)
    assert decision.proposal_number == 1  # numbered at his step, as on paper
    papers = kept("decision", decision.id)
    data = storage.read(papers["proposal_approved_pdf"].storage_key)
    assert [s.bottom_line for s in pyhanko_statuses(data, demo)] == [True]
    shown = esigning.papers_panel("decision", decision)
    assert shown[0]["label"] == "Đã ký số (không phải bản gốc điện tử)"
    assert shown[0]["note"] == NOT_ORIGINAL
    login(client, "board_head")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "không phải bản gốc" in page and "Cấp số và ký số phát hành" not in page
    report = client.post("/api/v1/verify", data={"file": (BytesIO(data), "ttr.pdf")},
                         content_type="multipart/form-data").get_json()
    assert report["register"]["electronic_original"] is False
    assert report["register"]["original_text"] == NOT_ORIGINAL
    assert report["register"]["status"] == "in_force"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/xac-minh").get_data(as_text=True)).group(1)
    page = client.post("/xac-minh", data={"csrf_token": token,
                                          "file": (BytesIO(data), "ttr.pdf")},
                       content_type="multipart/form-data")
    assert "không phải bản gốc điện tử" in page.get_data(as_text=True)


def test_without_a_certificate_the_paper_path_unless_the_body_makes_esigning_mandatory(
        world, api, client):
    campaign = helpers.make_campaign(world)
    admin, head = api("admin"), api("head_a")
    r = admin.patch("/api/v1/units/SYT", json={"esign_required": True})
    assert r.status_code == 200 and r.get_json()["esign_required"] is True, r.get_json()
    plan = helpers.complete_plan(world, campaign)
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    db.session.refresh(plan)
    version, events = plan.version, db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
    with pytest.raises(Invalid) as refused:
        helpers.fire(world, "plan", plan, "head_a", "sign_off")
    assert refused.value.code == "esign_required" and "chưa có chứng thư số" in \
        refused.value.message
    db.session.refresh(plan)
    assert plan.state == "awaiting_head" and plan.version == version and plan.number is None
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events

    r = admin.patch("/api/v1/units/SYT", json={"esign_required": False})
    assert r.status_code == 200
    helpers.fire(world, "plan", plan, "head_a", "sign_off")  # the paper path
    db.session.refresh(plan)
    assert plan.state == "submitted" and plan.number is not None
    assert not {n for n in kept("plan", plan.id) if n.startswith("plan_")} - {"plan_pdf"}
    shown = head.get(f"/api/v1/plans/{plan.id}/paper-signatures").get_json()
    assert [(p["label"], p["signed"]) for p in shown] == [("Chưa ký số", False)]
    login(client, "head_a")
    assert "Chưa ký số" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
