"""The Board's overview: where a campaign stands, and what the province awarded in a year.

Every figure is a SQL aggregate (GROUP BY), so a page costs the same handful of
statements at any size; every figure has a list behind it (the progress table filtered
by state or overdue, the campaign's nominees filtered by status, form or unit kind, the
award register filtered by year, form, unit or unit kind), each paged in SQL.
"""
import sqlalchemy as sa

from app.clock import today
from app.extensions import db
from app.models import (
    CLUSTER_KINDS,
    AwardForm,
    AwardRecord,
    AwardTally,
    CampaignParticipant,
    Cluster,
    ClusterMember,
    ClusterScore,
    ClusterYear,
    Decision,
    Dossier,
    FlagAward,
    Nominee,
    Plan,
    Registration,
    RegistrationEntry,
    ScoreSheet,
    Unit,
)
from app.services import campaigns, exchange, org, registrations, steps, validation
from app.services.errors import Invalid
from app.services.paging import paginate
from app.services.permissions import (
    PROVINCE_WIDE_DECISIONS,
    PROVINCE_WIDE_SUBMISSIONS,
    province_wide,
    require_province_wide,
    require_role,
    visible,
)
from workflows import DOSSIER, PLAN
from workflows.dossier import PROPOSING
from workflows.submission import UNSENT

# What a nominee's status filter names, for the figures and the list behind them.
NOMINEE_STATUSES = {
    "proposed": "Được đề nghị",
    "accepted": "Thẩm định đạt",
    "declined": "Thẩm định không đạt",
    "struck": "Bị loại khi phê duyệt",
    "awarded": "Được khen thưởng",
}
NO_KIND = "Không rõ"


def _awarded():
    return sa.and_(Decision.state == "issued", Nominee.struck.is_(False))


def outcome():
    """Where a nominee stands in a decision, computed here once for every list and export:
    ``struck`` (taken off the list by the Chairman: never awarded, whatever the decision's
    state), ``awarded`` (in an issued decision, not struck), ``drafted`` (in a decision not
    yet issued), or None (in none)."""
    return sa.case((Nominee.struck.is_(True), "struck"), (_awarded(), "awarded"),
                   (Nominee.decision_id.is_not(None), "drafted"), else_=sa.null())


def _if_awarded(column):
    """The decision's number or date beside a nominee only where it awarded them: a struck
    nominee's row never carries the number of the decision that left them out."""
    return sa.case((_awarded(), column), else_=sa.null())


def _status_clause(status):
    return {
        "proposed": Dossier.state.in_(PROPOSING),
        "accepted": Nominee.verdict == "accepted",
        "declined": Nominee.verdict == "declined",
        "struck": Nominee.struck.is_(True),
        "awarded": _awarded(),
    }[status]


def _counts(*statuses):
    return [sa.func.coalesce(sa.func.sum(sa.case((_status_clause(s), 1), else_=0)), 0).label(s)
            for s in statuses]


def _nominees_from():
    return (sa.select().select_from(Nominee)
            .join(Dossier, Dossier.id == Nominee.dossier_id)
            .join(Unit, Unit.id == Dossier.unit_id)
            .outerjoin(Decision, Decision.id == Nominee.decision_id))


def _rollup(rows, keys, measures):
    """Sum ``measures`` of grouped ``rows`` by ``keys`` (a coarser grouping, in Python:
    the rows are already few). () gives the grand total, also when there are no rows."""
    out = {} if keys else {(): dict.fromkeys(measures, 0)}
    for row in rows:
        group = out.setdefault(tuple(row[k] for k in keys), dict.fromkeys(measures, 0))
        for m in measures:
            group[m] += int(row[m] or 0)
    return out


def may_see_campaigns(user) -> bool:
    return bool(user.roles & PROVINCE_WIDE_SUBMISSIONS)


def may_see_awards(user) -> bool:
    return province_wide(user, PROVINCE_WIDE_DECISIONS)


def campaign_overview(user, campaign_id):
    """Plans and dossiers by state, overdue ones, nominees by status, by award form and by
    the kind of their unit: four statements whatever the campaign's size."""
    require_role(user, PROVINCE_WIDE_SUBMISSIONS, "xem tổng quan phong trào")
    campaign = steps.load(campaigns.KIND, campaign_id, user)
    states, overdue = {}, {}
    for process, model, deadline in ((PLAN, Plan, campaign.plan_deadline),
                                     (DOSSIER, Dossier, campaign.dossier_deadline)):
        found = dict(db.session.execute(
            sa.select(model.state, sa.func.count()).where(model.campaign_id == campaign.id)
            .group_by(model.state)).all())
        states[process.name] = [{"state": s, "label": label, "count": found.get(s, 0)}
                                for s, label in process.states.items()]
        past = deadline is not None and deadline < today()
        overdue[process.name] = sum(n for s, n in found.items() if s in UNSENT) if past else 0
    statuses = tuple(NOMINEE_STATUSES)
    # One scan of the campaign's nominees, grouped by form id and unit kind (a few rows;
    # grouping by the form's name too sorted every nominee by text); the totals and each
    # breakdown are sums of these.
    grouped = (_nominees_from().add_columns(Nominee.award_form_id, Unit.kind,
                                            *_counts(*statuses))
               # both sides by campaign: each read from its covering index
               .where(Nominee.campaign_id == campaign.id, Dossier.campaign_id == campaign.id)
               .group_by(Nominee.award_form_id, Unit.kind).subquery())
    cells = db.session.execute(
        sa.select(AwardForm.code, AwardForm.name, grouped.c.kind,
                  *(grouped.c[s] for s in statuses))
        .join(AwardForm, AwardForm.id == grouped.c.award_form_id)).mappings().all()
    totals = _rollup(cells, (), statuses)[()]
    by_form = [{"code": code, "name": name, **counts} for (code, name), counts in sorted(
        _rollup(cells, ("code", "name"), statuses).items(), key=lambda kv: kv[0][1])]
    by_kind = [{"kind": kind, **counts} for (kind,), counts in sorted(
        _rollup(cells, ("kind",), statuses).items())]
    kinds = org.UNIT_KIND_LABELS
    return {
        "campaign": campaign,
        "plans": states["plan"], "dossiers": states["dossier"],
        "overdue": overdue,
        "deadlines": {"plan": campaign.plan_deadline, "dossier": campaign.dossier_deadline},
        "nominees": [{"status": s, "label": NOMINEE_STATUSES[s], "count": totals[s]}
                     for s in statuses],
        "by_form": by_form,
        "by_unit_kind": [{**r, "label": kinds.get(r["kind"], r["kind"])} for r in by_kind],
    }


TOP_UNITS = 20  # the chart shows the units with most awards; the register lists them all


def _year_checked(year):
    if not isinstance(year, int) or not validation.YEAR.minimum <= year <= validation.YEAR.limit:
        raise Invalid("Năm không hợp lệ.", details={"year": ["Năm không hợp lệ."]},
                      code="invalid_year")
    return year


def year_overview(user, year):
    """Awards of ``year`` by form, by unit (the top ones) and by unit kind, each with its
    count and money, and the totals: three aggregates over the year's tally (a few
    thousand sums, app/models/award.py AwardTally), whatever the year's size."""
    require_province_wide(user, PROVINCE_WIDE_DECISIONS, "xem thống kê khen thưởng")
    year = _year_checked(year)
    of_year = AwardTally.year == year
    count, money = sa.func.sum(AwardTally.awards), sa.func.sum(AwardTally.money)
    by_form = db.session.execute(
        sa.select(AwardForm.code, AwardForm.name, count.label("count"), money.label("money"))
        .join(AwardForm, AwardForm.id == AwardTally.award_form_id).where(of_year)
        .group_by(AwardForm.code, AwardForm.name)
        .order_by(count.desc(), AwardForm.name)).mappings().all()
    # a unit of the system by its id (its name now); one outside it by the name recorded
    outside = sa.case((AwardTally.unit_id.is_(None), AwardTally.unit_name), else_="")
    per_unit = (sa.select(AwardTally.unit_id, outside.label("outside"),
                          count.label("count"), money.label("money"))
                .where(of_year).group_by(AwardTally.unit_id, outside).subquery())
    # the top units by their count (ties by id: sorting every unit by its name in the
    # language's collation cost more than the rest of the page), named after the cut
    ranked = (sa.select(per_unit, sa.func.count(per_unit.c.unit_id).over().label("units"))
              .order_by(per_unit.c["count"].desc(), per_unit.c.unit_id, per_unit.c.outside)
              .limit(TOP_UNITS).subquery())
    by_unit = db.session.execute(
        sa.select(ranked.c.unit_id, sa.func.coalesce(Unit.name, ranked.c.outside).label("name"),
                  ranked.c["count"], ranked.c.money, ranked.c.units)
        .outerjoin(Unit, Unit.id == ranked.c.unit_id)
        .order_by(ranked.c["count"].desc(), ranked.c.unit_id, ranked.c.outside)
    ).mappings().all()
    by_kind = db.session.execute(
        sa.select(Unit.kind, count.label("count"), money.label("money"))
        .select_from(AwardTally).outerjoin(Unit, Unit.id == AwardTally.unit_id)
        .where(of_year).group_by(Unit.kind).order_by(count.desc(), Unit.kind)).mappings().all()
    kinds = org.UNIT_KIND_LABELS
    return {
        "year": year,
        "total": {"count": sum(int(r["count"]) for r in by_form),
                  "money": sum(int(r["money"]) for r in by_form),
                  "units": by_unit[0]["units"] if by_unit else 0},
        "by_form": [{"code": r["code"], "name": r["name"], "count": int(r["count"]),
                     "money": int(r["money"])} for r in by_form],
        "by_unit": [{"unit_id": r["unit_id"], "name": r["name"], "count": int(r["count"]),
                     "money": int(r["money"])} for r in by_unit],
        "by_unit_kind": [{"kind": r["kind"], "label": kinds.get(r["kind"], NO_KIND),
                          "count": int(r["count"]), "money": int(r["money"])}
                         for r in by_kind],
    }


def not_received(user, listed=20):
    """Issued decisions whose edXML package a recipient has not received (no 01/03 or later
    status) EXCHANGE_RECEIPT_WORKING_DAYS working days after it was sent: the count, and the
    first ``listed`` with the recipients missing (three queries)."""
    require_role(user, PROVINCE_WIDE_DECISIONS, "xem văn bản điện tử chưa được tiếp nhận")
    from flask import current_app

    pending = exchange.not_received()
    shown = pending[:listed]
    labels = {d.id: d for d in db.session.scalars(sa.select(Decision).where(
        Decision.id.in_([p["decision_id"] for p in shown])))} if shown else {}
    return {
        "working_days": int(current_app.config.get("EXCHANGE_RECEIPT_WORKING_DAYS") or 2),
        "count": len(pending),
        "decisions": [{"decision_id": p["decision_id"],
                       "label": (f"Quyết định số {labels[p['decision_id']].number_label}"
                                 if labels[p["decision_id"]].number
                                 else labels[p["decision_id"]].title),
                       "missing": p["missing"]} for p in shown],
    }


# -- the lists behind the figures ---------------------------------------------------------


def nominee_query(user, campaign_id, *, status=None, form=None, unit_kind=None):
    """The campaign's nominees ``user`` may see, with their unit, form, decision and
    ``outcome`` (the decision's number and date only for the awarded), filtered by status,
    award form code and unit kind; ordered by unit, then position."""
    query = (sa.select(Nominee.id, Nominee.kind, Nominee.name, Nominee.title,
                       Nominee.position_title, Nominee.organisation, Nominee.votes_for,
                       Nominee.verdict, Nominee.verdict_reason, Nominee.struck,
                       Nominee.strike_reason, Nominee.dossier_id,
                       Unit.code.label("unit_code"), Unit.name.label("unit_name"),
                       Unit.kind.label("unit_kind"), Dossier.state.label("dossier_state"),
                       AwardForm.name.label("form_name"), AwardForm.code.label("form_code"),
                       Decision.id.label("decision_id"), Decision.state.label("decision_state"),
                       outcome().label("outcome"),
                       _if_awarded(Decision.number).label("decision_number"),
                       _if_awarded(Decision.symbol).label("decision_symbol"),
                       _if_awarded(Decision.issued_on).label("decided_on"))
             .select_from(Nominee)
             .join(Dossier, Dossier.id == Nominee.dossier_id)
             .join(Unit, Unit.id == Dossier.unit_id)
             .join(AwardForm, AwardForm.id == Nominee.award_form_id)
             .outerjoin(Decision, Decision.id == Nominee.decision_id)
             .where(Nominee.campaign_id == campaign_id, visible(user, Dossier)))
    if status:
        if status not in NOMINEE_STATUSES:
            raise Invalid("Trạng thái không hợp lệ.", details={"status": list(NOMINEE_STATUSES)},
                          code="invalid_status")
        query = query.where(_status_clause(status))
    if form:
        query = query.where(AwardForm.code == form)
    if unit_kind:
        query = query.where(Unit.kind == unit_kind)
    return query.order_by(Unit.code, Nominee.position, Nominee.id)


def nominees(user, campaign_id, *, status=None, form=None, unit_kind=None, page=1, per_page=50):
    campaign = steps.load(campaigns.KIND, campaign_id, user)
    query = nominee_query(user, campaign.id, status=status, form=form, unit_kind=unit_kind)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery()))
    items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"campaign": campaign, "items": items, "total": total, "page": page,
            "per_page": per_page}


def register_query(user, year, *, form=None, unit_id=None, unit_kind=None, outside=False,
                   unit_name=None):
    """The year's records, filtered by award form code, unit, unit kind, or (``outside``)
    units the system does not hold, optionally the one named ``unit_name``: the lists
    behind every figure of the year."""
    require_province_wide(user, PROVINCE_WIDE_DECISIONS, "xem sổ khen thưởng")
    query = (sa.select(AwardRecord).where(AwardRecord.year == _year_checked(year)))
    if form:
        query = query.where(AwardRecord.award_form_id.in_(
            sa.select(AwardForm.id).where(AwardForm.code == form)))
    if unit_id:
        query = query.where(AwardRecord.unit_id == unit_id)
    if unit_kind:
        query = query.where(AwardRecord.unit_id.in_(
            sa.select(Unit.id).where(Unit.kind == unit_kind)))
    if outside:
        query = query.where(AwardRecord.unit_id.is_(None))
        if unit_name:
            query = query.where(AwardRecord.unit_name == unit_name)
    return query.order_by(AwardRecord.decided_on, AwardRecord.decision_number, AwardRecord.id)


def register(user, year, *, page=1, per_page=50, **filters):
    """The year's award register, a page at a time, filtered as register_query says;
    ``named`` gives the filters' names as people read them (the form's and unit's names,
    not their codes or ids)."""
    listed = paginate(register_query(user, year, **filters), page, per_page)
    form, unit_id = filters.get("form"), filters.get("unit_id")
    listed["named"] = {
        "form": (db.session.scalar(sa.select(AwardForm.name).where(AwardForm.code == form))
                 or form) if form else None,
        "unit": db.session.scalar(sa.select(Unit.name).where(Unit.id == unit_id))
        if unit_id else None}
    return listed


# -- a regular year: registrations against titles granted, by unit and by cluster --------------


def _registered_by_unit(campaign_id):
    """Per unit: its registration sent to the Board, with the titles it registers."""
    return (sa.select(Registration.unit_id.label("unit_id"),
                      sa.func.count(RegistrationEntry.id).label("titles"))
            .outerjoin(RegistrationEntry, RegistrationEntry.registration_id == Registration.id)
            .where(Registration.campaign_id == campaign_id,
                   Registration.state.in_(registrations.REGISTERED))
            .group_by(Registration.unit_id).subquery())


def _granted_by_unit(campaign_id):
    """Per unit: the titles granted in the year (its year-end dossier's nominees in an
    issued decision, not struck, award forms of category title)."""
    return (sa.select(Dossier.unit_id.label("unit_id"), sa.func.count(Nominee.id).label("titles"))
            .join(Nominee, Nominee.dossier_id == Dossier.id)
            .join(Decision, Decision.id == Nominee.decision_id)
            .join(AwardForm, AwardForm.id == Nominee.award_form_id)
            .where(Dossier.campaign_id == campaign_id, Decision.state == "issued",
                   Nominee.struck.is_(False), AwardForm.category == "title")
            .group_by(Dossier.unit_id).subquery())


def may_see_registrations(user, campaign) -> bool:
    return (campaign is not None and getattr(campaign, "kind", None) == "regular"
            and registrations.may_see(user))


def registration_overview(user, campaign_id):
    """A regular year's registrations beside the titles granted: the year's totals over its
    units, and per cluster or block (its members taking part in the year) with its leader,
    its leading unit(s) in the ranking and the Cờ granted. Five statements whatever the
    number of units and clusters: the year, the totals, one GROUP BY cluster, the ranks,
    the Cờ."""
    campaign = registrations.year_for(user, campaign_id)
    cid = campaign.id
    registered, granted = _registered_by_unit(cid), _granted_by_unit(cid)
    totals = db.session.execute(
        sa.select(sa.func.count(CampaignParticipant.unit_id).label("units"),
                  sa.func.count(registered.c.unit_id).label("registered"),
                  sa.func.coalesce(sa.func.sum(registered.c.titles), 0).label("registered_titles"),
                  sa.func.coalesce(sa.func.sum(granted.c.titles), 0).label("granted_titles"))
        .select_from(CampaignParticipant)
        .outerjoin(registered, registered.c.unit_id == CampaignParticipant.unit_id)
        .outerjoin(granted, granted.c.unit_id == CampaignParticipant.unit_id)
        .where(CampaignParticipant.campaign_id == cid)).mappings().one()
    leader = sa.orm.aliased(Unit)
    rows = db.session.execute(
        sa.select(Cluster.id.label("cluster_id"), Cluster.code, Cluster.name, Cluster.kind,
                  ClusterYear.id.label("year_id"), leader.name.label("leader_name"),
                  sa.func.count(ClusterMember.unit_id).label("units"),
                  sa.func.count(registered.c.unit_id).label("registered"),
                  sa.func.coalesce(sa.func.sum(registered.c.titles), 0)
                  .label("registered_titles"),
                  sa.func.coalesce(sa.func.sum(granted.c.titles), 0).label("granted_titles"))
        .select_from(ClusterMember)
        .join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .join(CampaignParticipant, sa.and_(CampaignParticipant.campaign_id == cid,
                                           CampaignParticipant.unit_id == ClusterMember.unit_id))
        .outerjoin(ClusterYear, sa.and_(ClusterYear.cluster_id == Cluster.id,
                                        ClusterYear.campaign_id == cid))
        .outerjoin(leader, leader.id == ClusterYear.leader_unit_id)
        .outerjoin(registered, registered.c.unit_id == ClusterMember.unit_id)
        .outerjoin(granted, granted.c.unit_id == ClusterMember.unit_id)
        .group_by(Cluster.id, Cluster.code, Cluster.name, Cluster.kind, ClusterYear.id,
                  leader.name)
        .order_by(Cluster.kind, Cluster.code)).mappings().all()
    leading, flags = _leading_units(cid), _flags_by_cluster_year(cid)
    clusters_out = []
    for r in rows:
        clusters_out.append({**r, "kind_label": CLUSTER_KINDS.get(r["kind"], r["kind"]),
                             "leading": leading.get(r["year_id"], []),
                             "flags": flags.get(r["year_id"], [])})
    return {"campaign": campaign, "year": campaign.year, "totals": dict(totals),
            "clusters": clusters_out}


def _leading_units(campaign_id):
    """{cluster year id: [the unit(s) ranked first, with their total]} over every cluster
    year of the campaign: the ranking's rule (sent sheets only, the leader's adjusted points
    where given, equal totals share the rank), one statement."""
    final = sa.func.coalesce(ClusterScore.adjusted_points, ClusterScore.points)
    totals = (sa.select(ClusterScore.cluster_year_id, ClusterScore.unit_id,
                        sa.func.sum(final).label("total"))
              .join(ScoreSheet, sa.and_(ScoreSheet.cluster_year_id == ClusterScore.cluster_year_id,
                                        ScoreSheet.unit_id == ClusterScore.unit_id))
              .join(ClusterYear, ClusterYear.id == ClusterScore.cluster_year_id)
              .where(ClusterYear.campaign_id == campaign_id, ScoreSheet.state != "draft")
              .group_by(ClusterScore.cluster_year_id, ClusterScore.unit_id).subquery())
    ranked = sa.select(totals, sa.func.rank().over(
        partition_by=totals.c.cluster_year_id, order_by=totals.c.total.desc()).label("rank")
    ).subquery()
    out = {}
    for year_id, name, total in db.session.execute(
            sa.select(ranked.c.cluster_year_id, Unit.name, ranked.c.total)
            .join(Unit, Unit.id == ranked.c.unit_id).where(ranked.c.rank == 1)
            .order_by(ranked.c.cluster_year_id, Unit.code)):
        out.setdefault(year_id, []).append({"unit_name": name, "total": total})
    return out


def _flags_by_cluster_year(campaign_id):
    out = {}
    for year_id, name in db.session.execute(
            sa.select(FlagAward.cluster_year_id, FlagAward.unit_name)
            .where(FlagAward.campaign_id == campaign_id, FlagAward.cluster_year_id.is_not(None))
            .order_by(FlagAward.cluster_year_id, FlagAward.unit_name)):
        out.setdefault(year_id, []).append(name)
    return out
