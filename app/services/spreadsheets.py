"""Excel both ways, the one place that knows openpyxl.

Out: a sheet is written in openpyxl's write-only mode, row by row from an iterator (the
callers read the database with a server-side cursor), into a spooled temporary file that
spills to disk past a few MiB: a 100,000-row export never holds its rows in memory.
Headings in Vietnamese, a frozen header row, column widths, dates as Excel dates.

In: a workbook the system's own template produced, checked as an upload (signature, zip
bomb, a size limit), its heading row compared with the template's, every cell converted
by its column's kind; every problem is reported as "Dòng 5, cột «Hình thức»: …", and
nothing is returned unless every row is clean.
"""
import io
import re
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.services import storage
from app.services.errors import Invalid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
MONEY_FORMAT = "#,##0"
SPOOL_BYTES = 4 * 1024 * 1024  # kept in memory below this, on disk above
_GROUPED = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})?(?:\1\d{3})*$|^\d+$")
MAX_ERRORS = 50  # reported at once; a wholly wrong file is not a thousand-line message


@dataclass(frozen=True)
class Column:
    heading: str
    width: int = 20
    kind: str = "text"  # text | int | money | date
    required: bool = False
    max_len: int = 255


# -- out ---------------------------------------------------------------------------------


def _as_text(cell):
    """The cell keeps its text as text. openpyxl stores a str starting with "=" as a live
    formula: a name typed as «=HYPERLINK(…)» would run in whoever opens the file. The value
    is kept unchanged (no leading apostrophe: «- Như Điều 3», «+84…» stay as typed)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def _text_cell(ws, value):
    return _as_text(WriteOnlyCell(ws, value=value))


def _heading_cell(ws, text):
    cell = _text_cell(ws, text)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDE6F0")
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def write(sheet_title: str, columns, rows):
    """A workbook of one sheet: ``columns`` then every row of ``rows`` (tuples, one value
    per column). Returns a file object at its start, for streaming."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    ws.append([_heading_cell(ws, c.heading) for c in columns])
    formats = [DATE_FORMAT if c.kind == "date" else MONEY_FORMAT if c.kind == "money" else None
               for c in columns]
    for row in rows:
        out = []
        for value, fmt in zip(row, formats, strict=True):
            if fmt and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                out.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                out.append(_text_cell(ws, value))  # other text is already a text cell
            else:
                out.append(value)
        ws.append(out)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    wb.save(spool)
    spool.seek(0)
    return spool


def template(sheet_title: str, columns, example: list, choices: dict):
    """An empty list to fill in: the headings, a drop-down list on each column of
    ``choices`` ({heading: values}, kept on a hidden sheet), and a «Hướng dẫn» sheet with
    the headings and an example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    lists = wb.create_sheet("Danh mục")
    guide = wb.create_sheet("Hướng dẫn")
    for sheet in (ws, guide):
        for i, column in enumerate(columns, start=1):
            cell = _as_text(sheet.cell(row=1, column=i, value=column.heading))
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(i)].width = column.width
        sheet.freeze_panes = "A2"
    for i, value in enumerate(example, start=1):
        cell = _as_text(guide.cell(row=2, column=i, value=value))
        if columns[i - 1].kind == "date":
            cell.number_format = DATE_FORMAT
    guide.cell(row=4, column=1, value=(
        f"Điền danh sách ở trang «{ws.title}», từ dòng 2, không đổi tên hay thứ tự cột. "
        "Dòng trên là ví dụ. Cột có danh sách chọn chỉ nhận giá trị trong danh sách; "
        "ngày ghi dạng dd/mm/yyyy."))
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        if column.kind == "date":
            for row in range(2, 1002):
                ws[f"{letter}{row}"].number_format = DATE_FORMAT
        values = choices.get(column.heading)
        if not values:
            continue
        for j, value in enumerate(values, start=1):
            _as_text(lists.cell(row=j, column=i, value=value))
        rule = DataValidation(type="list", formula1=f"'Danh mục'!${letter}$1:${letter}${len(values)}",
                              allow_blank=not column.required, showErrorMessage=True,
                              errorTitle="Giá trị không hợp lệ",
                              error=f"Chọn «{column.heading}» trong danh sách.")
        rule.add(f"{letter}2:{letter}1001")
        ws.add_data_validation(rule)
    lists.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- in ----------------------------------------------------------------------------------


def _norm(text) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


def _convert(value, column: Column):
    """(value, problem): the cell as its column's kind, or why it cannot be."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        return None, ("chưa điền." if column.required else None)
    if column.kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (datetime, date)):
            return None, "phải là văn bản."
        value = str(value)
        if len(value) > column.max_len:
            return None, f"dài quá {column.max_len} ký tự."
        return value, None
    if column.kind in ("int", "money"):
        if isinstance(value, bool) or isinstance(value, (datetime, date)):
            return None, "phải là số."
        if isinstance(value, str):
            # typed as text: digits, perhaps grouped by thousands ("1.490.000")
            if not _GROUPED.match(value):
                return None, f"phải là số (ô đang ghi «{value[:40]}»)."
            value = value.replace(".", "").replace(",", "").replace(" ", "")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None, f"phải là số (ô đang ghi «{str(value)[:40]}»)."
        if not number.is_finite() or number < 0 or number != number.to_integral_value():
            return None, "phải là số nguyên không âm."
        if number > 10**13:
            return None, "số quá lớn."
        return (int(number) if column.kind == "int" else number), None
    if column.kind == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        if isinstance(value, str):
            try:
                return datetime.strptime(value, "%d/%m/%Y").date(), None
            except ValueError:
                pass
        return None, f"không phải ngày hợp lệ dạng dd/mm/yyyy (ô đang ghi «{str(value)[:40]}»)."
    raise ValueError(column.kind)


def refuse(problems: list[str], code="invalid_file"):
    shown = problems[:MAX_ERRORS]
    more = len(problems) - len(shown)
    message = f"Chưa nhập dòng nào: tệp có {len(problems)} lỗi. {shown[0]}"
    raise Invalid(message, details={"file": shown + ([f"… và {more} lỗi khác."] if more else [])},
                  code=code)


def problem_lines(error: Invalid) -> list[str]:
    """A refused file's message, then its other rows' problems: each line once (the
    message of ``refuse`` already names the first problem)."""
    if error.code != "invalid_file":
        return [error.message]
    return [error.message] + [line for line in error.details.get("file", [])
                              if line not in error.message]


def problem(row: int, heading: str, text: str) -> str:
    return f"Dòng {row}, cột «{heading}»: {text}"


def _unreadable():
    return Invalid("Không đọc được tệp Excel: tệp hỏng hoặc không phải bảng tính.",
                   details={"file": ["Không đọc được tệp Excel."]}, code="file_content")


def too_many_rows(text: str):
    return Invalid(f"Chưa nhập dòng nào: {text}", details={"file": [text]}, code="too_many_rows")


def number_text(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def read(data: bytes, filename: str, columns, *, max_bytes: int, sheet_title: str,
         max_rows: int):
    """The rows of an uploaded list, each (row number, {heading: value}), blank rows
    skipped, and the problems of its cells ("Dòng 5, cột «…»: …"; a cell that does not
    convert reads as None), for the caller to report with its own checks of the rows.
    Refused at once (Invalid) when the file is not an .xlsx workbook, is too large, has
    other headings than ``columns``, more than ``max_rows`` rows of data, or cannot be
    parsed: the workbook is opened read-only, so a sheet's XML is only parsed while its
    rows are read, and any failure there (broken XML, an entity declaration refused by
    defusedxml, a cell that is not what its type says) is the same refusal as a file
    that does not open."""
    name = storage.clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if len(data) > max_bytes:
        raise Invalid(f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB, tối đa "
                      f"{max_bytes / 1024 / 1024:.0f} MB).",
                      details={"file": ["Tệp quá lớn."]}, code="file_too_large")
    if ext != "xlsx":
        raise Invalid("Chỉ nhận tệp Excel «.xlsx» theo mẫu của hệ thống.",
                      details={"file": ["Không phải tệp .xlsx."]}, code="file_type")
    storage.check_content(data, ext)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure to parse is the same refusal
        raise _unreadable() from None
    try:
        ws = wb[sheet_title] if sheet_title in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = list(next(rows, ()) or ())
        while header and header[-1] in (None, ""):
            header.pop()
        expected = [c.heading for c in columns]
        if [_norm(h) for h in header] != [_norm(h) for h in expected]:
            missing = [h for h in expected if _norm(h) not in {_norm(x) for x in header}]
            extra = [str(h) for h in header if _norm(h) not in {_norm(x) for x in expected}]
            detail = []
            if missing:
                detail.append("thiếu cột " + ", ".join(f"«{h}»" for h in missing))
            if extra:
                detail.append("thừa cột " + ", ".join(f"«{h}»" for h in extra))
            if not detail:
                detail.append("các cột không đúng thứ tự")
            text = ("Dòng 1: tiêu đề cột không đúng mẫu (" + "; ".join(detail)
                    + "). Hãy tải mẫu mới và điền lại.")
            raise Invalid(text, details={"file": [text]}, code="wrong_columns")
        out, problems = [], []
        for number, raw in enumerate(rows, start=2):
            raw = list(raw or ())
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            if len(out) == max_rows:  # stop reading: the rest is not looked at
                raise too_many_rows(
                    f"tệp có hơn {number_text(max_rows)} dòng dữ liệu, mỗi lần nhập tối đa "
                    f"{number_text(max_rows)} dòng. Hãy chia danh sách thành nhiều tệp.")
            values = {}
            for i, column in enumerate(columns):
                value, trouble = _convert(raw[i] if i < len(raw) else None, column)
                if trouble:
                    problems.append(problem(number, column.heading, trouble))
                values[column.heading] = value
            if len(raw) > len(columns) and any(v not in (None, "") for v in raw[len(columns):]):
                problems.append(f"Dòng {number}: có dữ liệu ngoài các cột của mẫu.")
            out.append((number, values))
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - the sheet's XML is parsed here, row by row
        raise _unreadable() from None
    finally:
        wb.close()
    if not out and not problems:
        raise Invalid("Tệp không có dòng dữ liệu nào.", details={"file": ["Tệp trống."]},
                      code="file_empty")
    return out, problems


def stream(data):
    """(chunks, size) of a written workbook (bytes or the spooled file ``write`` returns):
    the file is closed once its last chunk is read, so a download never leaves it open."""
    if isinstance(data, bytes):
        return iter((data,)), len(data)
    data.seek(0, io.SEEK_END)
    size = data.tell()
    data.seek(0)

    def chunks():
        try:
            while chunk := data.read(64 * 1024):
                yield chunk
        finally:
            data.close()

    return chunks(), size
