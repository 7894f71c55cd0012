"""Incoming edXML packages for the Board (issue 23 item 6; NĐ 30 Điều 21).

A package arrives (uploaded on the «Văn bản đến» page, posted to the API, or taken from the
exchange's incoming path) and is checked before anyone may use it:

1. it is a well-formed edXML package in the QCVN 102 namespace, within the size limit, with
   no DTD or entity (app.edxml parses it: the only place that knows the format);
2. its XML signature holds over the whole document, attachments included (verify_package),
   and the signer's certificate is trusted: valid, not revoked, chained to the configured
   trust roots (the same as the PDFs' verification), not merely mathematically sound;
3. it is addressed to us: one of its To organs is ours (a Board unit's mã định danh, or the
   system's own EDXML_SYSTEM_ORGAN_ID);
4. it carries at least one PDF, and every PDF's signatures are valid (the same verifier as
   the public /xac-minh page).

A package that fails is kept as refused with the reason, and answered with a 02 (Từ chối
tiếp nhận) status message naming it and giving that reason (NĐ 30 Điều 21 k2): kept with the
row and, when the exchange is on, queued in the same transaction as an outbox row of channel
"edxml" to the sending organ (``exchange.enqueue_reply``: stable send id, retried, listed on
the outbox page); nothing of it is attached anywhere. A package that holds is listed as accepted; a
Board appraiser may attach its PDF to the dossier it belongs to (a file of that dossier).
A type-2 (update), 1 (revoke) or 3 (replace) package is listed with its business type and
never applied to anything by itself.

Input that is not a package at all (malformed XML, a DTD, another namespace, too large) is
refused with a clear error (Invalid, 422) and nothing is kept: there is nothing to answer.
"""
import io
import uuid

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc, today
from app.extensions import db
from app.models import Attachment, IncomingPackage, Unit, User, UserRole
from app.services import (
    dossiers,
    exchange,
    identities,
    paging,
    reference,
    steps,
    storage,
    verification,
)
from app.services.errors import Conflict, Invalid, NotFound
from app.services.permissions import require_role
from app.services.tx import on_rollback, transaction
from workflows.roles import APPRAISER, BOARD

SOURCES = ("upload", "api", "exchange")
STATUSES = {"accepted": "Đã kiểm tra, hợp lệ", "refused": "Từ chối tiếp nhận (đã trả lời 02)"}
BUSINESS = {0: "Văn bản mới", 1: "Thu hồi", 2: "Cập nhật (chỉ hiển thị, không tự áp dụng)",
            3: "Thay thế"}
PDF = "application/pdf"


def max_bytes() -> int:
    return int(float(current_app.config.get("EDXML_MAX_MB") or 40) * 1024 * 1024)


def our_organ_ids() -> set[str]:
    """The mã định danh a package for the Board may be addressed to: the units where the
    Board's people work, and the system's own id on the axis (direct mode)."""
    ours = set(db.session.scalars(
        sa.select(Unit.organ_id).join(User, User.unit_id == Unit.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(tuple(BOARD)), Unit.organ_id.is_not(None))).all())
    own = (current_app.config.get("EDXML_SYSTEM_ORGAN_ID") or "").strip()
    if own:
        ours.add(own)
    return {o for o in ours if o}


def _read(data: bytes):
    """(package, certificate) or Invalid when ``data`` is no package at all; (package,
    reason) is returned through ``_check`` for a package that fails a later check."""
    from app.edxml import EdxmlError, parse_package

    try:
        return parse_package(data, max_bytes())
    except EdxmlError as error:
        raise Invalid(f"Gói tin không hợp lệ: {error.message}", code="package_invalid",
                      details={"file": [error.message]}) from None


def _check(data: bytes, package) -> tuple[str | None, tuple | None]:
    """(the reason it is refused or None, (name, bytes) of its signed PDF)."""
    from app.edxml import EdxmlError, verify_package

    try:
        certificate = verify_package(data, max_bytes())
    except EdxmlError as error:
        return f"Chữ ký số của gói tin không hợp lệ: {error.message}", None
    untrusted = _sender_untrusted(certificate)
    if untrusted:
        return untrusted, None
    ours = our_organ_ids()
    to = [o.organ_id for o in package.header.to_organs]
    if not ours or not set(to) & ours:
        return ("Gói tin không gửi tới cơ quan này (mã định danh nơi nhận: "
                f"{', '.join(to) or 'không có'}).", None)
    pdfs = [a for a in package.attachments
            if a.content_type == PDF or a.name.lower().endswith(".pdf")]
    if not pdfs:
        return "Gói tin không có văn bản PDF kèm theo.", None
    for attachment in pdfs:
        try:
            report = verification.verify(attachment.data)
        except Invalid as error:
            return f"Tệp «{attachment.name}»: {error.message}", None
        if not report["signature_count"] or not report["all_valid"]:
            return f"Tệp «{attachment.name}»: {report['conclusion']}", None
    return None, (pdfs[0].name, pdfs[0].data)


def _sender_untrusted(certificate) -> str | None:
    """Why the package signer's certificate is not trusted, or None: it must be valid now,
    not revoked and chained to the configured trust roots (SIGNING_TRUST_ROOTS,
    SIGNING_INTERMEDIATES, SIGNING_CRLS: the same trust as the PDFs' verification and the
    signing identities). A signature that merely holds mathematically proves nothing of who
    made it; with no roots configured no sender is trusted, as no PDF is."""
    from app.esign import SigningRefused
    from app.esign.trust import TrustStore, check_certificate, describe

    try:
        check_certificate(TrustStore(identities.settings()), certificate)
    except SigningRefused as error:
        who = describe(certificate)
        name = who["organisation"] or who["name"] or "không rõ"
        if isinstance(name, list):
            name = ", ".join(name)
        return (f"Chứng thư số ký gói tin (của «{name}») không được tin cậy: "
                f"{error.message}")
    return None


def _reply(package, reason) -> bytes:
    """The 02 status message answering ``package`` with ``reason``."""
    from app.edxml import Organ, ResponseFor, StatusMessage, build_status

    header = package.header
    ours = sorted(our_organ_ids() & {o.organ_id for o in header.to_organs}) \
        or sorted(our_organ_ids()) or [o.organ_id for o in header.to_organs][:1]
    status = StatusMessage(
        response_for=ResponseFor(organ_id=header.from_organ.organ_id,
                                 code=f"{header.code_number}/{header.code_notation}",
                                 promulgation_date=header.promulgation_date,
                                 document_id=header.document_id),
        from_organ=Organ(organ_id=ours[0] if ours else "", name="Ban Thi đua - Khen thưởng"),
        status_code="02", description=reason, timestamp=now_utc())
    return build_status(status)


def receive(user, data: bytes, filename="", source="upload"):
    """Check one package and keep it (accepted, or refused with its 02 answer): for the
    Board (or the exchange's worker, ``user`` None). Returns the row."""
    if user is not None:
        require_role(user, BOARD, "nhận văn bản đến")
    if source not in SOURCES:
        raise ValueError(source)
    if not data:
        raise Invalid("Chọn tệp gói tin edXML.", code="file_missing",
                      details={"file": ["Tệp trống."]})
    package = _read(data)
    reason, pdf = _check(data, package)
    header = package.header
    with transaction():
        key = f"incoming/{uuid.uuid4().hex}.edxml"
        sha = storage.write_new(key, data)
        on_rollback(lambda: storage.remove(key))
        row = IncomingPackage(
            source=source, received_by_id=user.id if user else None,
            filename=storage.clean_filename(filename or "goi-tin.edxml"), size=len(data),
            sha256=sha, storage_key=key, document_id=(header.document_id or "")[:200],
            from_organ_id=(header.from_organ.organ_id or "")[:13],
            from_name=(header.from_organ.name or "")[:255],
            code=f"{header.code_number}/{header.code_notation}"[:120],
            promulgation_date=header.promulgation_date, subject=header.subject or "",
            business_type=package.business.doc_type,
            status="refused" if reason else "accepted", reason=reason)
        if reason:
            reply = _reply(package, reason)
            row.reply_key = f"incoming/{uuid.uuid4().hex}-02.xml"
            storage.write_new(row.reply_key, reply)
            on_rollback(lambda: storage.remove(row.reply_key))
        else:
            row.pdf_name = storage.clean_filename(pdf[0])
            row.pdf_sha256 = _keep_pdf(row, pdf[1])
        db.session.add(row)
        if reason:
            db.session.flush()
            exchange.enqueue_reply(row)
    return row


def _pdf_key(row) -> str:
    return f"{row.storage_key[:-len('.edxml')]}.pdf"


def _keep_pdf(row, data: bytes) -> str:
    key = _pdf_key(row)
    sha = storage.write_new(key, data)
    on_rollback(lambda: storage.remove(key))
    return sha


def listing(user, status=None, page=1, per_page=20):
    """«Văn bản đến»: the packages received, newest first, a page at a time in SQL; the
    Board only."""
    require_role(user, BOARD, "xem văn bản đến")
    if status is not None and status not in STATUSES:
        raise Invalid("Trạng thái không hợp lệ.", code="bad_status",
                      details={"status": list(STATUSES)})
    query = sa.select(IncomingPackage)
    if status:
        query = query.where(IncomingPackage.status == status)
    return paging.paginate(query.order_by(IncomingPackage.received_at.desc(),
                                          IncomingPackage.id.desc()), page, per_page)


def get(user, package_id) -> IncomingPackage:
    require_role(user, BOARD, "xem văn bản đến")
    row = db.session.get(IncomingPackage, package_id)
    if row is None:
        raise NotFound("Không tìm thấy văn bản đến.")
    return row


def reply_of(user, package_id) -> bytes:
    """The 02 status message that answered a refused package."""
    row = get(user, package_id)
    if row.reply_key is None:
        raise NotFound("Văn bản đến này không bị từ chối: không có thông điệp 02.")
    return storage.read(row.reply_key)


def attach(user, package_id, dossier_id, kind="to_trinh"):
    """A Board appraiser attaches an accepted package's signed PDF to the dossier it belongs
    to, as a file of that dossier (``kind``: a dossier attachment kind, or "other"); once."""
    require_role(user, APPRAISER, "gắn văn bản đến vào hồ sơ")
    per_dossier, _ = reference.attachment_requirements(today())
    if kind not in per_dossier and kind != "other":
        raise Invalid(f"Loại tài liệu «{kind}» không hợp lệ.", code="unknown_kind",
                      details={"kind": sorted(per_dossier) + ["other"]})
    with transaction():
        row = db.session.scalars(sa.select(IncomingPackage).where(
            IncomingPackage.id == package_id).with_for_update()).first()
        if row is None:
            raise NotFound("Không tìm thấy văn bản đến.")
        if row.status != "accepted":
            raise Conflict("Văn bản đến đã bị từ chối tiếp nhận: không gắn vào hồ sơ được.",
                           code="package_refused")
        if row.dossier_id is not None:
            raise Conflict("Văn bản đến này đã được gắn vào hồ sơ.", code="already_attached")
        dossier = steps.load(dossiers.KIND, dossier_id, user, lock=True)
        data = storage.read(_pdf_key(row), row.pdf_sha256)
        name, _ext, content_type, size, sha, key = storage.save_upload(
            io.BytesIO(data), row.pdf_name or "van-ban-den.pdf")
        on_rollback(lambda: storage.remove(key))
        attachment = Attachment(kind=kind, filename=name, content_type=content_type, size=size,
                                sha256=sha, storage_key=key, uploaded_by_id=user.id)
        dossier.attachments.append(attachment)
        db.session.flush()
        row.dossier_id, row.attachment_id = dossier.id, attachment.id
        row.attached_at, row.attached_by_id = now_utc(), user.id
    return row
