"""The edXML format package (app.edxml) on its own: written, read back by an independent
lxml reader and verified by Debian's xmlsec1; one changed byte anywhere breaks the
signature; bad input (malformed XML, DTDs and entities, oversize, a wrong namespace,
missing elements) is refused with its code and Vietnamese message, nothing resolved or
fetched."""
import http.server
import os
import re
import threading
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from app import edxml
from tests.edxml.support import RawKey, X, flip, read, text, xmlsec1_verify

PDF = b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n"
ORGAN = "000.00.00.H29"


@pytest.fixture(scope="module")
def rsa_key():
    return RawKey("rsa")


@pytest.fixture(scope="module")
def ec_key():
    return RawKey("ec")


def package(business=None, attachments=None):
    doc_id = edxml.document_id(ORGAN, date(2026, 12, 7), 1205, "QĐ-UBND")
    header = edxml.MessageHeader(
        from_organ=edxml.Organ(ORGAN, "Ủy ban nhân dân tỉnh Lạng Sơn", email="ubnd@x.vn"),
        to_organs=[edxml.Organ("000.00.03.H29", "Sở Tài chính"),
                   edxml.Organ("000.00.04.H29", "Sở Y tế")],
        code_number="1205", code_notation="QĐ-UBND", promulgation_place="Lạng Sơn",
        promulgation_date=date(2026, 12, 7), document_type=edxml.DocumentType(1, "Quyết định"),
        subject="Về việc tặng Bằng khen của Chủ tịch UBND tỉnh",
        content="Tặng Bằng khen cho 12 tập thể và 30 cá nhân",
        signer=edxml.Signer("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu"),
        to_places=["Như Điều 3", "Sở Tài chính", "Lưu: VT, SNV"], page_amount=3,
        appendixes=["Danh sách kèm theo"], document_id=doc_id)
    return edxml.Package(
        header=header, traces=[edxml.TraceHeader(ORGAN, datetime(2026, 12, 7, 3, 4, 5,
                                                                   tzinfo=UTC))],
        business=business or edxml.Business(),
        attachments=attachments if attachments is not None else [
            edxml.Attachment("QD-1205.pdf", "application/pdf", "qd-1205", PDF, "Quyết định")])


def refused(data, code, **kw):
    with pytest.raises(edxml.EdxmlError) as caught:
        edxml.open_package(data, **kw)
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    assert caught.value.message  # a Vietnamese sentence for people
    return caught.value


def test_written_read_back_and_verified_independently(rsa_key, ec_key, tmp_path):
    for key in (rsa_key, ec_key):
        data = edxml.build_package(package(), key)
        root = read(data)
        assert root.tag == f"{{{X['e']}}}edXML"
        h = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader"
        assert text(root, f"{h}/e:From/e:OrganId") == ORGAN
        assert root.xpath(f"{h}/e:To/e:OrganId/text()", namespaces=X) == [
            "000.00.03.H29", "000.00.04.H29"]
        assert text(root, f"{h}/e:PromulgationInfo/e:PromulgationDate") == "2026/12/07"
        assert text(root, f"{h}/e:DocumentId") == "000.00.00.H29,2026/12/07,1205/QĐ-UBND"
        assert text(root, "//e:TraceHeaderList/e:TraceHeader/e:Timestamp") == \
            "2026/12/07 10:04:05"  # Vietnam time
        # the attachment sits outside the envelope, listed in the manifest by its cid
        assert text(root, "//e:edXMLManifest/e:Reference/@xlink:href") == "cid:qd-1205"
        assert root.xpath("/e:edXML/e:AttachmentEncoded/e:Attachment/e:ContentId/text()",
                          namespaces=X) == ["qd-1205"]
        method = text(root, "//ds:SignedInfo/ds:SignatureMethod/@Algorithm")
        assert method.endswith("rsa-sha256" if key is rsa_key else "ecdsa-sha256")
        assert text(root, "//ds:Reference/@URI") == ""
        ok, out = xmlsec1_verify(data, key.pem(), tmp_path / "x")
        assert ok, out

        back, cert = edxml.open_package(data)
        assert cert.dump() == key.cert.public_bytes(Encoding.DER)
        assert back.header == package().header
        assert back.attachments[0].data == PDF
        assert back.business.doc_type == edxml.NEW


def test_one_changed_byte_in_the_header_or_an_attachment_fails(rsa_key, tmp_path):
    data = edxml.build_package(package(), rsa_key)
    in_header = data.index(b"<CodeNumber>1205") + len(b"<CodeNumber>")
    encoded = data.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>") + 40
    while not data[encoded:encoded + 1].isalnum():
        encoded += 1
    for at in (in_header, encoded):
        changed = flip(data, at)
        error = refused(changed, "signature_invalid")
        assert "thay đổi" in error.message
        ok, _ = xmlsec1_verify(changed, rsa_key.pem(), tmp_path / str(at))
        assert not ok
    # another key's certificate put in KeyInfo does not make it verify
    other = RawKey("rsa")
    ok, _ = xmlsec1_verify(data, other.pem(), tmp_path / "other")
    assert not ok


def test_business_types_and_status_messages(rsa_key, tmp_path):
    old = "000.00.00.H29,2026/11/02,900/QĐ-UBND"
    replace = edxml.Business(doc_type=edxml.REPLACE, reason="Sai tên người được khen",
                             replacement_info=[edxml.ReplacementInfo(old, ["000.00.03.H29"])])
    back = edxml.parse_package(edxml.build_package(package(replace), rsa_key))
    assert back.business.doc_type == 3
    assert back.business.replacement_info[0].document_id == old
    with pytest.raises(edxml.EdxmlError) as caught:
        edxml.build_package(package(edxml.Business(doc_type=3)), rsa_key)
    assert caught.value.code == "replacement_missing"

    response = edxml.ResponseFor(ORGAN, "1205/QĐ-UBND", date(2026, 12, 7),
                                 "000.00.00.H29,2026/12/07,1205/QĐ-UBND")
    for code in edxml.STATUS_NAMES:
        status = edxml.StatusMessage(response, edxml.Organ("000.00.03.H29", "Sở Tài chính"),
                                     code, description="Sai nơi nhận" if code == "02" else "",
                                     timestamp=datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
        signed = edxml.build_status(status, rsa_key)
        read_back = edxml.parse_status(signed)
        assert (read_back.status_code, read_back.response_for) == (code, response)
        assert read_back.certificate is not None
        assert edxml.parse_status(edxml.build_status(status)).certificate is None
    ok, out = xmlsec1_verify(signed, rsa_key.pem(), tmp_path / "status")
    assert ok, out
    with pytest.raises(edxml.EdxmlError) as caught:
        edxml.build_status(edxml.StatusMessage(response, edxml.Organ(ORGAN, "x"), "02"))
    assert caught.value.code == "reason_missing"
    with pytest.raises(edxml.EdxmlError):
        edxml.parse_status(flip(signed, signed.index(b"<StatusCode>06") + 13))


def test_organ_ids_and_document_ids():
    for good in ("000.00.00.H29", "000.01.01.H08", "000.00.00.G22"):
        assert edxml.is_organ_id(good)
    for bad in ("", "000.00.00.H2", "000.00.00.H290", "000-00-00-H29", "000.00.00.h29",
                "A00.00.00.H29", "000.00.00.229", " 000.00.00.H2"):
        assert edxml.organ_id_problem(bad), bad
    assert edxml.split_document_id("000.00.00.H29,2026/12/07,1205/QĐ-UBND") == (
        ORGAN, date(2026, 12, 7), "1205", "QĐ-UBND")
    for bad in ("000.00.00.H29,2026/13/07,1/QĐ", "H29,2026/12/07,1/QĐ",
                "000.00.00.H29,2026-12-07,1/QĐ", "000.00.00.H29,2026/12/07,1205"):
        with pytest.raises(edxml.EdxmlError):
            edxml.split_document_id(bad)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 - the http.server name
        self.seen.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<x>fetched</x>")

    def log_message(self, *args):
        pass


def test_bad_input_is_refused_never_resolved_nor_fetched(rsa_key, tmp_path):
    good = edxml.build_package(package(), rsa_key)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                           else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><edXML xmlns="' + edxml.NS.encode() + b'">&lol9;</edXML>')
        file_entity = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file://'
                       + str(secret).encode() + b'">]><edXML xmlns="'
                       + edxml.NS.encode() + b'">&x;</edXML>')
        http_entity = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "http://127.0.0.1:'
                       + str(port).encode() + b'/x">]><edXML xmlns="' + edxml.NS.encode()
                       + b'">&x;</edXML>')
        http_dtd = (b'<?xml version="1.0"?><!DOCTYPE edXML SYSTEM "http://127.0.0.1:'
                    + str(port).encode() + b'/dtd"><edXML xmlns="' + edxml.NS.encode()
                    + b'"/>')
        for data in (laughs, file_entity, http_entity, http_dtd,
                     # a DOCTYPE hidden from a byte scan by UTF-16 is refused as well
                     http_entity.decode().replace('version="1.0"',
                                                  'version="1.0" encoding="UTF-16"')
                     .encode("utf-16")):
            error = refused(data, "dtd_refused" if data[:2] != b"\xff\xfe" else "encoding")
            assert "SECRET" not in error.message + repr(error.details)
        assert _Recorder.seen == []  # nothing was fetched
    finally:
        server.shutdown()
        server.server_close()

    refused(b"<edXML xmlns='" + edxml.NS.encode() + b"'><unclosed></edXML>", "malformed")
    refused(b"", "malformed")
    # a text node over the safe parser's limit (libxml2 without huge_tree): refused as such,
    # and never written
    refused(good.replace(b"<Description>Quy", b"<Description>" + b"A" * 10_000_001 + b"Quy"),
            "attachment_too_large")
    with pytest.raises(edxml.EdxmlError) as caught:
        edxml.build_package(package(attachments=[edxml.Attachment(
            "big.pdf", "application/pdf", "big", b"0" * (edxml.MAX_ATTACHMENT_BYTES + 1))]),
            rsa_key)
    assert caught.value.code == "attachment_too_large"
    refused("<edXML/>", "malformed")  # text, not bytes
    refused(good, "too_large", max_bytes=len(good) - 1)
    refused(good.replace(edxml.NS.encode(), b"http://www.go.vn/eDoc"), "wrong_namespace")
    refused(b"<html xmlns='" + edxml.NS.encode() + b"'/>", "not_edxml")
    error = refused(re.sub(rb"<Subject>.*?</Subject>", b"", good, count=1), "missing_element")
    assert error.details == {"element": "Subject"}
    no_signature = good[:good.index(b"<ds:Signature")] + good[good.index(
        b"</ds:Signature>") + len(b"</ds:Signature>"):]
    refused(no_signature, "signature_missing")
    # a package whose manifest names an attachment that is not there
    refused(edxml.build_package(package(attachments=[]), rsa_key).replace(
        b"<edXMLManifest version=\"1.0\"/>",
        b"<edXMLManifest version=\"1.0\"><Reference><ContentId>x</ContentId></Reference>"
        b"</edXMLManifest>"), "attachment_missing")
