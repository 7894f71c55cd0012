"""Check every signature of a PDF, for the public verification page, the API and the steps
that must know a document is signed (NĐ 30 Điều 21 k2).

Nothing here fetches: the validation context has ``allow_fetching=False`` and knows only
the configured roots, intermediates and CRLs, and what the file embeds (the CMS
certificates, the DSS). A URL in an uploaded file's certificate is never called.
"""
import concurrent.futures
import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pyhanko.sign.validation import (
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

from app.esign import aio
from app.esign.errors import SigningRefused
from app.esign.settings import EsignSettings
from app.esign.trust import TrustStore

# pyHanko's ModificationLevel names, in words for the page.
CHANGES = {
    "NONE": "không thay đổi",
    "LTA_UPDATES": "chỉ thêm dữ liệu kiểm tra, dấu thời gian",
    "FORM_FILLING": "điền biểu mẫu, thêm chữ ký",
    "ANNOTATIONS": "thêm chú thích",
    "OTHER": "thay đổi nội dung",
}


@dataclass
class SignatureReport:
    index: int
    kind: str  # "signature" or "document_timestamp"
    field: str
    signer_name: str
    organisation: str
    serial: str
    certificate_der: bytes = field(repr=False)
    signing_time: datetime | None
    time_from_timestamp: bool
    intact: bool
    valid: bool
    trusted: bool
    coverage: str  # ENTIRE_FILE, ENTIRE_REVISION, …
    revision: int  # the revision the signature covers (0-based)
    modification_level: str  # what changed after it
    covers_document: bool  # later revisions add only validation data / doc timestamps
    docmdp_ok: bool | None
    bottom_line: bool
    timestamp_present: bool
    timestamp_valid: bool | None
    sub_filter: str
    md_algorithm: str
    revision_sha256: str
    summary: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("certificate_der")
        if self.signing_time:
            data["signing_time"] = self.signing_time.isoformat()
        return data


@dataclass
class VerificationReport:
    sha256: str
    size: int
    revisions: int
    signatures: list[SignatureReport]

    @property
    def all_valid(self) -> bool:
        return bool(self.signatures) and all(s.bottom_line for s in self.signatures)

    def as_dict(self) -> dict:
        return {"sha256": self.sha256, "size": self.size, "revisions": self.revisions,
                "signatures": [s.as_dict() for s in self.signatures]}


def verify_pdf(data: bytes, settings: EsignSettings, store: TrustStore | None = None
               ) -> VerificationReport:
    """Verify with a size limit and a time budget; refuse what is not a readable PDF."""
    from app.esign.pdfsign import open_pdf

    if len(data) > settings.verify_max_bytes:
        raise SigningRefused(
            f"Tệp quá lớn (tối đa {settings.verify_max_bytes // (1024 * 1024)} MB).",
            "too_large")
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        open_pdf(data)  # the same refusal, before any thread
    store = store or TrustStore(settings)
    # Parsing and checking run in a worker thread so a pathological file cannot hold the
    # request beyond the budget; the answer is a refusal, not a partial report. (The
    # thread itself runs on to its end: memory is bounded by the size limit.)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(lambda: verify_reader(open_pdf(data), data, store))
    try:
        return future.result(timeout=settings.verify_seconds)
    except concurrent.futures.TimeoutError as exc:
        raise SigningRefused("Kiểm tra tệp quá thời gian cho phép.", "too_slow") from exc
    except SigningRefused:
        raise
    except Exception as exc:  # a damaged structure surfaces deep in the parser
        raise SigningRefused("Tệp PDF bị hỏng, không kiểm tra được chữ ký.", "damaged_pdf",
                             {"error": repr(exc)}) from exc
    finally:
        pool.shutdown(wait=False)


def verify_reader(reader, data: bytes, store: TrustStore) -> VerificationReport:
    tz = ZoneInfo(store.settings.timezone)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None

    def context(sig):
        # the configured OCSP responder, asked about a certificate of a configured CA
        embedded = list(sig.signed_data["certificates"].native and [
            c.chosen for c in sig.signed_data["certificates"]] or [])
        ocsps = store.ocsp_responses(sig.signer_cert, embedded) if sig.signer_cert else []
        if dss is None:
            return store.context(ocsps=ocsps)
        return dss.as_validation_context({
            "trust_roots": list(store.roots), "other_certs": list(store.intermediates),
            "crls": list(store.crls()), "ocsps": ocsps, "allow_fetching": False,
            "revocation_mode": store.settings.revocation_mode,
        })

    reports = []
    for index, sig in enumerate(reader.embedded_signatures):
        reports.append(aio.run(_one(index, sig, data, lambda sig=sig: context(sig), tz)))
    return VerificationReport(hashlib.sha256(data).hexdigest(), len(data),
                              reader.xrefs.total_revisions, reports)


async def _one(index, sig, data, context, tz) -> SignatureReport:
    byte_range = [int(v) for v in sig.byte_range]
    end = byte_range[2] + byte_range[3]
    revision_sha = hashlib.sha256(data[:end]).hexdigest()
    cert = sig.signer_cert
    subject = cert.subject.native if cert is not None else {}
    sub_filter = str(sig.sig_object.get("/SubFilter", "")).lstrip("/")
    is_timestamp = sig.sig_object_type == "/DocTimeStamp"
    if is_timestamp:
        status = await async_validate_pdf_timestamp(sig, validation_context=context())
        when = status.timestamp
        ts_present, ts_valid, from_ts = True, status.valid and status.trusted, True
        docmdp_ok = None
    else:
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=context(), ts_validation_context=context())
        ts = status.timestamp_validity
        ts_present = ts is not None
        ts_valid = (ts.valid and ts.intact and ts.trusted) if ts is not None else None
        from_ts = ts is not None
        when = ts.timestamp if ts is not None else status.signer_reported_dt
        docmdp_ok = status.docmdp_ok
    coverage = status.coverage.name if status.coverage is not None else "UNCLEAR"
    level = status.modification_level.name if status.modification_level is not None \
        else "OTHER"
    covers = coverage == "ENTIRE_FILE" or level == "LTA_UPDATES"
    bottom = bool(status.bottom_line) if not is_timestamp else bool(
        status.intact and status.valid and status.trusted and level != "OTHER")
    report = SignatureReport(
        index=index, kind="document_timestamp" if is_timestamp else "signature",
        field=sig.field_name or "", signer_name=subject.get("common_name", "") or "",
        organisation=subject.get("organization_name", "") or "",
        serial=format(cert.serial_number, "x") if cert is not None else "",
        certificate_der=cert.dump() if cert is not None else b"",
        signing_time=when.astimezone(tz) if when else None, time_from_timestamp=from_ts,
        intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
        coverage=coverage, revision=int(sig.signed_revision), modification_level=level,
        covers_document=covers, docmdp_ok=docmdp_ok, bottom_line=bottom,
        timestamp_present=ts_present, timestamp_valid=ts_valid, sub_filter=sub_filter,
        md_algorithm=str(status.md_algorithm or ""), revision_sha256=revision_sha,
    )
    report.summary = _summary(report)
    return report


def _summary(r: SignatureReport) -> str:
    if not r.intact:
        return "Nội dung đã bị thay đổi sau khi ký: chữ ký không còn giá trị."
    if not r.valid:
        return "Chữ ký không hợp lệ."
    if not r.trusted:
        return "Chữ ký đúng nhưng chứng thư không thuộc tổ chức chứng thực được tin cậy."
    if not r.bottom_line:
        return f"Sau khi ký, văn bản có thay đổi không được phép ({CHANGES[r.modification_level]})."
    return f"Chữ ký hợp lệ; sau khi ký: {CHANGES.get(r.modification_level, r.modification_level)}."
