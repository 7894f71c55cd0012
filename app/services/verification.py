"""Verification for anyone (NĐ 30/2020 Điều 21 k2): a PDF's signatures, and whether it is
exactly a document the system keeps, with that document's register data.

A public surface: whoever uploads a file learns what its signatures say (app.esign, which
never fetches a URL named in the file) and, when its SHA-256 is a kept document's, only
what the register holds of it — kind, number, date, issuing body, the signer's name and
title as printed, status, hash. Never a nominee, a struck person, a reason or the item's
content. The per-document link (``verification_url``) shows the same register data.
"""
import hashlib
import re
import secrets
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.esign import EsignSettings, SigningRefused
from app.extensions import db
from app.models import (
    Campaign,
    Decision,
    Dossier,
    Plan,
    Registration,
    StoredDocument,
    Unit,
    User,
    VerificationLink,
)
from app.services import signing
from app.services.errors import Invalid, NotFound
from workflows import PROCESSES

ITEM_MODELS = {"campaign": Campaign, "plan": Plan, "dossier": Dossier, "decision": Decision,
               "registration": Registration}

# The kept files a verifier can hold: a final paper's PDF (its name ends "_pdf": the
# unsigned print, the signer's signed PDF, the issued one) and an uploaded signed scan.
# A kept DOCX is not a PDF and is refused before the register is looked at.
PDF_SUFFIXES = ("_pdf", "_signed")
# Kept PDFs that are a stage before issue, never the issued document itself.
BEFORE_ISSUE_SUFFIXES = ("_approved_pdf", "_prepared_pdf")

# A kept document's status, from the data (its row, its item's state).
STATUSES = {
    "in_force": "Đang có hiệu lực",
    "not_issued": "Chưa ban hành",
    "before_issue": "Bản trước khi ban hành, không phải bản đã ban hành",
    "replaced": "Đã được thay thế bằng văn bản khác",
    "revoked": "Đã bị thu hồi",
}
# An item state that revokes or replaces its papers (the exchange issue adds the steps:
# BussinessDocType 1 = thu hồi, 3 = thay thế); no process has them yet.
REVOKED_STATES = frozenset({"revoked"})
REPLACED_STATES = frozenset({"replaced"})

# pyHanko's ModificationLevel (app.esign.verify) in the page's words: what changed after
# a signature.
CHANGES_AFTER = {
    "NONE": "không có thay đổi nào sau chữ ký này",
    "LTA_UPDATES": "chỉ thêm dữ liệu kiểm tra chứng thư và dấu thời gian (vẫn là văn bản đã ký)",
    "FORM_FILLING": "chỉ điền số và ngày (điền biểu mẫu) và thêm chữ ký số",
    "ANNOTATIONS": "thêm chú thích sau khi ký (không được phép)",
    "OTHER": "sửa nội dung sau khi ký (không được phép)",
}
VERDICTS = {
    "valid": "Hợp lệ",
    "invalid": "Không hợp lệ",
    "untrusted": "Chưa xác định được nguồn tin cậy",
}
# A paper with its signer's signature only (app/services/esigning.py, NOT_ORIGINAL).
NOT_ORIGINAL = ("Chỉ có chữ ký số của người có thẩm quyền, không có chữ ký số của cơ quan "
                "(cơ quan không có Văn thư hoặc con dấu số trên hệ thống): không phải bản gốc "
                "điện tử.")
NOT_IN_REGISTER = ("Tệp này không có trong sổ đăng ký văn bản của hệ thống (không trùng với "
                   "văn bản nào hệ thống đã ban hành hoặc lưu).")


def max_bytes() -> int:
    return EsignSettings.from_config(current_app.config).verify_max_bytes


def read_upload(stream) -> bytes:
    """The uploaded file's bytes, read no further than one byte past the limit."""
    return stream.read(max_bytes() + 1)


def verify(data: bytes) -> dict:
    """The report on an uploaded file, as plain data with Vietnamese labels; a file that is
    not a PDF, is damaged, too large or too slow to check is refused (Invalid, 422)."""
    if not data:
        raise Invalid("Chọn tệp PDF cần xác minh.", details={"file": ["Tệp trống."]},
                      code="file_missing")
    settings = EsignSettings.from_config(current_app.config)
    from app.esign.verify import verify_pdf

    try:
        report = verify_pdf(data, settings)
    except SigningRefused as refused:
        # the message only: the parser's own words stay in the logs
        raise Invalid(refused.message, details={"file": [refused.message]},
                      code=refused.code) from None
    signatures = [_signature(s, report.revisions) for s in report.signatures]
    document = kept_by_hash(report.sha256)
    if document is None:
        register = kept_with_archive_updates(data, report)
    else:
        register = register_data(document)
    return {
        "sha256": report.sha256,
        "size": report.size,
        "revisions": report.revisions,
        "signature_count": len(signatures),
        "all_valid": report.all_valid,
        "conclusion": _conclusion(signatures),
        "tone": ("success" if report.all_valid else "danger"
                 if any(s["verdict"] == "invalid" for s in signatures) else "warning"),
        "signatures": signatures,
        "register": register or {
            "in_register": False, "text": NOT_IN_REGISTER, "sha256": report.sha256},
    }


def _when(value):
    return value.strftime("%d/%m/%Y %H:%M:%S") if value else ""


def _signature(r, revisions) -> dict:
    if not (r.intact and r.valid):
        verdict = "invalid"
    elif not r.trusted:
        verdict = "untrusted"
    else:  # trusted: and nothing forbidden was changed after it
        verdict = "valid" if r.bottom_line else "invalid"
    if r.coverage == "ENTIRE_FILE":
        covers = "toàn bộ tệp"
    else:
        covers = f"phiên bản {r.revision + 1} trong {revisions} phiên bản của tệp"
    if r.timestamp_present:
        stamp = ("có dấu thời gian hợp lệ" if r.timestamp_valid
                 else "có dấu thời gian nhưng không kiểm tra được")
    else:
        stamp = "không có dấu thời gian"
    timestamp = r.kind == "document_timestamp"
    return {
        "number": r.index + 1,
        "kind": r.kind,
        "kind_text": "Dấu thời gian của văn bản" if timestamp else "Chữ ký số",
        "signer": r.signer_name,
        "organisation": r.organisation,
        "signed_at": r.signing_time.isoformat() if r.signing_time else None,
        "signed_at_text": (f"{_when(r.signing_time)} (giờ Việt Nam, theo "
                           f"{'dấu thời gian' if r.time_from_timestamp else 'máy của người ký'})"
                           if r.signing_time else "không rõ"),
        "verdict": verdict,
        "verdict_text": VERDICTS[verdict],
        "intact": r.intact,
        "intact_text": "Nguyên vẹn" if r.intact else "Đã bị sửa sau khi ký",
        "valid": r.valid,
        "trusted": r.trusted,
        "trusted_text": ("Chứng thư thuộc tổ chức chứng thực được tin cậy" if r.trusted
                         else "Chưa xác định được nguồn tin cậy"),
        "revision": r.revision + 1,
        "covers_text": covers,
        "changes_after": r.modification_level,
        "changes_after_text": (CHANGES_AFTER.get(r.modification_level, r.modification_level)
                               if r.intact else "nội dung đã ký đã bị sửa"),
        "same_document": r.covers_document,
        "timestamp": r.timestamp_present,
        "timestamp_valid": r.timestamp_valid,
        "timestamp_text": stamp,
        "algorithm": r.md_algorithm,
        "summary": r.summary,
    }


def _conclusion(signatures) -> str:
    if not signatures:
        return "Tệp không có chữ ký số."
    bad = [s for s in signatures if s["verdict"] == "invalid"]
    if bad:
        return (f"Không hợp lệ: {len(bad)} trong {len(signatures)} chữ ký không hợp lệ "
                f"hoặc tệp đã bị sửa sau khi ký.")
    unknown = [s for s in signatures if s["verdict"] == "untrusted"]
    if unknown:
        return ("Các chữ ký đúng nhưng chưa xác định được nguồn tin cậy của "
                f"{len(unknown)} chữ ký.")
    return f"Hợp lệ: cả {len(signatures)} chữ ký đều hợp lệ, tệp nguyên vẹn."


# -- the register ---------------------------------------------------------------------------


def kept_by_hash(sha256: str) -> StoredDocument | None:
    """The kept PDF whose bytes have this SHA-256 (the current one first), or None."""
    rows = db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.sha256 == sha256).order_by(
        StoredDocument.superseded_at.is_not(None), StoredDocument.id.desc())).all()
    return next((r for r in rows if r.name.endswith(PDF_SUFFIXES)), None)


_EOF = re.compile(rb"%%EOF[ \t]*(?:\r\n|\r|\n)?")
LATER_ARCHIVE_UPDATES = ("Tệp này là văn bản trong sổ đăng ký của hệ thống; sau khi ban hành "
                         "chỉ được thêm dữ liệu kiểm tra chứng thư hoặc dấu thời gian lưu trữ "
                         "(vẫn là cùng một văn bản).")


def kept_with_archive_updates(data: bytes, report) -> dict | None:
    """The register data when ``data`` is a kept PDF followed only by revisions that add
    validation data or document timestamps (PAdES B-LTA renewals by an archive): the same
    document. None otherwise. One query for every earlier revision's hash."""
    ends = sorted({m.end() for m in _EOF.finditer(data)} | {m.start() + 5
                                                            for m in _EOF.finditer(data)})
    ends = [e for e in ends if e < len(data)]
    if not ends:
        return None
    hashes = {e: hashlib.sha256(data[:e]).hexdigest() for e in ends}
    rows = {}
    for r in db.session.scalars(sa.select(StoredDocument).where(
            StoredDocument.sha256.in_(set(hashes.values()))).order_by(
            StoredDocument.superseded_at.is_not(None), StoredDocument.id.desc())):
        if r.name.endswith(PDF_SUFFIXES):
            rows.setdefault(r.sha256, r)  # the current one first
    matched = max((e for e, h in hashes.items() if h in rows), default=None)
    if matched is None:
        return None
    inside = {h for e, h in hashes.items() if e <= matched}
    before = [s for s in report.signatures if s.revision_sha256 in inside]
    after = [s for s in report.signatures if s.revision_sha256 not in inside]
    if not before or before[-1].modification_level not in ("NONE", "LTA_UPDATES"):
        return None
    if not all(s.kind == "document_timestamp" and s.intact and s.valid for s in after):
        return None
    found = register_data(rows[hashes[matched]])
    found["text"] = LATER_ARCHIVE_UPDATES
    found["archive_updates"] = True
    return found


def _paper(name: str) -> str:
    """The paper a kept file is of: "decision_issued_pdf", "decision_pdf",
    "decision_signed" → "decision"."""
    for suffix in ("_issued_pdf", "_approved_pdf", "_prepared_pdf", "_pdf", "_signed"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _label(number, symbol):
    return f"{number:02d}/{symbol}" if number and symbol else (str(number) if number else "")


def _facts(kind, item, paper):
    """(number, date, issuing unit, signer) of one paper, as the register holds them."""
    if kind == "campaign":
        return item.launch_number or "", item.launch_date, item.issuer, item.signer
    if kind in ("plan", "dossier", "registration"):
        signer = db.session.get(User, item.signed_by_id) if item.signed_by_id else None
        if paper == "minutes":
            return (str(item.council_minutes_number or ""), item.council_meeting_date,
                    item.unit, None)
        return _label(item.number, item.symbol), item.signed_on, item.unit, signer
    if paper == "proposal":
        signer = item.proposal_signed_by
        return (_label(item.proposal_number, item.proposal_symbol), item.proposal_date,
                signer.unit if signer else None, signer)
    return _label(item.number, item.symbol), item.issued_on, item.campaign.issuer, \
        item.approved_by


def _status(kind, item, row, paper) -> str:
    """In force, not issued yet, replaced or revoked: from the row and the item's state."""
    if item.state in REVOKED_STATES:
        return "revoked"
    if row.superseded_at is not None or item.state in REPLACED_STATES:
        return "replaced"
    if _head_only(kind, item, row, paper):
        pass  # the signer's signed PDF is the paper as issued (no Văn thư to seal it)
    elif row.name.endswith(BEFORE_ISSUE_SUFFIXES) or (
            row.name == f"{paper}_pdf" and _issued_copy(kind, item.id, paper)):
        return "before_issue"  # the print or the signer's copy of an electronically issued paper
    finals = PROCESSES[kind].final_states.get(paper, frozenset())
    return "in_force" if item.state in finals else "not_issued"


def _head_only(kind, item, row, paper) -> bool:
    """A paper its signer signed digitally and that was numbered at his step: his body has
    no Văn thư (or no seal) in the system, so it carries his signature only."""
    if not row.name.endswith("_approved_pdf") or kind == "decision" and paper == "decision":
        return False
    number = item.proposal_number if kind == "decision" else item.number
    return number is not None and not _issued_copy(kind, item.id, paper)


def _original(kind, item, row, paper) -> tuple[bool, str]:
    """Whether the file is an electronic original (NĐ 30 Điều 5: signed by the competent
    person and by the organisation), in words."""
    if row.name.endswith("_issued_pdf"):
        return True, ("Bản gốc điện tử: có chữ ký số của người có thẩm quyền và của cơ quan "
                      "ban hành.")
    if _head_only(kind, item, row, paper):
        return False, NOT_ORIGINAL
    return False, "Không phải bản gốc điện tử."


def _issued_copy(kind, item_id, paper) -> bool:
    """Whether the paper was issued electronically (its sealed PDF is kept)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.name == f"{paper}_issued_pdf",
        StoredDocument.superseded_at.is_(None))) > 0


def register_data(row: StoredDocument) -> dict:
    """What the register holds of a kept document, and nothing else of its item."""
    kind, paper = row.item_type, _paper(row.name)
    item = db.session.get(ITEM_MODELS[kind], row.item_id)
    number, dated, issuer, signer = _facts(kind, item, paper)
    lines = signing.recorded(kind, item.id, paper) or ()
    status = _status(kind, item, row, paper)
    original = _original(kind, item, row, paper)
    if isinstance(issuer, Unit):
        issuer = issuer.name
    return {
        "in_register": True,
        "text": "Tệp này trùng khớp từng byte với văn bản trong sổ đăng ký của hệ thống.",
        "kind": PROCESSES[kind].documents.get(paper, paper),
        "number": number,
        "date": dated.isoformat() if isinstance(dated, date) else None,
        "date_text": dated.strftime("%d/%m/%Y") if isinstance(dated, date) else "",
        "issuer": issuer or "",
        "signer_name": signer.full_name if signer else "",
        "signer_title": "\n".join(lines) or (signer.signing_title or "" if signer else ""),
        "status": status,
        "status_text": STATUSES[status],
        "electronic_original": original[0],
        "original_text": original[1],
        "sha256": row.sha256,
    }


# -- the per-document link (the QR code's) ---------------------------------------------------


def link_token(document: StoredDocument) -> str:
    """The document's verification token, made the first time it is asked for, in the
    caller's transaction (commit it); two first asks at once keep one."""
    found = db.session.scalar(sa.select(VerificationLink.token).where(
        VerificationLink.document_id == document.id))
    if found:
        return found
    token = secrets.token_urlsafe(16)
    try:
        with db.session.begin_nested():
            db.session.add(VerificationLink(document_id=document.id, token=token))
    except IntegrityError:  # someone made it meanwhile
        return db.session.scalar(sa.select(VerificationLink.token).where(
            VerificationLink.document_id == document.id))
    return token


def verification_url(document: StoredDocument) -> str:
    """The public address of the document's verification page, for its QR code."""
    return url_of(link_token(document))


def new_token() -> str:
    """A token for a QR code printed before its document is kept (the PDF the signer
    signs carries it); ``attach_token`` links it once the printed file is kept."""
    return secrets.token_urlsafe(16)


def url_of(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/xac-minh/{token}"


def attach_token(document: StoredDocument, token: str) -> None:
    """Link the printed QR code's token to the kept print, in the caller's transaction."""
    db.session.flush()  # the row's id
    db.session.add(VerificationLink(document_id=document.id, token=token))


def _current_stage(row: StoredDocument) -> StoredDocument:
    """A QR code is printed on the PDF the signer signs; once the paper is issued
    electronically, its link shows the issued document (the print's register data else)."""
    if not row.name.endswith("_prepared_pdf") or row.superseded_at is not None:
        return row
    issued = db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == row.item_type, StoredDocument.item_id == row.item_id,
        StoredDocument.name == f"{_paper(row.name)}_issued_pdf",
        StoredDocument.superseded_at.is_(None))).first()
    return issued or row


def by_token(token: str) -> dict:
    """The register data of the document a verification link names; any other token is a
    404 (one indexed lookup of a 128-bit random value: nothing to learn from timing)."""
    if not token or len(token) > 64:
        raise NotFound("Không tìm thấy văn bản của đường dẫn xác minh này.",
                       code="no_such_link")
    row = db.session.scalars(sa.select(StoredDocument).join(
        VerificationLink, VerificationLink.document_id == StoredDocument.id).where(
        VerificationLink.token == token)).first()
    if row is None:
        raise NotFound("Không tìm thấy văn bản của đường dẫn xác minh này.",
                       code="no_such_link")
    return register_data(_current_stage(row))
