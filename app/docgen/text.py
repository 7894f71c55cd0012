"""Vietnamese administrative wording: dates, numbers and lists as Nghị định 30 writes them."""
import re
from datetime import date

from workflows.numbers import figure  # noqa: F401  (re-exported: one way with numbers)

# What XML 1.0 cannot hold (lxml refuses it): C0 controls but tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def two(n: int) -> str:
    """Numbers below 10 take a leading zero: 05 tập thể, Số: 05/QĐ-UBND."""
    return f"{n:02d}"


def place_date(place: str, d: date | None, year: int | None = None) -> str:
    """'Lạng Sơn, ngày 05 tháng 9 năm 2019': day < 10 and months 1–2 take a leading zero;
    a draft (no date yet) leaves the blanks for the văn thư."""
    if d is None:
        return f"{place}, ngày      tháng      năm {year or ''}".rstrip()
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


def long_date(d: date) -> str:
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def short_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def number_line(number: int | None, symbol: str) -> str:
    return f"Số: {two(number)}/{symbol}" if number else f"Số:        /{symbol}"


def number_ref(number: int | None, symbol: str) -> str:
    return f"{two(number)}/{symbol}" if number else f"       /{symbol}"


def counted(n_collectives: int, n_individuals: int) -> str:
    parts = []
    if n_collectives:
        parts.append(f"{two(n_collectives)} tập thể")
    if n_individuals:
        parts.append(f"{two(n_individuals)} cá nhân")
    return " và ".join(parts)


def recipients(entries) -> tuple[str, ...]:
    """'- Như Điều 3;' … '- Lưu: VT, SNV.': each entry on its line, the last one closed."""
    entries = [e.strip().rstrip(";.,") for e in entries if e and e.strip()]
    return tuple(f"- {e}{'.' if i == len(entries) - 1 else ';'}" for i, e in enumerate(entries))


def enumerate_entries(entries) -> tuple[str, ...]:
    entries = list(entries)
    return tuple(f"{i}. {e}{'.' if i == len(entries) else ';'}"
                 for i, e in enumerate(entries, start=1))


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n") if p.strip()]


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def xml_text(text: str, breaks: str = "\n") -> str:
    """Text as a document can hold it, whatever was stored before the services checked
    it: Word's manual line break (\x0b) and a form feed become ``breaks``, anything else
    XML refuses is dropped."""
    if not text:
        return text
    return curly_quotes(_NOT_XML.sub("", text.replace("\x0b", breaks).replace("\x0c", breaks)))


_PAIRED = re.compile(r'"([^"\n]*)"')


def curly_quotes(text: str) -> str:
    """One kind of quotes on every paper: straight double quotes typed in a form become the
    curly ones the app writes (“…”); an unpaired one closes (”)."""
    if '"' not in text:
        return text
    return _PAIRED.sub("“\\1”", text).replace('"', "”")
