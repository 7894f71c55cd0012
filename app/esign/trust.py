"""Trust roots, revocation data and the certificate checks made before anyone signs.

Verification never follows a URL named inside a certificate (AIA, CRL distribution points):
those come from whoever made the file, and fetching them would let an uploaded PDF make
this server call anywhere. The only revocation data used is the data a file embeds and the
CRLs the operator configured (files, or URLs in the settings).
"""
import urllib.request
from datetime import UTC, datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from app.esign import aio
from app.esign.errors import SigningRefused
from app.esign.settings import EsignSettings

MAX_CRL_BYTES = 10 * 1024 * 1024


def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM bundle or one DER certificate."""
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def _load_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    if pem.detect(data):
        return [asn1_crl.CertificateList.load(der)
                for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_crl.CertificateList.load(data)]


def _read_source(source: str, timeout: float) -> bytes:
    if source.startswith(("http://", "https://")):
        # A URL the operator wrote in the settings, never one taken from a certificate.
        with urllib.request.urlopen(source, timeout=timeout) as answer:  # noqa: S310
            data = answer.read(MAX_CRL_BYTES + 1)
        if len(data) > MAX_CRL_BYTES:
            raise SigningRefused("Danh sách thu hồi chứng thư quá lớn.", "crl_too_large")
        return data
    with open(source, "rb") as handle:
        return handle.read()


class TrustStore:
    """The configured roots, intermediates and CRLs, loaded once per settings."""

    def __init__(self, settings: EsignSettings):
        self.settings = settings
        self.roots = [c for f in settings.root_files() for c in load_certificates(f.read_bytes())]
        self.intermediates = [c for f in settings.intermediate_files()
                              for c in load_certificates(f.read_bytes())]
        self._crls = None

    def crls(self) -> list:
        if self._crls is None:
            found = []
            for source in self.settings.crl_sources:
                try:
                    found.extend(_load_crls(_read_source(source, self.settings.fetch_timeout)))
                except (OSError, ValueError) as exc:
                    if self.settings.revocation_mode != "soft-fail":
                        raise SigningRefused(
                            "Không đọc được danh sách thu hồi chứng thư đã cấu hình.",
                            "crl_unavailable", {"source": source, "error": str(exc)}) from exc
            self._crls = found
        return self._crls

    def ocsp_responses(self, cert: asn1_x509.Certificate, chain=()) -> list:
        """Ask the configured OCSP responder about ``cert``, when its issuer is one of the
        configured certificates (or in ``chain``). A failure gives no answer: the
        revocation mode then decides."""
        if not self.settings.ocsp_url:
            return []
        issuer = next((c for c in [*self.intermediates, *self.roots, *chain]
                       if c.subject == cert.issuer), None)
        if issuer is None:
            return []
        from cryptography import x509 as c_x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509 import ocsp as c_ocsp

        request = c_ocsp.OCSPRequestBuilder().add_certificate(
            c_x509.load_der_x509_certificate(cert.dump()),
            c_x509.load_der_x509_certificate(issuer.dump()), hashes.SHA1()).build()
        try:
            with urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - configured
                    self.settings.ocsp_url, data=request.public_bytes(serialization.Encoding.DER),
                    headers={"Content-Type": "application/ocsp-request"}, method="POST"),
                    timeout=self.settings.fetch_timeout) as answer:
                data = answer.read(MAX_CRL_BYTES + 1)
            if len(data) > MAX_CRL_BYTES:
                return []
            response = asn1_ocsp.OCSPResponse.load(data)
            response.native  # noqa: B018 - parse it all now
        except (OSError, ValueError):
            return []
        return [response] if response["response_status"].native == "successful" else []

    def context(self, moment: datetime | None = None, *, extra_certs=(), crls=(), ocsps=(),
                for_embedding: bool = False) -> ValidationContext:
        """A validation context that cannot fetch anything."""
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=list(self.intermediates) + list(extra_certs),
            crls=list(self.crls()) + list(crls),
            ocsps=list(ocsps),
            moment=moment,
            allow_fetching=False,
            revocation_mode=self.settings.revocation_mode,
            weak_hash_algos={"md2", "md5", "sha1"},
        )


def same_certificate(a: asn1_x509.Certificate, b: asn1_x509.Certificate) -> bool:
    return a.dump() == b.dump()


def describe(cert: asn1_x509.Certificate) -> dict:
    subject = cert.subject.native
    return {
        "name": subject.get("common_name") or "",
        "organisation": subject.get("organization_name") or "",
        "serial": format(cert.serial_number, "x"),
        "issuer": cert.issuer.native.get("common_name") or "",
        "not_before": cert["tbs_certificate"]["validity"]["not_before"].native,
        "not_after": cert["tbs_certificate"]["validity"]["not_after"].native,
        "sha256": cert.sha256.hex(),
    }


def holder_kind(cert: asn1_x509.Certificate) -> str:
    """"organisation" for an organisation's certificate (its common name is the
    organisation's name, as công vụ certificates of bodies are issued), else "person"."""
    subject = cert.subject.native
    name = (subject.get("common_name") or "").strip().casefold()
    organisation = subject.get("organization_name") or ""
    if isinstance(organisation, list):
        organisation = organisation[0] if organisation else ""
    return "organisation" if name and name == organisation.strip().casefold() else "person"


def check_validity(cert: asn1_x509.Certificate, moment: datetime | None = None) -> None:
    """Refuse a certificate not yet or no longer valid at ``moment`` (now by default)."""
    moment = moment or datetime.now(UTC)
    validity = cert["tbs_certificate"]["validity"]
    if moment < validity["not_before"].native:
        raise SigningRefused(
            "Chứng thư số chưa đến thời hạn hiệu lực "
            f"(hiệu lực từ {validity['not_before'].native:%d/%m/%Y}).",
            "certificate_not_yet_valid")
    if moment > validity["not_after"].native:
        raise SigningRefused(
            f"Chứng thư số đã hết hạn ngày {validity['not_after'].native:%d/%m/%Y}.",
            "certificate_expired")


def check_certificate(store: TrustStore, cert: asn1_x509.Certificate, *, expected=None,
                      chain=(), moment: datetime | None = None) -> None:
    """Refuse a certificate that is not the registered one, not yet or no longer valid,
    revoked, or not chained to a configured root; with a reason in Vietnamese."""
    if expected is not None and not same_certificate(cert, expected):
        raise SigningRefused(
            "Chứng thư số dùng để ký không phải chứng thư đã đăng ký cho người ký này.",
            "certificate_mismatch")
    moment = moment or datetime.now(UTC)
    check_validity(cert, moment)
    validator = CertificateValidator(
        cert, intermediate_certs=list(chain),
        validation_context=store.context(moment, ocsps=store.ocsp_responses(cert, chain)))
    try:
        aio.run(validator.async_validate_usage({"digital_signature"}))
    except RevokedError as exc:
        raise SigningRefused("Chứng thư số đã bị thu hồi.", "certificate_revoked",
                             {"error": str(exc)}) from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise SigningRefused(
            "Chứng thư số không thuộc một tổ chức chứng thực được tin cậy, "
            "hoặc không kiểm tra được trạng thái của nó.",
            "certificate_untrusted", {"error": str(exc)}) from exc
    except InvalidCertificateError as exc:
        raise SigningRefused("Chứng thư số không dùng được để ký số.",
                             "certificate_invalid", {"error": str(exc)}) from exc
