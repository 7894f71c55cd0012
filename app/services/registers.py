"""Sổ đăng ký văn bản: numbers are taken at signing or issuance, never at drafting.

A register is one counter per issuing body, document type and year, kept as the Văn thư
keeps the paper one: its last-used number can be set by hand (an admin or the Văn thư,
with an audit row), and at issue the Office may enter the number it actually gave.
Every number given is one ``RegisterEntry``, unique within its register, so two issuers
can never hold the same number; gaps are allowed and listed.
"""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.clock import now_utc, today
from app.extensions import db
from app.models import NumberRegister, RegisterChange, RegisterEntry, Unit
from app.services import audit_chain, validation
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.permissions import served
from app.services.tx import transaction
from workflows.roles import ADMIN, CLERK

MAX_NUMBER = 999_999
SETTERS = ADMIN | CLERK


def _label(doc_type, year):
    return f"sổ {doc_type} năm {year}"


def _open(issuer_unit_id, doc_type, year) -> int:
    """The register's id, creating it (at 0) when the year's first number is given."""
    query = sa.select(NumberRegister.id).where(
        NumberRegister.issuer_unit_id == issuer_unit_id, NumberRegister.doc_type == doc_type,
        NumberRegister.year == year)
    register_id = db.session.scalar(query)
    if register_id is not None:
        return register_id
    try:
        with db.session.begin_nested():
            row = NumberRegister(issuer_unit_id=issuer_unit_id, doc_type=doc_type, year=year,
                                 last_number=0, base_number=0)
            db.session.add(row)
        return row.id
    except IntegrityError:  # someone opened the year's register first
        return db.session.scalar(query)


def _record(register_id, number, item, user, entered, doc_type, year, head):
    """Write the number's entry, linked to the register's chain at ``head`` (read under the
    register's row lock); the unique constraint refuses a number given twice (an entered
    one at once, in a savepoint; a next one cannot clash: it is above them all)."""
    item_type, item_id = item or (None, None)
    entry = RegisterEntry(register_id=register_id, number=number, item_type=item_type,
                          item_id=item_id, entered=entered,
                          user_id=user.id if user is not None else None, created_at=now_utc())
    head = audit_chain.chain_entry(entry, head)
    if not entered:
        db.session.add(entry)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(entry)
        except IntegrityError:
            raise taken(number, doc_type, year) from None
    db.session.execute(sa.update(NumberRegister).where(NumberRegister.id == register_id)
                       .values(head_sha256=head).execution_options(synchronize_session=False))


def taken(number, doc_type, year) -> Conflict:
    return Conflict(f"Số {number:02d} đã được cấp trong {_label(doc_type, year)}. "
                    "Hãy nhập số khác (được phép bỏ trống số).",
                    details={"number": [f"Số {number:02d} đã được cấp."]}, code="number_taken")


def check_wanted(value, field="number") -> int | None:
    """A number typed by the Office: empty means "the next one"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_NUMBER:
        raise Invalid(f"Số văn bản phải là số nguyên từ 1 đến {MAX_NUMBER}.",
                      details={field: ["Số không hợp lệ."]}, code="invalid_number")
    return number


def moved_on(expected, number, doc_type, year) -> Conflict:
    return Conflict(
        f"Số {expected:02d} không còn là số tiếp theo của {_label(doc_type, year)}: đã có văn "
        f"bản khác được cấp số. Số tiếp theo bây giờ là {number:02d}. Chưa có gì thay đổi; "
        "hãy xem lại và xác nhận lại với số mới.",
        details={"expected_number": [f"Số tiếp theo bây giờ là {number:02d}."],
                 "next_number": number}, code="next_number_changed")


def take_number(issuer_unit_id: int, doc_type: str, year: int, *, item=None, user=None,
                wanted: int | None = None, expected: int | None = None) -> int:
    """The number of a document in (issuer, type, year), inside the caller's transaction.

    Without ``wanted``: the next number. The increment is a single UPDATE, so two issuers
    at once serialize on the row lock and get consecutive numbers.
    With ``wanted`` (the number the Office gave): checked unique within the register; the
    register moves on to it when it is above the last-used number, and a number below it
    fills a gap. ``item``: (item type, id) the number is given to.
    ``expected`` (without ``wanted``): the next number the person was shown and confirmed;
    when another document took it meanwhile, refused (``moved_on``) and the caller's
    transaction, the increment with it, rolls back.
    """
    register_id = _open(issuer_unit_id, doc_type, year)
    with db.session.no_autoflush:  # the caller's item is saved once, at its own flush
        if wanted is None:
            number, head = db.session.execute(
                sa.update(NumberRegister).where(NumberRegister.id == register_id)
                .values(last_number=NumberRegister.last_number + 1)
                .returning(NumberRegister.last_number, NumberRegister.head_sha256)
                .execution_options(synchronize_session=False)).one()
            if expected is not None and number != expected:
                raise moved_on(expected, number, doc_type, year)
        else:
            number = wanted
            if db.session.scalar(sa.select(RegisterEntry.id).where(
                    RegisterEntry.register_id == register_id, RegisterEntry.number == number)):
                raise taken(number, doc_type, year)
            head = db.session.execute(
                sa.update(NumberRegister).where(NumberRegister.id == register_id)
                .values(last_number=sa.case((NumberRegister.last_number < number, number),
                                            else_=NumberRegister.last_number))
                .returning(NumberRegister.head_sha256)
                .execution_options(synchronize_session=False)).scalar_one()
        # the register's row is locked by the UPDATE: its head is this entry's to follow
        _record(register_id, number, item, user, wanted is not None, doc_type, year, head)
    return number


def peek_next(issuer_unit_id, doc_type, year) -> int:
    """The number the next document would take (nothing is reserved)."""
    return peek_next_by_year(issuer_unit_id, doc_type, (year,))[year]


def peek_next_by_year(issuer_unit_id, doc_type, years) -> dict[int, int]:
    """``peek_next`` for each of ``years``, in one query."""
    last = dict(db.session.execute(sa.select(NumberRegister.year, NumberRegister.last_number)
                                   .where(NumberRegister.issuer_unit_id == issuer_unit_id,
                                          NumberRegister.doc_type == doc_type,
                                          NumberRegister.year.in_(list(years)))).all())
    return {year: (last.get(year) or 0) + 1 for year in years}


# -- the registers page and `flask registers …` ---------------------------------------------


def _may_keep(user, unit: Unit) -> bool:
    """An admin keeps every register; the Văn thư those of the bodies she serves: her own,
    and the body her unit is the Văn phòng of (Văn phòng UBND → UBND), never a parent
    that is not (a Sở's Văn thư does not keep the Ủy ban's registers)."""
    if user is None or user.has_role(*ADMIN):
        return True
    return unit.id in served(user)


def _unit(code) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == (code or "").strip()))
    if unit is None:
        raise NotFound(f"Không có đơn vị mã «{code}».", code="no_such_unit")
    return unit


def _doc_type(value) -> str:
    text = validation.text(value, "Loại văn bản (ký hiệu)", 16, required=True,
                           single_line=True, path="doc_type")
    return text


def set_last(user, issuer_code, doc_type, year, last, note=None) -> NumberRegister:
    """Set where a register stands (the last number given, e.g. from the paper register).

    Refused below a number the app already gave in it: those stay unique. ``user`` None:
    the CLI (an operator on the server).
    """
    unit = _unit(issuer_code)
    if not _may_keep(user, unit):
        raise Forbidden("Chỉ quản trị hệ thống hoặc văn thư của cơ quan được đặt số của sổ.")
    doc_type = _doc_type(doc_type)
    try:
        year, last = int(year), int(last)
    except (TypeError, ValueError):
        raise Invalid("Năm và số phải là số nguyên.", code="invalid_number") from None
    if not 2000 <= year <= 2100:
        raise Invalid("Năm không hợp lệ.", details={"year": ["Năm không hợp lệ."]},
                      code="invalid_year")
    if not 0 <= last <= MAX_NUMBER:
        raise Invalid(f"Số đã dùng phải từ 0 đến {MAX_NUMBER}.",
                      details={"last_number": ["Số không hợp lệ."]}, code="invalid_number")
    note = validation.text(note, "Ghi chú", 500, path="note") if note else None
    with transaction():
        register_id = _open(unit.id, doc_type, year)
        register = db.session.scalars(sa.select(NumberRegister).where(
            NumberRegister.id == register_id).with_for_update()).one()
        highest = db.session.scalar(sa.select(sa.func.max(RegisterEntry.number)).where(
            RegisterEntry.register_id == register_id)) or 0
        if last < highest:
            raise Conflict(
                f"Không thể đặt số đã dùng là {last:02d}: phần mềm đã cấp số {highest:02d} "
                f"trong {_label(doc_type, year)}.",
                details={"last_number": [f"Phải từ {highest} trở lên."]}, code="below_given")
        db.session.add(RegisterChange(register_id=register_id, old_last=register.last_number,
                                      new_last=last, note=note,
                                      user_id=user.id if user is not None else None,
                                      created_at=now_utc()))
        register.last_number = register.base_number = last
    return register


def _ranges(numbers):
    """[3, 4, 5, 9] -> "03–05, 09"."""
    out, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append((start, prev))
            start = prev = n
    if start is not None:
        out.append((start, prev))
    return ", ".join(f"{a:02d}" if a == b else f"{a:02d}–{b:02d}" for a, b in out)


def listing(user, year: int | None = None) -> list[dict]:
    """The registers this user keeps, with the numbers given, the gaps and the changes."""
    year = year or today().year
    rows = db.session.execute(
        sa.select(NumberRegister, Unit).join(Unit, Unit.id == NumberRegister.issuer_unit_id)
        .where(NumberRegister.year == year)
        .order_by(Unit.code, NumberRegister.doc_type)).all()
    rows = [(r, u) for r, u in rows if _may_keep(user, u)]
    ids = [r.id for r, _ in rows]
    entries, changes = {}, {}
    if ids:
        for e in db.session.scalars(sa.select(RegisterEntry).where(
                RegisterEntry.register_id.in_(ids)).order_by(RegisterEntry.number)):
            entries.setdefault(e.register_id, []).append(e)
        for c in db.session.scalars(sa.select(RegisterChange).where(
                RegisterChange.register_id.in_(ids)).order_by(RegisterChange.id.desc())):
            changes.setdefault(c.register_id, []).append(c)
    out = []
    for register, unit in rows:
        given = entries.get(register.id, [])
        used = {e.number for e in given}
        gaps = [n for n in range(register.base_number + 1, register.last_number + 1)
                if n not in used]
        out.append({
            "id": register.id, "issuer": unit.code, "issuer_name": unit.name,
            "doc_type": register.doc_type, "year": register.year,
            "last_number": register.last_number, "base_number": register.base_number,
            "next_number": register.last_number + 1,
            "given": [{"number": e.number, "item_type": e.item_type, "item_id": e.item_id,
                       "entered": e.entered, "at": e.created_at} for e in given],
            "gaps": gaps, "gaps_label": _ranges(gaps),
            "changes": [{"old_last": c.old_last, "new_last": c.new_last, "note": c.note,
                         "by": c.user.full_name if c.user else "(dòng lệnh)",
                         "at": c.created_at} for c in changes.get(register.id, [])],
        })
    return out


def check_confirmed_day(value) -> date:
    """Today, as the date of a paper issued with no date typed; ``value``: the day the
    person was shown and confirmed (optional), refused once it has passed (a page left
    open over midnight), nothing changed, so that the question is asked again."""
    day = today()
    if value is None or (isinstance(value, str) and not value.strip()):
        return day
    try:
        confirmed = value if isinstance(value, date) else date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("Ngày đã xác nhận không hợp lệ.", code="invalid_date",
                      details={"expected_issued_on": ["Ngày đã xác nhận không hợp lệ."]}) from None
    if confirmed != day:
        message = (f"Ngày đã xác nhận là {confirmed:%d/%m/%Y}, nhưng hôm nay là {day:%d/%m/%Y}. "
                   "Chưa có gì thay đổi; hãy xem lại và xác nhận lại với ngày hôm nay.")
        raise Conflict(message, details={"expected_issued_on": [message],
                                         "today": day.isoformat()}, code="issue_date_changed")
    return day


def check_issue_date(value, *, earliest: date | None = None, label="Ngày ban hành") -> date | None:
    """A date typed by the Office: empty is today; never in the future nor before
    ``earliest`` (the step it follows)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        on = value
    else:
        try:
            on = date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(f"{label} không hợp lệ (định dạng YYYY-MM-DD).",
                          details={"issued_on": ["Ngày không hợp lệ."]},
                          code="invalid_date") from None
    if on > today():
        raise Invalid(f"{label} không được sau ngày hôm nay.",
                      details={"issued_on": ["Ngày ở tương lai."]}, code="invalid_date")
    if earliest is not None and on < earliest:
        raise Invalid(f"{label} không được trước ngày {earliest:%d/%m/%Y}.",
                      details={"issued_on": [f"Trước ngày {earliest:%d/%m/%Y}."]},
                      code="invalid_date")
    return on
