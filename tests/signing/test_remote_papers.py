"""The remote (202) path of every paper a signing step closes besides the decision: the
unit head's kế hoạch and the dossier's tờ trình at «Ký duyệt», the Board head's tờ trình
(TTr-SNV) at «Ký tờ trình». The step answers 202 with a signing request and the item does
not move; the CMS for the digest, or the whole signed PDF, finishes it; a returned PDF
whose content changed, or that carries two new signatures, is refused with its reason and
nothing changes; a number taken meanwhile makes the prepared paper outdated. One
LibreOffice printing per test."""
import base64
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from app.esign import aio, pdfsign, pki
from app.esign.keys import Pkcs12Key
from app.extensions import db
from app.models import Decision, Dossier, Plan, StoredDocument, WorkflowEvent
from app.services import esigning, identities, registers
from tests import helpers
from tests.signing.support import DemoSet
from tests.signing.test_remote_approval import cms_for
from tests.signing.test_remote_pages import pem_of
from tests.web.test_views import csrf_of, login

HEAD_A, BOARD_HEAD = "Trần Văn Bình", "Vi Văn Thắng"
MODELS = {"plan": Plan, "dossier": Dossier, "decision": Decision}


@pytest.fixture(scope="module")
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("head_a", HEAD_A, "Sở Y tế", title="Giám đốc")
    made.holder("board_head", BOARD_HEAD, "Sở Nội vụ", title="Giám đốc")
    yield made
    made.remove()


def remote_signer(demo, slug, username):
    p12, png = demo.files[slug]
    identities.register_user(None, username, backend="remote", certificate_pem=pem_of(p12),
                             image_png=png.read_bytes())


def signed_by(demo, slug, sent: bytes) -> bytes:
    """What a plugin returns: the sent bytes, one signature added in the prepared field."""
    p12, png = demo.files[slug]
    settings = identities.settings()
    key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, settings)
    return pdfsign.sign_approval(sent, key, field="chu_ky", image_png=png.read_bytes(),
                                 settings=settings, expected_cert=key.certificate)


def edited_then_signed(demo, slug, sent: bytes) -> bytes:
    """A plugin that writes on the page (a content edit) before it signs."""
    from tests.esign.test_flow import _edit_content

    return signed_by(demo, slug, _edit_content(sent))


def signed_twice(demo, slug, sent: bytes) -> bytes:
    """The prepared field signed, then a second signature in a field of its own."""
    from pyhanko.sign import fields, signers

    once = signed_by(demo, slug, sent)
    p12, _png = demo.files[slug]
    key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, identities.settings())
    out = aio.run(signers.async_sign_pdf(
        IncrementalPdfFileWriter(BytesIO(once)),
        signers.PdfSignatureMetadata(field_name="chu_ky_them"), signer=key.pdf_signer(),
        new_field_spec=fields.SigFieldSpec("chu_ky_them")))
    return out.getvalue()


def flipped(demo, slug, sent: bytes) -> bytes:
    """The sent bytes changed (one letter), then signed."""
    data = bytearray(sent)
    at = data.index(b"/Producer")
    data[at + 1] = ord("p")
    return signed_by(demo, slug, bytes(data))


def unit_paper_waiting(world, demo, kind):
    """The unit head (SYT) with a remote key; the plan or the dossier awaiting his
    «Ký duyệt»."""
    remote_signer(demo, "head_a", "head_a")
    campaign = helpers.make_campaign(world)
    if kind == "plan":
        item = helpers.complete_plan(world, campaign)
    else:
        item = helpers.complete_dossier(world, campaign)
    helpers.fire(world, kind, item, "staff_a", "submit")
    return item.id, "sign_off", "head_a", "head_a", "proposal" if kind == "dossier" else "plan"


def board_paper_waiting(world, demo, kind):
    """The Board head with a remote key; the decision awaiting his «Ký tờ trình»."""
    from tests.docgen.support import scenario

    remote_signer(demo, "board_head", "board_head")
    s = scenario(world, until="drafting")
    helpers.fire(world, "decision", s.decision, "appraiser", "submit")
    return s.decision.id, "sign_proposal", "board_head", "board_head", "proposal"


def moved(kind, item_id):
    db.session.remove()
    item = db.session.get(MODELS[kind], item_id)
    kept = set(db.session.scalars(sa.select(StoredDocument.name).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.superseded_at.is_(None), StoredDocument.name.like("%_pdf"))))
    events = db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
    return item.state, item.version, kept, events


@pytest.mark.parametrize("kind,setup,answer", [
    ("plan", unit_paper_waiting, "cms"),
    ("dossier", unit_paper_waiting, "pdf"),
    ("decision", board_paper_waiting, "pdf"),
], ids=["plan-cms", "dossier-proposal-pdf", "ttr-snv-pdf"])
def test_the_paper_waits_for_the_remote_signature_and_refuses_a_tampered_one(
        world, demo, trusted, api, client, kind, setup, answer):
    item_id, trigger, username, slug, paper = setup(world, demo, kind)
    signer = api(username)
    url = f"/api/v1/{kind}s/{item_id}/transitions"
    before = moved(kind, item_id)
    if kind == "plan":  # on the page: the request goes out, the plan's page says so
        login(client, username)
        page = client.get(f"/plans/{item_id}").get_data(as_text=True)
        r = client.post(f"/plans/{item_id}/transitions", follow_redirects=True, data={
            "csrf_token": csrf_of(page), "trigger": trigger, "version": before[1]})
        assert r.request.path == f"/plans/{item_id}"
        assert "văn bản chưa chuyển trạng thái" in r.get_data(as_text=True)
        assert "Xác nhận yêu cầu ký trên thiết bị ký số" in r.get_data(as_text=True)
        assert moved(kind, item_id) == before
    r = signer.post(url, json={"trigger": trigger, "version": before[1]})
    assert r.status_code == 202, r.get_json()
    request = r.get_json()["signing_request"]
    assert r.get_json()["state"] == before[0] and r.get_json()["version"] == before[1]
    assert len(request["digest"]) == 64 and request["field"] == "chu_ky"
    sent = base64.b64decode(request["pdf"])
    assert sent.startswith(b"%PDF")
    assert moved(kind, item_id) == before  # nothing moved, nothing kept, nothing recorded
    ask = {"trigger": trigger, "version": before[1], "signing_request": request["id"]}

    if answer == "pdf":  # each tampered file is refused with its reason; nothing changes
        for tamper, code in ((edited_then_signed, "unpermitted_change"),
                             (flipped, "prepared_revision_changed"),
                             (signed_twice, "signature_count")):
            r = signer.post(url, json={**ask, "signed_pdf": base64.b64encode(
                tamper(demo, slug, sent)).decode()})
            assert r.status_code == 422, (tamper.__name__, r.get_json())
            assert r.get_json()["error"]["code"] == code, r.get_json()
            assert r.get_json()["error"]["message"]
            assert moved(kind, item_id) == before
        r = signer.post(url, json={**ask, "signed_pdf": base64.b64encode(
            signed_by(demo, slug, sent)).decode()})
    else:
        r = signer.post(url, json={**ask, "signature": cms_for(
            demo, slug, request["digest"], identities.settings())})
    assert r.status_code == 200, r.get_json()
    state, _version, kept, _events = moved(kind, item_id)
    assert state != before[0]
    assert {f"{paper}_prepared_pdf", f"{paper}_approved_pdf"} <= kept
    item = db.session.get(MODELS[kind], item_id)
    [shown] = [p for p in esigning.papers_panel(kind, item) if p["paper"] == paper]
    assert [(s["signer"], s["valid"]) for s in shown["signatures"]] == [
        (HEAD_A if slug == "head_a" else BOARD_HEAD, True)]
    # spent: the same request again finds nothing to answer
    r = signer.post(url, json={**ask, "version": item.version, "signature": "AAAA"})
    assert r.status_code in (404, 409), r.get_json()


def test_a_number_taken_meanwhile_makes_the_prepared_paper_outdated(world, demo, trusted,
                                                                   api):
    """The head signs on paper's terms (no Văn thư in his unit): the number is printed in
    the PDF he signs; if another paper takes it first, his answer is refused."""
    item_id, trigger, username, _slug, _paper = unit_paper_waiting(world, demo, "plan")
    signer = api(username)
    url = f"/api/v1/plans/{item_id}/transitions"
    before = moved("plan", item_id)
    r = signer.post(url, json={"trigger": trigger, "version": before[1]})
    assert r.status_code == 202, r.get_json()
    request = r.get_json()["signing_request"]
    plan = db.session.get(Plan, item_id)
    registers.take_number(plan.unit_id, "KH", helpers_year())  # another paper's number
    db.session.commit()
    r = signer.post(url, json={"trigger": trigger, "version": before[1],
                               "signing_request": request["id"],
                               "signature": cms_for(demo, "head_a", request["digest"],
                                                    identities.settings())})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "signing_request_outdated"
    assert moved("plan", item_id)[:3] == before[:3]


def helpers_year():
    from app.clock import today

    return today().year
