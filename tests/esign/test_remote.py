"""Remote signing through the stand-in service: the person's key never reaches the server.
Both answer forms — a CMS for the digest the server prepared, and a whole signed PDF —
for the signer and for a Văn thư with her own token."""
import base64
import threading

import pytest

from app.esign import SigningRefused, remote, verify
from app.esign.keys import ORGANISATION, RemoteKey, sha256, verify_raw_signature
from tests.esign.conftest import SPEC
from tests.esign.remote_standin import CallbackSink, RemoteStandIn
from tests.esign.support import ORG_NAME, SIGNER_NAME, pdfsig, signature_blocks


@pytest.fixture(scope="module")
def service(pki, settings):
    accounts = {
        "chairman": {"key": pki.key(pki.person, settings), "image": pki.signature_png},
        "van_thu": {"key": pki.key(pki.org, settings, ORGANISATION), "seal": pki.seal_png,
                    "spec": SPEC},
    }
    with RemoteStandIn(accounts, settings, pki.timestamper()) as standin:
        yield standin


def _confirm_later(service, ticket):
    timer = threading.Timer(0.3, service.confirm, args=(ticket,))
    timer.start()
    return timer


def test_signer_then_office_by_cms_for_a_digest(service, pki, settings, blank_pdf, tmp_path):
    client = remote.RemoteClient(service.url)
    # 1. the Chairman: the server prepares, the service returns a CMS (answer polled)
    prepared = remote.prepare_approval(blank_pdf, pki.asn1(pki.person), field="chu_ky",
                                       image_png=pki.signature_png, settings=settings)
    prepared = remote.Prepared.from_json(prepared.to_json())  # kept between requests
    ticket = client.submit("chairman", "cms", digest=prepared.digest)
    assert client.status(ticket)["status"] == "pending"
    _confirm_later(service, ticket)
    answer = client.wait(ticket, timeout=20)
    approved = remote.finish_with_cms(prepared, base64.b64decode(answer["cms"]),
                                      settings=settings, timestamper=pki.timestamper())
    # 2. the Văn thư with her own token, answer by callback
    prepared = remote.prepare_issue(approved, pki.asn1(pki.org), SPEC, seal_png=pki.seal_png,
                                    settings=settings, expected_signer_cert=pki.asn1(pki.person))
    with CallbackSink() as sink:
        ticket = client.submit("van_thu", "cms", digest=prepared.digest, callback_url=sink.url)
        service.confirm(ticket)
        assert sink.event.wait(10)
    issued = remote.finish_with_cms(prepared, base64.b64decode(sink.received[0]["cms"]),
                                    settings=settings, timestamper=pki.timestamper())
    report = verify.verify_pdf(issued, settings)
    first, second = report.signatures
    assert (first.signer_name, second.signer_name) == (SIGNER_NAME, ORG_NAME)
    assert first.bottom_line and first.modification_level == "FORM_FILLING"
    assert second.bottom_line and second.coverage == "ENTIRE_FILE"
    assert first.timestamp_present and second.timestamp_present  # added by the server
    path = tmp_path / "remote.pdf"
    path.write_bytes(issued)
    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks)
    assert "Not total document signed" in blocks[0] and "Total document signed" in blocks[1]


def test_a_cms_from_another_key_is_refused(service, pki, settings, blank_pdf):
    prepared = remote.prepare_approval(blank_pdf, pki.asn1(pki.person), field="chu_ky",
                                       image_png=pki.signature_png, settings=settings)
    client = remote.RemoteClient(service.url)
    ticket = client.submit("van_thu", "cms", digest=prepared.digest)  # the wrong person
    service.confirm(ticket)
    with pytest.raises(SigningRefused) as refused:
        remote.finish_with_cms(prepared, base64.b64decode(client.wait(ticket)["cms"]),
                               settings=settings)
    assert refused.value.code == "certificate_mismatch"


def test_signer_then_office_by_whole_signed_pdf(service, pki, settings, blank_pdf):
    client = remote.RemoteClient(service.url)
    ticket = client.submit("chairman", "pdf", pdf=blank_pdf, params={"field": "chu_ky"})
    _confirm_later(service, ticket)
    returned = base64.b64decode(client.wait(ticket, timeout=20)["pdf"])
    approved = remote.accept_signed_pdf(blank_pdf, returned, field="chu_ky",
                                        expected_cert=pki.asn1(pki.person), settings=settings)
    ticket = client.submit("van_thu", "pdf", pdf=approved, params={"step": "issue"})
    service.confirm(ticket)
    returned = base64.b64decode(client.wait(ticket)["pdf"])
    issued = remote.accept_signed_pdf(
        approved, returned, field=SPEC.seal_field, expected_cert=pki.asn1(pki.org),
        settings=settings, expected_texts={"so": SPEC.number_text,
                                           "ngay_thang": SPEC.date_text})
    report = verify.verify_pdf(issued, settings)
    assert [s.bottom_line for s in report.signatures] == [True, True]
    assert report.signatures[0].modification_level == "FORM_FILLING"


def _append_content_edit(data: bytes) -> bytes:
    from tests.esign.test_flow import _edit_content

    return _edit_content(data)


def test_a_returned_pdf_with_more_than_a_signature_is_refused(service, pki, settings,
                                                             blank_pdf):
    client = remote.RemoteClient(service.url)
    service.tamper = _append_content_edit
    try:
        ticket = client.submit("chairman", "pdf", pdf=blank_pdf, params={"field": "chu_ky"})
        service.confirm(ticket)
        returned = base64.b64decode(client.wait(ticket)["pdf"])
    finally:
        service.tamper = None
    with pytest.raises(SigningRefused) as refused:
        remote.accept_signed_pdf(blank_pdf, returned, field="chu_ky",
                                 expected_cert=pki.asn1(pki.person), settings=settings)
    assert refused.value.code == "unpermitted_change"


def test_a_returned_pdf_that_changed_the_prepared_revision_is_refused(service, pki, settings,
                                                                     blank_pdf):
    client = remote.RemoteClient(service.url)
    ticket = client.submit("chairman", "pdf", pdf=blank_pdf, params={"field": "chu_ky"})
    service.confirm(ticket)
    returned = bytearray(base64.b64decode(client.wait(ticket)["pdf"]))
    at = returned.index(b"Khen thuong")
    returned[at] = ord("X")
    with pytest.raises(SigningRefused) as refused:
        remote.accept_signed_pdf(blank_pdf, bytes(returned), field="chu_ky",
                                 expected_cert=pki.asn1(pki.person), settings=settings)
    assert refused.value.code == "prepared_revision_changed"


def test_remote_key_signs_a_raw_digest(service, pki):
    client = remote.RemoteClient(service.url)
    key = RemoteKey(pki.asn1(pki.person), client, "chairman")
    digest = sha256(b"<edXML/>")
    result = {}

    def sign():
        result["signature"] = key.sign_digest(digest, timeout=20)

    worker = threading.Thread(target=sign)
    worker.start()
    for _ in range(100):
        pending = [t for t, r in service.requests.items()
                   if r["status"] == "pending" and r["kind"] == "raw"]
        if pending:
            service.confirm(pending[0])
            break
        threading.Event().wait(0.05)
    worker.join(20)
    verify_raw_signature(key.certificate, digest, result["signature"])
    with pytest.raises(SigningRefused):
        key.pdf_signer()
