"""Remote signing: the key stays with the person (their token through the signing plugin,
or their CA's remote-signing service).

The server prepares the revision (interrupted signing): :func:`prepare` returns the PDF
with a reserved, empty signature and the SHA-256 of its signed byte ranges. The answer is
either
- a CMS SignedData for that digest: :func:`finish_with_cms` embeds it (adding a signature
  timestamp where a TSA is configured and the CMS has none) and verifies the result; or
- a whole signed PDF, as the field's plugins return it: :func:`accept_signed_pdf` checks
  that the prepared input is unchanged and the only additions are one signature in the
  named field and permitted form filling.

:class:`RemoteClient` speaks the stand-in protocol used in tests (request, the person
confirms, answer by polling or by callback).
"""
import base64
import hashlib
import json
import time
import urllib.request
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.diff_analysis.policies import DEFAULT_DIFF_POLICY
from pyhanko.sign.diff_analysis.policy_api import SuspiciousModification
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PreparedByteRangeDigest
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.esign import aio, pdfsign
from app.esign.errors import SigningRefused
from app.esign.settings import EsignSettings
from app.esign.trust import TrustStore, check_certificate
from app.esign.verify import verify_reader


@dataclass
class Prepared:
    """What the server keeps between the request and the answer (store it as JSON)."""

    pdf: bytes  # the prepared revision, signature contents zeroed
    digest: bytes  # SHA-256 of the byte ranges: what the CMS signs
    start: int
    end: int
    field: str
    certificate_der: bytes

    def to_json(self) -> dict:
        return {"pdf": base64.b64encode(self.pdf).decode(), "digest": self.digest.hex(),
                "start": self.start, "end": self.end, "field": self.field,
                "certificate": base64.b64encode(self.certificate_der).decode()}

    @classmethod
    def from_json(cls, data: dict) -> "Prepared":
        return cls(base64.b64decode(data["pdf"]), bytes.fromhex(data["digest"]),
                   int(data["start"]), int(data["end"]), data["field"],
                   base64.b64decode(data["certificate"]))


def _prepare(writer, style, field, certificate, chain, settings) -> Prepared:
    store = TrustStore(settings)
    external = signers.ExternalSigner(
        signing_cert=certificate, cert_registry=SimpleCertificateStore.from_certs(chain),
        signature_value=bytes(512))
    signer = signers.PdfSigner(pdfsign._metadata(field, settings, store), signer=external,
                               stamp_style=style)
    out = BytesIO()
    digest, _, output = aio.run(signer.async_digest_doc_for_signing(
        writer, existing_fields_only=True, bytes_reserved=pdfsign.BYTES_RESERVED, output=out))
    return Prepared(output.getvalue(), digest.document_digest, digest.reserved_region_start,
                    digest.reserved_region_end, field, certificate.dump())


def prepare_approval(pdf: bytes, certificate: asn1_x509.Certificate, *, field: str,
                     image_png: bytes, settings: EsignSettings, chain=()) -> Prepared:
    check_certificate(TrustStore(settings), certificate, chain=chain)
    writer, style = pdfsign.approval_setup(pdf, field, image_png)
    return _prepare(writer, style, field, certificate, chain, settings)


def prepare_issue(pdf: bytes, certificate: asn1_x509.Certificate, spec: "pdfsign.IssueFields",
                  *, seal_png: bytes, settings: EsignSettings, expected_signer_cert=None,
                  chain=()) -> Prepared:
    store = TrustStore(settings)
    check_certificate(store, certificate, chain=chain)
    pdfsign.require_signer_signature(pdf, store, spec.signer_field, expected_signer_cert)
    writer, style = pdfsign.issue_setup(pdf, spec, seal_png, settings)
    return _prepare(writer, style, spec.seal_field, certificate, chain, settings)


def ready_for_plugin(pdf: bytes) -> bytes:
    """The PDF as sent to a signing device that returns the whole signed file: its form
    already says it holds signatures (/SigFlags 3, in a small incremental update when
    missing), so the device's revision adds one signature and nothing the diff check of
    :func:`accept_signed_pdf` must refuse."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    form_ref = writer.root.raw_get("/AcroForm")
    form = writer.root["/AcroForm"]
    if int(form.get("/SigFlags", 0)) & 3 == 3:
        return pdf
    form["/SigFlags"] = generic.NumberObject(3)
    if isinstance(form_ref, generic.IndirectObject):
        writer.mark_update(form_ref)
    else:
        writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_signature_timestamp(content: cms.ContentInfo, timestamper) -> cms.ContentInfo:
    signer_info = content["content"]["signer_infos"][0]
    unsigned = signer_info["unsigned_attrs"]
    present = unsigned.native is not None and any(
        a["type"].native == "signature_time_stamp_token" for a in unsigned)
    if present:
        return content
    value = signer_info["signature"].native
    token = aio.run(timestamper.async_timestamp(hashlib.sha256(value).digest(), "sha256"))
    attrs = list(unsigned) if unsigned.native is not None else []
    attrs.append(cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]}))
    signer_info["unsigned_attrs"] = cms.CMSAttributes(attrs)
    return cms.ContentInfo.load(content.dump(force=True))


def finish_with_cms(prepared: Prepared, cms_der: bytes, *, settings: EsignSettings,
                    timestamper=None) -> bytes:
    """Embed a CMS signature made elsewhere for ``prepared.digest``, then verify it."""
    try:
        content = cms.ContentInfo.load(cms_der)
        content["content"]["signer_infos"][0]  # noqa: B018 - parse now, fail early
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise SigningRefused("Chữ ký nhận về không phải là một chữ ký CMS hợp lệ.",
                             "bad_cms") from exc
    timestamper = pdfsign.timestamper_for(settings, timestamper)
    if timestamper is not None:
        content = _add_signature_timestamp(content, timestamper)
    if len(content.dump()) * 2 > prepared.end - prepared.start - 2:
        raise SigningRefused("Chữ ký nhận về quá lớn.", "cms_too_large")
    output = BytesIO(prepared.pdf)
    digest = PreparedByteRangeDigest(prepared.digest, prepared.start, prepared.end)
    aio.run(PdfTBSDocument.async_finish_signing(output, digest, content))
    signed = output.getvalue()
    _check_new_signature(signed, prepared.field, prepared.certificate_der, settings)
    return signed


def _check_new_signature(signed: bytes, field: str, certificate_der: bytes,
                         settings: EsignSettings) -> None:
    store = TrustStore(settings)
    report = verify_reader(pdfsign.open_pdf(signed), signed, store)
    mine = [s for s in report.signatures if s.field == field]
    if len(mine) != 1:
        raise SigningRefused("Không tìm thấy chữ ký mới trong tệp nhận về.", "signature_missing")
    sig = mine[0]
    if sig.certificate_der != certificate_der:
        raise SigningRefused(
            "Chữ ký nhận về không được ký bằng chứng thư đã đăng ký cho người ký này.",
            "certificate_mismatch")
    if not (sig.intact and sig.valid):
        raise SigningRefused("Chữ ký nhận về không khớp với văn bản đã chuẩn bị.",
                             "bad_signature")
    if not sig.trusted:
        raise SigningRefused("Chứng thư của chữ ký nhận về không được tin cậy.",
                             "certificate_untrusted")


def accept_signed_pdf(sent: bytes, returned: bytes, *, field: str,
                      expected_cert: asn1_x509.Certificate, settings: EsignSettings,
                      expected_texts: dict[str, str] | None = None) -> bytes:
    """A whole signed PDF from a plugin: the bytes we sent must be its start, unchanged;
    what it adds must be one signature (in ``field``, by ``expected_cert``) and permitted
    form filling (the number and date fields, with the values given)."""
    if len(returned) > settings.verify_max_bytes:
        raise SigningRefused("Tệp nhận về quá lớn.", "too_large")
    if not returned.startswith(sent):
        raise SigningRefused(
            "Tệp nhận về không giữ nguyên văn bản đã gửi đi ký.", "prepared_revision_changed")
    before = pdfsign.open_pdf(sent)
    after = pdfsign.open_pdf(returned)
    base = before.xrefs.total_revisions - 1
    if len(after.embedded_signatures) != len(before.embedded_signatures) + 1:
        raise SigningRefused("Tệp nhận về phải có đúng một chữ ký mới.", "signature_count")
    result = DEFAULT_DIFF_POLICY.review_file(after, base)
    if isinstance(result, SuspiciousModification) or \
            result.modification_level > ModificationLevel.FORM_FILLING:
        raise SigningRefused(
            "Tệp nhận về có thay đổi ngoài việc điền số, ngày và thêm chữ ký.",
            "unpermitted_change", {"detail": str(result)})
    new = after.embedded_signatures[-1]
    if new.field_name != field:
        raise SigningRefused("Chữ ký mới không nằm ở vị trí chữ ký đã chuẩn bị.", "wrong_field")
    for name, text in (expected_texts or {}).items():
        _, value = pdfsign.find_field(after, name)
        if str(value.get("/V", "")) != text:
            raise SigningRefused(f"Trường “{name}” không mang giá trị đã cấp.", "field_value",
                                 {"field": name})
    _check_new_signature(returned, field, expected_cert.dump(), settings)
    return returned


class RemoteClient:
    """The remote-signing service: POST a request, the person confirms on their device,
    the answer is polled (or pushed to ``callback_url``)."""

    def __init__(self, base_url: str, timeout: float = 10.0, poll_seconds: float = 0.2):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.poll_seconds = poll_seconds

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
            return json.loads(answer.read(64 * 1024 * 1024))

    def submit(self, account: str, kind: str, *, digest: bytes | None = None,
               pdf: bytes | None = None, params: dict | None = None,
               callback_url: str | None = None) -> str:
        """kind: "raw" (signature of a digest), "cms" (CMS for a digest), "pdf" (whole PDF)."""
        body = {"account": account, "kind": kind, "params": params or {},
                "callback_url": callback_url}
        if digest is not None:
            body["digest"] = digest.hex()
        if pdf is not None:
            body["pdf"] = base64.b64encode(pdf).decode()
        return self._call("POST", "/requests", body)["id"]

    def status(self, ticket: str) -> dict:
        return self._call("GET", f"/requests/{ticket}")

    def wait(self, ticket: str, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            answer = self.status(ticket)
            if answer["status"] == "done":
                return answer
            if answer["status"] == "refused":
                raise SigningRefused("Người ký đã từ chối yêu cầu ký.", "remote_refused")
            if time.monotonic() > deadline:
                raise SigningRefused("Hết thời gian chờ người ký xác nhận.", "remote_timeout")
            time.sleep(self.poll_seconds)
