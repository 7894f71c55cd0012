"""Lists out to Excel: a campaign's progress table, its nominees and verdicts, a decision's
awardees (in the columns of the national database of officials), a year's award register.

Rows are read with a server-side cursor (``yield_per``) and handed one at a time to the
write-only sheet, so memory does not grow with the list. Every export holds only what the
user may see (the same scoping as the pages).
"""
from datetime import UTC

import sqlalchemy as sa

from app.clock import local_zone
from app.docgen import text
from app.extensions import db
from app.models import AwardRecord, Campaign, Dossier, Nominee, Plan, Unit
from app.services import (
    awards,
    campaigns,
    org,
    overview,
    registrations,
    spreadsheets,
    steps,
    workflow,
)
from app.services.spreadsheets import Column

BATCH = 1000
KIND_LABELS = {"collective": "Tập thể", "individual": "Cá nhân"}
VERDICT_LABELS = {"accepted": "Đạt", "declined": "Không đạt"}
SOURCE_LABELS = {"system": "Hệ thống", "import": "Nhập từ Excel"}


def _stream(query):
    """Rows of ``query`` a batch at a time (a server-side cursor on PostgreSQL)."""
    return db.session.execute(query.execution_options(yield_per=BATCH))


def _numbered(rows):
    for i, row in enumerate(rows, start=1):
        yield (i, *row)


def _local_date(value):
    """A stored UTC timestamp as the date it was in the province."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(local_zone()).date()


# -- the campaign's progress table ----------------------------------------------------------

PROGRESS_COLUMNS = (
    Column("STT", 6), Column("Mã đơn vị", 12), Column("Đơn vị", 45), Column("Loại đơn vị", 22),
    Column("Kế hoạch", 22), Column("Ngày gửi kế hoạch", 14, "date"),
    Column("Hồ sơ", 22), Column("Ngày gửi hồ sơ", 14, "date"), Column("Gửi muộn", 10),
    Column("Số tập thể, cá nhân đề nghị", 14, "int"),
)


def progress(user, campaign_id):
    """(file name, file): every participating unit with its plan's and dossier's state."""
    campaign = steps.load(campaigns.KIND, campaign_id, user)
    query = campaigns.participants(
        user, campaign, Unit.code, Unit.name, Unit.kind, Plan.state, Plan.submitted_at,
        Dossier.state, Dossier.submitted_at, Dossier.late, campaigns.nominee_count(),
    ).order_by(Unit.code)
    kinds = org.UNIT_KIND_LABELS

    def rows():
        for code, name, kind, p_state, p_sent, d_state, d_sent, late, count in _stream(query):
            yield (code, name, kinds.get(kind, kind),
                   workflow.state_label("plan", p_state) if p_state else "",
                   _local_date(p_sent),
                   workflow.state_label("dossier", d_state) if d_state else "",
                   _local_date(d_sent), "Có" if late else "", count)

    data = spreadsheets.write("Tiến độ", PROGRESS_COLUMNS, _numbered(rows()))
    return f"Tiến độ - {campaign.code}.xlsx", data


# -- a regular year's registrations against titles granted ----------------------------------

REGISTRATION_COLUMNS = (
    Column("STT", 6), Column("Mã đơn vị", 12), Column("Đơn vị", 45),
    Column("Bản đăng ký", 22), Column("Ngày gửi", 14, "date"), Column("Gửi muộn", 10),
    Column("Số danh hiệu đăng ký", 14, "int"), Column("Số danh hiệu được tặng", 14, "int"),
)


def registrations_list(user, campaign_id):
    """(file name, file): every unit of a regular year, its registration (state, titles
    registered) and the titles granted to it in the year (Board and Chairman)."""
    year, query = registrations.year_rows(user, campaign_id)

    def rows():
        for row in _stream(query):
            yield (row.unit_code, row.unit_name,
                   workflow.state_label("registration", row.state) if row.state else "",
                   _local_date(row.submitted_at), "Có" if row.late else "",
                   row.entries if row.state in registrations.REGISTERED else 0, row.granted)

    data = spreadsheets.write(f"Đăng ký thi đua {year.year}", REGISTRATION_COLUMNS,
                              _numbered(rows()))
    return f"Đăng ký thi đua năm {year.year} - {year.code}.xlsx", data


CLUSTER_REGISTRATION_COLUMNS = (
    Column("STT", 6), Column("Cụm, khối", 40), Column("Loại", 14), Column("Cụm trưởng", 36),
    Column("Số đơn vị", 10, "int"), Column("Đơn vị đã đăng ký", 12, "int"),
    Column("Số danh hiệu đăng ký", 14, "int"), Column("Số danh hiệu được tặng", 14, "int"),
    Column("Dẫn đầu xếp hạng", 40), Column("Cờ thi đua", 40),
)


def registrations_by_cluster(user, campaign_id):
    """(file name, file): a regular year's registrations and titles granted per cluster or
    block, with its leading unit(s) and its Cờ, and the year's totals last."""
    shown = overview.registration_overview(user, campaign_id)
    year = shown["campaign"]

    def rows():
        for r in shown["clusters"]:
            yield (r["name"], r["kind_label"], r["leader_name"] or "", r["units"],
                   r["registered"], r["registered_titles"], r["granted_titles"],
                   "; ".join(u["unit_name"] for u in r["leading"]), "; ".join(r["flags"]))
        t = shown["totals"]
        yield ("Cả năm (mọi đơn vị)", "", "", t["units"], t["registered"],
               t["registered_titles"], t["granted_titles"], "", "")

    data = spreadsheets.write(f"Theo cụm, khối {year.year}", CLUSTER_REGISTRATION_COLUMNS,
                              _numbered(rows()))
    return f"Đăng ký thi đua theo cụm, khối năm {year.year} - {year.code}.xlsx", data


# -- nominees and verdicts ---------------------------------------------------------------

NOMINEE_COLUMNS = (
    Column("STT", 6), Column("Đơn vị đề nghị", 40), Column("Loại", 10), Column("Danh xưng", 9),
    Column("Tên tập thể, họ tên cá nhân", 32), Column("Chức vụ", 28),
    Column("Đơn vị công tác", 32), Column("Hình thức khen thưởng", 34),
    Column("Số phiếu đồng ý", 10, "int"), Column("Thẩm định", 12), Column("Lý do", 30),
    Column("Bị loại khi phê duyệt", 12), Column("Số quyết định", 16),
    Column("Ngày quyết định", 14, "date"),
)


def nominees(user, campaign_id, status=None, form=None, unit_kind=None):
    campaign = steps.load(campaigns.KIND, campaign_id, user)
    query = overview.nominee_query(user, campaign.id, status=status, form=form,
                                   unit_kind=unit_kind)

    def rows():
        for r in _stream(query):
            # the number and date only where the decision awarded them (never when struck)
            awarded = r.outcome == "awarded"
            yield (r.unit_name, KIND_LABELS.get(r.kind, r.kind), r.title, r.name,
                   r.position_title, r.organisation, r.form_name, r.votes_for,
                   VERDICT_LABELS.get(r.verdict, ""), r.verdict_reason or r.strike_reason or "",
                   "Có" if r.outcome == "struck" else "",
                   f"{r.decision_number:02d}/{r.decision_symbol}" if awarded else "",
                   r.decided_on if awarded else None)

    data = spreadsheets.write("Danh sách đề nghị", NOMINEE_COLUMNS, _numbered(rows()))
    return f"Danh sách đề nghị - {campaign.code}.xlsx", data


# -- a decision's awardees, in the national database's columns ---------------------------

AWARDEE_COLUMNS = (
    Column("STT", 6), Column("Họ tên", 32), Column("Chức vụ", 30), Column("Đơn vị", 40),
    Column("Hình thức", 36), Column("Số QĐ", 16), Column("Ngày QĐ", 14, "date"),
    Column("Cấp quyết định", 30),
)


def awardee_rows(user, decision_id):
    """The decision (scoped) and the query of its awardees (not struck), in the decision's
    order: (name, title, position, organisation, unit name, form name)."""
    decision = workflow.load("decision", decision_id, user)
    query = (sa.select(Nominee.kind, Nominee.title, Nominee.name, Nominee.position_title,
                       Nominee.organisation, Unit.name)
             .join(Dossier, Dossier.id == Nominee.dossier_id)
             .join(Unit, Unit.id == Dossier.unit_id)
             .where(Nominee.decision_id == decision.id, Nominee.struck.is_(False))
             .order_by(Nominee.kind, Nominee.dossier_id, Nominee.position))
    return decision, query


def awardees(user, decision_id):
    decision, query = awardee_rows(user, decision_id)
    issuer = db.session.get(Unit, db.session.get(Campaign, decision.campaign_id).issuer_unit_id)
    level = awards.issuing_level(issuer) or issuer.name
    form = decision.award_form.name

    def rows():
        for _kind, _title, name, position, organisation, unit_name in _stream(query):
            yield (name, position, organisation or unit_name, form, decision.number_label or "",
                   decision.issued_on, level)

    data = spreadsheets.write("Danh sách khen thưởng", AWARDEE_COLUMNS, _numbered(rows()))
    number = (decision.number_label or f"du-thao-{decision.id}").replace("/", "-")
    return f"Danh sách khen thưởng - QĐ {number}.xlsx", data


# -- the yearly award register -----------------------------------------------------------

REGISTER_COLUMNS = (
    Column("STT", 7), Column("Tên tập thể, họ tên cá nhân", 32), Column("Loại", 10),
    Column("Chức vụ", 28), Column("Đơn vị công tác", 32), Column("Đơn vị", 36),
    Column("Hình thức", 36), Column("Số QĐ", 16), Column("Ngày QĐ", 14, "date"),
    Column("Cấp quyết định", 24), Column("Số tiền (đồng)", 14, "money"), Column("Nguồn", 14),
)


def register(user, year, **filters):
    query = overview.register_query(user, year, **filters)
    # the columns only: no ORM object per row
    query = query.with_only_columns(
        AwardRecord.name, AwardRecord.subject_kind, AwardRecord.position_title,
        AwardRecord.organisation, AwardRecord.unit_name, AwardRecord.form_name,
        AwardRecord.decision_number, AwardRecord.decided_on, AwardRecord.issuing_level,
        AwardRecord.money, AwardRecord.source)

    def rows():
        for (name, kind, position, organisation, unit_name, form_name, number, decided_on,
             level, money, source) in _stream(query):
            yield (name, KIND_LABELS.get(kind, kind), position, organisation, unit_name,
                   form_name, number, decided_on, level,
                   int(money) if money is not None else None, SOURCE_LABELS.get(source, source))

    data = spreadsheets.write(f"Khen thưởng {year}", REGISTER_COLUMNS, _numbered(rows()))
    return f"Sổ khen thưởng năm {year}.xlsx", data


def awardee_list(decision, query):
    """The decision's attachment as it prints (Nghị định 30, phụ lục): its heading, the
    «Kèm theo» line and the awardees, collectives then individuals, numbered in each."""
    campaign = db.session.get(Campaign, decision.campaign_id)
    issuer = db.session.get(Unit, campaign.issuer_unit_id)
    year = (decision.issued_on or campaign.period_end).year
    dated = (text.long_date(decision.issued_on) if decision.issued_on
             else f"ngày      tháng      năm {year}")
    number = text.number_ref(decision.number, decision.symbol or f"QĐ-{issuer.code}")
    sections = {"collective": [], "individual": []}
    for kind, title, name, position, organisation, unit_name in db.session.execute(query):
        sections.setdefault(kind, []).append({
            "name": f"{title} {name}".strip() if kind == "individual" else name,
            "detail": ", ".join(p for p in (position, organisation or unit_name) if p)})
    return {
        "title": "DANH SÁCH",
        "subtitle": f"TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG {decision.award_form.name.upper()}",
        "reference": f"(Kèm theo Quyết định số {number} {dated} của Chủ tịch {issuer.name})",
        "draft": decision.number is None,
        "sections": [(label, sections[k]) for k, label in
                     (("collective", "Tập thể"), ("individual", "Cá nhân")) if sections[k]],
    }
