"""The issuable PDF's form fields as plain data (no pikepdf): what the signing steps read
and fill. The PDF itself is made in pdf.py, imported only when a PDF is made or read, so a
web worker does not carry pikepdf and fontTools until then."""
from __future__ import annotations

from dataclasses import dataclass

from app.docgen.model import FormalDocument

# Field names the signing steps fill or sign (stable: stored PDFs carry them).
NUMBER, PLACE_DATE, SIGNATURE = "so", "ngay_thang", "chu_ky"
FIELD_NAMES = (NUMBER, PLACE_DATE, SIGNATURE)
NUMBER_SIZE, PLACE_DATE_SIZE = 13, 14  # as the DOCX prints them (render.py _letterhead)


class PdfUnavailable(Exception):
    """No PDF could be made (LibreOffice missing, failed or too slow); ``reason`` in
    Vietnamese for the person who asked."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FieldBox:
    """A form field of the issuable PDF: its name, 0-based page and box (x1, y1, x2, y2)
    in PDF points from the page's lower left corner; ``size`` the font size of a text field."""

    name: str
    page: int
    box: tuple[float, float, float, float]
    size: float | None = None


def field_values(document: FormalDocument) -> dict[str, str]:
    """What the Văn thư's step writes into the text fields, from the composed content:
    {"so": "Số: 05/QĐ-UBND", "ngay_thang": "Lạng Sơn, ngày 05 tháng 9 năm 2019"}."""
    return {NUMBER: document.letterhead.number, PLACE_DATE: document.letterhead.place_date}
