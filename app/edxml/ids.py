"""Organ identifiers (mã định danh, §3.4) and the DocumentId form."""
import re
from datetime import date

from app.edxml.errors import EdxmlError

# 13 characters in four dot-separated groups: 3 digits . 2 digits . 2 digits . a capital
# letter and 2 digits (e.g. 000.00.00.H29, 000.00.00.G22, 000.01.01.H08). The groups are the
# levels of the body in the national catalogue, the top level (G… central, H… provinces) last.
ORGAN_ID_RE = re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$")
ORGAN_ID_LENGTH = 13

_DOCUMENT_ID_RE = re.compile(
    r"^(?P<organ>[^,]{13}),(?P<y>[0-9]{4})/(?P<m>[0-9]{2})/(?P<d>[0-9]{2}),"
    r"(?P<number>[^/,]+)/(?P<symbol>[^,]+)$")


def organ_id_problem(value: str) -> str | None:
    """None when ``value`` is a well-formed organ id, else the Vietnamese reason."""
    if not isinstance(value, str) or len(value) != ORGAN_ID_LENGTH:
        return "Mã định danh phải có đúng 13 ký tự (ví dụ 000.00.00.H29)."
    if not ORGAN_ID_RE.match(value):
        return ("Mã định danh gồm bốn nhóm cách nhau bởi dấu chấm: 3 chữ số, 2 chữ số, "
                "2 chữ số, một chữ in hoa và 2 chữ số, ví dụ 000.00.00.H29.")
    return None


def is_organ_id(value: str) -> bool:
    return organ_id_problem(value) is None


def check_organ_id(value: str) -> str:
    problem = organ_id_problem(value)
    if problem:
        raise EdxmlError(problem, "organ_id_invalid", {"organ_id": value})
    return value


def document_id(organ_id: str, issued: date, number, symbol: str) -> str:
    """``OrganId,YYYY/MM/DD,number/symbol``, e.g. ``000.00.00.H29,2026/12/07,1205/QĐ-UBND``."""
    check_organ_id(organ_id)
    return f"{organ_id},{issued:%Y/%m/%d},{number}/{symbol}"


def split_document_id(value: str) -> tuple[str, date, str, str]:
    """(organ_id, date, number, symbol) of a DocumentId; EdxmlError when malformed."""
    match = _DOCUMENT_ID_RE.match(value or "")
    if not match or not is_organ_id(match["organ"]):
        raise EdxmlError("Mã văn bản (DocumentId) không đúng dạng "
                         "'mã định danh,YYYY/MM/DD,số/ký hiệu'.", "document_id_invalid",
                         {"document_id": value})
    try:
        issued = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise EdxmlError("Ngày trong mã văn bản không hợp lệ.", "document_id_invalid",
                         {"document_id": value}) from exc
    return match["organ"], issued, match["number"], match["symbol"]
