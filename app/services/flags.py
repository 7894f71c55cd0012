"""The Cờ thi đua's own record (issue 24, item 7): when a decision granting a Cờ is issued,
each Cờ awarded becomes, in the same transaction, a ``FlagAward`` beside its award record:
the unit that holds it, the year, the cluster or block whose vote proposed it (when it came
through ``clusters.propose``), the decision's number, date and signer.

Which nominee a cluster proposed is read, not stored on the nominee: the proposal puts the
voted unit, by its name, as a collective nominee of the Cờ's award form in the leader
unit's dossier of the year; a Cờ nominee of a dossier whose unit leads a cluster that year,
named as a unit that cluster's vote proposed for the Cờ, is that cluster's."""
import sqlalchemy as sa

from app.clock import now_utc
from app.extensions import db
from app.models import (
    AwardRecord,
    Campaign,
    Cluster,
    ClusterVote,
    ClusterYear,
    Dossier,
    FlagAward,
    Nominee,
    Unit,
)
from app.services.permissions import visible

# The award forms that are a Cờ thi đua (reference data codes).
FLAG_FORMS = frozenset({"CTDT"})


def is_flag(award_form) -> bool:
    return award_form is not None and award_form.code in FLAG_FORMS


def emulation_year(campaign) -> int:
    """The year a Cờ is for: the regular year's, else the campaign period's end."""
    return getattr(campaign, "year", None) or campaign.period_end.year


def _cluster_votes():
    """Every Cờ a cluster's vote proposed: the year's campaign, the leader, the unit."""
    return (sa.select(ClusterYear.campaign_id, ClusterYear.leader_unit_id,
                      ClusterYear.id.label("cluster_year_id"),
                      ClusterYear.cluster_id, Cluster.name.label("cluster_name"),
                      ClusterVote.unit_id, Unit.name.label("unit_name"),
                      ClusterVote.votes, ClusterVote.voters)
            .join(ClusterYear, ClusterYear.id == ClusterVote.cluster_year_id)
            .join(Cluster, Cluster.id == ClusterYear.cluster_id)
            .join(Unit, Unit.id == ClusterVote.unit_id)
            .where(ClusterVote.proposal == "co").subquery())


def origins(decision_id) -> dict:
    """{nominee id: its origin} for the Cờ nominees of a decision (not struck), in one
    statement whatever their number: the unit it names (the cluster's voted unit, else
    the dossier's unit when the nominee is named as it), and the cluster year, cluster
    and votes when a cluster proposed it."""
    votes = _cluster_votes()
    own = sa.orm.aliased(Unit)
    rows = db.session.execute(
        sa.select(Nominee.id, Nominee.name, Dossier.unit_id.label("dossier_unit"),
                  own.name.label("dossier_unit_name"), votes)
        .join(Dossier, Dossier.id == Nominee.dossier_id)
        .join(own, own.id == Dossier.unit_id)
        .outerjoin(votes, sa.and_(votes.c.campaign_id == Nominee.campaign_id,
                                  votes.c.leader_unit_id == Dossier.unit_id,
                                  votes.c.unit_name == Nominee.name))
        .where(Nominee.decision_id == decision_id, Nominee.struck.is_(False))
        .order_by(Nominee.id, votes.c.cluster_year_id)).all()
    out = {}
    for r in rows:
        if r.id in out:  # a unit voted in two clusters its leader leads: the first
            continue
        if r.cluster_year_id is not None:
            unit_id = r.unit_id
        else:
            unit_id = r.dossier_unit if r.name == r.dossier_unit_name else None
        out[r.id] = {"unit_id": unit_id, "cluster_year_id": r.cluster_year_id,
                     "cluster_id": r.cluster_id, "cluster_name": r.cluster_name or "",
                     "votes": r.votes, "voters": r.voters}
    return out


def record(decision, user):
    """In the issuing transaction, after the award records are written: a FlagAward for
    each Cờ of ``decision``. A Cờ a cluster proposed is held by the voted unit; its award
    record keeps the leader's unit, through whose dossier it was proposed (the history's
    «Đơn vị đề nghị» and its scope). Returns how many."""
    if not is_flag(decision.award_form):
        return 0
    found = origins(decision.id)
    if not found:
        return 0
    campaign = db.session.get(Campaign, decision.campaign_id)
    records = db.session.execute(
        sa.select(AwardRecord.id, AwardRecord.nominee_id, AwardRecord.name)
        .where(AwardRecord.decision_id == decision.id)).all()
    names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(
        Unit.id.in_({o["unit_id"] for o in found.values() if o["unit_id"]}))).all())
    signer = decision.approved_by
    year = emulation_year(campaign)
    at = now_utc()
    for r in records:
        origin = found.get(r.nominee_id)
        if origin is None:
            continue
        unit_id = origin["unit_id"]
        db.session.add(FlagAward(
            award_record_id=r.id, decision_id=decision.id, campaign_id=campaign.id,
            year=year, unit_id=unit_id, unit_name=names.get(unit_id, r.name),
            cluster_year_id=origin["cluster_year_id"], cluster_id=origin["cluster_id"],
            cluster_name=origin["cluster_name"], votes=origin["votes"],
            voters=origin["voters"], decision_number=decision.number_label,
            decided_on=decision.issued_on,
            signer_name=signer.full_name if signer else "",
            signer_title=(signer.signing_title or "") if signer else "", created_at=at))
    return len(records)


# -- reading -----------------------------------------------------------------------------


def _scope(user):
    """The province's offices see every Cờ; a unit the Cờ it holds, and those its award
    records show (the award history's rule)."""
    seen = visible(user, AwardRecord)
    if user.unit_id is not None:
        seen = sa.or_(seen, FlagAward.unit_id == user.unit_id)
    return seen


def _out(flag, cancelled_by_id, cancelled_on, campaign_title):
    return {"id": flag.id, "year": flag.year, "unit_id": flag.unit_id,
            "unit_name": flag.unit_name, "cluster_year_id": flag.cluster_year_id,
            "cluster_id": flag.cluster_id, "cluster_name": flag.cluster_name,
            "votes": flag.votes, "voters": flag.voters, "decision_id": flag.decision_id,
            "decision_number": flag.decision_number, "decided_on": flag.decided_on,
            "signer_name": flag.signer_name, "signer_title": flag.signer_title,
            "award_record_id": flag.award_record_id, "campaign_id": flag.campaign_id,
            "campaign_title": campaign_title,
            "cancelled": cancelled_by_id is not None, "cancelled_on": cancelled_on}


def _query(user):
    return (sa.select(FlagAward, AwardRecord.cancelled_by_id, AwardRecord.cancelled_on,
                      Campaign.title)
            .join(AwardRecord, AwardRecord.id == FlagAward.award_record_id)
            .join(Campaign, Campaign.id == FlagAward.campaign_id)
            .where(_scope(user)))


def listing(user, year=None, cluster_year_id=None, unit_id=None, page=1, per_page=50):
    """The Cờ thi đua granted that ``user`` sees, newest year first, by cluster then unit;
    paged in SQL."""
    query = _query(user)
    if year is not None:
        query = query.where(FlagAward.year == year)
    if cluster_year_id is not None:
        query = query.where(FlagAward.cluster_year_id == cluster_year_id)
    if unit_id is not None:
        query = query.where(FlagAward.unit_id == unit_id)
    query = query.order_by(FlagAward.year.desc(), FlagAward.cluster_name,
                           FlagAward.unit_name, FlagAward.id)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [_out(*row) for row in rows], "total": total, "page": page,
            "per_page": per_page}


def years(user) -> list[int]:
    """The years in which ``user`` sees a Cờ, newest first (the list's year picker)."""
    return list(db.session.scalars(
        sa.select(FlagAward.year).distinct()
        .join(AwardRecord, AwardRecord.id == FlagAward.award_record_id)
        .where(_scope(user)).order_by(FlagAward.year.desc())))


def of_cluster_year(user, cluster_year_id):
    """The Cờ a cluster year's vote brought (the cluster year is read by the caller)."""
    return listing(user, cluster_year_id=cluster_year_id, per_page=100)["items"]


def certificate_reasons(decision) -> dict:
    """{nominee id: the line a Cờ's certificate states} for a decision granting a Cờ: the
    cluster's lead when its vote proposed it, else the year's lead (a regular year) or an
    outstanding collective of the campaign (a movement, Luật TĐKT 2022 Điều 27)."""
    if not is_flag(decision.award_form):
        return {}
    campaign = decision.campaign
    year = emulation_year(campaign)
    regular = getattr(campaign, "kind", None) == "regular"
    out = {}
    for nominee_id, origin in origins(decision.id).items():
        if origin["cluster_name"]:
            out[nominee_id] = (f"Đơn vị dẫn đầu phong trào thi đua {origin['cluster_name']} "
                               f"năm {year}")
        elif regular:
            out[nominee_id] = f"Đơn vị dẫn đầu phong trào thi đua năm {year}"
        else:
            title = campaign.title
            out[nominee_id] = f"Tập thể tiêu biểu xuất sắc trong {title[:1].lower()}{title[1:]}"
    return out
