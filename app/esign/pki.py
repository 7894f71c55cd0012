"""A demo and test PKI: root CA, sub-CA, person and organisation certificates as PKCS#12
files with their signature and seal images, a timestamping certificate, revoked and
expired certificates, and the sub-CA's CRL. For the demo (``flask signing``) and the tests;
production certificates come from the Ban Cơ yếu's công vụ CA.
"""
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO_PASSPHRASE = b"demo"
# Certificates declare where their CRL lives, as real ones do; revocation is checked only
# when declared. Nothing fetches it: the settings name the CRL file (SIGNING_CRLS).
DEMO_CRL_URL = "http://pki.demo.invalid/sub-ca.crl"


def _name(common_name: str, organisation: str | None = None, unit: str | None = None):
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


class DemoCA:
    """A root CA and its sub-CA; the sub-CA issues every end-entity certificate."""

    def __init__(self, name: str = "Demo TĐKT", now: datetime | None = None,
                 crl_url: str | None = None, ocsp_url: str | None = None):
        self.now = now or datetime.now(UTC)
        self.crl_url = crl_url or DEMO_CRL_URL
        self.ocsp_url = ocsp_url
        root_key = _key()
        root_name = _name(f"{name} Root CA", name)
        root = (self._base(root_name, root_name, root_key.public_key(), 3650)
                .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
                .add_extension(_ca_usage(), critical=True)
                .sign(root_key, hashes.SHA256()))
        self.root = Issued(root_key, root)
        sub_key = _key()
        sub_name = _name(f"{name} Sub CA", name)
        sub = (self._base(sub_name, root_name, sub_key.public_key(), 3000)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_ca_usage(), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   root_key.public_key()), critical=False)
               .sign(root_key, hashes.SHA256()))
        self.sub = Issued(sub_key, sub)
        self.revoked: list[int] = []  # serial numbers

    def _base(self, subject, issuer, public_key, days, not_before=None):
        start = not_before or (self.now - timedelta(days=1))
        return (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(issuer).public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(start + timedelta(days=days))
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                               critical=False))

    def issue(self, common_name: str, organisation: str | None = None, *, unit=None,
              days: int = 730, not_before: datetime | None = None, tsa: bool = False,
              crl_url: str | None = None, ocsp_url: str | None = None) -> Issued:
        key = _key()
        builder = (self._base(_name(common_name, organisation, unit), self.sub.cert.subject,
                              key.public_key(), days, not_before)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                  critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.sub.key.public_key()), critical=False))
        if tsa:
            builder = (builder
                       .add_extension(_usage(digital_signature=True), critical=True)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                      critical=True))
        else:
            builder = builder.add_extension(
                _usage(digital_signature=True, content_commitment=True), critical=True)
        crl_url = crl_url or self.crl_url
        ocsp_url = ocsp_url or self.ocsp_url
        if crl_url:
            builder = builder.add_extension(x509.CRLDistributionPoints([
                x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)],
                                       None, None, None)]), critical=False)
        if ocsp_url:
            builder = builder.add_extension(x509.AuthorityInformationAccess([
                x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                       x509.UniformResourceIdentifier(ocsp_url))]),
                critical=False)
        return Issued(key, builder.sign(self.sub.key, hashes.SHA256()))

    def revoke(self, issued: Issued):
        self.revoked.append(issued.cert.serial_number)

    def crl(self) -> bytes:
        """The sub-CA's CRL (DER), listing every certificate revoked so far."""
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(self.sub.cert.subject)
                   .last_update(self.now - timedelta(hours=1))
                   .next_update(self.now + timedelta(days=30))
                   .add_extension(x509.CRLNumber(1), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.sub.key.public_key()), critical=False))
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(self.now - timedelta(hours=2)).build())
        return builder.sign(self.sub.key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    def pkcs12(self, issued: Issued, passphrase: bytes = DEMO_PASSPHRASE) -> bytes:
        name = issued.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        return pkcs12.serialize_key_and_certificates(
            name.encode(), issued.key, issued.cert, [self.sub.cert, self.root.cert],
            serialization.BestAvailableEncryption(passphrase))

    def chain_pem(self) -> bytes:
        return self.sub.pem() + self.root.pem()


def _ca_usage():
    return _usage(key_cert_sign=True, crl_sign=True, digital_signature=True)


def _usage(**flags):
    names = ["digital_signature", "content_commitment", "key_encipherment",
             "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
             "encipher_only", "decipher_only"]
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


# --- images -------------------------------------------------------------------------------

FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
BLUE = (20, 45, 170, 255)
RED = (215, 25, 30, 255)


def signature_png(name: str, width: int = 600, height: int = 240) -> bytes:
    """A blue handwritten-like signature on a transparent background (NĐ 30 Phụ lục I 7d),
    drawn from the name so each person's differs."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(name)) or 1
    points = []
    steps = 220
    for i in range(steps):
        t = i / (steps - 1)
        x = 40 + t * (width - 80)
        loops = 4 + seed % 3
        y = (height / 2 + math.sin(t * math.pi * loops + seed % 7) * height * 0.28
             * (1 - 0.5 * t) + math.sin(t * math.pi * 17) * 10)
        x += math.cos(t * math.pi * loops * 2) * 22
        points.append((x, y))
    draw.line(points, fill=BLUE, width=7, joint="curve")
    # the flourish under the name
    draw.line([(60, height * 0.8), (width * 0.55, height * 0.72), (width - 50, height * 0.78)],
              fill=BLUE, width=5, joint="curve")
    return _png(image)


def seal_png(organisation: str, size: int = 600) -> bytes:
    """A red round seal with the organisation's name around the rim and a star in the
    middle, on a transparent background (NĐ 30 Phụ lục I 8a)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse([8, 8, size - 8, size - 8], outline=RED, width=16)
    draw.ellipse([size * 0.2, size * 0.2, size * 0.8, size * 0.8], outline=RED, width=6)
    star = []
    for i in range(10):
        r = size * (0.17 if i % 2 == 0 else 0.07)
        a = -math.pi / 2 + i * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=RED)
    text = organisation.upper()
    font = ImageFont.truetype(FONT_BOLD, int(size * 0.065))
    radius = size * 0.39
    span = min(math.pi * 1.7, len(text) * 0.13)
    start = -math.pi / 2 - span / 2
    for i, char in enumerate(text):
        angle = start + span * (i + 0.5) / max(len(text), 1)
        glyph = Image.new("RGBA", (int(size * 0.1), int(size * 0.1)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), char, font=font,
                                   fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x = c + radius * math.cos(angle) - glyph.width / 2
        y = c + radius * math.sin(angle) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    return _png(image)


def _png(image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- the demo set on disk ----------------------------------------------------------------

def write_demo_ca(directory: Path, name: str = "Demo TĐKT") -> DemoCA:
    """Create the CA in ``directory``: root.pem, sub-ca.pem, ca-chain.pem, sub-ca.crl,
    tsa.p12 (a certificate with the timeStamping EKU), and keys for the sub-CA."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = DemoCA(name)
    (directory / "root.pem").write_bytes(ca.root.pem())
    (directory / "sub-ca.pem").write_bytes(ca.sub.pem())
    (directory / "ca-chain.pem").write_bytes(ca.chain_pem())
    (directory / "sub-ca.key.pem").write_bytes(ca.sub.key_pem())
    (directory / "sub-ca.key.pem").chmod(0o600)
    (directory / "sub-ca.crl").write_bytes(ca.crl())
    tsa = ca.issue(f"{name} TSA", name, tsa=True, days=3000)
    (directory / "tsa.p12").write_bytes(ca.pkcs12(tsa))
    return ca


def load_demo_ca(directory: Path) -> DemoCA:
    """The CA written by :func:`write_demo_ca`, able to issue more certificates."""
    ca = DemoCA.__new__(DemoCA)
    ca.now = datetime.now(UTC)
    ca.crl_url, ca.ocsp_url = DEMO_CRL_URL, None
    listed = directory / "revoked.txt"
    ca.revoked = [int(line, 16) for line in listed.read_text().split()] if listed.exists() else []
    ca.root = Issued(None, x509.load_pem_x509_certificate((directory / "root.pem").read_bytes()))
    ca.sub = Issued(
        serialization.load_pem_private_key((directory / "sub-ca.key.pem").read_bytes(), None),
        x509.load_pem_x509_certificate((directory / "sub-ca.pem").read_bytes()))
    return ca


def write_holder(directory: Path, ca: DemoCA, slug: str, common_name: str,
                 organisation: str, *, seal: bool, unit: str | None = None,
                 passphrase: bytes = DEMO_PASSPHRASE, expired: bool = False,
                 revoked: bool = False) -> tuple[Path, Path]:
    """A person's (signature image) or an organisation's (seal image) PKCS#12 and PNG.
    ``expired``: valid for 30 days, a year ago; ``revoked``: listed in the CRL, which is
    written again (both for trying the refusals)."""
    if expired:
        issued = ca.issue(common_name, organisation, unit=unit, days=30,
                          not_before=ca.now - timedelta(days=400))
    else:
        issued = ca.issue(common_name, organisation, unit=unit)
    if revoked:
        ca.revoke(issued)
        (directory / "revoked.txt").write_text(
            "".join(f"{serial:x}\n" for serial in ca.revoked))
        (directory / "sub-ca.crl").write_bytes(ca.crl())
    p12 = directory / f"{slug}.p12"
    p12.write_bytes(ca.pkcs12(issued, passphrase))
    p12.chmod(0o600)
    png = directory / f"{slug}.png"
    png.write_bytes(seal_png(organisation) if seal else signature_png(common_name))
    return p12, png
