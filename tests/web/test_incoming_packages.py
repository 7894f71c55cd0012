"""Issue 23 item 6: packages arriving for the Board. Each is checked (its XML signature, each
PDF's signatures with the app's verifier, that it is addressed to us); a failing one is
answered with a 02 and its reason (read back here with lxml) and nothing is attached; a good
one is attached to its dossier. Bad input never causes a 500 and nothing is kept.

The PDFs are tests/esign's signed PDF (trusted through tests/web/test_verification's
fixture) and the same PDF with one byte changed; the packages are signed with the test
PKI's organisation key (trusted), or tests/edxml's raw self-made key (untrusted)."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from lxml import etree

from app import edxml
from app.extensions import db
from app.models import Attachment, IncomingPackage
from app.services.errors import Forbidden
from tests import helpers
from tests.edxml.support import RawKey
from tests.web import test_verification as verifying
from tests.web.test_verification import flipped

pki, settings, blank_pdf = verifying.pki, verifying.settings, verifying.blank_pdf
approved, issued, trusting = verifying.approved, verifying.issued, verifying.trusting

BOARD_ORGAN = "000.00.09.H29"  # Sở Nội vụ, where the Board works
UNIT_ORGAN = "000.00.15.H29"  # Sở Y tế, the unit sending its tờ trình
NS = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}


@pytest.fixture(scope="module")
def key(pki, settings):
    """The sender's organisation key, issued under the test PKI the app trusts."""
    return pki.org_key(settings)


@pytest.fixture(scope="module")
def stranger():
    """A key whose self-made certificate no trust root vouches for."""
    return RawKey("rsa", name="Sở Y tế tỉnh Lạng Sơn")


def package(key, pdf, to=BOARD_ORGAN, business=None):
    doc_id = edxml.document_id(UNIT_ORGAN, date(2026, 12, 1), 45, "TTr-SYT")
    header = edxml.MessageHeader(
        from_organ=edxml.Organ(UNIT_ORGAN, "Sở Y tế"),
        to_organs=[edxml.Organ(to, "Sở Nội vụ")],
        code_number="45", code_notation="TTr-SYT", promulgation_place="Lạng Sơn",
        promulgation_date=date(2026, 12, 1), document_type=edxml.DocumentType(2, "Tờ trình"),
        subject="Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh", document_id=doc_id)
    return edxml.build_package(edxml.Package(
        header=header, traces=[edxml.TraceHeader(UNIT_ORGAN, datetime(2026, 12, 1, 2, 0,
                                                                        tzinfo=UTC))],
        business=business or edxml.Business(),
        attachments=[edxml.Attachment("TTr-45.pdf", "application/pdf", "ttr-45", pdf,
                                      "Tờ trình")]), key)


@pytest.fixture
def board(world, trusting):
    world.units["SNV"].organ_id = BOARD_ORGAN
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    db.session.commit()
    return dossier


def _attachments(dossier_id):
    return db.session.scalars(sa.select(Attachment).where(
        Attachment.dossier_id == dossier_id).order_by(Attachment.id)).all()


def _post(api, who, data):
    return api(who).post("/api/v1/incoming-packages", data=data,
                         headers={"Content-Type": "application/xml"})


def test_a_broken_pdf_signature_is_answered_02_and_nothing_is_attached(api, board, key,
                                                                        issued):
    before = [a.id for a in _attachments(board.id)]
    answer = _post(api, "appraiser", package(key, flipped(issued)))
    assert answer.status_code == 201, answer.get_json()
    row = answer.get_json()
    assert row["status"] == "refused" and row["replied"]
    assert "TTr-45.pdf" in row["reason"] and "Không hợp lệ" in row["reason"]
    reply = api("appraiser").get(f"/api/v1/incoming-packages/{row['id']}/reply")
    assert reply.status_code == 200
    root = etree.fromstring(reply.data, etree.XMLParser(resolve_entities=False,
                                                        no_network=True))
    header = root.find("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", NS)
    assert header.findtext("e:StatusCode", namespaces=NS) == "02"
    assert header.findtext("e:Description", namespaces=NS) == row["reason"]
    assert header.findtext("e:ResponseFor/e:DocumentId", namespaces=NS) == row["document_id"]
    assert header.findtext("e:From/e:OrganId", namespaces=NS) == BOARD_ORGAN
    refused = api("appraiser").post(f"/api/v1/incoming-packages/{row['id']}/attach",
                                    json={"dossier_id": board.id})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == \
        "package_refused"
    db.session.expire_all()
    assert [a.id for a in _attachments(board.id)] == before

    # a package signature broken by one byte, and one not addressed to us: refused too
    data = bytearray(package(key, issued))
    at = data.index(b"TTr-SYT")
    data[at + 4:at + 7] = b"SYU"
    row = _post(api, "appraiser", bytes(data)).get_json()
    assert row["status"] == "refused" and "Chữ ký số của gói tin" in row["reason"]
    row = _post(api, "appraiser", package(key, issued, to="000.00.77.H29")).get_json()
    assert row["status"] == "refused" and "không gửi tới cơ quan này" in row["reason"]


def test_a_good_package_is_listed_and_attached_to_its_dossier(api, board, key, issued):
    assert _post(api, "staff_a", package(key, issued)).status_code == 403
    answer = _post(api, "appraiser", package(key, issued, business=edxml.Business(doc_type=2)))
    assert answer.status_code == 201
    row = answer.get_json()
    assert row["status"] == "accepted" and row["reason"] is None and not row["replied"]
    assert row["business_type"] == 2 and row["from_organ_id"] == UNIT_ORGAN
    listed = api("board_head").get("/api/v1/incoming-packages?status=accepted").get_json()
    assert [i["id"] for i in listed["items"]] == [row["id"]] and listed["total"] == 1
    assert api("staff_a").get("/api/v1/incoming-packages").status_code == 403
    assert api("clerk").post(f"/api/v1/incoming-packages/{row['id']}/attach",
                             json={"dossier_id": board.id}).status_code == 403
    done = api("appraiser").post(f"/api/v1/incoming-packages/{row['id']}/attach",
                                 json={"dossier_id": board.id})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["dossier_id"] == board.id
    import hashlib

    db.session.expire_all()
    [kept] = [a for a in _attachments(board.id) if a.id == db.session.get(
        IncomingPackage, row["id"]).attachment_id]
    assert kept.sha256 == hashlib.sha256(issued).hexdigest() and kept.kind == "to_trinh"
    again = api("appraiser").post(f"/api/v1/incoming-packages/{row['id']}/attach",
                                  json={"dossier_id": board.id})
    assert again.status_code == 409


@pytest.mark.parametrize("data, code", [
    (b"<edXML><unclosed>", "package_invalid"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&e;</edXML>', "package_invalid"),
    (b'<edXML xmlns="http://www.go.vn/eDoc"><edXMLEnvelope/></edXML>', "package_invalid"),
    (b"", "file_missing"),
    (b"\xff\xfe not xml at all", "package_invalid"),
])
def test_bad_input_is_refused_with_a_clear_error_and_nothing_kept(api, board, data, code):
    answer = _post(api, "appraiser", data)
    assert answer.status_code == 422, answer.data[:300]
    error = answer.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert "passwd" not in answer.get_data(as_text=True) or "root:" not in answer.get_data(
        as_text=True)
    assert not db.session.scalar(sa.select(sa.func.count(IncomingPackage.id)))


def test_an_oversized_package_is_refused(api, board, app, monkeypatch):
    monkeypatch.setitem(app.config, "EDXML_MAX_MB", 0.01)
    answer = _post(api, "appraiser", b"<edXML>" + b"x" * 20000 + b"</edXML>")
    assert answer.status_code in (413, 422)
    assert answer.get_json()["error"]["message"]
    assert not db.session.scalar(sa.select(sa.func.count(IncomingPackage.id)))


def test_the_page_lists_checks_and_attaches(app, client, board, key, issued):
    import io
    import re

    from tests.web.test_views import login

    login(client, "appraiser")
    body = client.get("/van-ban-den").get_data(as_text=True)
    assert "Chưa có văn bản đến." in body and 'href="/van-ban-den"' in body  # the nav link
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)

    def upload(data, name="goi-tin.edxml"):
        return client.post("/van-ban-den", data={"csrf_token": csrf,
                                                 "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    assert upload(b"<edXML><broken").status_code == 302
    shown = client.get("/van-ban-den").get_data(as_text=True)
    assert "Gói tin không hợp lệ" in shown and "Chưa có văn bản đến." in shown
    assert upload(package(key, flipped(issued))).status_code == 302
    assert upload(package(key, issued)).status_code == 302
    shown = re.sub(r"\s+", " ", client.get("/van-ban-den").get_data(as_text=True))
    assert "Từ chối tiếp nhận (trả lời 02):" in shown and "Hợp lệ" in shown
    good = db.session.scalars(sa.select(IncomingPackage).where(
        IncomingPackage.status == "accepted")).one()
    answer = client.post(f"/van-ban-den/{good.id}/gan-ho-so",
                         data={"csrf_token": csrf, "dossier_id": "abc"})
    assert answer.status_code == 302 and answer.location.endswith("/van-ban-den")
    answer = client.post(f"/van-ban-den/{good.id}/gan-ho-so",
                         data={"csrf_token": csrf, "dossier_id": str(board.id)})
    assert answer.status_code == 302 and answer.location.endswith(f"/dossiers/{board.id}")
    login(client, "staff_a")
    assert client.get("/van-ban-den").status_code == 403


def test_packages_picked_up_from_the_exchange_path(app, board, key, issued, tmp_path):
    good, bad, junk = tmp_path / "a.edxml", tmp_path / "b.edxml", tmp_path / "c.edxml"
    good.write_bytes(package(key, issued))
    bad.write_bytes(package(key, issued, to="000.00.77.H29"))
    junk.write_bytes(b"<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]><a>&b;</a>")
    result = app.test_cli_runner().invoke(args=["exchange", "receive", str(good), str(bad),
                                                str(junk)])
    assert result.exit_code == 2, result.output
    assert f"{good}: hợp lệ" in result.output
    assert f"{bad}: từ chối (02): Gói tin không gửi tới cơ quan này" in result.output
    assert "c.edxml: không nhận: Gói tin không hợp lệ" in result.output
    db.session.expire_all()
    rows = db.session.scalars(sa.select(IncomingPackage).order_by(IncomingPackage.id)).all()
    assert [(r.source, r.status, r.received_by_id) for r in rows] == [
        ("exchange", "accepted", None), ("exchange", "refused", None)]
    assert rows[1].reply_key is not None


def test_the_list_is_paged_in_sql_in_two_statements_whatever_its_length(world):
    from app.services import incoming
    from tests.scale.test_statement_counts import counting

    db.session.add_all([IncomingPackage(
        source="api", filename=f"{i}.edxml", size=1, sha256=f"{i:064x}",
        storage_key=f"incoming/test-{i}.edxml", document_id=f"{UNIT_ORGAN},2026/12/01,{i}/TTr",
        from_organ_id=UNIT_ORGAN, from_name="Sở Y tế", code=f"{i}/TTr", subject="Tờ trình",
        business_type=0, status="refused" if i % 3 else "accepted",
        reason="Gói tin không gửi tới cơ quan này." if i % 3 else None) for i in range(45)])
    db.session.commit()
    appraiser = world.users["appraiser"]
    assert appraiser.roles  # loaded before counting
    with counting() as seen:
        listed = incoming.listing(appraiser, "refused", page=2, per_page=20)
    assert listed["total"] == 30 and len(listed["items"]) == 10
    assert len(seen) == 2, seen  # the count and the page
    with pytest.raises(Forbidden):
        incoming.listing(world.users["head_a"])


@pytest.fixture(scope="module")
def axis():
    from tests.axis import StandInAxis

    stand_in = StandInAxis()
    yield stand_in
    stand_in.stop()


def test_the_02_reply_is_sent_once_to_the_sending_organ_through_the_outbox(
        app, api, client, board, key, issued, axis, monkeypatch):
    """NĐ 30 Điều 21 k2: the refusal's 02 is queued with it (one transaction), goes to the
    sender through the configured transport under a stable send id, and only once."""
    from app.delivery.exchange import deliver_packages
    from app.models import OutboxMessage

    axis.reset()
    for name, value in axis.config().items():
        monkeypatch.setitem(app.config, name, value)
    row = _post(api, "appraiser", package(key, flipped(issued))).get_json()
    assert row["status"] == "refused"
    queued = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_type == "incoming", OutboxMessage.item_id == row["id"])).all()
    assert [(q.channel, q.status, q.payload["to_organs"]) for q in queued] == [
        ("edxml", "pending", [UNIT_ORGAN])]
    assert deliver_packages()["sent"] == 1
    # sent again under the same send id (a worker killed after the axis took it): one copy
    db.session.expire_all()
    again = db.session.get(OutboxMessage, queued[0].id)
    assert again.status == "sent"
    again.status = "pending"
    db.session.commit()
    assert deliver_packages()["sent"] == 1
    assert list(axis.statuses) == [queued[0].send_id]
    assert axis.duplicates[queued[0].send_id] == 1 and not axis.accepted
    status = axis.statuses[queued[0].send_id]
    assert status.status_code == "02" and status.description == row["reason"]
    assert status.response_for.document_id == row["document_id"]
    assert status.response_for.organ_id == UNIT_ORGAN
    assert status.from_organ.organ_id == BOARD_ORGAN
    # the outbox page lists it, linked to the incoming list
    from tests.web.test_views import login

    login(client, "appraiser")
    body = client.get("/outbox?status=sent").get_data(as_text=True)
    assert queued[0].send_id in body and 'href="/van-ban-den"' in body
    assert "Trả lại văn bản đến (02 – Từ chối tiếp nhận)" in body
    # an accepted package sends nothing
    assert _post(api, "appraiser", package(key, issued)).get_json()["status"] == "accepted"
    assert deliver_packages()["sent"] == 0


def test_a_package_signed_by_an_untrusted_certificate_is_refused_with_a_02(
        app, api, board, key, stranger, issued, axis, monkeypatch):
    """The package signature holds mathematically, but no configured trust root vouches for
    its signer: refused, answered 02 with the Vietnamese reason (sent through the outbox),
    nothing kept to attach."""
    from app.delivery.exchange import deliver_packages

    data = package(stranger, issued)
    assert edxml.verify_package(data) is not None  # the signature itself holds
    axis.reset()
    for name, value in axis.config().items():
        monkeypatch.setitem(app.config, name, value)
    row = _post(api, "appraiser", data).get_json()
    assert row["status"] == "refused" and not row.get("pdf_name")
    assert row["reason"].startswith("Chứng thư số ký gói tin (của «Sở Y tế tỉnh Lạng Sơn») "
                                    "không được tin cậy")
    assert deliver_packages()["sent"] == 1
    (status,) = axis.statuses.values()
    assert status.status_code == "02" and status.description == row["reason"]
    assert status.response_for.document_id == row["document_id"]
    # the trusted PKI's key is accepted; with its root no longer configured, refused
    assert _post(api, "appraiser", package(key, issued)).get_json()["status"] == "accepted"
    monkeypatch.setitem(app.config, "SIGNING_TRUST_ROOTS", "")
    row = _post(api, "appraiser", package(key, issued)).get_json()
    assert row["status"] == "refused" and "không được tin cậy" in row["reason"]
    assert "không thuộc một tổ chức chứng thực được tin cậy" in row["reason"]
