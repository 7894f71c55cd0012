"""The edXML exchange package (QCVN 102:2016/BTTTT): the only place that knows the format.

Like app.esign it is a library below the services: it imports nothing of the application.
Public API (import these names from ``app.edxml``, never the private modules):

- data: Organ, DocumentType, Signer, MessageHeader, ResponseFor, TraceHeader, StaffInfo,
  ReplacementInfo, Business, Attachment, Package, StatusMessage; NEW/REVOKE/UPDATE/REPLACE,
  STATUS_NAMES, NS;
- build_package(package, signer) -> bytes; parse_package(data, max_bytes) -> Package;
  verify_package(data, max_bytes) -> certificate; open_package(data) -> (Package, cert);
- build_status(status, signer=None) -> bytes; parse_status(data) -> StatusMessage;
- organ ids and DocumentIds: organ_id_problem, is_organ_id, check_organ_id, document_id,
  split_document_id;
- EdxmlError(message (Vietnamese), code).
"""
from app.edxml.errors import EdxmlError
from app.edxml.ids import (
    ORGAN_ID_LENGTH,
    check_organ_id,
    document_id,
    is_organ_id,
    organ_id_problem,
    split_document_id,
)
from app.edxml.model import (
    BUSINESS_TYPES,
    NEW,
    REPLACE,
    REVOKE,
    STATUS_NAMES,
    UPDATE,
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
from app.edxml.package import (
    MAX_ATTACHMENT_BYTES,
    MAX_BYTES,
    NS,
    build_package,
    build_status,
    open_package,
    parse_package,
    parse_status,
    verify_package,
)

__all__ = [
    "BUSINESS_TYPES", "MAX_ATTACHMENT_BYTES", "MAX_BYTES", "NEW", "NS", "ORGAN_ID_LENGTH",
    "REPLACE", "REVOKE",
    "STATUS_NAMES", "UPDATE", "Attachment", "Business", "DocumentType", "EdxmlError",
    "MessageHeader", "Organ", "Package", "ReplacementInfo", "ResponseFor", "Signer",
    "StaffInfo", "StatusMessage", "TraceHeader", "build_package", "build_status",
    "check_organ_id", "document_id", "is_organ_id", "open_package", "organ_id_problem",
    "parse_package", "parse_status", "split_document_id", "verify_package",
]
