"""The award history: filled when a decision is issued, searched by name, read per person
or collective, and shown to the Board beside each nominee it appraises.

Every read is scoped (permissions.visible): the province's offices see every award, a
unit the awards made through it.
"""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.clock import now_utc
from app.extensions import db
from app.models import (
    AwardForm,
    AwardRecord,
    AwardTally,
    Campaign,
    Dossier,
    FlagAward,
    Nominee,
    Unit,
)
from app.services import dossiers, eligibility, names, reference, steps, tallies
from app.services.errors import NotFound
from app.services.permissions import visible
from workflows.dossier import PROPOSING

BASE_SALARY = "muc_luong_co_so"


# The level that decided, by the kind of the deciding body: a centrally-run city's People's
# Committee is cấp tỉnh (Luật TĐKT), whatever its papers call its area ("thành phố"); a
# ward's or a commune's is cấp xã.
LEVELS = {"province": "Cấp tỉnh", "commune": "Cấp xã"}


def issuing_level(unit) -> str:
    """ "Cấp tỉnh" for the province's (or a centrally-run city's) People's Committee, as
    officials' records (and the national database's «Cấp quyết định» column) name the level
    that decided."""
    if unit.kind in LEVELS:
        return LEVELS[unit.kind]
    return f"Cấp {unit.locality}" if unit.locality else ""


def _money(multiplier, salary):
    if multiplier is None or salary is None:
        return None
    return (Decimal(str(multiplier)) * Decimal(str(salary))).quantize(Decimal(1))


def record_decision(decision, issuer, user):
    """Every awardee of ``decision`` (not struck) becomes an award record, in one
    INSERT … SELECT whatever their number: a snapshot of who, the unit then, the form, the
    decision's number, date and issuer, and the money (the form's multiplier × mức lương
    cơ sở in force on the decision's date)."""
    form = decision.award_form
    salary = reference.rule(BASE_SALARY, decision.issued_on)
    money = sa.case(
        (Nominee.kind == "collective",
         sa.literal(_money(form.money_multiplier_collective, salary), sa.Numeric(14, 0))),
        else_=sa.literal(_money(form.money_multiplier_individual, salary), sa.Numeric(14, 0)))
    columns = {
        "source": sa.literal("system"), "nominee_id": Nominee.id,
        "decision_id": sa.literal(decision.id), "campaign_id": Nominee.campaign_id,
        "subject_kind": Nominee.kind, "name": Nominee.name, "title": Nominee.title,
        "position_title": Nominee.position_title, "organisation": Nominee.organisation,
        "identity_key": Nominee.identity_key, "search_key": Nominee.search_key,
        "unit_id": Unit.id, "unit_name": Unit.name, "award_form_id": Nominee.award_form_id,
        "form_name": AwardForm.name,
        "decision_number": sa.literal(decision.number_label),
        "decided_on": sa.literal(decision.issued_on, sa.Date),
        "year": sa.literal(decision.issued_on.year),
        "issuer_name": sa.literal(f"Chủ tịch {issuer.name}"),
        "issuing_level": sa.literal(issuing_level(issuer)),
        "achievement_summary": Nominee.achievement_summary, "money": money,
        "created_at": sa.literal(now_utc(), sa.DateTime),
        "created_by_id": sa.literal(user.id if user else None, sa.Integer),
    }
    awarded = (sa.select(*columns.values())
               .join(Dossier, Dossier.id == Nominee.dossier_id)
               .join(Unit, Unit.id == Dossier.unit_id)
               .join(AwardForm, AwardForm.id == Nominee.award_form_id)
               .where(Nominee.decision_id == decision.id, Nominee.struck.is_(False)))
    db.session.flush()  # the strikes and the number, as the SELECT must read them
    db.session.execute(sa.insert(AwardRecord).from_select(list(columns), awarded))
    year_moved(decision.issued_on.year)


def cancel_decision(old, cancelling, user):
    """A cancellation decision is issued (hủy bỏ quyết định khen thưởng, Luật Thi đua, khen
    thưởng 2022): every award record of ``old`` is marked cancelled by it, from its date,
    with what the awardee gives back: the award's object (the form's certificate, e.g.
    "Bằng khen") and the money received. One UPDATE whatever their number; the records stay
    (the history shows them cancelled) and leave the yearly tally."""
    form = old.award_form
    objects = (form.certificate_title or form.name).strip()
    objects = objects[:1].upper() + objects[1:].lower() if form.certificate_title else objects
    db.session.flush()
    db.session.execute(
        sa.update(AwardRecord)
        .where(AwardRecord.decision_id == old.id, AwardRecord.cancelled_by_id.is_(None))
        .values(cancelled_by_id=cancelling.id, cancelled_on=cancelling.issued_on,
                recover_objects=objects, recover_money=AwardRecord.money)
        .execution_options(synchronize_session=False))
    if old.issued_on is not None:
        year_moved(old.issued_on.year)


def cancelled_records(decision_id):
    """The award records a cancellation decision cancelled, with what is to be recovered:
    (count, total money to recover)."""
    count, money = db.session.execute(
        sa.select(sa.func.count(AwardRecord.id), sa.func.sum(AwardRecord.recover_money))
        .where(AwardRecord.cancelled_by_id == decision_id)).one()
    return {"count": count, "money": money}


# -- the yearly tally ---------------------------------------------------------------------

_TALLY_LOCK_SPACE = 7302  # pg_advisory_xact_lock(space, year): one recount of a year at a time


def recount_years(years, session=None):
    """Replace the tally of these years with a fresh sum of their records, in the caller's
    transaction: one scan of each year's records, at issue or import, instead of one on
    every view of the overview."""
    years = sorted(set(years))
    if not years:
        return
    session = session or db.session
    tallies.lock(session, _TALLY_LOCK_SPACE, years)
    session.execute(sa.delete(AwardTally).where(AwardTally.year.in_(years)))
    session.execute(sa.insert(AwardTally).from_select(
        ["year", "award_form_id", "unit_id", "unit_name", "awards", "money"],
        sa.select(AwardRecord.year, AwardRecord.award_form_id, AwardRecord.unit_id,
                  AwardRecord.unit_name, sa.func.count(AwardRecord.id),
                  sa.func.coalesce(sa.func.sum(AwardRecord.money), 0))
        .where(AwardRecord.year.in_(years), AwardRecord.cancelled_by_id.is_(None))
        .group_by(AwardRecord.year, AwardRecord.award_form_id, AwardRecord.unit_id,
                  AwardRecord.unit_name)))


def recount_all_years():
    """Every year's tally (after records were written around the services: a bulk load)."""
    recount_years(db.session.scalars(sa.select(AwardRecord.year).distinct()).all())


_stale_years = tallies.Pending("award_years", recount_years)


def year_moved(year, session=None):
    """Records of ``year`` were added or removed: recount it before this transaction commits."""
    _stale_years.add(year, session)


@sa.event.listens_for(Session, "after_flush")
def _records_flushed(session, context):
    # records written through the ORM (one at a time) move their years too; the bulk
    # writers (the issue above, the Excel import) say so themselves
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AwardRecord):
            history = sa.inspect(obj).attrs.year.history
            for year in (*history.added, *history.deleted, *history.unchanged):
                year_moved(year, session)


# -- search -------------------------------------------------------------------------------


def _postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def by_name(column):
    """Vietnamese alphabetical order: ICU's collation on PostgreSQL (the default C.UTF-8
    puts "Ánh" after "Z"), the same order registered as "vi" on SQLite (names.sort_key)."""
    return sa.collate(column, "vi-x-icu" if _postgresql() else "vi")


def search(user, q, page=1, per_page=20):
    """People and collectives whose name contains ``q``, with or without diacritics, one
    result per subject (its awards counted, its years and unit to tell namesakes apart):
    exact names first, then names with a word starting with ``q``, then the rest, each
    rank in Vietnamese alphabetical order; counted and cut in SQL."""
    key = names.search_key(q)
    rank = sa.case((AwardRecord.search_key == key, 0),
                   (sa.or_(AwardRecord.search_key.startswith(key, autoescape=True),
                           AwardRecord.search_key.contains(" " + key, autoescape=True)), 1),
                   else_=2)
    name = sa.func.min(AwardRecord.name)
    query = (sa.select(sa.func.min(AwardRecord.id).label("id"), name.label("name"),
                       sa.func.min(AwardRecord.subject_kind).label("subject_kind"),
                       sa.func.min(AwardRecord.title).label("title"),
                       sa.func.min(AwardRecord.organisation).label("organisation"),
                       sa.func.max(AwardRecord.unit_name).label("unit_name"),
                       sa.func.min(AwardRecord.year).label("first_year"),
                       sa.func.max(AwardRecord.year).label("last_year"),
                       sa.func.count(AwardRecord.id).label("awards"),
                       sa.func.min(rank).label("rank"))
             .where(visible(user, AwardRecord),
                    AwardRecord.search_key.contains(key, autoescape=True))
             .group_by(AwardRecord.identity_key)
             .order_by(sa.func.min(rank), by_name(name), AwardRecord.identity_key))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [r._asdict() for r in rows], "total": total, "page": page,
            "per_page": per_page, "q": q}


def history(user, record_id):
    """Every award of the subject of record ``record_id`` that ``user`` may see, newest
    first: the same identity, or an imported record of the same name (typed with or
    without diacritics) in the same organisation."""
    anchor = db.session.scalars(
        sa.select(AwardRecord).where(AwardRecord.id == record_id,
                                     visible(user, AwardRecord))).first()
    if anchor is None:
        raise NotFound("Không tìm thấy khen thưởng.")
    # An import may spell the name without its diacritics: matched on the search key
    # (both ways: from the import to the system's records and back).
    typed_in = sa.and_(AwardRecord.search_key == anchor.search_key,
                       AwardRecord.subject_kind == anchor.subject_kind,
                       AwardRecord.organisation == anchor.organisation)
    if anchor.source != "import":
        typed_in = sa.and_(typed_in, AwardRecord.source == "import")
    same = sa.or_(AwardRecord.identity_key == anchor.identity_key, typed_in)
    rows = db.session.execute(
        sa.select(AwardRecord, Campaign.title)
        .outerjoin(Campaign, Campaign.id == AwardRecord.campaign_id)
        .where(same, visible(user, AwardRecord))
        .order_by(AwardRecord.decided_on.desc(), AwardRecord.id.desc())).all()
    flagged = _flags_of([record.id for record, _title in rows])
    return {"subject": anchor,
            "awards": [{**_award(record, title), "flag": flagged.get(record.id)}
                       for record, title in rows]}


def _flags_of(record_ids):
    """{award record id: its Cờ thi đua record (year, cluster, votes)}: one statement."""
    if not record_ids:
        return {}
    rows = db.session.scalars(sa.select(FlagAward).where(
        FlagAward.award_record_id.in_(record_ids))).all()
    return {f.award_record_id: {"id": f.id, "year": f.year, "cluster_name": f.cluster_name,
                                "votes": f.votes, "voters": f.voters} for f in rows}


def _award(record, campaign_title):
    return {"id": record.id, "source": record.source, "name": record.name,
            "subject_kind": record.subject_kind, "organisation": record.organisation,
            "unit_id": record.unit_id, "unit_name": record.unit_name,
            "award_form_id": record.award_form_id, "form_name": record.form_name,
            "decision_id": record.decision_id, "decision_number": record.decision_number,
            "decided_on": record.decided_on, "year": record.year,
            "issuer_name": record.issuer_name, "issuing_level": record.issuing_level,
            "campaign_id": record.campaign_id, "campaign_title": campaign_title,
            "money": record.money,
            # cancelled by a later decision (hủy bỏ): from when, and what is to be recovered
            "cancelled": record.cancelled_by_id is not None,
            "cancelled_by_id": record.cancelled_by_id, "cancelled_on": record.cancelled_on,
            "recover_objects": record.recover_objects, "recover_money": record.recover_money}


# -- the appraisal: earlier awards and flags ------------------------------------------------


def for_dossier(user, dossier) -> dict:
    """{nominee id: {"earlier_awards": [...], "flags": [...]}} for every nominee of
    ``dossier``, in two statements whatever their number: the earlier awards of each
    subject and its proposals in other dossiers of the same year (one query), and the
    eligibility rules with their evidence (app/services/eligibility.py: a fixed number of
    statements per rule). Flags: the same form already awarded the same year, or proposed
    in another dossier that year (one achievement, one award), and every unmet rule
    (``rule_block`` or ``rule_warn``)."""
    nominees = list(dossier.nominees)
    if not nominees:
        return {}
    # the dossier's people as subqueries, never as lists of values: a dossier of any size
    # stays far below the database's limit on bound parameters
    keys = sa.select(Nominee.identity_key).where(Nominee.dossier_id == dossier.id)
    own = sa.select(Nominee.id).where(Nominee.dossier_id == dossier.id)
    year = dossier.campaign.period_end.year  # the year its awards would be decided
    awards = (
        sa.select(sa.literal("award").label("what"), AwardRecord.identity_key,
                  AwardForm.code.label("form_code"), AwardRecord.form_name,
                  AwardRecord.year, AwardRecord.decision_number, AwardRecord.decided_on,
                  AwardRecord.issuing_level, AwardRecord.unit_name,
                  AwardRecord.campaign_id, Campaign.title.label("campaign_title"),
                  Campaign.period_end, AwardRecord.id.label("ref_id"))
        .join(AwardForm, AwardForm.id == AwardRecord.award_form_id)
        .outerjoin(Campaign, Campaign.id == AwardRecord.campaign_id)
        .where(AwardRecord.identity_key.in_(keys), visible(user, AwardRecord),
               sa.or_(AwardRecord.nominee_id.is_(None), AwardRecord.nominee_id.notin_(own))))
    proposals = (
        sa.select(sa.literal("proposal").label("what"), Nominee.identity_key,
                  AwardForm.code.label("form_code"), AwardForm.name.label("form_name"),
                  sa.literal(year).label("year"), sa.literal(None, sa.String).label("n"),
                  sa.literal(None, sa.Date).label("d"), sa.literal("", sa.String).label("l"),
                  Unit.name.label("unit_name"), Nominee.campaign_id,
                  Campaign.title.label("campaign_title"), Campaign.period_end,
                  Nominee.dossier_id.label("ref_id"))
        .join(Dossier, Dossier.id == Nominee.dossier_id)
        .join(Campaign, Campaign.id == Dossier.campaign_id)
        .join(Unit, Unit.id == Dossier.unit_id)
        .join(AwardForm, AwardForm.id == Nominee.award_form_id)
        .where(Nominee.identity_key.in_(keys), Nominee.dossier_id != dossier.id,
               Dossier.state.in_(PROPOSING), Dossier.state != "decided",
               sa.or_(Nominee.verdict.is_(None), Nominee.verdict != "declined"),
               Campaign.period_end.between(date(year, 1, 1), date(year, 12, 31)),
               visible(user, Dossier)))
    rows = db.session.execute(
        sa.union_all(awards, proposals).order_by(sa.text("year DESC"), sa.text("what"))).all()
    verdicts = eligibility.evaluate(user, dossier)
    by_key = {}
    for r in rows:
        by_key.setdefault(r.identity_key, []).append(r)
    out = {}
    for n in nominees:
        mine = by_key.get(n.identity_key, ())
        code = n.award_form.code
        flags, earlier = [], []
        for r in mine:
            if r.what == "award":
                earlier.append({
                    "form_name": r.form_name, "year": r.year,
                    "decision_number": r.decision_number, "decided_on": r.decided_on,
                    "issuing_level": r.issuing_level, "unit_name": r.unit_name,
                    "campaign_title": r.campaign_title, "record_id": r.ref_id})
                if r.form_code != code:
                    continue
                # the same year: of the decision, or of the campaign it answered (a
                # campaign ending in January is decided in the year it ends)
                if year in (r.year, r.period_end and r.period_end.year) or \
                        r.campaign_id == dossier.campaign_id:
                    flags.append({
                        "code": "awarded_same_year",
                        "message": f"Đã được tặng {r.form_name} năm {r.year} (Quyết định số "
                                   f"{r.decision_number}): một thành tích chỉ được khen "
                                   f"thưởng một lần."})
            elif r.form_code == code:
                flags.append({
                    "code": "proposed_same_year",
                    "message": f"Cũng được đề nghị {r.form_name} năm {r.year} trong hồ sơ của "
                               f"{r.unit_name} (phong trào «{r.campaign_title}»): một thành tích "
                               f"chỉ được khen thưởng một lần."})
        rules = verdicts.get(n.id, [])
        for rule in rules:
            if not rule["met"]:
                flags.append({
                    "code": f"rule_{rule['severity']}",
                    "message": f"{'Chưa đủ điều kiện' if rule['severity'] == 'block' else 'Cần xem lại'}"
                               f": {rule['label']} ({rule['summary']})."})
        out[n.id] = {"earlier_awards": earlier, "flags": flags, "eligibility": rules}
    return out


def dossier_with_history(user, dossier_id):
    """The dossier as the API shows it, each nominee carrying ``earlier_awards`` and
    ``flags`` (see ``for_dossier``)."""
    dossier = steps.load(dossiers.KIND, dossier_id, user)
    found = for_dossier(user, dossier)
    for n in dossier.nominees:
        n.earlier_awards = found[n.id]["earlier_awards"]
        n.flags = found[n.id]["flags"]
        n.eligibility = found[n.id]["eligibility"]
    return dossier
