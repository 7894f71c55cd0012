"""Registrations (đăng ký thi đua) for a regular-emulation year: the unit's staff writes
the titles aimed for, its head signs, the Board receives (workflows/registration.py).

Also the Board's reads: who has registered (a page counted in SQL), and the reminder of
the units that have not. The check of the year's title nominees against the registrations
is the dossier's (dossiers.registered_nominees).
"""
import functools

import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    NOMINEE_KINDS,
    AwardForm,
    Campaign,
    CampaignAwardForm,
    CampaignParticipant,
    Decision,
    Dossier,
    Nominee,
    OutboxMessage,
    Registration,
    RegistrationEntry,
    ReminderLog,
    Unit,
    User,
    UserRole,
)
from app.services import (
    documents,
    esigning,
    imports,
    names,
    registers,
    spreadsheets,
    steps,
    validation,
)
from app.services.dossiers import subject_key
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.permissions import refusal, require_role, visible
from app.services.tx import transaction
from workflows import REGISTRATION
from workflows.facts import DeadlineFacts, RegistrationFacts
from workflows.guards import is_late
from workflows.registration import REGISTRATION_SENT
from workflows.roles import BOARD, CHAIRMAN, UNIT
from workflows.submission import UNSENT

REGISTERED = REGISTRATION_SENT  # sent by the unit's head: what the check of nominees reads
# The Board's filter of the registration page.
FILTERS = {"registered": "Đã đăng ký (đã gửi Ban)", "unregistered": "Chưa đăng ký",
           "late": "Quá hạn, chưa gửi"}
# The công văn's ký hiệu: the unit, then its field (NĐ 30 Phụ lục I: công văn).
FIELD = "TĐKT"


def titles_offered(campaign_id) -> dict:
    """{code: award form} of the titles (danh hiệu) the year offers: what may be registered
    (a Bằng khen or a Giấy khen may not)."""
    return {code: form for code, form in db.session.execute(
        sa.select(AwardForm.code, AwardForm)
        .join(CampaignAwardForm, CampaignAwardForm.award_form_id == AwardForm.id)
        .where(CampaignAwardForm.campaign_id == campaign_id, AwardForm.category == "title")
        .order_by(AwardForm.code)).all()}


def _entry(registration, titles, row, i):
    """One line checked: its kind, its name and a title the year offers (Invalid naming
    ``entries[i]``), as a new entry."""
    path = f"entries[{i}]"
    kind = row.get("kind")
    if kind not in NOMINEE_KINDS:
        raise Invalid("Chọn «Tập thể» hoặc «Cá nhân» cho từng dòng đăng ký.",
                      details={f"{path}.kind": list(NOMINEE_KINDS)}, code="invalid_kind")
    name = (row.get("name") or "").strip()
    if not name:
        raise Invalid("Mỗi dòng đăng ký cần tên tập thể hoặc họ tên cá nhân.",
                      details={f"{path}.name": ["Bắt buộc."]}, code="name_required")
    form = titles.get(row.get("award_form"))
    if form is None:
        choices = ", ".join(f"«{f.name}»" for f in titles.values()) or "không có"
        raise Invalid(f"Danh hiệu đăng ký phải là danh hiệu thi đua năm nay có xét "
                      f"({choices}); Bằng khen, Giấy khen không đăng ký thi đua.",
                      details={f"{path}.award_form": list(titles)},
                      code="not_a_title")
    if form.subject_kind not in ("both", kind):
        subject = "tập thể" if form.subject_kind == "collective" else "cá nhân"
        raise Invalid(f"«{form.name}» chỉ dành cho {subject}.",
                      details={f"{path}.award_form": [f"Chỉ dành cho {subject}."]},
                      code="award_form_subject")
    organisation = row.get("organisation") or ""
    return RegistrationEntry(
        campaign_id=registration.campaign_id, position=i, kind=kind, name=name,
        position_title=row.get("position_title") or "" if kind == "individual" else "",
        organisation=organisation, award_form=form,
        identity_key=subject_key(registration.unit, kind, name, organisation),
        search_key=names.search_key(name))


def _entries(registration, rows):
    """Replace the entries: each names its kind, its name and a title the year offers."""
    titles = titles_offered(registration.campaign_id)
    registration.entries[:] = [_entry(registration, titles, row, i)
                               for i, row in enumerate(rows)]


def update_registration(user, registration_id, data, version):
    """Replace the note and the list; only the unit's staff, only while drafting."""
    data = validation.check(data, validation.REGISTRATION)
    with transaction():
        registration = steps.open_for(KIND, "content", registration_id, user, version,
                                      versioned=True)
        if "note" in data:
            registration.note = data["note"] or ""
        if "entries" in data:
            _entries(registration, data["entries"] or [])
        steps.touch(registration)
    return registration


def registration_facts(registration):
    campaign = db.session.execute(
        sa.select(Campaign.state, Campaign.registration_deadline, Campaign.accepts_late)
        .where(Campaign.id == registration.campaign_id)).one()
    count = db.session.scalar(sa.select(sa.func.count()).where(
        RegistrationEntry.registration_id == registration.id))
    return RegistrationFacts(campaign_state=campaign.state, today=today(),
                             deadline=campaign.registration_deadline,
                             accepts_late=campaign.accepts_late, entries=count)


def registration_snapshot(registration):
    return {
        "campaign_id": registration.campaign_id,
        "unit_id": registration.unit_id,
        "note": registration.note,
        "entries": [[e.kind, e.name, e.position_title, e.organisation, e.award_form.code]
                    for e in registration.entries],
    }


def _stamp_submission(registration, user, role, comment, params, facts):
    registration.submitted_at = now_utc()
    if facts is None:
        with db.session.no_autoflush:
            facts = DeadlineFacts(today=today(), deadline=db.session.scalar(
                sa.select(Campaign.registration_deadline)
                .where(Campaign.id == registration.campaign_id)))
    registration.late = is_late(facts)


def _sign(registration, user, role, comment, params, facts):
    """The head's signature numbers the registration from the unit's register of công văn
    (…/{unit}-TĐKT) and keeps it; signed digitally when he has a certificate."""
    mode = esigning.paper_mode("registration", "sign_off", registration.unit, user)
    on = registers.check_issue_date(params.get("issued_on"), label="Ngày ký") or today()
    registration.number = registers.take_number(
        registration.unit_id, "CV", on.year, item=("registration", registration.id),
        user=user, wanted=registers.check_wanted(params.get("number")))
    registration.symbol = f"{registration.unit.symbol}-{FIELD}"
    registration.signed_on = on
    registration.signed_by_id = user.id
    documents.sign("registration", registration, ("registration",), registration.unit, user,
                   params.get("authority"))
    esigning.sign_papers("registration", registration, "sign_off", user, mode, params)


KIND = steps.Kind(REGISTRATION, Registration, facts=registration_facts,
                  snapshot=registration_snapshot,
                  effects={"stamp_submission": _stamp_submission, "sign": _sign},
                  listed_by=(Registration.campaign_id.desc(), Registration.id))


# -- the Board's reads ----------------------------------------------------------------------------


def _year(user, campaign_id):
    require_role(user, BOARD | CHAIRMAN, "xem tình hình đăng ký thi đua")
    # the year alone: not its contents and award forms, which a campaign loads with it
    campaign = db.session.scalars(sa.select(Campaign).where(
        Campaign.id == campaign_id, visible(user, Campaign))
        .options(sa.orm.lazyload(Campaign.contents), sa.orm.lazyload(Campaign.award_forms))
    ).first()
    if campaign is None or campaign.kind != "regular":
        raise NotFound("Không tìm thấy năm thi đua thường xuyên.")
    return campaign


def _late_open(campaign) -> bool:
    """Whether the «late» filter can list anything: the registration deadline is past."""
    deadline = campaign.registration_deadline
    return deadline is not None and deadline < today()


def _filtered(query, show, late_open):
    if show == "registered":
        return query.where(Registration.state.in_(REGISTERED))
    if show == "unregistered":
        return query.where(sa.or_(Registration.id.is_(None),
                                  Registration.state.not_in(REGISTERED)))
    if show == "late":
        if not late_open:
            return query.where(sa.false())
        return query.where(sa.or_(Registration.id.is_(None), Registration.state.in_(UNSENT)))
    return query


def granted_titles():
    """A row's column: the titles (danh hiệu) granted to the unit's people and collectives
    in the year — nominees of its year-end dossier in an issued decision, not struck."""
    return (sa.select(sa.func.count(Nominee.id))
            .join(Dossier, Dossier.id == Nominee.dossier_id)
            .join(Decision, Decision.id == Nominee.decision_id)
            .join(AwardForm, AwardForm.id == Nominee.award_form_id)
            .where(Dossier.campaign_id == CampaignParticipant.campaign_id,
                   Dossier.unit_id == CampaignParticipant.unit_id,
                   Decision.state == "issued", Nominee.struck.is_(False),
                   AwardForm.category == "title")
            .correlate(CampaignParticipant).scalar_subquery())


def _rows(year_id, show, q, late_open):
    """The year's units beside their registration: the page's, the API's and the Excel
    list's one query. ``year_id``: the campaign's id, or a bind parameter (a statement
    built once, _page_statement)."""
    entries = (sa.select(sa.func.count()).where(
        RegistrationEntry.registration_id == Registration.id)
        .correlate(Registration).scalar_subquery())
    query = (sa.select(Unit.id.label("unit_id"), Unit.code.label("unit_code"),
                       Unit.name.label("unit_name"), Registration.id.label("registration_id"),
                       Registration.state.label("state"), Registration.late.label("late"),
                       Registration.submitted_at.label("submitted_at"),
                       sa.case((Registration.id.is_(None), None), else_=entries)
                       .label("entries"),
                       granted_titles().label("granted"))
             .select_from(CampaignParticipant)
             .join(Unit, Unit.id == CampaignParticipant.unit_id)
             .outerjoin(Registration, sa.and_(
                 Registration.campaign_id == CampaignParticipant.campaign_id,
                 Registration.unit_id == CampaignParticipant.unit_id))
             .where(CampaignParticipant.campaign_id == year_id))
    query = _filtered(query, show, late_open)
    if q:
        # as typed, or in lower case (SQLite lowers ASCII only: "Đông Kinh" as written)
        query = query.where(sa.or_(Unit.name.contains(q, autoescape=True),
                                   sa.func.lower(Unit.name).contains(q.lower(), autoescape=True),
                                   Unit.code.icontains(q, autoescape=True)))
    return query


def year_for(user, campaign_id):
    """The regular year, for the Board and the Chairman (404 otherwise)."""
    return _year(user, campaign_id)


def year_rows(user, campaign_id):
    """(the year, its query of every unit in code order): for the Excel list."""
    campaign = _year(user, campaign_id)
    return campaign, _rows(campaign.id, None, None, False).order_by(Unit.code)


@functools.cache
def _page_statement(show, late_open):
    """A filter's page, built once per process (building the statement costs more Python
    than the database takes to run it): bind parameters year_id, page_limit, page_offset."""
    return (_rows(sa.bindparam("year_id", type_=sa.Integer), show, None, late_open)
            .order_by(Unit.code).limit(sa.bindparam("page_limit", type_=sa.Integer))
            .offset(sa.bindparam("page_offset", type_=sa.Integer)))


def status(user, campaign_id, *, show=None, q=None, page=1, per_page=50):
    """The year's units, a page at a time, each with its registration's state and how many
    titles it registers; ``show`` one of FILTERS; ``q`` a part of the unit's name or code.
    With the counts over the whole year (registered, not, by state). A fixed number of
    statements, whatever the number of units."""
    if show and show not in FILTERS:
        raise Invalid("Bộ lọc không hợp lệ.", details={"show": list(FILTERS)},
                      code="invalid_filter")
    q = validation.text(q, "Tìm đơn vị", 120, single_line=True, path="q") if q else None
    campaign = _year(user, campaign_id)
    late_open = _late_open(campaign)
    if q:
        query = _rows(campaign.id, show, q, late_open)
        rows = db.session.execute(query.order_by(Unit.code).limit(per_page)
                                  .offset((page - 1) * per_page)).mappings().all()
    else:
        rows = db.session.execute(_page_statement(show or None, late_open), {
            "year_id": campaign.id, "page_limit": per_page,
            "page_offset": (page - 1) * per_page}).mappings().all()
    by_state = year_counts(campaign.id)
    units = sum(by_state.values())
    unsent = by_state.pop(None, 0)
    registered = sum(n for s, n in by_state.items() if s in REGISTERED)
    if q:  # a search: counted in SQL, without the row's figures (titles registered, granted)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(
            query.with_only_columns(Unit.id).subquery()))
    else:  # a filter's total is a sum of the year's counts: no second scan of the year
        total = _filter_total(show, late_open, by_state, units, registered, unsent)
    return {"campaign": campaign, "items": rows, "total": total, "page": page,
            "per_page": per_page, "show": show or "", "q": q or "",
            "counts": {"units": units, "registered": registered,
                       "unregistered": units - registered,
                       "by_state": {s: by_state[s] for s in REGISTRATION.states
                                    if s in by_state}}}


def year_counts(campaign_id) -> dict:
    """{state: registrations} of the year, and under None its units without one: one
    statement. The registrations are read from the index (campaign_id, state, unit_id)
    alone (an index-only scan: no join, no table rows); the units from the participants'
    primary key. A registration is opened for each participating unit at the launch."""
    counts = {}
    participants = 0
    for state, n in db.session.execute(_counts_statement(), {"year_id": campaign_id}):
        if state is None:
            participants = n
        else:
            counts[state] = n
    counts[None] = max(participants - sum(counts.values()), 0)
    return counts


@functools.cache
def _counts_statement():
    year_id = sa.bindparam("year_id", type_=sa.Integer)
    by_state = sa.select(Registration.state, sa.func.count()).where(
        Registration.campaign_id == year_id).group_by(Registration.state)
    units = sa.select(sa.null(), sa.func.count()).select_from(CampaignParticipant).where(
        CampaignParticipant.campaign_id == year_id)
    return sa.union_all(by_state, units)


def _filter_total(show, late_open, by_state, units, registered, unsent):
    """How many units ``show`` lists, from the year's counts (as _filtered selects them)."""
    if show == "registered":
        return registered
    if show == "unregistered":
        return units - registered
    if show == "late":
        return unsent + sum(n for s, n in by_state.items() if s in UNSENT) if late_open else 0
    return units


def may_see(user) -> bool:
    """Whether the Board's registration page is for ``user``."""
    return bool(user.roles & (BOARD | CHAIRMAN))


def may_remind(user) -> bool:
    return bool(user.roles & BOARD)


def remind_unregistered(user, campaign_id, day=None):
    """The Board reminds the units of the year that have not sent their registration: one
    message to each of their staff and head, once a day (the reminder log), through the
    outbox. Set-based: one SELECT of who is owed one, then the inserts."""
    day = day or today()
    with transaction():
        campaign = _year(user, campaign_id)
        require_role(user, BOARD, "nhắc đơn vị đăng ký thi đua")
        if campaign.state != "launched":
            raise Invalid("Năm thi đua chưa phát động hoặc đã kết thúc.", code="not_launched")
        reminded = (sa.select(ReminderLog.id).where(
            ReminderLog.item_type == "registration", ReminderLog.item_id == Registration.id,
            ReminderLog.user_id == User.id, ReminderLog.day == day).exists())
        rows = db.session.execute(
            sa.select(Registration.id, Registration.state, Unit.name, User.id, User.full_name,
                      User.email).distinct()
            .join(Unit, Unit.id == Registration.unit_id)
            .join(User, sa.and_(User.unit_id == Registration.unit_id, User.active.is_(True)))
            .join(UserRole, sa.and_(UserRole.user_id == User.id, UserRole.role.in_(UNIT)))
            .where(Registration.campaign_id == campaign.id,
                   Registration.state.in_(UNSENT), ~reminded)
            .order_by(Registration.id, User.id)).all()
        deadline = campaign.registration_deadline
        until = f"ngày {deadline:%d/%m/%Y}" if deadline else "sớm nhất"
        overdue = " (đã quá hạn)" if deadline and deadline < day else ""
        logs, messages, units = [], [], set()
        for reg_id, state, unit_name, user_id, full_name, email in rows:
            units.add(reg_id)
            subject = f"[TĐKT] Nhắc đăng ký thi đua năm {campaign.year}: {unit_name}"
            lead = (f"{unit_name} chưa gửi bản đăng ký thi đua năm {campaign.year} đến Ban "
                    f"Thi đua – Khen thưởng. Hạn đăng ký: {until}{overdue}. Không đăng ký thi "
                    f"đua thì không được xét danh hiệu thi đua.")
            logs.append({"item_type": "registration", "item_id": reg_id, "user_id": user_id,
                         "day": day})
            messages.append({
                "item_type": "registration", "item_id": reg_id,
                "template": "reminder.registration", "recipient_user_id": user_id,
                "recipient_name": full_name, "recipient_email": email,
                "payload": {"subject": subject, "lead": lead, "title": lead,
                            "item_type": "registration", "item_id": reg_id,
                            "to_state_label": REGISTRATION.states[state], "attachments": []},
                "status": "pending" if email else "in_app"})
        if rows:  # two INSERTs (executemany), whatever the number of units
            db.session.execute(sa.insert(ReminderLog), logs)
            db.session.execute(sa.insert(OutboxMessage), messages)
    return {"units": len(units), "messages": len(rows)}


# -- the entries from Excel: the same checks as by hand, every row or none --------------------

ENTRY_SHEET = "Đăng ký thi đua"
ENTRY_COLUMNS = (
    spreadsheets.Column("Loại", 12, required=True),
    spreadsheets.Column("Tên tập thể, họ tên cá nhân", 34, required=True),
    spreadsheets.Column("Chức vụ", 24),
    spreadsheets.Column("Đơn vị công tác", 28),
    spreadsheets.Column("Danh hiệu đăng ký", 44, required=True),
)
_KIND_BY_NAME = {"cá nhân": "individual", "tập thể": "collective"}
MAX_ENTRIES = 5000  # one unit's people in one file


def _editable(user, registration_id):
    """The registration, when ``user`` may write it now (404 unseen, 403 / 409 otherwise),
    read outside a transaction: what the template and the import check first."""
    registration = steps.load(KIND, registration_id, user)
    rule = REGISTRATION.edits["content"]
    denied = refusal(user, rule.roles, registration, rule.what, rule.body)
    if denied:
        raise Forbidden(denied)
    if registration.state not in rule.states:
        raise Conflict(rule.refused, details={"state": registration.state}, code=rule.code)
    return registration


def entry_template(user, registration_id):
    """(file name, xlsx): the list to fill in, the year's titles as its drop-down."""
    registration = _editable(user, registration_id)
    titles = titles_offered(registration.campaign_id)
    unit = registration.unit
    example = ["Cá nhân", "Nguyễn Văn An", "Trưởng phòng", unit.short_name or unit.name,
               next(iter(titles.values())).name if titles else ""]
    data = spreadsheets.template(ENTRY_SHEET, ENTRY_COLUMNS, example, {
        "Loại": ["Tập thể", "Cá nhân"],
        "Danh hiệu đăng ký": [f.name for f in titles.values()]})
    return f"Mẫu đăng ký thi đua năm {registration.campaign.year}.xlsx", data


def import_entries(user, registration_id, data: bytes, filename: str, version):
    """The filled-in template's lines added after the registration's own: every row read,
    each problem named by the sheet's row and column (a title the year does not offer, a
    line already registered or twice in the file), then the same save as by hand
    (update_registration): every row or none."""
    registration = _editable(user, registration_id)
    titles = titles_offered(registration.campaign_id)
    by_name = {spreadsheets._norm(f.name): code for code, f in titles.items()}
    by_name.update({spreadsheets._norm(code): code for code in titles})
    rows, problems = spreadsheets.read(data, filename, ENTRY_COLUMNS,
                                       max_bytes=imports.max_bytes(), sheet_title=ENTRY_SHEET,
                                       max_rows=MAX_ENTRIES)
    existing = [{"kind": e.kind, "name": e.name, "position_title": e.position_title,
                 "organisation": e.organisation, "award_form": e.award_form.code}
                for e in registration.entries]
    seen = {(e.identity_key, e.award_form.code): None for e in registration.entries}
    added = []
    for number, values in rows:
        kind = _KIND_BY_NAME.get(spreadsheets._norm(values["Loại"]))
        if values["Loại"] and kind is None:
            problems.append(spreadsheets.problem(number, "Loại",
                                                 "chọn «Tập thể» hoặc «Cá nhân»."))
        code = by_name.get(spreadsheets._norm(values["Danh hiệu đăng ký"]))
        if values["Danh hiệu đăng ký"] and code is None:
            problems.append(spreadsheets.problem(
                number, "Danh hiệu đăng ký",
                "chọn một danh hiệu thi đua năm nay có xét: "
                + "; ".join(f.name for f in titles.values())
                + " (Bằng khen, Giấy khen không đăng ký thi đua)."))
        row = {"kind": kind, "name": values["Tên tập thể, họ tên cá nhân"] or "",
               "position_title": values["Chức vụ"] or "",
               "organisation": values["Đơn vị công tác"] or "", "award_form": code}
        if kind is None or code is None or not row["name"]:
            continue
        try:
            entry = _entry(registration, titles, row, len(existing) + len(added))
        except Invalid as error:
            problems.append(spreadsheets.problem(number, "Danh hiệu đăng ký", error.message))
            continue
        key = (entry.identity_key, code)
        if key in seen:
            where = f"dòng {seen[key]}" if seen[key] else "bản đăng ký"
            problems.append(f"Dòng {number}: {row['name']} đã đăng ký "
                            f"«{titles[code].name}» ở {where}.")
            continue
        seen[key] = number
        added.append(row)
    if problems:
        spreadsheets.refuse(problems)
    try:
        return update_registration(user, registration_id, {"entries": existing + added},
                                   version), len(added)
    except Invalid as error:  # the text's length rules: the first row it names
        spreadsheets.refuse([error.message])
