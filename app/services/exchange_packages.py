"""The edXML package of an issued decision (QCVN 102:2016/BTTTT; issue 23).

The package is built from the register (number, symbol, date of issue), the decision
(trích yếu, Nơi nhận), the signer of the decision (authority, title, name, as printed)
and the issued signed PDF itself (byte-identical: the electronic original the public
verification looks up by hash). It is signed with the ISSUING BODY's key (the Văn thư's
seal), through the same key resolution and checks as the seal on the PDF
(``identities.signing_key`` and ``esigning`` trust checks): an XMLDSig over the whole
document, attachments included (app.edxml).

From, by ``EDXML_MODE``: "handoff" (the default) — EDXML_HANDOFF_ORGAN_ID, or when empty
the issuing body's own mã định danh (the Office's document system that sends on for it);
"direct" — EDXML_SYSTEM_ORGAN_ID, the product's own system id on the axis. The
DocumentId always names the issuing body: ``OrganId,YYYY/MM/DD,number/symbol``.

Only recipients with a mã định danh get a To; the others keep receiving by mail.
"""
import time

from flask import current_app

from app import docgen, edxml
from app.clock import now_utc
from app.esign import SigningRefused
from app.services import decisions, documents, esigning, identities, steps, storage
from app.services.errors import Conflict, Invalid
from app.services.permissions import require_role
from workflows.roles import BOARD, CLERK

KIND = "decision"
HANDOFF, DIRECT = "handoff", "direct"
# QCVN 102 leaves the numeric DocumentType codes to the catalogue each axis uses; the
# products seen number "Quyết định" 1. The name is what readers show.
DOCUMENT_TYPES = {"QĐ": (1, "Quyết định")}
PDF = "application/pdf"
# Who may download a decision's package (the Office, the Board).
DOWNLOADERS = BOARD | CLERK

def mode() -> str:
    return current_app.config.get("EDXML_MODE") or HANDOFF


def max_bytes() -> int:
    return int(float(current_app.config.get("EDXML_MAX_MB") or 40) * 1024 * 1024)


def _organ(unit) -> edxml.Organ:
    return edxml.Organ(organ_id=unit.organ_id or "", name=unit.name,
                       email=unit.email or "",
                       organization_in_charge=(unit.parent.name if unit.parent else ""))


def from_organ(issuer) -> edxml.Organ:
    """The package's From by the settings (see the module's docstring)."""
    config = current_app.config
    if mode() == DIRECT:
        organ_id = config.get("EDXML_SYSTEM_ORGAN_ID") or ""
        if not organ_id:
            raise Invalid("Chế độ gửi trực tiếp cần mã định danh hệ thống "
                          "(EDXML_SYSTEM_ORGAN_ID); báo quản trị hệ thống.",
                          code="edxml_system_id_missing")
    else:
        organ_id = config.get("EDXML_HANDOFF_ORGAN_ID") or issuer.organ_id or ""
    return edxml.Organ(organ_id=organ_id, name=issuer.name, email=issuer.email or "",
                       organization_in_charge=(issuer.parent.name if issuer.parent else ""))


def document_id_of(decision) -> str:
    """The decision's DocumentId (``OrganId,YYYY/MM/DD,number/symbol``)."""
    issuer = decision.campaign.issuer
    if not issuer.organ_id:
        raise Invalid(f"Đơn vị ban hành «{issuer.name}» chưa có mã định danh: "
                      "quản trị hệ thống nhập mã định danh ở trang Đơn vị.",
                      code="issuer_organ_id_missing")
    if decision.number is None or not decision.symbol or decision.issued_on is None:
        raise Conflict("Quyết định chưa có số, ký hiệu và ngày ban hành.", code="not_issued")
    return edxml.document_id(issuer.organ_id, decision.issued_on, decision.number,
                             decision.symbol)


def _recipients(decision, to_organs) -> list:
    if to_organs is not None:
        organs = [o if isinstance(o, edxml.Organ) else
                  edxml.Organ(organ_id=o["organ_id"], name=o.get("name") or o["organ_id"])
                  if isinstance(o, dict) else edxml.Organ(organ_id=o, name=o)
                  for o in to_organs]
    else:
        organs = [edxml.Organ(organ_id=r.organ_id, name=r.label)
                  for r in decision.recipients if r.organ_id]
    if not organs:
        raise Invalid("Không nơi nhận nào của quyết định có mã định danh: quyết định chỉ gửi "
                      "qua thư điện tử, không có gói tin điện tử.",
                      code="no_recipient_with_organ_id")
    return organs


def _signer(decision) -> edxml.Signer:
    """The authority, title and name as printed above the signature."""
    ctx = documents.context(KIND, decision, "decision", draft=False)
    signature = ctx.signer.signature()
    lines = list(signature.authority)
    return edxml.Signer(competence=" ".join(lines[:-1]) if len(lines) > 1 else "",
                        position=lines[-1] if lines else "", full_name=signature.name)


def _business(decision, business_type, reason, replaces, organs) -> edxml.Business:
    if business_type not in (edxml.NEW, edxml.REVOKE, edxml.REPLACE):
        raise Invalid("Loại gói tin phải là 0 (mới), 1 (thu hồi, hủy bỏ) hoặc 3 (thay thế); "
                      "hệ thống không gửi gói cập nhật (loại 2).", code="business_type")
    if business_type in (edxml.REVOKE, edxml.REPLACE) and not replaces:
        raise Invalid("Gói thu hồi, hủy bỏ hoặc thay thế phải nêu mã văn bản cũ (DocumentId).",
                      code="replaces_missing")
    if replaces:
        try:
            edxml.split_document_id(replaces)
        except edxml.EdxmlError as exc:
            raise Invalid(exc.message, code=exc.code) from None
    replacement = ([edxml.ReplacementInfo(document_id=replaces,
                                          organ_ids=[o.organ_id for o in organs])]
                   if replaces else [])
    return edxml.Business(doc_type=business_type, reason=reason or "",
                          replacement_info=replacement)


def organisation_key(decision):
    """The issuing body's key, checked as for its seal on the PDF (registered certificate,
    valid now, chained to a trusted root). Only a server-side key (file or HSM) signs a
    package on demand; a key on the Văn thư's own token cannot answer a download."""
    organisation = identities.of_unit(decision.campaign.issuer_unit_id)
    if organisation is None:
        raise Invalid("Đơn vị ban hành chưa đăng ký chữ ký số của cơ quan: không ký được "
                      "gói tin.", code="no_organisation_key")
    if not identities.server_side(organisation):
        raise Invalid("Khóa của cơ quan nằm trên thiết bị của Văn thư (ký từ xa): gói tin "
                      "edXML chỉ ký được bằng khóa của cơ quan đặt tại máy chủ (tệp khóa "
                      "hoặc HSM).", code="organisation_key_remote")
    key, _cert, _store = esigning.organisation_key_checked(organisation)
    return key


def build(decision, business_type=edxml.NEW, reason=None, replaces=None, to_organs=None,
          key=None) -> bytes:
    """The signed package of ``decision`` (already loaded and scoped by the caller)."""
    started = time.perf_counter()
    issued = esigning.issued_pdf(decision.id)
    if issued is None or decision.state != "issued":
        raise Conflict("Quyết định chưa được ban hành điện tử: chưa có gói tin edXML.",
                       code="not_issued_electronically")
    issuer = decision.campaign.issuer
    doc_id = document_id_of(decision)
    organs = _recipients(decision, to_organs)
    data = storage.read(issued.storage_key, issued.sha256)
    code, type_name = DOCUMENT_TYPES.get("QĐ")
    sender = from_organ(issuer)
    header = edxml.MessageHeader(
        from_organ=sender, to_organs=organs,
        code_number=str(decision.number), code_notation=decision.symbol,
        promulgation_place=issuer.place, promulgation_date=decision.issued_on,
        document_type=edxml.DocumentType(code=code, name=type_name),
        subject=decision.title, content=decision.title, signer=_signer(decision),
        to_places=[r.label for r in decision.recipients],
        page_amount=docgen.page_count(data), document_id=doc_id,
        promulgation_amount=1)
    package = edxml.Package(
        header=header,
        traces=[edxml.TraceHeader(organ_id=sender.organ_id, timestamp=now_utc())],
        business=_business(decision, business_type, reason, replaces, organs),
        attachments=[edxml.Attachment(
            name=issued.filename, content_type=PDF,
            content_id=f"{issued.sha256[:32]}@decision-{decision.id}", data=data,
            description="Quyết định điện tử đã ban hành (PDF ký số)")])
    own_key = key is None
    key = key or organisation_key(decision)
    try:
        try:
            out = edxml.build_package(package, key)
        except SigningRefused as exc:
            raise identities.refused(exc) from None
        except edxml.EdxmlError as exc:
            raise Invalid(exc.message, code=exc.code, details=exc.details) from None
    finally:
        if own_key:
            key.close()
    current_app.logger.debug("edXML package of decision %s: %d bytes in %.3f s", decision.id,
                             len(out), time.perf_counter() - started)
    return out


def package_for(decision, business_type=0, reason=None, replaces=None, to_organs=None) -> bytes:
    """The signed edXML package of an issued decision, for the exchange and the recall
    (types 1 and 3 name the old DocumentId in ``replaces``). ``to_organs``: organ ids (or
    edxml.Organ, or {"organ_id", "name"}); default: the Nơi nhận with a mã định danh."""
    return build(decision, business_type, reason, replaces, to_organs)


def filename_of(decision) -> str:
    stem = f"QD-{decision.number}-{decision.issued_on:%Y%m%d}" if decision.number \
        else f"QD-{decision.id}"
    return f"{stem}.edxml"


def download(user, decision_id) -> tuple[bytes, str]:
    """(package, file name) for the Office or the Board; the decision scoped as its page."""
    require_role(user, DOWNLOADERS, "tải gói tin edXML của quyết định")
    decision = steps.load(decisions.KIND, decision_id, user)
    return package_for(decision), filename_of(decision)


def panel(user, decision) -> dict | None:
    """What the decision page says of the package: None for those who may not download
    it; else whether it can be made now and, if not, why (in Vietnamese)."""
    if not (user.roles & DOWNLOADERS) or decision.state != "issued":
        return None
    if esigning.issued_pdf(decision.id) is None:
        return {"available": False,
                "reason": "Quyết định ban hành bản giấy: không có gói tin điện tử."}
    if not decision.campaign.issuer.organ_id:
        return {"available": False,
                "reason": "Đơn vị ban hành chưa có mã định danh (trang Đơn vị)."}
    with_id = [r for r in decision.recipients if r.organ_id]
    if not with_id:
        return {"available": False,
                "reason": "Không nơi nhận nào có mã định danh: quyết định chỉ gửi qua thư."}
    return {"available": True, "recipients": [r.label for r in with_id],
            "by_mail": [r.label for r in decision.recipients if not r.organ_id and r.email],
            "document_id": document_id_of(decision), "mode": mode()}
