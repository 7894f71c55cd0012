"""What the edXML tests share: a key that signs raw digests as app.esign's keys do, and
Debian's xmlsec1 (an independent XMLDSig verifier) and an independent lxml reader."""
import datetime
import shutil
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID
from lxml import etree

from tests.tools import missing

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
X = {"e": NS, "ds": "http://www.w3.org/2000/09/xmldsig#",
     "xlink": "http://www.w3.org/1999/xlink"}


class RawKey:
    """A key with ``certificate`` and ``sign_digest`` (the duck type of app.esign.keys)."""

    def __init__(self, kind="rsa", name="Ủy ban nhân dân tỉnh Kiểm thử"):
        self.key = (rsa.generate_private_key(65537, 2048) if kind == "rsa"
                    else ec.generate_private_key(ec.SECP256R1()))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .sign(self.key, hashes.SHA256()))
        self.certificate = self.cert
        self.calls = 0

    def sign_digest(self, digest: bytes) -> bytes:
        self.calls += 1
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        return self.key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def xmlsec1_verify(data: bytes, cert_pem: bytes, directory: Path) -> tuple[bool, str]:
    """Debian's xmlsec1 --verify with the given certificate as the key: (verified, output)."""
    if not shutil.which("xmlsec1"):
        missing("xmlsec1 is not installed (make system-packages)")
    directory.mkdir(parents=True, exist_ok=True)
    package, cert = directory / "package.xml", directory / "cert.pem"
    package.write_bytes(data)
    cert.write_bytes(cert_pem)
    result = subprocess.run(
        ["xmlsec1", "--verify", "--enabled-reference-uris", "empty",
         "--pubkey-cert-pem", str(cert), str(package)],
        capture_output=True, text=True, timeout=60)
    return result.returncode == 0 and "OK" in result.stdout + result.stderr, \
        result.stdout + result.stderr


def read(data: bytes):
    """The independent reader: lxml with no entity resolution, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True)
    return etree.fromstring(data, parser)


def text(root, path: str) -> str:
    found = root.xpath(path, namespaces=X)
    assert len(found) == 1, (path, found)
    return found[0] if isinstance(found[0], str) else (found[0].text or "")


def flip(data: bytes, at: int) -> bytes:
    """``data`` with the byte at ``at`` changed to another character of the same class
    (a digit for a digit, a letter for a letter) so it stays well-formed XML."""
    ch = data[at:at + 1]
    if ch.isdigit():
        new = b"1" if ch != b"1" else b"2"
    elif ch.isalpha():
        new = b"A" if ch != b"A" else b"B"
    else:
        raise AssertionError(f"choose a letter or digit, not {ch!r}")
    return data[:at] + new + data[at + 1:]
