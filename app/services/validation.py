"""What every text, number and address must be before it is stored, whoever sends it: the
pages, the API and the CLI all reach the use cases through these rules, so they share one
set of limits and one set of Vietnamese messages.

Text is stored one way: NFC, without outer spaces, with Word's manual line break (\\x0b,
pasted from a document) turned into a line break. Any other control character is refused:
the documents (XML) and PostgreSQL cannot hold them, and nobody types them on purpose.
"""
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.services.errors import Invalid

# What the columns hold: INTEGER (32-bit on PostgreSQL) and NUMERIC(14, 2).
MAX_INT = 2**31 - 1
MAX_FIGURE = Decimal("999999999999.99")
MAX_EMAIL = 255

# C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates; the two
# non-characters XML refuses.
REFUSED_CHARACTERS = "\x00-\x08\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_REFUSED = re.compile(f"[{REFUSED_CHARACTERS}]")
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def _char_name(ch):
    return f"U+{ord(ch):04X}"


def control_problem(text: str, label: str) -> str | None:
    """The message for a refused control character in ``text``, or None."""
    bad = _REFUSED.search(text)
    if bad is None:
        return None
    return (f"«{label}»: chứa ký tự điều khiển không hợp lệ ({_char_name(bad.group())}). "
            f"Hãy gõ lại hoặc dán dưới dạng văn bản thuần.")


def normalise(text: str) -> str:
    """NFC, line breaks as \\n (Word's \\x0b included), no outer spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    return unicodedata.normalize("NFC", text).strip()


@dataclass(frozen=True)
class Text:
    label: str
    max_len: int | None = None
    required: bool = False
    single_line: bool = False  # names, codes, titles of people


@dataclass(frozen=True)
class Number:
    label: str
    integer: bool = False
    minimum: int = 0
    maximum: Decimal | int | None = None

    @property
    def limit(self):
        """The largest value accepted: the rule's own, else what the column holds."""
        if self.maximum is not None:
            return self.maximum
        return MAX_INT if self.integer else MAX_FIGURE


@dataclass(frozen=True)
class Email:
    label: str = "Thư điện tử"


@dataclass(frozen=True)
class Items:
    """A list of mappings, each checked against ``rules``."""
    label: str
    rules: dict = field(default_factory=dict)


class _Errors:
    def __init__(self):
        self.details, self.first = {}, None

    def add(self, path, message):
        self.details.setdefault(path, []).append(message)
        self.first = self.first or message


def _text(value, rule: Text, path, errors):
    if not isinstance(value, str):
        errors.add(path, f"«{rule.label}»: phải là văn bản.")
        return value
    problem = control_problem(value, rule.label)
    if problem:
        errors.add(path, problem)
        return value
    value = normalise(value)
    if rule.single_line:  # a name or a code never spans lines: a pasted break is a space
        value = re.sub(r"\s*\n\s*", " ", value)
    if rule.required and not value:
        errors.add(path, f"«{rule.label}»: bắt buộc.")
    if rule.max_len is not None and len(value) > rule.max_len:
        errors.add(path, f"«{rule.label}»: tối đa {rule.max_len} ký tự "
                         f"(đang có {len(value)}).")
    return value


def _number(value, rule: Number, path, errors):
    if value is None:
        return None
    if isinstance(value, bool):
        errors.add(path, f"«{rule.label}»: phải là số.")
        return value
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if isinstance(value, str) \
            else Decimal(str(value))
    except InvalidOperation:
        errors.add(path, f"«{rule.label}»: phải là số.")
        return value
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        errors.add(path, f"«{rule.label}»: phải là một số hữu hạn.")
        return value
    maximum = rule.limit
    if rule.integer and number != number.to_integral_value():
        errors.add(path, f"«{rule.label}»: phải là số nguyên.")
        return value
    if number < rule.minimum:
        errors.add(path, f"«{rule.label}»: không được nhỏ hơn {rule.minimum}.")
        return value
    if number > maximum:
        errors.add(path, f"«{rule.label}»: không được lớn hơn {_plain(maximum)}.")
        return value
    if rule.integer:
        return int(number)
    if number != number.quantize(Decimal("0.01")):
        errors.add(path, f"«{rule.label}»: tối đa hai chữ số thập phân.")
        return value
    return number


def _plain(n):
    return f"{Decimal(n):,}".replace(",", ".") if Decimal(n) == int(n) else str(n)


def _email(value, rule: Email, path, errors):
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        errors.add(path, f"«{rule.label}»: phải là văn bản.")
        return value
    value = value.strip()
    problem = control_problem(value, rule.label)  # the address pattern lets them through
    if problem:
        errors.add(path, problem)
    elif len(value) > MAX_EMAIL or not _EMAIL.match(value):
        errors.add(path, f"«{rule.label}»: địa chỉ «{value[:80]}» không hợp lệ.")
    return value


def _free(value, path, errors):
    """Text no rule names (codes, choices): its control characters are still refused."""
    if isinstance(value, str):
        problem = control_problem(value, path)
        if problem:
            errors.add(path, problem)
        return value.replace("\x0b", "\n")
    if isinstance(value, dict):
        return {k: _free(v, f"{path}.{k}", errors) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_free(v, f"{path}[{i}]", errors) for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        errors.add(path, f"«{path}»: phải là một số hữu hạn.")
    return value


def _check(data, rules, prefix, errors):
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        rule = rules.get(key)
        if isinstance(rule, Text):
            out[key] = None if value is None else _text(value, rule, path, errors)
        elif isinstance(rule, Number):
            out[key] = _number(value, rule, path, errors)
        elif isinstance(rule, Email):
            out[key] = _email(value, rule, path, errors)
        elif isinstance(rule, Items) and isinstance(value, (list, tuple)):
            out[key] = [_check(v, rule.rules, f"{path}[{i}].", errors) if isinstance(v, dict)
                        else _free(v, f"{path}[{i}]", errors) for i, v in enumerate(value)]
        else:
            out[key] = _free(value, path, errors)
    return out


def check(data: dict, rules: dict, code="invalid_input") -> dict:
    """``data`` cleaned by ``rules`` (field → Text | Number | Email | Items); every other
    string is still freed of control characters. All problems are reported at once."""
    errors = _Errors()
    out = _check(dict(data), rules, "", errors)
    if errors.details:
        raise Invalid(errors.first, details=errors.details, code=code)
    return out


def text(value, label, max_len=None, *, required=False, single_line=False, path="text"):
    """One text value, checked alone (a comment, a reason, a title)."""
    return one(value, Text(label, max_len, required, single_line), path)


def one(value, rule, path):
    """One value, checked alone by ``rule``."""
    return check({path: value}, {path: rule})[path]


# -- the rules of each kind of input, shared by the pages, the API and the CLI ------------------

LONG = 50000  # a section of a plan, a summary: pages of text
REASON = 5000

COMMENT = Text("Ý kiến, lý do", REASON)  # what a step's actor writes with it
WHY = Text("Lý do", REASON)  # a verdict's or a strike's reason

FIGURES = Items("Số liệu", {"value": Number("Số liệu"), "note": Text("Ghi chú", 2000)})

PLAN = {
    "summary": Text("Tóm tắt", LONG),
    "sections": Items("Nội dung", {"text": Text("Nội dung kế hoạch", LONG)}),
    "commitments": Items("Chỉ tiêu đăng ký", {"value": Number("Chỉ tiêu đăng ký"),
                                               "note": Text("Ghi chú", 2000)}),
    "exemptions": Items("Không áp dụng", {"reason": Text("Lý do không áp dụng", 2000,
                                                         required=True)}),
}

DOSSIER = {
    "summary": Text("Báo cáo thành tích", LONG),
    "council_members_total": Number("Tổng số thành viên", integer=True, minimum=1, maximum=1000),
    "council_members_present": Number("Số thành viên có mặt", integer=True, minimum=1,
                                      maximum=1000),
    "council_chair": Text("Chủ trì cuộc họp", 255, single_line=True),
    "council_secretary": Text("Thư ký cuộc họp", 255, single_line=True),
    "council_minutes_number": Text("Số biên bản", 48, single_line=True),  # minutes_number()
    "council_members": Text("Thành viên có mặt", 20000),
    "results": Items("Kết quả", {"value": Number("Kết quả đạt được"),
                                 "note": Text("Ghi chú", 2000)}),
}

NOMINEE = {
    "name": Text("Tên tập thể hoặc họ tên cá nhân", 255, single_line=True),
    "title": Text("Danh xưng", 16, single_line=True),
    "position_title": Text("Chức vụ", 255, single_line=True),
    "organisation": Text("Đơn vị công tác", 255, single_line=True),
    "achievement_summary": Text("Tóm tắt thành tích", LONG),
    "votes_for": Number("Số phiếu đồng ý", integer=True),
}

UNIT = {
    "code": Text("Mã đơn vị", 32, required=True, single_line=True),
    "name": Text("Tên đơn vị", 255, required=True, single_line=True),
    "short_name": Text("Tên viết tắt", 120, single_line=True),
    "cluster": Text("Cụm, khối thi đua", 120, single_line=True),
    "email": Email(),
    "header_lines": Text("Dòng tiêu đề văn bản", 500),
    "parent_header": Text("Cơ quan chủ quản", 255, single_line=True),
    "place_name": Text("Địa danh", 120, single_line=True),
    "head_title": Text("Chức danh thủ trưởng", 120, single_line=True),
    "abbreviation": Text("Chữ viết tắt trong ký hiệu văn bản", 32, single_line=True),
    "council_symbol": Text("Chữ viết tắt của Hội đồng TĐKT trong ký hiệu biên bản", 32,
                           single_line=True),
    "locality": Text("Cấp địa bàn (tỉnh, thành phố)", 40, single_line=True),
    "collective_name": Text("Tên tập thể ký thay mặt (TM.)", 120, single_line=True),
    "collective_papers": Text("Văn bản ký thay mặt tập thể", 255, single_line=True),
    "parent_code": Text("Mã đơn vị cấp trên", 32, single_line=True),
}
# «Số biên bản» as offices write it: the number alone ("12"), or with its ký hiệu
# ("12/BB-HĐTĐKT"): BB, then the council's or the unit's abbreviation(s).
MINUTES_NUMBER = re.compile(r"^0*([1-9][0-9]{0,5})(?:\s*/\s*(BB(?:-[^\W_]+)+))?$")
MINUTES_NUMBER_MESSAGE = ("«Số biên bản»: ghi số (tối đa 999999), hoặc số kèm ký hiệu như "
                          "12/BB-HĐTĐKT.")


def minutes_number(value) -> tuple[int | None, str | None]:
    """The biên bản's number and the ký hiệu typed with it: 12 or "12" -> (12, None);
    "12/BB-HĐTĐKT" -> (12, "BB-HĐTĐKT"); empty -> (None, None). The same rule for the
    page, the API and the CLI; anything else is refused in one message."""
    if value is None or value == "":
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    found = MINUTES_NUMBER.match(normalise(value)) if isinstance(value, str) else None
    if found is None or (found.group(2) and found.group(2) != found.group(2).upper()):
        raise Invalid(MINUTES_NUMBER_MESSAGE,
                      details={"council_minutes_number": [MINUTES_NUMBER_MESSAGE]},
                      code="invalid_input")
    return int(found.group(1)), found.group(2)


UNIT_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
UNIT_CODE_MESSAGE = "Mã đơn vị chỉ gồm chữ không dấu, số, '.', '_' hoặc '-' (tối đa 32)."
# A ký hiệu's abbreviation: Vietnamese capitals (Đ included) and digits, optionally joined
# by "-" or "." (no "/", which separates number and ký hiệu, and no spaces).
ABBREVIATION = re.compile(r"^[^\W_]+(?:[.-][^\W_]+)*$")
ABBREVIATION_MESSAGE = ("Chữ viết tắt trong ký hiệu chỉ gồm chữ in hoa (có thể có Đ) và số, "
                        "nối bằng '-' hoặc '.' (tối đa 32), ví dụ SLĐTBXH.")

USER = {
    "username": Text("Tên đăng nhập", 80, single_line=True),
    "full_name": Text("Họ tên", 255, single_line=True),
    "email": Email(),
    "signing_title": Text("Chức danh ký", 120, single_line=True),
    "signing_authority": Text("Thẩm quyền ký", 120, single_line=True),
    "signing_modes": Text("Các thẩm quyền ký được dùng", 64, single_line=True),
}

CAMPAIGN = {
    "code": Text("Mã phong trào", 40, single_line=True),
    "title": Text("Tên phong trào", 5000),
    "theme": Text("Chủ đề", LONG),
    "purpose": Text("Mục đích, yêu cầu", LONG),
    "implementation": Text("Tổ chức thực hiện", LONG),
    "launch_number": Text("Số văn bản phát động", 40, single_line=True),
    "vote_threshold": Number("Tỷ lệ phiếu tối thiểu", minimum=1, maximum=100),
    "contents": Items("Nội dung thi đua", {
        "title": Text("Nội dung thi đua", 2000, required=True),
        "description": Text("Mô tả", LONG),
        "targets": Items("Chỉ tiêu", {"label": Text("Chỉ tiêu", 1000, required=True),
                                      "measure_unit": Text("Đơn vị tính", 40, single_line=True),
                                      "value": Number("Giá trị chỉ tiêu")}),
    }),
    "award_forms": Items("Hình thức khen thưởng", {
        "quota_per_unit": Number("Chỉ tiêu mỗi đơn vị", integer=True, minimum=1)}),
}

ENTRIES = Items("Nơi nhận", {"label": Text("Tên nơi nhận", 255, required=True, single_line=True),
                             "email": Email()})

DISTRIBUTION_LIST = {
    "code": Text("Mã danh sách", 40, required=True, single_line=True),
    "name": Text("Tên danh sách", 255, required=True, single_line=True),
    "entries": ENTRIES,
}
LIST_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
USERNAME_MESSAGE = ("Tên đăng nhập chỉ gồm chữ không dấu, số, '.', '_' hoặc '-' "
                    "(từ 2 đến 80 ký tự).")
CAMPAIGN_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
CAMPAIGN_CODE_MESSAGE = ("Mã phong trào chỉ gồm chữ không dấu, số, '.', '_' hoặc '-' "
                         "(tối đa 40).")
LIST_CODE_MESSAGE = "Mã danh sách chỉ gồm chữ không dấu, số, '.', '_' hoặc '-' (tối đa 40)."

DECISION = {"title": Text("Trích yếu", 5000)}

# A year asked for (the award register, the year's overview): the years the records can hold.
YEAR = Number("Năm", integer=True, minimum=1945, maximum=2200)
CAMPAIGN["year"] = YEAR  # a regular year's number

# A unit's registration (đăng ký thi đua): its note and the titles it aims for.
REGISTRATION = {
    "note": Text("Ghi chú", LONG),
    "entries": Items("Danh hiệu đăng ký", {
        "name": Text("Tên tập thể hoặc họ tên cá nhân", 255, required=True, single_line=True),
        "position_title": Text("Chức vụ", 255, single_line=True),
        "organisation": Text("Đơn vị công tác", 255, single_line=True),
    }),
}


def code(value, pattern, message, field="code"):
    """A code (unit, list) as the URLs and the documents' symbols use it."""
    if not isinstance(value, str) or not pattern.match(value):
        raise Invalid(message, details={field: [message]}, code="invalid_code")
    return value
