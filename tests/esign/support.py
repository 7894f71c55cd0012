"""The test PKI, the fixture PDF and the independent verifiers (poppler) for app.esign."""
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pikepdf
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from app.esign import pki
from app.esign.keys import ORGANISATION, PERSON, Pkcs12Key
from app.esign.settings import EsignSettings
from tests.tools import missing

A4 = (595.28, 841.89)
# Where the fixture places its fields (PDF points), as the issuable decision does.
NUMBER_BOX = (60, 740, 260, 768)
DATE_BOX = (290, 740, 560, 768)
SIGNER_BOX = (340, 150, 540, 230)
SIGNER_NAME = "Nguyễn Văn Chủ Tịch"
ORG_NAME = "Ủy ban nhân dân tỉnh Lạng Sơn"


def make_pdf(pages: int = 1, *, with_fields: bool = True) -> bytes:
    """An A4 decision-like PDF with empty "so", "ngay_thang" (text) and "chu_ky" (signature)
    fields on page 1, and ``pages`` pages of body text."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    for number in range(pages):
        lines = [f"BT /F1 12 Tf 72 {700 - 16 * i} Td (Dieu {i + 1}. Khen thuong tap the va ca"
                 f" nhan trang {number + 1} dong {i + 1}) Tj ET" for i in range(35)]
        if number == 0:
            lines.append("BT /F1 13 Tf 380 240 Td (CHU TICH) Tj ET")
            lines.append("BT /F1 13 Tf 370 135 Td (Nguyen Van Chu Tich) Tj ET")
        page = pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, *A4],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream("\n".join(lines).encode())))
        pdf.pages.append(page)
    if with_fields:
        first = pdf.pages[0].obj
        made = []
        for name, ftype, box in (("so", "/Tx", NUMBER_BOX), ("ngay_thang", "/Tx", DATE_BOX),
                                 ("chu_ky", "/Sig", SIGNER_BOX)):
            field = pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name(ftype),
                T=pikepdf.String(name), Rect=list(box), F=4, P=first))
            made.append(field)
        first.Annots = pdf.make_indirect(pikepdf.Array(made))
        pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(
            Fields=pikepdf.Array(made), SigFlags=3))
    out = BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


class SigningPKI:
    """A demo CA, its CRL and TSA, and the holders the tests sign with, written to a dir."""

    def __init__(self, directory: Path, *, crl_url=None, ocsp_url=None):
        self.dir = directory
        self.ca = pki.DemoCA("Kiểm thử", crl_url=crl_url, ocsp_url=ocsp_url)
        self.tsa = self.ca.issue("Kiểm thử TSA", "Kiểm thử", tsa=True)
        self.person = self.ca.issue(SIGNER_NAME, ORG_NAME, unit="Chủ tịch")
        self.deputy = self.ca.issue("Trần Thị Phó Chủ Tịch", ORG_NAME, unit="Phó Chủ tịch")
        self.org = self.ca.issue(ORG_NAME, ORG_NAME)
        now = datetime.now(UTC)
        self.expired = self.ca.issue("Lê Văn Hết Hạn", ORG_NAME,
                                     not_before=now - timedelta(days=400), days=30)
        self.future = self.ca.issue("Phạm Văn Chưa Đến", ORG_NAME,
                                    not_before=now + timedelta(days=10), days=30)
        self.revoked = self.ca.issue("Đỗ Văn Thu Hồi", ORG_NAME)
        self.ca.revoke(self.revoked)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "root.pem").write_bytes(self.ca.root.pem())
        (directory / "sub.pem").write_bytes(self.ca.sub.pem())
        (directory / "sub.crl").write_bytes(self.ca.crl())
        self.signature_png = pki.signature_png(SIGNER_NAME)
        self.seal_png = pki.seal_png(ORG_NAME)

    def settings(self, **changes) -> EsignSettings:
        values = dict(trust_roots=(str(self.dir / "root.pem"),),
                      intermediates=(str(self.dir / "sub.pem"),),
                      crl_sources=(str(self.dir / "sub.crl"),), revocation_mode="soft-fail")
        values.update(changes)
        return EsignSettings(**values)

    def p12(self, issued) -> bytes:
        return self.ca.pkcs12(issued)

    def key(self, issued, settings, holder=PERSON) -> Pkcs12Key:
        return Pkcs12Key(self.p12(issued), pki.DEMO_PASSPHRASE, settings, holder=holder)

    def org_key(self, settings) -> Pkcs12Key:
        return self.key(self.org, settings, ORGANISATION)

    @staticmethod
    def asn1(issued) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(issued.der())

    def timestamper(self):
        from pyhanko.sign.timestamps import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = asn1_keys.PrivateKeyInfo.load(self.tsa.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        return DummyTimeStamper(tsa_cert=self.asn1(self.tsa), tsa_key=key,
                                certs_to_embed=SimpleCertificateStore.from_certs(
                                    [self.asn1(self.ca.sub), self.asn1(self.ca.root)]))


def nss_trusting(root_pem: Path, directory: Path) -> Path:
    """An NSS database (certutil, libnss3-tools) that trusts ``root_pem``: pdfsig's trust."""
    if not have("certutil"):
        missing("libnss3-tools (certutil) is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
                   check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "root", "-t", "CT,C,C",
                    "-i", str(root_pem)], check=True, capture_output=True)
    return directory


def pdfsig_trusting(path: Path, nss: Path) -> str:
    """pdfsig checking the certificates too, against ``nss``. (Its -no-ocsp switch makes
    poppler 22.12 report "Unknown issue"; the test certificates name no OCSP responder,
    so nothing is asked without it.)"""
    result = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)],
                            capture_output=True, text=True)
    return result.stdout + result.stderr


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def pdfsig(path: Path) -> str:
    """poppler's verdict on the signatures (not on trust: that is pyHanko's check here)."""
    if not have("pdfsig"):
        missing("poppler-utils (pdfsig) is not installed")
    result = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", str(path)], capture_output=True,
                            text=True)
    return result.stdout + result.stderr


def signature_blocks(output: str) -> list[str]:
    blocks = output.split("Signature #")[1:]
    return blocks


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def raster(path: Path, directory: Path, dpi: int = 100):
    """Page 1 as an RGB Pillow image (pdftoppm), and the scale from PDF points."""
    from PIL import Image

    prefix = directory / "page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", str(path),
                    str(prefix)], check=True)
    png = next(directory.glob("page*.png"))
    image = Image.open(png).convert("RGB")
    return image, dpi / 72


class OcspResponder:
    """The CA's OCSP responder in miniature, on 127.0.0.1: answers for the sub-CA's
    certificates, "revoked" for those the CA revoked; counts the requests."""

    def __init__(self, pki: "SigningPKI"):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from cryptography.hazmat.primitives import hashes
        from cryptography.x509 import ocsp

        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                outer.requests += 1
                asked = ocsp.load_der_ocsp_request(
                    self.rfile.read(int(self.headers["Content-Length"])))
                issued = next(c for c in [pki.person.cert, pki.revoked.cert, pki.org.cert,
                                          pki.deputy.cert]
                              if c.serial_number == asked.serial_number)
                revoked = issued.serial_number in pki.ca.revoked
                now = datetime.now(UTC)
                answer = (ocsp.OCSPResponseBuilder().add_response(
                    cert=issued, issuer=pki.ca.sub.cert, algorithm=hashes.SHA1(),
                    cert_status=(ocsp.OCSPCertStatus.REVOKED if revoked
                                 else ocsp.OCSPCertStatus.GOOD),
                    this_update=now - timedelta(minutes=5), next_update=now + timedelta(hours=1),
                    revocation_time=now - timedelta(hours=1) if revoked else None,
                    revocation_reason=None)
                    .responder_id(ocsp.OCSPResponderEncoding.HASH, pki.ca.sub.cert)
                    .sign(pki.ca.sub.key, hashes.SHA256())
                    .public_bytes(serialization.Encoding.DER))
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def softhsm_restart() -> None:
    """python-pkcs11 loads a module once per process and SoftHSM2 reads SOFTHSM2_CONF only
    when it is initialised: a test that points it at its own tokens starts it again."""
    import pkcs11

    pkcs11.lib(SOFTHSM).reinitialize()


def softhsm_token(directory: Path, private_key, cert_der: bytes, *, token="seal",
                  label="ubnd", pin="1234") -> Path:
    """A SoftHSM2 token in ``directory`` holding ``private_key`` and its certificate under
    ``label``; the SOFTHSM2_CONF file to point the module at."""
    import os

    if not (have("softhsm2-util") and have("pkcs11-tool") and os.path.exists(SOFTHSM)):
        missing("softhsm2 and opensc (pkcs11-tool) are not installed")
    (directory / "tokens").mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}

    def run(*args):
        subprocess.run(args, env=env, check=True, capture_output=True)

    run("softhsm2-util", "--init-token", "--free", "--label", token, "--pin", pin,
        "--so-pin", "5678")
    key_pem = directory / "key.pem"
    key_pem.write_bytes(private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    try:
        run("softhsm2-util", "--import", str(key_pem), "--token", token, "--label", label,
            "--id", "01", "--pin", pin)
    finally:
        key_pem.unlink()
    cert_path = directory / "cert.der"
    cert_path.write_bytes(cert_der)
    run("pkcs11-tool", "--module", SOFTHSM, "--token-label", token, "--login", "--pin", pin,
        "--write-object", str(cert_path), "--type", "cert", "--label", label, "--id", "01")
    return conf
