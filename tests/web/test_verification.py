"""Verification for anyone: the public page /xac-minh, POST /api/v1/verify and the
per-document link /xac-minh/<token>. The signed PDFs come from app.esign with the test PKI
of tests/esign (both signatures of the NĐ 30 flow); a kept document comes from a decision
issued in the documents' scenario, its PDF printed by a stand-in that returns those bytes."""
import hashlib
import io
import re
import socket
import threading

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app import docgen
from app.esign import pdfsign
from app.extensions import db, limiter
from app.models import StoredDocument
from app.services import documents, verification
from tests.docgen.support import STRUCK, scenario
from tests.esign import conftest as esign
from tests.esign.support import ORG_NAME, SIGNER_NAME, SigningPKI, make_pdf
from tests.esign.test_verify import ConnectionRecorder

STRIKE_REASON = "Chưa đủ tiêu chuẩn."  # the scenario's reason for striking STRUCK

# tests/esign's fixtures, used here: its test PKI and the PDFs signed with it
pki, settings, blank_pdf = esign.pki, esign.settings, esign.blank_pdf
approved, issued = esign.approved, esign.issued


@pytest.fixture
def trusting(app, pki, monkeypatch):
    """The app trusts the test PKI's root (SIGNING_* settings) and allows many checks."""
    monkeypatch.setitem(app.config, "SIGNING_TRUST_ROOTS", str(pki.dir / "root.pem"))
    monkeypatch.setitem(app.config, "SIGNING_INTERMEDIATES", str(pki.dir / "sub.pem"))
    monkeypatch.setitem(app.config, "SIGNING_CRLS", str(pki.dir / "sub.crl"))
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "100000 per minute")
    limiter.reset()
    yield app
    limiter.reset()


def multipart(client, url, fields):
    """A multipart body encoded in memory (the test client's own encoding spools a large
    file to a temporary file it leaves open)."""
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def page(client, data, filename="van-ban.pdf"):
    """The upload form sent as a browser does: its CSRF token first."""
    form = client.get("/xac-minh")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', form.data).group(1)
    return multipart(client, "/xac-minh", [("csrf_token", token.decode()),
                                           ("file", FileStorage(io.BytesIO(data), filename))])


def api_verify(client, data, filename="van-ban.pdf"):
    return multipart(client, "/api/v1/verify",
                     [("file", FileStorage(io.BytesIO(data), filename))])


def text_of(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def flipped(data: bytes) -> bytes:
    out = bytearray(data)
    out[out.index(b"Khen thuong tap the") + 3] ^= 0x01  # inside the first revision
    return bytes(out)


@pytest.fixture
def kept(world, trusting, issued, monkeypatch):
    """An issued decision (one nominee struck by the Chairman, with a reason) whose kept PDF
    is exactly ``issued``'s bytes."""
    monkeypatch.setattr(docgen, "render_pdf",
                        lambda content, font_cache, timeout=120, filled=False: issued)
    s = scenario(world)
    row = documents.keep_pdf("decision", s.decision, "decision")
    db.session.commit()
    return s, row


# -- the page ---------------------------------------------------------------------------------


def test_the_page_is_public_and_linked_from_sign_in(client, trusting, world):
    form = client.get("/xac-minh")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    body = text_of(form)
    assert "<h1" in body and "Xác minh văn bản điện tử" in body
    assert '<label class="form-label" for="file">Tệp văn bản điện tử (PDF)</label>' in body
    login = text_of(client.get("/login"))
    assert 'href="/xac-minh"' in login
    assert 'href="/xac-minh"' in login.split("<footer", 1)[1]  # the site footer too


def test_two_valid_signatures_are_reported_in_words(client, trusting, world, issued):
    answer = page(client, issued)
    assert answer.status_code == 200, text_of(answer)
    body = text_of(answer)
    assert "Hợp lệ: cả 2 chữ ký đều hợp lệ, tệp nguyên vẹn." in body
    assert body.count("Chữ ký số 1: <span class=\"verdict\">Hợp lệ</span>") == 1
    assert "Chữ ký số 2: <span class=\"verdict\">Hợp lệ</span>" in body
    assert SIGNER_NAME in body and ORG_NAME in body
    assert "chỉ điền số và ngày (điền biểu mẫu)" in body  # after the signer's signature
    assert "không có thay đổi nào sau chữ ký này" in body  # after the seal
    assert "phiên bản 2 trong 3 phiên bản của tệp" in body and "toàn bộ tệp" in body
    assert "(giờ Việt Nam, theo dấu thời gian)" in body and "có dấu thời gian hợp lệ" in body
    assert body.count("Nguyên vẹn") == 2
    assert "Chứng thư thuộc tổ chức chứng thực được tin cậy" in body
    assert "không có trong sổ đăng ký" in body  # made in the test, not issued by the system


def test_one_flipped_byte_is_not_intact_nor_valid(client, trusting, world, issued):
    body = text_of(page(client, flipped(issued)))
    assert "Không hợp lệ: 2 trong 2 chữ ký không hợp lệ" in body
    assert body.count("Đã bị sửa sau khi ký") == 2
    assert "Chữ ký số 1: <span class=\"verdict\">Không hợp lệ</span>" in body
    assert "nội dung đã ký đã bị sửa" in body


def test_a_foreign_signature_is_of_no_known_trusted_source(client, trusting, world, tmp_path):
    other = SigningPKI(tmp_path / "foreign")
    foreign = pdfsign.sign_approval(make_pdf(), other.key(other.person, other.settings()),
                                    field="chu_ky", image_png=other.signature_png,
                                    settings=other.settings(),
                                    expected_cert=other.asn1(other.person))
    body = text_of(page(client, foreign))
    assert "Chữ ký số 1: <span class=\"verdict\">Chưa xác định được nguồn tin cậy</span>" in body
    assert "Nguyên vẹn" in body


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04 a zip, not a PDF", "Tệp không phải là tệp PDF."),
    (None, "Tệp PDF bị hỏng"),
])
def test_not_a_pdf_and_a_damaged_pdf_are_refused(client, trusting, world, issued, data,
                                                  words):
    data = data if data is not None else issued[: len(issued) // 3]
    answer = page(client, data)
    assert answer.status_code == 422 and words in text_of(answer)
    assert 'id="result"' not in text_of(answer)
    refused = api_verify(client, data)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] in ("not_pdf", "damaged_pdf") and words in error["message"]
    assert "error" not in str(error["details"]).lower()  # the parser's words stay inside


def test_a_file_over_the_limit_is_refused(client, trusting, world, issued, monkeypatch):
    monkeypatch.setitem(trusting.config, "SIGNING_VERIFY_MAX_MB", 1)
    big = issued + b"\n%" + b"x" * (1024 * 1024)
    answer = page(client, big)
    assert answer.status_code == 422 and "Tệp quá lớn (tối đa 1 MB)." in text_of(answer)
    refused = api_verify(client, big)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "too_large"


def test_no_file_gets_the_forms_own_message(client, trusting, world):
    form = client.get("/xac-minh")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', form.data).group(1)
    answer = client.post("/xac-minh", data={"csrf_token": token.decode()},
                         content_type="multipart/form-data")
    assert answer.status_code == 422 and "Chọn tệp PDF cần xác minh." in text_of(answer)
    assert 'aria-describedby="file-chosen file-help file-errors"' in text_of(answer)
    assert 'aria-invalid="true"' in text_of(answer)


def test_the_form_needs_its_csrf_token(client, trusting, world, issued):
    answer = client.post("/xac-minh", data={"file": (io.BytesIO(issued), "a.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 422 and 'id="stale-form"' in text_of(answer)
    assert 'id="result"' not in text_of(answer)


def test_the_rate_limit_answers_429_in_vietnamese_and_json(client, trusting, world, blank_pdf,
                                                           monkeypatch):
    monkeypatch.setitem(trusting.config, "VERIFY_RATE_LIMIT", "2 per minute")
    limiter.reset()
    assert page(client, blank_pdf).status_code == 200
    assert page(client, blank_pdf).status_code == 200
    refused = page(client, blank_pdf)
    assert refused.status_code == 429 and "Quá nhiều yêu cầu" in text_of(refused)
    assert refused.headers.get("Retry-After")
    assert client.get("/xac-minh").status_code == 200  # reading the form is not counted
    for _ in range(2):
        assert api_verify(client, blank_pdf).status_code == 200
    answer = api_verify(client, blank_pdf)
    assert answer.status_code == 429
    assert answer.get_json()["error"]["code"] == "too_many_requests"
    assert "Quá nhiều yêu cầu" in answer.get_json()["error"]["message"]


# -- the register ---------------------------------------------------------------------------


def test_a_kept_document_is_in_the_register_with_its_data_only(client, kept, issued):
    s, row = kept
    decision = s.decision
    chairman = decision.approved_by
    body = text_of(page(client, issued))
    assert "trùng khớp từng byte với văn bản trong sổ đăng ký" in body
    assert f'<dd class="col-sm-8" id="register-number">{decision.number_label}</dd>' in body
    assert decision.issued_on.strftime("%d/%m/%Y") in body
    assert chairman.full_name in body and "CHỦ TỊCH" in body
    assert '<strong id="register-status">Đang có hiệu lực</strong>' in body
    assert row.sha256 in body
    assert STRUCK not in body and STRIKE_REASON not in body
    assert decision.title not in body  # nothing of the item beyond the register
    report = api_verify(client, issued).get_json()
    register = report["register"]
    assert register == {
        "in_register": True, "text": register["text"],
        "kind": "Quyết định khen thưởng và danh sách kèm theo",
        "number": decision.number_label, "date": decision.issued_on.isoformat(),
        "date_text": decision.issued_on.strftime("%d/%m/%Y"),
        "issuer": s.campaign.issuer.name, "signer_name": chairman.full_name,
        "signer_title": register["signer_title"], "status": "in_force",
        "status_text": "Đang có hiệu lực", "sha256": row.sha256,
        # the paper path's print (the Office sealed the paper): not an electronic original
        "electronic_original": False, "original_text": "Không phải bản gốc điện tử."}
    assert "CHỦ TỊCH" in register["signer_title"]
    assert [sig["verdict"] for sig in report["signatures"]] == ["valid", "valid"]
    assert STRUCK not in str(report) and STRIKE_REASON not in str(report)


def test_a_replaced_document_says_so(client, kept, issued):
    s, _row = kept
    documents.keep("decision", s.decision, "decision")  # the paper kept again: superseded
    db.session.commit()
    assert verification.verify(issued)["register"]["status"] == "replaced"
    body = text_of(page(client, issued))
    assert '<strong id="register-status">Đã được thay thế bằng văn bản khác</strong>' in body


def test_the_status_comes_from_the_data(client, kept, issued, approved):
    """A paper issued electronically (its sealed PDF kept, W's "decision_issued_pdf"): its
    plain print is a copy before issue; a signed scan of a decision not issued yet is
    not issued."""
    s, row = kept
    db.session.add(StoredDocument(item_type="decision", item_id=s.decision.id,
                                  name="decision_issued_pdf", filename="a.pdf",
                                  sha256="0" * 64, size=1, storage_key="test/issued-copy"))
    db.session.commit()
    register = verification.verify(issued)["register"]
    assert register["status"] == "before_issue" and register["number"] == s.decision.number_label
    db.session.add(StoredDocument(item_type="decision", item_id=s.decision.id,
                                  name="decision_signed", filename="scan.pdf",
                                  sha256=hashlib.sha256(approved).hexdigest(),
                                  size=len(approved), storage_key="test/scan"))
    s.decision.state = "approved"  # as before the Office issues (never committed)
    register = verification.verify(approved)["register"]
    assert register["status"] == "not_issued" and register["status_text"] == "Chưa ban hành"
    assert register["signer_name"] == s.decision.approved_by.full_name
    db.session.rollback()


def test_a_pdf_not_issued_by_the_system(client, kept, approved):
    report = api_verify(client, approved).get_json()
    assert report["register"]["in_register"] is False
    assert "không có trong sổ đăng ký" in report["register"]["text"]
    assert [s["verdict"] for s in report["signatures"]] == ["valid"]


# -- the per-document link --------------------------------------------------------------------


def test_the_token_page_shows_the_register_data_only(client, kept):
    s, row = kept
    url = verification.verification_url(row)
    db.session.commit()
    assert url == verification.verification_url(row)  # made once, the same after
    token = url.rsplit("/", 1)[1]
    assert url.startswith("http://tdkt.test/xac-minh/") and len(token) >= 22
    answer = client.get(f"/xac-minh/{token}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = text_of(answer)
    assert s.decision.number_label in body and "Đang có hiệu lực" in body
    assert s.decision.approved_by.full_name in body and row.sha256 in body
    assert STRUCK not in body and STRIKE_REASON not in body and s.decision.title not in body
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 200, "1"):
        missing = client.get(f"/xac-minh/{wrong}")
        assert missing.status_code == 404
        assert "Không tìm thấy văn bản của đường dẫn xác minh này." in text_of(missing)
        assert s.decision.number_label not in text_of(missing)


# -- no outgoing connection -----------------------------------------------------------------


def test_verifying_opens_no_connection_to_what_the_file_names(client, app, world, tmp_path,
                                                               monkeypatch):
    """Certificates whose CRL distribution point and OCSP (AIA) name a local listening socket;
    the app trusts their root but has no CRL for them: the page and the API answer without a
    single connection to it."""
    recorder = ConnectionRecorder()
    try:
        url = f"http://127.0.0.1:{recorder.port}/"
        outside = SigningPKI(tmp_path / "outside", crl_url=url + "ca.crl",
                             ocsp_url=url + "ocsp")
        signing = outside.settings(crl_sources=())
        signed = pdfsign.sign_approval(
            make_pdf(), outside.key(outside.person, signing), field="chu_ky",
            image_png=outside.signature_png, settings=signing,
            timestamper=outside.timestamper(), expected_cert=outside.asn1(outside.person))
        monkeypatch.setitem(app.config, "SIGNING_TRUST_ROOTS", str(outside.dir / "root.pem"))
        monkeypatch.setitem(app.config, "SIGNING_INTERMEDIATES", str(outside.dir / "sub.pem"))
        monkeypatch.setitem(app.config, "SIGNING_CRLS", "")
        monkeypatch.setitem(app.config, "SIGNING_REVOCATION_MODE", "hard-fail")
        monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "100000 per minute")
        assert page(client, signed).status_code == 200
        assert api_verify(client, signed).status_code == 200
        assert recorder.connections == 0
        socket.create_connection(("127.0.0.1", recorder.port)).close()
        threading.Event().wait(0.5)
        assert recorder.connections == 1  # it does count a connection when one is made
    finally:
        recorder.close()
