"""The verification anyone can run: it never fetches a URL named in an uploaded file's
certificates, it has size and time limits, and it refuses what is not a readable PDF."""
import socket
import threading

import pytest

from app.esign import SigningRefused, pdfsign, verify
from tests.esign.support import SigningPKI, make_pdf


class ConnectionRecorder:
    """A listening socket on 127.0.0.1 that counts every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def recorder():
    rec = ConnectionRecorder()
    yield rec
    rec.close()


def test_verification_makes_no_outgoing_request(recorder, tmp_path):
    """Certificates whose CRL distribution point and OCSP (AIA) name a local socket: signing
    and verifying the file must not open a single connection to it."""
    url = f"http://127.0.0.1:{recorder.port}/"
    outside = SigningPKI(tmp_path / "outside", crl_url=url + "ca.crl", ocsp_url=url + "ocsp")
    # the verifier trusts that root but has no CRL configured: revocation data is missing,
    # and it must not go and get it
    settings = outside.settings(crl_sources=())
    signed = pdfsign.sign_approval(
        make_pdf(), outside.key(outside.person, settings), field="chu_ky",
        image_png=outside.signature_png, settings=settings, timestamper=outside.timestamper(),
        expected_cert=outside.asn1(outside.person))
    report = verify.verify_pdf(signed, settings)
    assert report.signatures[0].intact and report.signatures[0].valid
    # hard-fail: still no fetching; the signature is then simply not trusted
    verify.verify_pdf(signed, outside.settings(crl_sources=(), revocation_mode="hard-fail"))
    assert recorder.connections == 0
    # the recorder does answer: a fetch would have been counted
    socket.create_connection(("127.0.0.1", recorder.port)).close()
    threading.Event().wait(0.5)
    assert recorder.connections == 1


def test_not_a_pdf_is_refused(settings):
    with pytest.raises(SigningRefused) as refused:
        verify.verify_pdf(b"PK\x03\x04 this is a zip", settings)
    assert refused.value.code == "not_pdf"
    assert refused.value.message == "Tệp không phải là tệp PDF."


def test_a_damaged_pdf_is_refused(settings, issued):
    with pytest.raises(SigningRefused) as refused:
        verify.verify_pdf(issued[: len(issued) // 3], settings)
    assert refused.value.code == "damaged_pdf"
    assert "hỏng" in refused.value.message


def test_a_file_above_the_limit_is_refused_before_reading(pki):
    small = pki.settings(verify_max_bytes=1000)
    with pytest.raises(SigningRefused) as refused:
        verify.verify_pdf(make_pdf(), small)
    assert refused.value.code == "too_large"


def test_an_unsigned_pdf_reports_no_signature(settings, blank_pdf):
    report = verify.verify_pdf(blank_pdf, settings)
    assert report.signatures == [] and not report.all_valid
    assert report.as_dict()["sha256"] == report.sha256


def test_the_time_budget_is_a_refusal(pki, issued):
    with pytest.raises(SigningRefused) as refused:
        verify.verify_pdf(issued, pki.settings(verify_seconds=0.0001))
    assert refused.value.code == "too_slow"


def test_a_foreign_pdf_is_intact_but_not_trusted(tmp_path, settings):
    other = SigningPKI(tmp_path / "foreign")
    foreign = pdfsign.sign_approval(make_pdf(), other.key(other.person, other.settings()),
                                    field="chu_ky", image_png=other.signature_png,
                                    settings=other.settings(),
                                    expected_cert=other.asn1(other.person))
    (sig,) = verify.verify_pdf(foreign, settings).signatures
    assert sig.intact and sig.valid and not sig.trusted and not sig.bottom_line
    assert "không thuộc tổ chức chứng thực" in sig.summary


def test_the_configured_ocsp_responder_is_asked_and_believed(tmp_path, recorder):
    """The certificates name a responder of their own (the listening socket: never called);
    the settings name the CA's: that one answers, revoked or good."""
    from tests.esign.support import OcspResponder

    named = f"http://127.0.0.1:{recorder.port}/ocsp"
    ca = SigningPKI(tmp_path / "ocsp", crl_url=named + ".crl", ocsp_url=named)
    responder = OcspResponder(ca)
    try:
        settings = ca.settings(crl_sources=(), revocation_mode="hard-fail",
                               ocsp_url=responder.url)
        with pytest.raises(SigningRefused) as refused:
            pdfsign.sign_approval(make_pdf(), ca.key(ca.revoked, settings), field="chu_ky",
                                  image_png=ca.signature_png, settings=settings,
                                  expected_cert=ca.asn1(ca.revoked))
        assert refused.value.code == "certificate_revoked"
        signed = pdfsign.sign_approval(make_pdf(), ca.key(ca.person, settings), field="chu_ky",
                                       image_png=ca.signature_png, settings=settings,
                                       expected_cert=ca.asn1(ca.person))
        (sig,) = verify.verify_pdf(signed, settings).signatures
        assert sig.trusted and sig.bottom_line
        # without the responder, hard-fail has nothing to go on: not trusted
        (sig,) = verify.verify_pdf(signed, ca.settings(crl_sources=(),
                                                       revocation_mode="hard-fail")).signatures
        assert not sig.trusted
        assert responder.requests >= 3
    finally:
        responder.close()
    assert recorder.connections == 0
