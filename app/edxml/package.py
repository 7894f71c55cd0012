"""Writing and reading the edXML package and the status messages (QCVN 102:2016/BTTTT).

Layout (shared/E-ISSUING.md §3.1): the root ``edXML`` in the namespace NS holds the
``edXMLEnvelope`` (``edXMLHeader``: MessageHeader, TraceHeaderList, Signature; ``edXMLBody``:
the manifest) and, outside the envelope, ``AttachmentEncoded`` with the base64 files. Every
element is in NS (written with it as the default namespace, no prefix: the same names).

Reading is safe: the size is checked before parsing; a DTD, DOCTYPE or entity is refused,
never loaded or resolved; nothing is fetched (lxml: resolve_entities=False, no_network=True,
load_dtd=False, huge_tree=False).
"""
import base64
import binascii
import re
from datetime import date, datetime, timedelta, timezone

from lxml import etree

from app.edxml import xmldsig
from app.edxml.errors import EdxmlError
from app.edxml.ids import check_organ_id, organ_id_problem, split_document_id
from app.edxml.model import (
    BUSINESS_TYPES,
    STATUS_NAMES,
    Attachment,
    Business,
    DocumentType,
    MessageHeader,
    Organ,
    Package,
    ReplacementInfo,
    ResponseFor,
    Signer,
    StaffInfo,
    StatusMessage,
    TraceHeader,
)

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
VIETNAM = timezone(timedelta(hours=7), "ICT")
MAX_BYTES = 40 * 1024 * 1024
_NSMAP = {"e": NS}
_DATE = "%Y/%m/%d"
_TIMESTAMP = "%Y/%m/%d %H:%M:%S"
# The safe parser (huge_tree=False) reads no text node over libxml2's 10,000,000 bytes: an
# attachment's base64 must stay under it (7,500,000 bytes of file). A larger file goes as
# several attachments; one is refused when written, so nothing is sent that cannot be read.
MAX_ATTACHMENT_BYTES = 7_500_000
_TOO_LONG = ("Một tệp đính kèm của gói tin vượt quá 7.500.000 byte, giới hạn của bộ đọc an "
             "toàn: hãy chia thành nhiều tệp đính kèm.")
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _add(parent, tag: str, text=None, **attrs):
    node = etree.SubElement(parent, _q(tag), **attrs)
    if text is not None:
        node.text = str(text)
    return node


def _fmt_date(value: date | None) -> str:
    return value.strftime(_DATE) if value else ""


def _fmt_time(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(VIETNAM)
    return value.strftime(_TIMESTAMP)


# --- writing -------------------------------------------------------------------------------

def _organ(parent, tag: str, organ: Organ):
    node = _add(parent, tag)
    _add(node, "OrganId", organ.organ_id)
    _add(node, "OrganizationInCharge", organ.organization_in_charge)
    _add(node, "OrganName", organ.name)
    _add(node, "OrganAdd", organ.address)
    _add(node, "Email", organ.email)
    _add(node, "Telephone", organ.telephone)
    _add(node, "Fax", organ.fax)
    _add(node, "Website", organ.website)
    return node


def _response_for(parent, response: ResponseFor):
    node = _add(parent, "ResponseFor")
    _add(node, "OrganId", response.organ_id)
    _add(node, "Code", response.code)
    _add(node, "PromulgationDate", _fmt_date(response.promulgation_date))
    _add(node, "DocumentId", response.document_id)


def _staff(parent, staff: StaffInfo):
    node = _add(parent, "StaffInfo")
    _add(node, "Department", staff.department)
    _add(node, "Staff", staff.staff)
    _add(node, "Mobile", staff.mobile)
    _add(node, "Email", staff.email)


def _message_header(parent, header: MessageHeader):
    node = _add(parent, "MessageHeader")
    _organ(node, "From", header.from_organ)
    for organ in header.to_organs:
        _organ(node, "To", organ)
    code = _add(node, "Code")
    _add(code, "CodeNumber", header.code_number)
    _add(code, "CodeNotation", header.code_notation)
    info = _add(node, "PromulgationInfo")
    _add(info, "Place", header.promulgation_place)
    _add(info, "PromulgationDate", _fmt_date(header.promulgation_date))
    kind = _add(node, "DocumentType")
    _add(kind, "Type", header.document_type.code)
    _add(kind, "TypeDetail", header.document_type.detail)
    _add(kind, "TypeName", header.document_type.name)
    _add(node, "Subject", header.subject)
    _add(node, "Content", header.content or header.subject)
    signer = _add(node, "SignerInfo")
    _add(signer, "Competence", header.signer.competence)
    _add(signer, "Position", header.signer.position)
    _add(signer, "FullName", header.signer.full_name)
    _add(node, "DueDate", _fmt_date(header.due_date))
    places = _add(node, "ToPlaces")
    for place in header.to_places:
        _add(places, "Place", place)
    other = _add(node, "OtherInfo")
    _add(other, "Priority", header.priority)
    _add(other, "SphereOfPromulgation", header.sphere_of_promulgation)
    _add(other, "TyperNotation", header.typer_notation)
    _add(other, "PromulgationAmount", header.promulgation_amount)
    _add(other, "PageAmount", header.page_amount)
    appendixes = _add(other, "Appendixes")
    for appendix in header.appendixes:
        _add(appendixes, "Appendix", appendix)
    for response in header.response_for:
        _response_for(node, response)
    _add(node, "SteeringType", header.steering_type)
    _add(node, "DocumentId", header.document_id)


def _trace_list(parent, package: Package):
    node = _add(parent, "TraceHeaderList", id="TraceHeaderList", version="1.0",
                mustUnderstand="1", actor="http://www.mic.gov.vn/TBT/QCVN_102_2016/actor/next")
    for trace in package.traces:
        hop = _add(node, "TraceHeader")
        _add(hop, "OrganId", trace.organ_id)
        _add(hop, "Timestamp", _fmt_time(trace.timestamp))
    business = package.business
    bus = _add(node, "Bussiness")
    _add(bus, "BussinessDocType", business.doc_type)
    _add(bus, "BussinessDocReason", business.reason)
    _add(bus, "DocumentId", business.document_id or package.header.document_id)
    _staff(bus, business.staff)
    _add(bus, "Paper", business.paper)
    replacements = _add(bus, "ReplacementInfoList")
    for item in business.replacement_info:
        info = _add(replacements, "ReplacementInfo")
        _add(info, "DocumentId", item.document_id)
        organs = _add(info, "OrganIdList")
        for organ_id in item.organ_ids:
            _add(organs, "OrganId", organ_id)


def _check_for_writing(package: Package):
    header = package.header
    check_organ_id(header.from_organ.organ_id)
    if not header.to_organs:
        raise EdxmlError("Gói tin phải có ít nhất một cơ quan nhận có mã định danh.",
                         "no_recipient")
    for organ in header.to_organs:
        check_organ_id(organ.organ_id)
    split_document_id(header.document_id)
    if package.business.doc_type not in BUSINESS_TYPES:
        raise EdxmlError("Loại nghiệp vụ phải là 0, 1, 2 hoặc 3.", "business_type_invalid")
    if package.business.doc_type == 3 and not package.business.replacement_info:
        raise EdxmlError("Gói thay thế (loại 3) phải nêu văn bản bị thay thế.",
                         "replacement_missing")
    for item in package.business.replacement_info:
        split_document_id(item.document_id)
    if any(len(a.data) > MAX_ATTACHMENT_BYTES for a in package.attachments):
        raise EdxmlError(_TOO_LONG, "attachment_too_large")
    ids = [a.content_id for a in package.attachments]
    if len(set(ids)) != len(ids):
        raise EdxmlError("Hai tệp đính kèm trùng ContentId.", "attachment_duplicate")


def build_package(package: Package, signer) -> bytes:
    """The signed edXML package as bytes (UTF-8, with the XML declaration)."""
    _check_for_writing(package)
    root = etree.Element(_q("edXML"), nsmap={None: NS})
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    _message_header(header, package.header)
    _trace_list(header, package)
    container = _add(header, "Signature")
    body = _add(envelope, "edXMLBody")
    manifest = _add(body, "edXMLManifest", version="1.0")
    for attachment in package.attachments:
        ref = etree.SubElement(manifest, _q("Reference"), nsmap={"xlink": XLINK})
        ref.set(f"{{{XLINK}}}href", f"cid:{attachment.content_id}")
        ref.set(f"{{{XLINK}}}type", "simple")
        _add(ref, "Description", attachment.description)
        _add(ref, "AttachmentName", attachment.name)
        _add(ref, "ContentType", attachment.content_type)
        _add(ref, "ContentId", attachment.content_id)
    encoded = _add(root, "AttachmentEncoded")
    for attachment in package.attachments:
        node = _add(encoded, "Attachment")
        _add(node, "ContentType", attachment.content_type)
        _add(node, "ContentId", attachment.content_id)
        _add(node, "Description", attachment.description)
        _add(node, "ContentTransferEncoded", base64.b64encode(attachment.data).decode("ascii"))
        _add(node, "AttachmentName", attachment.name)
    tree = etree.ElementTree(root)
    xmldsig.sign_tree(tree, container, signer)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def _status_tree(status: StatusMessage):
    if status.status_code not in STATUS_NAMES:
        raise EdxmlError("Mã trạng thái phải từ 01 đến 06.", "status_code_invalid")
    if status.status_code == "02" and not status.description.strip():
        raise EdxmlError("Trạng thái 02 (Từ chối tiếp nhận) phải nêu lý do.", "reason_missing")
    check_organ_id(status.from_organ.organ_id)
    root = etree.Element(_q("edXML"), nsmap={None: NS})
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    node = _add(header, "MessageHeader", type="MessageStatus")
    _response_for(node, status.response_for)
    _organ(node, "From", status.from_organ)
    _add(node, "StatusCode", status.status_code)
    _add(node, "Description", status.description)
    _add(node, "Timestamp", _fmt_time(status.timestamp or datetime.now(VIETNAM)))
    _staff(node, status.staff)
    container = _add(header, "Signature")
    return etree.ElementTree(root), container


def build_status(status: StatusMessage, signer=None) -> bytes:
    """A status message (01–06); signed like a package when ``signer`` is given."""
    tree, container = _status_tree(status)
    if signer is not None:
        xmldsig.sign_tree(tree, container, signer)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


# --- reading -------------------------------------------------------------------------------

def _parse_xml(data, max_bytes: int):
    if not isinstance(data, bytes | bytearray):
        raise EdxmlError("Gói tin phải là dữ liệu nhị phân (XML mã hóa UTF-8).", "malformed")
    if len(data) > max_bytes:
        raise EdxmlError(f"Gói tin quá lớn ({len(data)} byte, tối đa {max_bytes} byte).",
                         "too_large", {"size": len(data), "max_bytes": max_bytes})
    if not data.strip():
        raise EdxmlError("Gói tin rỗng.", "malformed")
    if _DTD_RE.search(data):
        raise EdxmlError("Gói tin có khai báo DTD/DOCTYPE hoặc thực thể (entity): không chấp "
                         "nhận.", "dtd_refused")
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EdxmlError("Gói tin phải được mã hóa UTF-8.", "encoding") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, dtd_validation=False, remove_blank_text=False)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        if "Text node too long" in str(exc):
            raise EdxmlError(_TOO_LONG, "attachment_too_large") from exc
        raise EdxmlError("Gói tin không phải XML hợp lệ.", "malformed",
                         {"error": str(exc)[:300]}) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None \
            or tree.docinfo.externalDTD is not None:
        raise EdxmlError("Gói tin có khai báo DTD/DOCTYPE: không chấp nhận.", "dtd_refused")
    if any(True for _ in root.iter(etree.Entity)):
        raise EdxmlError("Gói tin có tham chiếu thực thể (entity): không chấp nhận.",
                         "dtd_refused")
    if etree.QName(root).localname != "edXML":
        raise EdxmlError("Gốc của gói tin không phải edXML.", "not_edxml")
    if etree.QName(root).namespace != NS:
        raise EdxmlError(f"Gói tin không dùng không gian tên {NS} của QCVN 102:2016.",
                         "wrong_namespace", {"namespace": etree.QName(root).namespace})
    return tree


def _node(parent, path: str, required: bool = True):
    found = parent.find("/".join(f"e:{part}" for part in path.split("/")), _NSMAP)
    if found is None and required:
        raise EdxmlError(f"Gói tin thiếu phần tử bắt buộc {path}.", "missing_element",
                         {"element": path})
    return found


def _text(parent, path: str, required: bool = False) -> str:
    found = _node(parent, path, required)
    text = "" if found is None else (found.text or "").strip()
    if required and not text:
        raise EdxmlError(f"Phần tử bắt buộc {path} đang trống.", "missing_element",
                         {"element": path})
    return text


def _int(parent, path: str, default: int = 0) -> int:
    text = _text(parent, path)
    if not text:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise EdxmlError(f"Phần tử {path} phải là số.", "value_invalid",
                         {"element": path}) from exc


def _date(parent, path: str, required: bool = False) -> date | None:
    text = _text(parent, path, required)
    if not text:
        return None
    try:
        return datetime.strptime(text, _DATE).date()
    except ValueError as exc:
        raise EdxmlError(f"Ngày trong {path} phải có dạng YYYY/MM/DD.", "value_invalid",
                         {"element": path}) from exc


def _time(parent, path: str, required: bool = False) -> datetime | None:
    text = _text(parent, path, required)
    if not text:
        return None
    try:
        return datetime.strptime(text, _TIMESTAMP).replace(tzinfo=VIETNAM)
    except ValueError as exc:
        raise EdxmlError(f"Thời điểm trong {path} phải có dạng YYYY/MM/DD HH:MM:SS.",
                         "value_invalid", {"element": path}) from exc


def _read_organ(node, path: str) -> Organ:
    organ_id = _text(node, "OrganId", True)
    problem = organ_id_problem(organ_id)
    if problem:
        raise EdxmlError(f"{path}: {problem}", "organ_id_invalid", {"organ_id": organ_id})
    return Organ(organ_id=organ_id, name=_text(node, "OrganName"),
                 organization_in_charge=_text(node, "OrganizationInCharge"),
                 address=_text(node, "OrganAdd"), email=_text(node, "Email"),
                 telephone=_text(node, "Telephone"), fax=_text(node, "Fax"),
                 website=_text(node, "Website"))


def _read_response(node) -> ResponseFor:
    return ResponseFor(organ_id=_text(node, "OrganId"), code=_text(node, "Code"),
                       promulgation_date=_date(node, "PromulgationDate"),
                       document_id=_text(node, "DocumentId"))


def _read_staff(node) -> StaffInfo:
    if node is None:
        return StaffInfo()
    return StaffInfo(department=_text(node, "Department"), staff=_text(node, "Staff"),
                     mobile=_text(node, "Mobile"), email=_text(node, "Email"))


def _read_header(envelope) -> MessageHeader:
    node = _node(envelope, "edXMLHeader/MessageHeader")
    to_nodes = node.findall("e:To", _NSMAP)
    if not to_nodes:
        raise EdxmlError("Gói tin thiếu phần tử bắt buộc To.", "missing_element",
                         {"element": "To"})
    header = MessageHeader(
        from_organ=_read_organ(_node(node, "From"), "From"),
        to_organs=[_read_organ(to, "To") for to in to_nodes],
        code_number=_text(node, "Code/CodeNumber", True),
        code_notation=_text(node, "Code/CodeNotation", True),
        promulgation_place=_text(node, "PromulgationInfo/Place"),
        promulgation_date=_date(node, "PromulgationInfo/PromulgationDate", True),
        document_type=DocumentType(code=_int(node, "DocumentType/Type", 0),
                                   detail=_int(node, "DocumentType/TypeDetail", 0),
                                   name=_text(node, "DocumentType/TypeName")),
        subject=_text(node, "Subject", True),
        content=_text(node, "Content"),
        signer=Signer(competence=_text(node, "SignerInfo/Competence"),
                      position=_text(node, "SignerInfo/Position"),
                      full_name=_text(node, "SignerInfo/FullName")),
        due_date=_date(node, "DueDate"),
        to_places=[(p.text or "").strip()
                   for p in node.findall("e:ToPlaces/e:Place", _NSMAP)],
        priority=_int(node, "OtherInfo/Priority"),
        sphere_of_promulgation=_text(node, "OtherInfo/SphereOfPromulgation"),
        typer_notation=_text(node, "OtherInfo/TyperNotation"),
        promulgation_amount=_int(node, "OtherInfo/PromulgationAmount", 1),
        page_amount=_int(node, "OtherInfo/PageAmount"),
        appendixes=[(a.text or "").strip()
                    for a in node.findall("e:OtherInfo/e:Appendixes/e:Appendix", _NSMAP)],
        response_for=[_read_response(r) for r in node.findall("e:ResponseFor", _NSMAP)],
        steering_type=_int(node, "SteeringType"),
        document_id=_text(node, "DocumentId", True),
    )
    split_document_id(header.document_id)
    return header


def _read_business(trace_list, header: MessageHeader) -> tuple[list, Business]:
    traces = [TraceHeader(organ_id=_text(t, "OrganId"), timestamp=_time(t, "Timestamp"))
              for t in trace_list.findall("e:TraceHeader", _NSMAP)]
    bus = _node(trace_list, "Bussiness", required=False)
    if bus is None:
        return traces, Business(document_id=header.document_id)
    doc_type = _int(bus, "BussinessDocType")
    if doc_type not in BUSINESS_TYPES:
        raise EdxmlError("Loại nghiệp vụ (BussinessDocType) phải là 0, 1, 2 hoặc 3.",
                         "business_type_invalid")
    replacements = [
        ReplacementInfo(document_id=_text(r, "DocumentId", True),
                        organ_ids=[(o.text or "").strip()
                                   for o in r.findall("e:OrganIdList/e:OrganId", _NSMAP)])
        for r in bus.findall("e:ReplacementInfoList/e:ReplacementInfo", _NSMAP)]
    business = Business(doc_type=doc_type, reason=_text(bus, "BussinessDocReason"),
                        document_id=_text(bus, "DocumentId") or header.document_id,
                        paper=_int(bus, "Paper"),
                        staff=_read_staff(_node(bus, "StaffInfo", required=False)),
                        replacement_info=replacements)
    return traces, business


def _read_attachments(root, envelope) -> list[Attachment]:
    manifest = _node(envelope, "edXMLBody/edXMLManifest")
    listed = {}
    for ref in manifest.findall("e:Reference", _NSMAP):
        content_id = _text(ref, "ContentId", True)
        listed[content_id] = ref
    attachments = []
    for node in root.findall("e:AttachmentEncoded/e:Attachment", _NSMAP):
        content_id = _text(node, "ContentId", True)
        if content_id not in listed:
            raise EdxmlError(f"Tệp đính kèm {content_id} không có trong danh mục (manifest).",
                             "attachment_unlisted", {"content_id": content_id})
        try:
            data = base64.b64decode("".join(_text(node, "ContentTransferEncoded").split()),
                                    validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EdxmlError(f"Tệp đính kèm {content_id} không phải base64 hợp lệ.",
                             "attachment_invalid", {"content_id": content_id}) from exc
        attachments.append(Attachment(
            name=_text(node, "AttachmentName") or _text(listed[content_id], "AttachmentName"),
            content_type=_text(node, "ContentType"), content_id=content_id, data=data,
            description=_text(node, "Description")))
    missing = set(listed) - {a.content_id for a in attachments}
    if missing:
        raise EdxmlError("Danh mục nêu tệp đính kèm không có trong gói tin: "
                         + ", ".join(sorted(missing)), "attachment_missing",
                         {"content_ids": sorted(missing)})
    return attachments


def _read_package(tree) -> Package:
    root = tree.getroot()
    envelope = _node(root, "edXMLEnvelope")
    header = _read_header(envelope)
    traces, business = _read_business(_node(envelope, "edXMLHeader/TraceHeaderList"), header)
    return Package(header=header, traces=traces, business=business,
                   attachments=_read_attachments(root, envelope))


def parse_package(data: bytes, max_bytes: int = MAX_BYTES) -> Package:
    """The package read back (its signature NOT checked: see open_package/verify_package)."""
    return _read_package(_parse_xml(data, max_bytes))


def open_package(data: bytes, max_bytes: int = MAX_BYTES):
    """(Package, signer's certificate): read and signature checked, one parse."""
    tree = _parse_xml(data, max_bytes)
    package = _read_package(tree)
    return package, xmldsig.verify_tree(tree)


def verify_package(data: bytes, max_bytes: int = MAX_BYTES):
    """The signer's certificate (asn1crypto) when the package's XML signature holds over the
    whole document; EdxmlError otherwise. Whether that certificate is trusted (the sender's
    organisation, a trusted CA) is the caller's decision."""
    return open_package(data, max_bytes)[1]


def parse_status(data: bytes, max_bytes: int = 1024 * 1024) -> StatusMessage:
    """A status message read back; its signature, when it has one, must hold
    (``certificate`` is then the signer's, else None)."""
    tree = _parse_xml(data, max_bytes)
    node = _node(tree.getroot(), "edXMLEnvelope/edXMLHeader/MessageHeader")
    code = _text(node, "StatusCode", True)
    if code not in STATUS_NAMES:
        raise EdxmlError("Mã trạng thái phải từ 01 đến 06.", "status_code_invalid",
                         {"status_code": code})
    response = _node(node, "ResponseFor")
    status = StatusMessage(
        response_for=_read_response(response),
        from_organ=_read_organ(_node(node, "From"), "From"),
        status_code=code, description=_text(node, "Description"),
        timestamp=_time(node, "Timestamp"),
        staff=_read_staff(_node(node, "StaffInfo", required=False)))
    split_document_id(status.response_for.document_id)
    status.certificate = xmldsig.verify_tree(tree, required=False)
    return status
