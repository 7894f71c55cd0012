"""Units and user accounts: created and updated idempotently, by the CLI and by admins."""
import csv
import io
import secrets

import sqlalchemy as sa

from app.clock import now_utc
from app.extensions import db
from app.models import UNIT_KINDS, ApiToken, ResultChange, Unit, User, UserRole
from app.services import reference, signing, validation
from app.services.errors import Invalid, NotFound
from app.services.permissions import require_role
from app.services.tx import transaction
from workflows.roles import ADMIN, ROLES

__all__ = ["UNIT_KINDS"]  # the vocabulary the API's schemas speak

# The same vocabulary as officials say it.
UNIT_KIND_LABELS = {
    "province": "Cấp tỉnh",  # a centrally-run city too (Luật TĐKT): no "UBND tỉnh"
    "office": "Văn phòng", "department": "Sở, ban, ngành",
    "commune": "Cấp xã (xã, phường, thị trấn)", "mass_org": "Tổ chức chính trị - xã hội",
    "enterprise": "Doanh nghiệp", "other": "Khác",
}

# The password policy, whoever sets one: an admin, the person themself, or the CLI.
MIN_PASSWORD_LENGTH = 8

# Columns of `flask units import FILE` (UTF-8 CSV with a header row).
UNIT_CSV_COLUMNS = ("code", "name", "short_name", "kind", "parent_code", "cluster", "email",
                    "organ_id", "header_lines", "parent_header", "place_name", "head_title",
                    "abbreviation", "locality", "collective_name", "collective_papers",
                    "pays_awards", "council_symbol", "esign_required")
UNIT_CSV_REQUIRED = ("code", "name")
# What each column holds, for the import form: (column, meaning, example). The columns keep
# their English names (the CSV needs them); the page explains them in Vietnamese.
UNIT_CSV_HELP = (
    ("code", "Mã đơn vị (bắt buộc)", "SYT"),
    ("name", "Tên đơn vị (bắt buộc)", "Sở Y tế"),
    ("short_name", "Tên viết tắt", "SYT"),
    ("kind", "Loại đơn vị (mã, xem bên dưới)", "department"),
    ("parent_code", "Mã đơn vị cấp trên (có thể ở dòng sau)", "UBND"),
    ("cluster", "Cụm, khối thi đua", "Khối Văn hóa - Xã hội"),
    ("email", "Thư điện tử của đơn vị", "syt@langson.gov.vn"),
    ("organ_id", "Mã định danh (13 ký tự, QCVN 102:2016) để gửi nhận văn bản điện tử",
     "000.01.01.H29"),
    ("header_lines", "Dòng tiêu đề văn bản, các dòng cách nhau bởi «|»",
     "ỦY BAN NHÂN DÂN | TỈNH LẠNG SƠN"),
    ("parent_header", "Cơ quan chủ quản in phía trên tên đơn vị (UBND không có)",
     "UBND TỈNH LẠNG SƠN"),
    ("place_name", "Địa danh ghi ở ngày tháng văn bản", "Lạng Sơn"),
    ("head_title", "Chức danh thủ trưởng (ở Điều thi hành)", "Giám đốc"),
    ("abbreviation", "Chữ viết tắt trong ký hiệu văn bản (chữ in hoa)", "SYT"),
    ("locality", "Cấp địa bàn của Ủy ban nhân dân", "tỉnh"),
    ("collective_name", "Tên tập thể ký thay mặt (TM.)", "ỦY BAN NHÂN DÂN"),
    ("collective_papers", "Mã các văn bản ký thay mặt tập thể, cách nhau bởi dấu phẩy; "
     "«*»: mọi văn bản", "QĐ"),
    ("pays_awards", "Đơn vị chi tiền thưởng (Sở Tài chính): ghi 1, x hoặc có", "có"),
    ("council_symbol", "Chữ viết tắt của Hội đồng TĐKT trong ký hiệu biên bản", "HĐTĐKT"),
    ("esign_required", "Bắt buộc ký số văn bản của đơn vị (người ký chưa có chứng thư số bị "
     "từ chối): ghi 1, x hoặc có", "có"),
)
assert tuple(c for c, _, _ in UNIT_CSV_HELP) == UNIT_CSV_COLUMNS


def _unit_by_code(code):
    return db.session.scalars(sa.select(Unit).where(Unit.code == code)).first()


def check_password_policy(password: str, field="password", label="Mật khẩu"):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = f"{label} tối thiểu {MIN_PASSWORD_LENGTH} ký tự."
        raise Invalid(message, details={field: [message]}, code="weak_password")


def end_sessions(user, tokens=True):
    """Every session cookie issued to ``user`` stops working (its version is part of the
    session's user id), and with ``tokens`` every bearer token is revoked. Caller owns the
    transaction."""
    user.session_version = (user.session_version or 0) + 1
    if tokens:
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now_utc()).execution_options(synchronize_session=False))


def agency_name() -> str:
    """The province's own name, from its top unit (a second province is a data change)."""
    return db.session.scalar(sa.select(Unit.name).where(
        Unit.kind == "province", Unit.parent_id.is_(None)).order_by(Unit.id).limit(1)) or ""


def reset_password(admin, username) -> str:
    """An admin gives someone who forgot their password a temporary one (returned, to pass
    on by phone or in person); it ends their sessions and tokens, lifts a lockout, and the
    person must choose a new password at next sign-in."""
    require_role(admin, ADMIN, "đặt lại mật khẩu")
    temporary = "-".join(secrets.token_hex(2) for _ in range(3))  # 14 characters, readable
    with transaction():
        user = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound("Không tìm thấy tài khoản.")
        user.set_password(temporary)
        user.must_change_password = True
        user.failed_logins, user.locked_until = 0, None
        end_sessions(user)
    return temporary


def unlock(admin, username):
    """Lift a sign-in lockout (admins)."""
    require_role(admin, ADMIN, "mở khóa tài khoản")
    with transaction():
        user = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound("Không tìm thấy tài khoản.")
        user.failed_logins, user.locked_until = 0, None
    return user


def holder_ids(roles, unit_ids=None):
    """A SELECT of the ids of the active people holding any of ``roles`` (in these units,
    when given: a list or a subquery of unit ids)."""
    query = (sa.select(User.id).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role.in_(roles), User.active.is_(True)))
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(unit_ids))
    return query


def role_holders(roles, unit_ids=None):
    """The active people holding any of ``roles``, each once, in the order they were
    created."""
    return db.session.scalars(sa.select(User).where(User.id.in_(holder_ids(roles, unit_ids)))
                              .order_by(User.id)).all()


def list_units(kind=None, cluster=None):
    """Every unit, by code (units are public within the province)."""
    query = sa.select(Unit).options(sa.orm.selectinload(Unit.parent),
                                   sa.orm.selectinload(Unit.titles_decider)).order_by(Unit.code)
    if kind:
        query = query.where(Unit.kind == kind)
    if cluster:
        query = query.where(Unit.cluster == cluster)
    return db.session.scalars(query).all()


def get_unit(code) -> Unit:
    unit = _unit_by_code(code)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def _apply_unit(unit, data):
    for key in ("name", "kind", "active"):
        if data.get(key) is not None:
            setattr(unit, key, data[key])
    for key in ("short_name", "cluster", "email", "organ_id", "parent_header", "place_name", "head_title",
                "abbreviation", "locality", "collective_name", "collective_papers",
                "council_symbol"):
        if key in data:  # optional: an empty value clears it
            setattr(unit, key, data[key] or None)
    for key in ("pays_awards", "esign_required"):
        if data.get(key) is not None:  # a boolean from the API, "1"/"x"/"có" in a CSV
            flag = data[key]
            setattr(unit, key, flag if isinstance(flag, bool) else (
                str(flag).strip().casefold() in ("1", "x", "có", "true")))
    if "header_lines" in data:  # "ỦY BAN NHÂN DÂN | TỈNH LẠNG SƠN" in a CSV cell
        lines = [x.strip() for x in (data["header_lines"] or "").replace("|", "\n").splitlines()]
        unit.header_lines = "\n".join(x for x in lines if x) or None
    if unit.kind not in UNIT_KINDS:
        raise Invalid(f"Loại đơn vị «{unit.kind}» không hợp lệ.",
                      details={"kind": list(UNIT_KINDS)}, code="unit_kind")
    if "parent_code" in data:
        code = data["parent_code"]
        if code:
            parent = _unit_by_code(code)
            if parent is None:
                raise Invalid(f"Đơn vị cấp trên «{code}» không tồn tại.",
                              details={"parent_code": code}, code="unknown_unit")
            if parent is unit:
                raise Invalid("Đơn vị không thể là cấp trên của chính nó.", code="unit_cycle")
            unit.parent = parent
        else:
            unit.parent = None
    _check_letterhead(unit)


def _check_letterhead(unit):
    """What NĐ 30 Phụ lục I prints for a People's Committee, refused when the data would
    print something else. A line above its name is refused rather than ignored: it never
    prints, and a CSV import has no one to read a warning. A ward or commune dates its
    papers at its own place: the place name given, else read from its name."""
    if unit.is_peoples_committee and unit.parent_header:
        message = (f"«{unit.name}» là Ủy ban nhân dân: tiêu đề văn bản không có dòng cơ quan "
                   f"chủ quản phía trên tên (bỏ trống «Cơ quan chủ quản»).")
        raise Invalid(message, details={"parent_header": [message]},
                      code="parent_header_not_allowed")
    if unit.kind == "commune" and not unit.place:
        message = (f"«{unit.name}»: hãy ghi địa danh (tên xã, phường) để ghi ở dòng «…, ngày "
                   f"… tháng … năm …» của văn bản; không đọc được địa danh từ tên đơn vị.")
        raise Invalid(message, details={"place_name": [message]}, code="place_required")


def check_unit(data) -> dict:
    """A unit's fields by the one rule set (pages, API, CSV import, CLI)."""
    data = validation.check(data, validation.UNIT)
    validation.code(data.get("code"), validation.UNIT_CODE, validation.UNIT_CODE_MESSAGE)
    for key in ("abbreviation", "council_symbol"):
        if data.get(key):
            if data[key] != data[key].upper():
                raise Invalid(validation.ABBREVIATION_MESSAGE,
                              details={key: [validation.ABBREVIATION_MESSAGE]},
                              code="invalid_code")
            validation.code(data[key], validation.ABBREVIATION,
                            validation.ABBREVIATION_MESSAGE, field=key)
    return data


def upsert_unit(data) -> tuple[Unit, bool]:
    """Create the unit with this code, or update it. Caller owns the transaction."""
    data = check_unit(data)
    unit = _unit_by_code(data["code"])
    created = unit is None
    if created:
        unit = Unit(code=data["code"], name=data["name"], kind=data.get("kind") or "department")
        db.session.add(unit)
    _apply_unit(unit, data)
    db.session.flush()
    return unit, created


def save_unit(user, data, code=None):
    require_role(user, ADMIN, "quản lý danh mục đơn vị")
    data = dict(data)
    decider = data.pop("titles_decided_by", None) if "titles_decided_by" in data else False
    with transaction():
        if code is not None:
            get_unit(code)
            data = {**data, "code": code}
        unit, _ = upsert_unit(data)
        _check_locality([unit])
        if decider is not False:
            _set_titles_decider(user, unit, decider)
    return unit


def _set_titles_decider(user, unit, code):
    """Who decides ``unit``'s own titles (Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Giấy
    khen): empty for the unit itself; else a sở (kind ``department``) or the unit's parent,
    never the unit itself nor a unit whose titles are decided, through others, by this one.
    Each change leaves an audit row (result_changes)."""
    code = (code or "").strip()
    decider = None
    if code:
        decider = _unit_by_code(code)
        if decider is None:
            raise Invalid(f"Đơn vị «{code}» không tồn tại.",
                          details={"titles_decided_by": ["Không có."]}, code="unknown_unit")
        if decider.id == unit.id:
            raise Invalid("Để trống khi đơn vị tự quyết định danh hiệu của mình.",
                          details={"titles_decided_by": ["Chính đơn vị."]}, code="decider_self")
        if decider.kind != "department" and decider.id != unit.parent_id:
            raise Invalid(f"«{decider.name}» không phải một sở, cũng không phải đơn vị cấp trên "
                          f"của «{unit.name}»: không quyết định danh hiệu của đơn vị này.",
                          details={"titles_decided_by": ["Không phải sở hay cấp trên."]},
                          code="decider_not_allowed")
        seen, step = {unit.id}, decider
        while step.titles_decided_by_id is not None:
            if step.titles_decided_by_id in seen:
                raise Invalid(f"«{decider.name}» do «{unit.name}» quyết định danh hiệu (trực "
                              f"tiếp hay qua đơn vị khác): không thể quyết định ngược lại.",
                              details={"titles_decided_by": ["Vòng lặp."]}, code="decider_cycle")
            seen.add(step.id)
            step = db.session.get(Unit, step.titles_decided_by_id)
    before = unit.titles_decided_by_id
    after = decider.id if decider is not None else None
    if before == after:
        return
    old = db.session.get(Unit, before) if before else None
    unit.titles_decided_by_id = after
    db.session.add(ResultChange(
        unit_id=unit.id, item_type="unit", item_id=unit.id, action="edited",
        before={"titles_decided_by": old.code if old else ""},
        after={"titles_decided_by": decider.code if decider else ""}, user_id=user.id,
        created_at=now_utc()))


def _check_locality(units):
    """A city keeps no award name that says "tỉnh": checked when its top People's
    Committee is written (its locality), not on every other unit's edit."""
    if any(u.kind == "province" and u.parent_id is None for u in units):
        reference.check_locality()


def import_units_csv(text: str) -> dict:
    """Import units from CSV text. Parents may appear after children; all rows or none."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in UNIT_CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in UNIT_CSV_COLUMNS]
    if missing or unknown:
        raise Invalid("Tiêu đề cột CSV không hợp lệ.",
                      details={"missing": missing, "unknown": unknown,
                               "columns": list(UNIT_CSV_COLUMNS)}, code="csv_header")
    rows, lines = [], []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not row.get("code") or not row.get("name"):
            raise Invalid(f"Dòng {line}: thiếu mã hoặc tên đơn vị.", code="csv_row",
                          details={"line": line})
        try:  # every row checked before any is written: the whole file or nothing
            row = check_unit(row)
        except Invalid as error:
            raise Invalid(f"Dòng {line}: {error.message}", code="csv_row",
                          details={"line": line, **error.details}) from None
        rows.append(row)
        lines.append(line)
    counts = {"created": 0, "updated": 0}
    written = []
    with transaction():
        for line, row in zip(lines, rows, strict=True):
            # first pass: every unit exists, so parents resolve in any order
            try:
                unit, created = upsert_unit({k: v for k, v in row.items()
                                             if k != "parent_code"})
                written.append(unit)
            except Invalid as error:  # what only the whole unit shows (its letterhead)
                raise Invalid(f"Dòng {line}: {error.message}", code=error.code,
                              details={"line": line, **error.details}) from None
            counts["created" if created else "updated"] += 1
        for row in rows:
            if "parent_code" in row:
                upsert_unit({"code": row["code"], "name": row["name"],
                             "parent_code": row["parent_code"]})
        db.session.flush()
        _check_locality(written)
    return counts


def upsert_user(username, password, roles, unit_code, full_name=None, email=None,
                signing_title=None, signing_authority=None,
                signing_modes=None, active=None) -> tuple[User, bool]:
    """Create or update an account. Idempotent: running it twice changes nothing more.
    ``active``: True or False allows or refuses sign-in; None leaves it as it is."""
    checked = validation.check(
        {"username": username, "full_name": full_name, "email": email,
         "signing_title": signing_title, "signing_authority": signing_authority,
         "signing_modes": signing_modes},
        validation.USER)
    validation.code(checked["username"], validation.USERNAME, validation.USERNAME_MESSAGE,
                    field="username")
    modes = signing.parse_modes(checked["signing_modes"])
    username, full_name, email = checked["username"], checked["full_name"], checked["email"]
    signing_title, signing_authority = checked["signing_title"], checked["signing_authority"]
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise Invalid(f"Vai trò không hợp lệ: {', '.join(bad) or '(trống)'}.",
                      details={"roles": list(ROLES)}, code="unknown_role")
    with transaction():
        unit = _unit_by_code(unit_code)
        if unit is None:
            raise Invalid(f"Đơn vị «{unit_code}» không tồn tại.", code="unknown_unit")
        user = db.session.scalars(sa.select(User).where(User.username == username)).first()
        created = user is None
        if created:
            user = User(username=username, unit=unit)
            db.session.add(user)
        user.unit = unit
        if created and password is None:
            raise Invalid("Tài khoản mới cần mật khẩu.", details={"password": ["Bắt buộc."]},
                          code="password_required")
        if password is not None and (created or not user.check_password(password)):
            check_password_policy(password)
            user.set_password(password)
            if not created:  # a password set by an admin ends the old sessions and tokens
                end_sessions(user)
        user.set_roles(roles)
        if full_name is not None:
            user.full_name = full_name
        elif created:
            user.full_name = username
        if email is not None:
            user.email = email or None
        if signing_title is not None:
            user.signing_title = signing_title or None
        if signing_authority is not None:
            user.signing_authority = signing_authority or None
        if signing_modes is not None:
            user.signing_modes = modes
        if active is not None:
            user.active = active
    return user, created


def list_users(user, unit_code=None, role=None):
    require_role(user, ADMIN, "xem danh sách tài khoản")
    query = sa.select(User).order_by(User.username)
    if unit_code:
        query = query.join(Unit, Unit.id == User.unit_id).where(Unit.code == unit_code)
    if role:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role)))
    return db.session.scalars(query).all()


def save_user(admin, data, username=None):
    """Create (POST) or change (PATCH by username) an account; admins only."""
    require_role(admin, ADMIN, "quản lý tài khoản")
    if username is not None:
        existing = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if existing is None:
            raise NotFound("Không tìm thấy tài khoản.")
        roles = data.get("roles") or sorted(existing.roles)
        unit_code = data.get("unit") or existing.unit.code
    else:
        if db.session.scalar(sa.select(User.id).where(User.username == data["username"])):
            raise Invalid(f"Tên đăng nhập «{data['username']}» đã tồn tại.",
                          details={"username": ["Đã tồn tại."]}, code="duplicate_username")
        username, roles, unit_code = data["username"], data["roles"], data["unit"]
    user, _ = upsert_user(username, data.get("password"), roles, unit_code,
                          data.get("full_name"), data.get("email"), data.get("signing_title"),
                          data.get("signing_authority"), data.get("signing_modes"),
                          data.get("active"))
    return user
