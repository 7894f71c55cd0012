"""What a formal document says, before it is laid out: plain data, no python-docx.

``compose.py`` fills these from the records; ``render.py`` lays them out in the
Nghị định 30/2020 format. A second province changes the data, never this code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Letterhead:
    issuer: tuple[str, ...]  # tên cơ quan ban hành, printed bold in capitals (1–2 lines)
    number: str  # "Số: 05/QĐ-UBND", or "Số:      /QĐ-UBND" on a draft
    place_date: str  # "Lạng Sơn, ngày 05 tháng 9 năm 2019", or blanks on a draft
    parent: str | None = None  # tên cơ quan chủ quản, upright capitals
    subject: str | None = None  # a công văn's "V/v …" line, under its number


@dataclass(frozen=True)
class Signature:
    authority: tuple[str, ...]  # e.g. ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") or ("CHỦ TỊCH",)
    name: str


@dataclass(frozen=True)
class Para:
    """A body paragraph. ``style``: body, basis (Căn cứ, italic), heading (bold), article
    (its ``lead`` "Điều 1." in bold, then the text), centered_bold, note (italic)."""

    text: str
    style: str = "body"
    lead: str = ""


@dataclass(frozen=True)
class ListSection:
    heading: str  # "I. TẬP THỂ (02)"
    entries: tuple[str, ...]  # numbered in order: "1. Phòng …;"


@dataclass(frozen=True)
class Appendix:
    title: str  # "DANH SÁCH"
    subtitle: str  # "TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG …"
    reference: str  # "(Kèm theo Quyết định số … ngày … của …)"
    sections: tuple[ListSection, ...]


@dataclass(frozen=True)
class FormalDocument:
    letterhead: Letterhead
    kind_title: str | None  # "QUYẾT ĐỊNH", "TỜ TRÌNH", "KẾ HOẠCH", "BIÊN BẢN"; None: công văn
    summary: str | None  # trích yếu: "Về việc tặng Bằng khen …"
    body: tuple[Para, ...]
    signature: Signature
    recipients: tuple[str, ...] = ()  # Nơi nhận entries, printed 11 pt
    authority_line: str | None = None  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"
    addressee: str | None = None  # "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn."
    # A công văn's Kính gửi, one body a line ("- Sở Y tế;"), or on one line when alone.
    addressees: tuple[str, ...] = ()
    appendix: Appendix | None = None
    draft: bool = False
    title_for_properties: str = ""
    left_signature: Signature | None = None  # minutes: the secretary signs left, no Nơi nhận
    # Document properties: the issuing body as author, the moment of generation (UTC).
    author: str = ""
    generated_at: datetime | None = None


@dataclass(frozen=True)
class Certificate:
    issuer_authority: str  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"
    award_title: str  # "BẰNG KHEN"
    recipient: str  # "Ông Nguyễn Văn An" / "Khoa Hồi sức cấp cứu"
    detail: str  # position, organisation
    reason: str  # "Đã có thành tích xuất sắc trong …"
    decision_ref: str  # "Quyết định số 05/QĐ-UBND ngày 05/9/2019"
    place_date: str
    signature: Signature
    serial: str  # "Số sổ vàng: 05/2019-001"
    # The model (mẫu) and its paper, from the award form's reference data.
    model: str = ""
    paper: str = "A4"  # "A4" or "A3"
    orientation: str = "landscape"  # or "portrait"
    # The issuing body, the file's author (its properties), as for a formal document.
    author: str = ""
