"""The edXML package as plain data (QCVN 102:2016/BTTTT, as reconstructed in
shared/E-ISSUING.md §3). No XML here: app.edxml.package writes and reads it."""
from dataclasses import dataclass, field
from datetime import date, datetime

# Bussiness/BussinessDocType
NEW, REVOKE, UPDATE, REPLACE = 0, 1, 2, 3
BUSINESS_TYPES = (NEW, REVOKE, UPDATE, REPLACE)

# Status codes (§3.3) and their Vietnamese names
STATUS_NAMES = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
}


@dataclass
class Organ:
    organ_id: str
    name: str
    organization_in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass
class DocumentType:
    code: int = 1
    name: str = "Quyết định"
    detail: int = 0


@dataclass
class Signer:
    competence: str = ""   # TM., KT., Q., TL., TUQ. (with the body it signs for)
    position: str = ""
    full_name: str = ""


@dataclass
class ResponseFor:
    organ_id: str
    code: str               # "number/symbol"
    promulgation_date: date
    document_id: str


@dataclass
class MessageHeader:
    from_organ: Organ
    to_organs: list[Organ]
    code_number: str
    code_notation: str
    promulgation_place: str
    promulgation_date: date
    document_type: DocumentType
    subject: str
    content: str = ""
    signer: Signer = field(default_factory=Signer)
    due_date: date | None = None
    to_places: list[str] = field(default_factory=list)
    priority: int = 0
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int = 1
    page_amount: int = 0
    appendixes: list[str] = field(default_factory=list)
    response_for: list[ResponseFor] = field(default_factory=list)
    steering_type: int = 0
    document_id: str = ""


@dataclass
class TraceHeader:
    organ_id: str
    timestamp: datetime


@dataclass
class StaffInfo:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass
class ReplacementInfo:
    document_id: str
    organ_ids: list[str] = field(default_factory=list)


@dataclass
class Business:
    doc_type: int = NEW
    reason: str = ""
    document_id: str = ""
    paper: int = 0
    staff: StaffInfo = field(default_factory=StaffInfo)
    replacement_info: list[ReplacementInfo] = field(default_factory=list)


@dataclass
class Attachment:
    name: str
    content_type: str
    content_id: str
    data: bytes
    description: str = ""


@dataclass
class Package:
    header: MessageHeader
    traces: list[TraceHeader] = field(default_factory=list)
    business: Business = field(default_factory=Business)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class StatusMessage:
    response_for: ResponseFor
    from_organ: Organ
    status_code: str
    description: str = ""
    timestamp: datetime | None = None
    staff: StaffInfo = field(default_factory=StaffInfo)
    certificate: object = None   # set by parse_status when the message is signed

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status_code, "")
