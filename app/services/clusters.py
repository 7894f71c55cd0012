"""Clusters and blocks (cụm, khối thi đua): members, each year's leader and deputy, the
pact confirmed by the members' heads, the scoring table, the members' scores reviewed by
the leader, the ranking (computed in SQL), the vote (suy tôn) and the proposal.

Every per-year row hangs on a ``ClusterYear``, keyed on the year's campaign (campaigns.id).

Who sees what (``_year_for``): the province's offices (Board, Chairman, admin) see every
cluster year; a unit's staff and head see the years of the clusters their unit is a member
of. Within a year, a member sees its own score sheet; the leader's unit sees every
member's sheet (it reviews them); the ranking is seen by the province and the leader, and
by the other members once every sheet has been reviewed (the cluster's agreed result,
which the vote reads).
"""
from datetime import UTC
from decimal import Decimal

import sqlalchemy as sa

from app.clock import local_zone, now_utc, today
from app.docgen import clusters as cluster_papers
from app.docgen.text import figure
from app.extensions import db
from app.models import (
    CLUSTER_KINDS,
    SHEET_STATES,
    Campaign,
    Cluster,
    ClusterCriterion,
    ClusterMember,
    ClusterScore,
    ClusterVote,
    ClusterYear,
    Dossier,
    Nominee,
    PactSignature,
    ScoreSheet,
    Unit,
    User,
    UserRole,
)
from app.services import documents, dossiers, registers, spreadsheets, steps, storage, validation
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.permissions import require_role
from app.services.spreadsheets import Column
from app.services.tx import transaction
from workflows.roles import ADMIN, BOARD, BOARD_HEAD, CHAIRMAN, HEAD, STAFF, UNIT

MANAGERS = ADMIN | BOARD_HEAD  # who keeps the clusters and their years
PROVINCE_VIEW = BOARD | CHAIRMAN | ADMIN
PROPOSALS = {"co": "Cờ thi đua của Ủy ban nhân dân tỉnh", "bang_khen": "Bằng khen"}
PROPOSAL_FORMS = {"co": "CTDT", "bang_khen": "BKCT"}
MAX_POINTS = Decimal("1000")

CLUSTER = {
    "code": validation.Text("Mã cụm, khối", 32, required=True, single_line=True),
    "name": validation.Text("Tên cụm, khối", 255, required=True, single_line=True),
}
CRITERION = {
    "title": validation.Text("Tiêu chí", 2000, required=True),
    "max_points": validation.Number("Điểm tối đa", maximum=MAX_POINTS),
    "evidence": validation.Text("Minh chứng yêu cầu", 2000),
}
SCORE = {
    "points": validation.Number("Điểm tự chấm", maximum=MAX_POINTS),
    "note": validation.Text("Giải trình, minh chứng", 5000),
}
QUOTA = validation.Number("Số Cờ thi đua được đề nghị", integer=True, maximum=100)
VOTES = validation.Number("Số phiếu", integer=True, maximum=100000)


# -- the clusters (reference data) -----------------------------------------------------

def list_clusters(kind=None):
    """Every cluster with its members (clusters are public within the province, like units)."""
    query = sa.select(Cluster).order_by(Cluster.kind, Cluster.code)
    if kind:
        query = query.where(Cluster.kind == kind)
    found = db.session.scalars(query).all()
    members = _members_of([c.id for c in found])
    return [_cluster_out(c, members.get(c.id, [])) for c in found]


def _members_of(cluster_ids):
    if not cluster_ids:
        return {}
    rows = db.session.execute(
        sa.select(ClusterMember.cluster_id, Unit.code, Unit.name)
        .join(Unit, Unit.id == ClusterMember.unit_id)
        .where(ClusterMember.cluster_id.in_(cluster_ids)).order_by(Unit.code)).all()
    out = {}
    for cluster_id, code, name in rows:
        out.setdefault(cluster_id, []).append({"code": code, "name": name})
    return out


def _cluster_out(cluster, members):
    return {"id": cluster.id, "code": cluster.code, "name": cluster.name, "kind": cluster.kind,
            "kind_label": CLUSTER_KINDS[cluster.kind], "members": members}


def get_cluster(code):
    cluster = db.session.scalars(sa.select(Cluster).where(Cluster.code == code)).first()
    if cluster is None:
        raise NotFound("Không tìm thấy cụm, khối thi đua.")
    return _cluster_out(cluster, _members_of([cluster.id]).get(cluster.id, []))


def _units_by_code(codes, field):
    codes = list(dict.fromkeys(codes))
    units = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes)))}
    missing = [c for c in codes if c not in units]
    if missing:
        message = f"Không có đơn vị mã {', '.join(missing)}."
        raise Invalid(message, details={field: [message]}, code="unknown_unit")
    return [units[c] for c in codes]


def save_cluster(user, data):
    """Create or replace a cluster by code, with its members (a unit in one cluster of
    each kind)."""
    require_role(user, MANAGERS, "quản lý cụm, khối thi đua")
    kind = data.get("kind")
    if kind not in CLUSTER_KINDS:
        message = "Loại phải là «cum» (cụm) hoặc «khoi» (khối)."
        raise Invalid(message, details={"kind": [message]}, code="invalid_kind")
    clean = validation.check({"code": data.get("code"), "name": data.get("name")}, CLUSTER)
    members = _units_by_code(data.get("members") or [], "members")
    with transaction():
        cluster = db.session.scalars(
            sa.select(Cluster).where(Cluster.code == clean["code"]).with_for_update()).first()
        if cluster is None:
            cluster = Cluster(code=clean["code"], name=clean["name"], kind=kind)
            db.session.add(cluster)
            db.session.flush()
        elif cluster.kind != kind and db.session.scalar(
                sa.select(ClusterYear.id).where(ClusterYear.cluster_id == cluster.id).limit(1)):
            raise Conflict("Cụm, khối đã có năm thi đua: không đổi được loại.",
                           code="cluster_in_use")
        cluster.name, cluster.kind = clean["name"], kind
        ids = [u.id for u in members]
        taken = db.session.execute(
            sa.select(Unit.code, Cluster.name).join(ClusterMember, ClusterMember.unit_id == Unit.id)
            .join(Cluster, Cluster.id == ClusterMember.cluster_id)
            .where(ClusterMember.unit_id.in_(ids), ClusterMember.kind == kind,
                   ClusterMember.cluster_id != cluster.id)).all()
        if taken:
            message = "; ".join(f"{code} đã thuộc «{name}»" for code, name in taken)
            raise Invalid(f"Mỗi đơn vị chỉ thuộc một {CLUSTER_KINDS[kind].lower()}: {message}.",
                          details={"members": [message]}, code="unit_in_other_cluster")
        in_use = db.session.scalars(
            sa.select(ClusterYear.leader_unit_id).where(ClusterYear.cluster_id == cluster.id)
            .union(sa.select(ClusterYear.deputy_unit_id)
                   .where(ClusterYear.cluster_id == cluster.id))).all()
        dropped = {i for i in in_use if i is not None} - set(ids)
        if dropped:
            raise Conflict("Không thể bỏ đơn vị đang là cụm trưởng hoặc cụm phó của một năm.",
                           code="member_in_use")
        db.session.execute(sa.delete(ClusterMember).where(ClusterMember.cluster_id == cluster.id))
        db.session.add_all(ClusterMember(cluster_id=cluster.id, unit_id=i, kind=kind)
                           for i in ids)
    return get_cluster(clean["code"])


def may_manage(user):
    """Whether ``user`` keeps the clusters and their years (the admin, the Board head)."""
    return bool(user.roles & MANAGERS)


def _search(query, q, *columns):
    """``q`` in any of ``columns`` (name or code): as typed, or in lower case (SQLite lowers
    ASCII only, so «Đông Kinh» is found as written)."""
    if not q:
        return query
    return query.where(sa.or_(*(part for c in columns for part in (
        c.contains(q, autoescape=True), sa.func.lower(c).contains(q.lower(), autoescape=True)))))


def _q(q):
    return validation.text(q, "Tìm", 120, single_line=True, path="q") if q else None


def clusters_page(q=None, kind=None, page=1, per_page=50):
    """A page of the clusters (code or name containing ``q``; of one kind), each with its
    number of members: two statements whatever the number of clusters."""
    q = _q(q)
    members = (sa.select(sa.func.count()).where(ClusterMember.cluster_id == Cluster.id)
               .correlate(Cluster).scalar_subquery())
    query = sa.select(Cluster.id, Cluster.code, Cluster.name, Cluster.kind,
                      members.label("members"))
    if kind in CLUSTER_KINDS:
        query = query.where(Cluster.kind == kind)
    query = _search(query, q, Cluster.code, Cluster.name)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Cluster.kind, Cluster.code)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [{**r._asdict(), "kind_label": CLUSTER_KINDS[r.kind]} for r in rows],
            "total": total, "page": page, "per_page": per_page, "q": q or "",
            "kind": kind if kind in CLUSTER_KINDS else ""}


def _cluster(code):
    cluster = db.session.scalars(sa.select(Cluster).where(Cluster.code == code)).first()
    if cluster is None:
        raise NotFound("Không tìm thấy cụm, khối thi đua.")
    return cluster


def members_page(code, q=None, page=1, per_page=50):
    """A page of a cluster's members (unit code or name containing ``q``), by code."""
    cluster, q = _cluster(code), _q(q)
    query = (sa.select(Unit.code, Unit.name).join(ClusterMember, ClusterMember.unit_id == Unit.id)
             .where(ClusterMember.cluster_id == cluster.id))
    query = _search(query, q, Unit.code, Unit.name)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Unit.code).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return {"cluster": _cluster_out(cluster, []), "items": [r._asdict() for r in rows],
            "total": total, "page": page, "per_page": per_page, "q": q or ""}


def unit_choices(code, q, page=1, per_page=20):
    """Units to add to a cluster, found by code or name (``q`` required: never every unit
    of the province at once), each with the cluster of the same kind it is already in."""
    cluster, q = _cluster(code), _q(q)
    if not q:
        return {"items": [], "total": 0, "page": page, "per_page": per_page, "q": ""}
    other = sa.orm.aliased(Cluster)
    query = (sa.select(Unit.code, Unit.name, other.code.label("in_code"),
                       other.name.label("in_name"))
             .outerjoin(ClusterMember, sa.and_(ClusterMember.unit_id == Unit.id,
                                               ClusterMember.kind == cluster.kind))
             .outerjoin(other, other.id == ClusterMember.cluster_id)
             .where(Unit.active.is_(True)))
    query = _search(query, q, Unit.code, Unit.name)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Unit.code).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return {"items": [{**r._asdict(), "member": r.in_code == cluster.code} for r in rows],
            "total": total, "page": page, "per_page": per_page, "q": q}


def create_cluster(user, data):
    """A new cluster (the pages' form): a code already used is refused, never replaced."""
    require_role(user, MANAGERS, "quản lý cụm, khối thi đua")
    code = validation.one(data.get("code"), CLUSTER["code"], "code")
    if db.session.scalar(sa.select(Cluster.id).where(Cluster.code == code)):
        message = f"Đã có cụm, khối mã «{code}»: chọn mã khác, hoặc mở cụm, khối đó để sửa."
        raise Invalid(message, details={"code": [message]}, code="cluster_exists")
    return save_cluster(user, {**data, "code": code, "members": data.get("members") or []})


def edit_cluster(user, code, data):
    """A cluster's name and kind changed, its members kept (and checked again for the
    kind: a unit in one cluster of each kind)."""
    require_role(user, MANAGERS, "quản lý cụm, khối thi đua")
    cluster = _cluster(code)
    have = [m["code"] for m in _members_of([cluster.id]).get(cluster.id, [])]
    return save_cluster(user, {"code": cluster.code, "name": data.get("name"),
                               "kind": data.get("kind"), "members": have})


def change_members(user, code, add=(), remove=()):
    """Add and remove members of a cluster (the pages' picker): the whole new list goes
    through ``save_cluster``'s checks (a unit in one cluster of each kind; the year's
    leader and deputy stay), so a refusal changes nothing."""
    require_role(user, MANAGERS, "quản lý cụm, khối thi đua")
    cluster = _cluster(code)
    have = [m["code"] for m in _members_of([cluster.id]).get(cluster.id, [])]
    dropped = set(remove)
    members = [c for c in have if c not in dropped] + [c for c in add if c not in have]
    if not add and not remove:
        raise Invalid("Chưa chọn đơn vị nào để thêm hoặc bỏ.", code="nothing_chosen")
    return save_cluster(user, {"code": cluster.code, "name": cluster.name,
                               "kind": cluster.kind, "members": members})


def years_of_cluster(user, code):
    """A cluster's years, the latest first (the province's offices)."""
    require_role(user, PROVINCE_VIEW, "xem các năm của cụm, khối")
    cluster = _cluster(code)
    rows = db.session.execute(
        sa.select(ClusterYear, Campaign.title).join(Campaign, Campaign.id == ClusterYear.campaign_id)
        .where(ClusterYear.cluster_id == cluster.id)
        .order_by(ClusterYear.campaign_id.desc())).all()
    return [{**_year_summary(y), "campaign_title": title} for y, title in rows]


def regular_years(limit=50):
    """The regular-emulation years a cluster's year may belong to (id, title), the latest
    first."""
    query = sa.select(Campaign.id, Campaign.title).order_by(Campaign.id.desc()).limit(limit)
    if hasattr(Campaign, "kind"):
        query = query.where(Campaign.kind == "regular")
    return db.session.execute(query).all()


# -- a cluster's year ------------------------------------------------------------------

def _is_member(cluster_id, unit_id):
    return db.session.scalar(sa.select(sa.exists().where(
        ClusterMember.cluster_id == cluster_id, ClusterMember.unit_id == unit_id)))


def _year_for(user, year_id, *, lock=False):
    """The cluster year if ``user`` may see it (404 otherwise, never its data)."""
    query = sa.select(ClusterYear).where(ClusterYear.id == year_id)
    if not (user.roles & PROVINCE_VIEW):
        if not (user.roles & UNIT):
            raise NotFound("Không tìm thấy năm thi đua của cụm, khối.")
        query = query.where(sa.exists().where(ClusterMember.cluster_id == ClusterYear.cluster_id,
                                              ClusterMember.unit_id == user.unit_id))
    if lock:
        query = query.with_for_update(of=ClusterYear)
    year = db.session.scalars(query).first()
    if year is None:
        raise NotFound("Không tìm thấy năm thi đua của cụm, khối.")
    return year


def _regular_campaign(campaign_id):
    campaign = db.session.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None
    if campaign is None:
        raise Invalid("Không có năm thi đua (phong trào) này.",
                      details={"campaign_id": ["Không tồn tại."]}, code="unknown_campaign")
    # The regular-emulation year is a campaign of kind "regular" once that column exists.
    kind = getattr(campaign, "kind", None)
    if kind is not None and kind != "regular":
        raise Invalid("Cụm, khối thi đua chấm điểm theo năm thi đua thường xuyên.",
                      details={"campaign_id": ["Không phải năm thi đua thường xuyên."]},
                      code="not_regular")
    return campaign


def set_year(user, cluster_code, data):
    """The cluster's record for a year: its leader and deputy (members, different units;
    they rotate from year to year) and how many Cờ it may propose."""
    require_role(user, MANAGERS, "phân công cụm trưởng, cụm phó")
    cluster = db.session.scalars(sa.select(Cluster).where(Cluster.code == cluster_code)).first()
    if cluster is None:
        raise NotFound("Không tìm thấy cụm, khối thi đua.")
    campaign = _regular_campaign(data.get("campaign_id"))
    quota = validation.one(data.get("flag_quota", 1), QUOTA, "flag_quota")
    leader, = _units_by_code([data.get("leader") or ""], "leader")
    deputy = _units_by_code([data["deputy"]], "deputy")[0] if data.get("deputy") else None
    problems = {}
    if not _is_member(cluster.id, leader.id):
        problems["leader"] = ["Cụm trưởng phải là thành viên của cụm, khối."]
    if deputy is not None and not _is_member(cluster.id, deputy.id):
        problems["deputy"] = ["Cụm phó phải là thành viên của cụm, khối."]
    if deputy is not None and deputy.id == leader.id:
        problems["deputy"] = ["Cụm phó phải khác cụm trưởng."]
    if problems:
        raise Invalid(next(iter(problems.values()))[0], details=problems, code="invalid_leader")
    with transaction():
        year = db.session.scalars(sa.select(ClusterYear).where(
            ClusterYear.cluster_id == cluster.id, ClusterYear.campaign_id == campaign.id)
            .with_for_update(of=ClusterYear)).first()
        if year is None:
            year = ClusterYear(cluster_id=cluster.id, campaign_id=campaign.id)
            db.session.add(year)
        elif year.votes_recorded_at is not None and quota != year.flag_quota:
            raise Conflict("Cụm, khối đã suy tôn: không đổi được số Cờ.", code="voted")
        year.leader_unit_id, year.deputy_unit_id = leader.id, deputy.id if deputy else None
        year.flag_quota = quota
    return year_out(user, year.id)


def years(user, campaign_id=None):
    """The cluster years this user may see (of one year's campaign, if given)."""
    query = (sa.select(ClusterYear).join(Cluster, Cluster.id == ClusterYear.cluster_id)
             .order_by(ClusterYear.campaign_id.desc(), Cluster.code))
    if campaign_id is not None:
        query = query.where(ClusterYear.campaign_id == campaign_id)
    if not (user.roles & PROVINCE_VIEW):
        query = query.where(sa.exists().where(
            ClusterMember.cluster_id == ClusterYear.cluster_id,
            ClusterMember.unit_id == user.unit_id)) if user.roles & UNIT else query.where(
            sa.false())
    return [_year_summary(y) for y in db.session.scalars(query).all()]


def _year_summary(year):
    return {"id": year.id, "campaign_id": year.campaign_id, "cluster": year.cluster.code,
            "cluster_name": year.cluster.name, "kind": year.cluster.kind,
            "leader": year.leader.code, "leader_name": year.leader.name,
            "deputy": year.deputy.code if year.deputy else None,
            "deputy_name": year.deputy.name if year.deputy else None,
            "flag_quota": year.flag_quota, "votes_recorded_at": year.votes_recorded_at}


def year_out(user, year_id):
    """A cluster year as its members and the province see it: the roles, the pact's
    confirmations, the scoring table, the sheets' states."""
    year = _year_for(user, year_id)
    members = db.session.execute(
        sa.select(Unit.id, Unit.code, Unit.name, PactSignature.confirmed_at,
                  PactSignature.user_id, ScoreSheet.state)
        .join(ClusterMember, ClusterMember.unit_id == Unit.id)
        .outerjoin(PactSignature, sa.and_(PactSignature.cluster_year_id == year.id,
                                          PactSignature.unit_id == Unit.id))
        .outerjoin(ScoreSheet, sa.and_(ScoreSheet.cluster_year_id == year.id,
                                       ScoreSheet.unit_id == Unit.id))
        .where(ClusterMember.cluster_id == year.cluster_id).order_by(Unit.code)).all()
    signers = _names([m.user_id for m in members if m.user_id])
    return {**_year_summary(year),
            "members": [{"code": m.code, "name": m.name,
                         "pact_confirmed_at": m.confirmed_at,
                         "pact_confirmed_by": signers.get(m.user_id),
                         "sheet_state": m.state or "draft"} for m in members],
            "criteria": criteria(year.id)}


def _names(user_ids):
    if not user_ids:
        return {}
    return dict(db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(user_ids))).all())


def criteria(year_id):
    rows = db.session.scalars(sa.select(ClusterCriterion).where(
        ClusterCriterion.cluster_year_id == year_id).order_by(ClusterCriterion.position)).all()
    return [{"id": c.id, "position": c.position, "title": c.title, "max_points": c.max_points,
             "evidence": c.evidence} for c in rows]


def set_criteria(user, year_id, items):
    """The year's scoring table, replaced whole while no member has submitted its scores."""
    require_role(user, MANAGERS, "lập bảng tiêu chí chấm điểm")
    if not isinstance(items, list) or not items:
        raise Invalid("Bảng tiêu chí cần ít nhất một tiêu chí.",
                      details={"criteria": ["Cần ít nhất một tiêu chí."]}, code="no_criteria")
    clean = validation.check({"criteria": items}, {"criteria": validation.Items(
        "Tiêu chí", CRITERION)})["criteria"]
    with transaction():
        year = _year_for(user, year_id, lock=True)
        started = db.session.scalar(sa.select(sa.exists().where(
            ScoreSheet.cluster_year_id == year.id, ScoreSheet.state != "draft")))
        if started:
            raise Conflict("Đã có thành viên gửi điểm: không sửa được bảng tiêu chí.",
                           code="scoring_started")
        db.session.execute(sa.delete(ClusterCriterion).where(
            ClusterCriterion.cluster_year_id == year.id))
        db.session.add_all(ClusterCriterion(
            cluster_year_id=year.id, position=i, title=c["title"], max_points=c["max_points"],
            evidence=c.get("evidence") or "") for i, c in enumerate(clean, 1))
    return criteria(year_id)


# -- the pact ---------------------------------------------------------------------------

def confirm_pact(user, year_id):
    """A member's head confirms the year's pact (giao ước): who and when are kept."""
    require_role(user, HEAD, "xác nhận ký giao ước thi đua")
    with transaction():
        year = _year_for(user, year_id, lock=True)
        if db.session.get(PactSignature, (year.id, user.unit_id)) is not None:
            raise Conflict("Đơn vị đã xác nhận giao ước năm này.", code="already_confirmed")
        db.session.add(PactSignature(cluster_year_id=year.id, unit_id=user.unit_id,
                                     user_id=user.id, confirmed_at=now_utc()))
        db.session.flush()
        if _pact_complete(year):  # the last confirmation: the pact is final, kept
            _keep(year, "pact", user, today())
    return year_out(user, year_id)


def _pact_complete(year) -> bool:
    """Every member's head has confirmed the pact (one statement)."""
    missing = sa.select(ClusterMember.unit_id).where(
        ClusterMember.cluster_id == year.cluster_id,
        ~sa.exists().where(PactSignature.cluster_year_id == year.id,
                           PactSignature.unit_id == ClusterMember.unit_id))
    return not db.session.scalar(sa.select(sa.exists(missing)))


# -- the scores -------------------------------------------------------------------------

def _sheet(year, unit_id, lock=False):
    query = sa.select(ScoreSheet).where(ScoreSheet.cluster_year_id == year.id,
                                        ScoreSheet.unit_id == unit_id)
    if lock:
        query = query.with_for_update()
    sheet = db.session.scalars(query).first()
    if sheet is None:
        sheet = ScoreSheet(cluster_year_id=year.id, unit_id=unit_id, state="draft")
        db.session.add(sheet)
    return sheet


def _unit_id(year, unit_code):
    unit_id = db.session.scalar(
        sa.select(Unit.id).join(ClusterMember, ClusterMember.unit_id == Unit.id)
        .where(Unit.code == unit_code, ClusterMember.cluster_id == year.cluster_id))
    if unit_id is None:
        raise NotFound("Đơn vị không thuộc cụm, khối này.")
    return unit_id


def sheet_out(user, year_id, unit_code):
    """A member's score sheet: its own staff and head, the leader's unit and the province."""
    year = _year_for(user, year_id)
    unit_id = _unit_id(year, unit_code)
    if not (user.roles & PROVINCE_VIEW) and user.unit_id not in (unit_id, year.leader_unit_id):
        raise NotFound("Không tìm thấy bảng điểm.")
    sheet = db.session.get(ScoreSheet, (year.id, unit_id))
    rows = db.session.execute(
        sa.select(ClusterCriterion, ClusterScore)
        .outerjoin(ClusterScore, sa.and_(ClusterScore.criterion_id == ClusterCriterion.id,
                                         ClusterScore.unit_id == unit_id))
        .where(ClusterCriterion.cluster_year_id == year.id)
        .order_by(ClusterCriterion.position)).all()
    lines = [{"criterion_id": c.id, "title": c.title, "max_points": c.max_points,
              "points": s.points if s else None, "note": s.note if s else "",
              "adjusted_points": s.adjusted_points if s else None,
              "adjust_reason": s.adjust_reason if s else None} for c, s in rows]
    final = [line["adjusted_points"] if line["adjusted_points"] is not None else line["points"]
             for line in lines]
    return {"unit": unit_code, "state": sheet.state if sheet else "draft",
            "state_label": SHEET_STATES[sheet.state if sheet else "draft"],
            "submitted_at": sheet.submitted_at if sheet else None,
            "reviewed_at": sheet.reviewed_at if sheet else None,
            "total": sum((p for p in final if p is not None), Decimal(0)),
            "lines": lines}


def _criteria_by_id(year):
    return {c.id: c for c in db.session.scalars(sa.select(ClusterCriterion).where(
        ClusterCriterion.cluster_year_id == year.id))}


def _checked_lines(items, year, field, rules):
    if not isinstance(items, list) or not items:
        raise Invalid("Chưa có điểm nào.", details={field: ["Cần ít nhất một dòng."]},
                      code="no_scores")
    rows = {"criterion_id": validation.Number("Tiêu chí", integer=True), **rules}
    clean = validation.check({field: items}, {field: validation.Items("Điểm", rows)})[field]
    table = _criteria_by_id(year)
    details = {}
    for i, line in enumerate(clean):
        criterion = table.get(line.get("criterion_id"))
        points = line.get("points")
        if criterion is None:
            details[f"{field}[{i}].criterion_id"] = ["Tiêu chí không thuộc bảng điểm năm này."]
        elif points is None:
            details[f"{field}[{i}].points"] = ["Chưa nhập điểm."]
        elif points > criterion.max_points:
            details[f"{field}[{i}].points"] = [
                f"Vượt điểm tối đa {figure(criterion.max_points)} của tiêu chí."]
    if details:
        raise Invalid(next(iter(details.values()))[0], details=details, code="invalid_score")
    return clean


def save_scores(user, year_id, items):
    """A member scores itself (its staff drafts, its head may correct), while the sheet is
    a draft."""
    require_role(user, UNIT, "tự chấm điểm thi đua")
    with transaction():
        year = _year_for(user, year_id, lock=True)
        clean = _checked_lines(items, year, "scores", SCORE)
        sheet = _sheet(year, user.unit_id, lock=True)
        if sheet.state != "draft":
            raise Conflict("Bảng điểm đã gửi, không sửa được.", code="sheet_sent")
        have = {s.criterion_id: s for s in db.session.scalars(sa.select(ClusterScore).where(
            ClusterScore.unit_id == user.unit_id,
            ClusterScore.criterion_id.in_([c["criterion_id"] for c in clean])))}
        for line in clean:
            score = have.get(line["criterion_id"])
            if score is None:
                score = ClusterScore(criterion_id=line["criterion_id"], unit_id=user.unit_id,
                                     cluster_year_id=year.id)
                db.session.add(score)
            score.points, score.note = line["points"], line.get("note") or ""
    return sheet_out(user, year_id, user.unit.code)


def submit_scores(user, year_id):
    """The member's head sends its sheet to the leader: every criterion must be scored."""
    require_role(user, HEAD, "gửi bảng tự chấm điểm")
    with transaction():
        year = _year_for(user, year_id, lock=True)
        sheet = _sheet(year, user.unit_id, lock=True)
        if sheet.state != "draft":
            raise Conflict("Bảng điểm đã gửi.", code="sheet_sent")
        missing = db.session.scalar(
            sa.select(sa.func.count()).select_from(ClusterCriterion)
            .outerjoin(ClusterScore, sa.and_(ClusterScore.criterion_id == ClusterCriterion.id,
                                             ClusterScore.unit_id == user.unit_id))
            .where(ClusterCriterion.cluster_year_id == year.id, ClusterScore.unit_id.is_(None)))
        if missing or not _criteria_by_id(year):
            raise Invalid(f"Còn {missing} tiêu chí chưa chấm điểm.", code="sheet_incomplete")
        sheet.state, sheet.submitted_by_id, sheet.submitted_at = "submitted", user.id, now_utc()
    return sheet_out(user, year_id, user.unit.code)


def review_scores(user, year_id, unit_code, adjustments):
    """The leader's head reviews a member's submitted sheet; a changed score needs its
    reason. ``adjustments``: [{criterion_id, points, reason}] (may be empty)."""
    require_role(user, HEAD, "xem xét bảng điểm của thành viên")
    with transaction():
        year = _year_for(user, year_id, lock=True)
        if user.unit_id != year.leader_unit_id:
            raise Forbidden("Chỉ thủ trưởng đơn vị cụm trưởng mới được xem xét bảng điểm.")
        unit_id = _unit_id(year, unit_code)
        sheet = _sheet(year, unit_id, lock=True)
        if sheet.state != "submitted":
            raise Conflict("Bảng điểm chưa được gửi hoặc đã xem xét.", code="sheet_not_submitted")
        clean = _checked_lines(adjustments, year, "adjustments", {
            "points": SCORE["points"], "reason": validation.WHY}) if adjustments else []
        scores = {s.criterion_id: s for s in db.session.scalars(sa.select(ClusterScore).where(
            ClusterScore.unit_id == unit_id,
            ClusterScore.criterion_id.in_(list(_criteria_by_id(year)))))}
        details = {}
        for i, line in enumerate(clean):
            if not line.get("reason"):
                details[f"adjustments[{i}].reason"] = ["Điều chỉnh điểm phải nêu lý do."]
        if details:
            raise Invalid("Điều chỉnh điểm phải nêu lý do.", details=details,
                          code="reason_required")
        for line in clean:
            score = scores[line["criterion_id"]]
            score.adjusted_points, score.adjust_reason = line["points"], line["reason"]
        sheet.state, sheet.reviewed_by_id, sheet.reviewed_at = "reviewed", user.id, now_utc()
    return sheet_out(user, year_id, unit_code)


# -- the ranking ------------------------------------------------------------------------

def _all_reviewed(year):
    return not db.session.scalar(sa.select(sa.exists().where(
        ClusterMember.cluster_id == year.cluster_id,
        ~sa.exists().where(ScoreSheet.cluster_year_id == year.id,
                           ScoreSheet.unit_id == ClusterMember.unit_id,
                           ScoreSheet.state == "reviewed"))))


def _may_rank(user, year):
    if user.roles & PROVINCE_VIEW or user.unit_id == year.leader_unit_id:
        return True
    return _all_reviewed(year)


def ranking_query(year_id):
    """Every member with its total (the leader's adjusted points where given, else its own;
    only sheets sent count) and its rank (RANK() over the totals: equal totals share a
    rank), ordered by rank then unit code (ties deterministically)."""
    final = sa.func.coalesce(ClusterScore.adjusted_points, ClusterScore.points)
    totals = (
        sa.select(ClusterScore.unit_id, sa.func.sum(final).label("total"))
        .join(ScoreSheet, sa.and_(ScoreSheet.cluster_year_id == ClusterScore.cluster_year_id,
                                  ScoreSheet.unit_id == ClusterScore.unit_id))
        .where(ClusterScore.cluster_year_id == year_id, ScoreSheet.state != "draft")
        .group_by(ClusterScore.unit_id).subquery())
    total = sa.func.coalesce(totals.c.total, 0)
    state = sa.func.coalesce(ScoreSheet.state, "draft")
    rank = sa.func.rank().over(order_by=total.desc()).label("rank")
    return (
        sa.select(rank, Unit.code, Unit.name, total.label("total"), state.label("state"))
        .select_from(ClusterMember)
        .join(ClusterYear, ClusterYear.cluster_id == ClusterMember.cluster_id)
        .join(Unit, Unit.id == ClusterMember.unit_id)
        .outerjoin(totals, totals.c.unit_id == ClusterMember.unit_id)
        .outerjoin(ScoreSheet, sa.and_(ScoreSheet.cluster_year_id == ClusterYear.id,
                                       ScoreSheet.unit_id == ClusterMember.unit_id))
        .where(ClusterYear.id == year_id)
        .order_by(total.desc(), Unit.code))


def ranking(user, year_id, page=1, per_page=50):
    """A page of the cluster's ranking, counted and cut in SQL."""
    year = _year_for(user, year_id)
    if not _may_rank(user, year):
        raise Forbidden("Bảng xếp hạng của cụm, khối được công bố khi cụm trưởng đã xem xét "
                        "bảng điểm của mọi thành viên.")
    query = ranking_query(year.id)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(
        ClusterMember).where(ClusterMember.cluster_id == year.cluster_id))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"cluster_year": _year_summary(year), "total": count, "page": page,
            "per_page": per_page,
            "items": [{"rank": r.rank, "unit": r.code, "unit_name": r.name,
                       "total": Decimal(r.total), "state": r.state,
                       "state_label": SHEET_STATES[r.state]} for r in rows]}


# -- the vote and the proposal ----------------------------------------------------------

def record_votes(user, year_id, data):
    """The biên bản suy tôn: votes per proposed member out of the voters present, each
    proposed for the Cờ (at most the cluster's quota) or a Bằng khen. The leader's head
    records it once every sheet has been reviewed; it replaces any earlier record."""
    require_role(user, HEAD, "ghi kết quả suy tôn")
    voters = validation.one(data.get("voters"), VOTES, "voters")
    entries = data.get("entries")
    if not voters or not isinstance(entries, list) or not entries:
        raise Invalid("Biên bản suy tôn cần số người bỏ phiếu và ít nhất một đơn vị.",
                      code="no_votes")
    with transaction():
        year = _year_for(user, year_id, lock=True)
        if user.unit_id != year.leader_unit_id:
            raise Forbidden("Chỉ thủ trưởng đơn vị cụm trưởng mới được ghi kết quả suy tôn.")
        if not _all_reviewed(year):
            raise Conflict("Cụm trưởng chưa xem xét xong bảng điểm của mọi thành viên.",
                           code="scores_not_reviewed")
        details, rows, seen = {}, [], set()
        for i, entry in enumerate(entries):
            entry = entry if isinstance(entry, dict) else {}
            votes = validation.one(entry.get("votes"), VOTES, f"entries[{i}].votes")
            proposal = entry.get("proposal")
            if proposal not in PROPOSALS:
                details[f"entries[{i}].proposal"] = ["Phải là «co» hoặc «bang_khen»."]
                continue
            if votes is None or votes > voters:
                details[f"entries[{i}].votes"] = ["Số phiếu không vượt số người bỏ phiếu."]
                continue
            code = entry.get("unit")
            unit_id = db.session.scalar(
                sa.select(Unit.id).join(ClusterMember, ClusterMember.unit_id == Unit.id)
                .where(Unit.code == code, ClusterMember.cluster_id == year.cluster_id)
            ) if isinstance(code, str) else None
            if unit_id is None or unit_id in seen:
                details[f"entries[{i}].unit"] = ["Không phải thành viên của cụm, hoặc trùng."]
                continue
            seen.add(unit_id)
            rows.append(ClusterVote(cluster_year_id=year.id, unit_id=unit_id, votes=votes,
                                    voters=voters, proposal=proposal))
        if details:
            raise Invalid(next(iter(details.values()))[0], details=details, code="invalid_vote")
        flags = sum(1 for r in rows if r.proposal == "co")
        if flags > year.flag_quota:
            message = (f"Cụm, khối chỉ được đề nghị {year.flag_quota} Cờ thi đua; biên bản "
                       f"đề nghị {flags}.")
            raise Invalid(message, details={"entries": [message]}, code="flag_quota")
        db.session.execute(sa.delete(ClusterVote).where(ClusterVote.cluster_year_id == year.id))
        db.session.add_all(rows)
        year.votes_recorded_at, year.votes_recorded_by_id = now_utc(), user.id
        _keep(year, "vote", user, today())  # the biên bản is final once recorded: kept
    return votes_out(user, year_id)


def votes_out(user, year_id):
    year = _year_for(user, year_id)
    rows = db.session.scalars(sa.select(ClusterVote).where(
        ClusterVote.cluster_year_id == year.id).order_by(ClusterVote.votes.desc())).all()
    return {"cluster_year": _year_summary(year),
            "entries": [{"unit": r.unit.code, "unit_name": r.unit.name, "votes": r.votes,
                         "voters": r.voters, "proposal": r.proposal,
                         "proposal_label": PROPOSALS[r.proposal]} for r in rows]}


def propose(user, year_id):
    """The leader's tờ trình: the units the vote proposed become collective nominees (Cờ
    thi đua, Bằng khen) in the leader unit's dossier of the year's campaign, which then
    goes the dossier's way (the head signs and sends it, the Board appraises it). The
    cluster's votes are written in each nominee's summary (and kept in the biên bản suy
    tôn); the nominee's own «votes for» is the leader unit's council's, entered by its
    staff as for any nominee, since the dossier's guards judge it against that council."""
    require_role(user, STAFF, "lập tờ trình đề nghị của cụm, khối")
    with transaction():
        year = _year_for(user, year_id, lock=True)
        if user.unit_id != year.leader_unit_id:
            raise Forbidden("Chỉ đơn vị cụm trưởng mới lập tờ trình đề nghị của cụm, khối.")
        if year.votes_recorded_at is None:
            raise Conflict("Cụm, khối chưa có biên bản suy tôn.", code="not_voted")
        dossier_id = db.session.scalar(sa.select(Dossier.id).where(
            Dossier.campaign_id == year.campaign_id, Dossier.unit_id == year.leader_unit_id))
        if dossier_id is None:
            raise Conflict("Đơn vị cụm trưởng không có hồ sơ đề nghị trong năm thi đua này.",
                           code="no_dossier")
        dossier = steps.open_for(dossiers.KIND, "content", dossier_id, user)
        votes = db.session.scalars(sa.select(ClusterVote).where(
            ClusterVote.cluster_year_id == year.id).order_by(ClusterVote.votes.desc())).all()
        names = {v.unit.name for v in votes}
        if any(n.kind == "collective" and n.name in names for n in dossier.nominees):
            raise Conflict("Hồ sơ đã có các đơn vị được suy tôn.", code="already_proposed")
        forms = {}
        position = max((n.position for n in dossier.nominees), default=0)
        for vote in votes:
            position += 1
            nominee = Nominee(campaign_id=dossier.campaign_id, position=position,
                              kind="collective")
            dossiers._apply_nominee(dossier, nominee, {
                "name": vote.unit.name, "organisation": vote.unit.name,
                "award_form": PROPOSAL_FORMS[vote.proposal],
                "achievement_summary": (
                    f"Được {year.cluster.name} suy tôn ({vote.votes}/{vote.voters} phiếu) "
                    f"đề nghị tặng {PROPOSALS[vote.proposal]}.")}, forms)
            dossier.nominees.append(nominee)
        steps.touch(dossier)
    return {"dossier_id": dossier_id, "nominees": len(votes)}


def leader_desk(user, year_id):
    """What the leader's unit works from on the year's page: the ranking (every member, in
    rank order: the vote reads it), the vote recorded, whether every sheet is reviewed,
    and the leader unit's dossier of the year with whether the voted units are in it.
    Only the leader's unit (404 for others: the page then shows none of it)."""
    year = _year_for(user, year_id)
    if user.unit_id != year.leader_unit_id or not (user.roles & UNIT):
        raise NotFound("Không tìm thấy năm thi đua của cụm, khối.")
    ranked = db.session.execute(ranking_query(year.id)).all()
    votes = votes_out(user, year_id)["entries"]
    dossier = db.session.execute(sa.select(Dossier.id, Dossier.state).where(
        Dossier.campaign_id == year.campaign_id, Dossier.unit_id == year.leader_unit_id)).first()
    names = {v["unit_name"] for v in votes}
    proposed = bool(dossier and names and db.session.scalar(sa.select(sa.exists().where(
        Nominee.dossier_id == dossier.id, Nominee.kind == "collective",
        Nominee.name.in_(names)))))
    return {"ranking": [{"rank": r.rank, "unit": r.code, "unit_name": r.name,
                         "total": Decimal(r.total), "state": r.state,
                         "state_label": SHEET_STATES[r.state]} for r in ranked],
            "votes": votes, "voters": votes[0]["voters"] if votes else None,
            "all_reviewed": _all_reviewed(year), "flag_quota": year.flag_quota,
            "votes_recorded_at": year.votes_recorded_at,
            "dossier_id": dossier.id if dossier else None,
            "dossier_state": dossier.state if dossier else None, "proposed": proposed}


# -- the Board's overview: the ranking in Excel ------------------------------------------

RANKING_COLUMNS = (
    Column("Hạng", 6, "int"), Column("Mã đơn vị", 12), Column("Đơn vị", 45),
    Column("Tổng điểm", 12), Column("Bảng điểm", 14),
)


def ranking_xlsx(user, year_id):
    """(file name, file): the cluster's whole ranking, as the ranking page orders it."""
    year = _year_for(user, year_id)
    if not _may_rank(user, year):
        raise Forbidden("Bảng xếp hạng của cụm, khối chưa được công bố.")
    result = db.session.execute(ranking_query(year.id).execution_options(yield_per=1000))

    def rows():
        for r in result:
            yield (r.rank, r.code, r.name, float(r.total), SHEET_STATES[r.state])

    data = spreadsheets.write("Xếp hạng", RANKING_COLUMNS, rows())
    return f"Xếp hạng - {year.cluster.code}.xlsx", data


# -- the cluster's papers: the pact and the biên bản suy tôn --------------------------------

PAPERS = {"pact": "Giao ước thi đua", "vote": "Biên bản suy tôn"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _local(at):
    return None if at is None else at.replace(tzinfo=UTC).astimezone(local_zone()).date()


def _head_of(unit_id, signed=None):
    """Who signs for a unit: the head who confirmed its pact, else an active head."""
    if signed is not None:
        return signed
    return db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.unit_id == unit_id, UserRole.role == "unit_head", User.active.is_(True))
        .order_by(User.id).limit(1)).first()


def _title_of(unit):
    return f"{unit.head_title or 'Thủ trưởng'} {unit.name}".upper()


ITEM_TYPE = "cluster_year"  # the kept papers' owner (StoredDocument.item_type)
# each paper's register in the leader unit (NĐ 30: the type's abbreviation) and its symbol
REGISTERS = {"pact": "GƯTĐ", "vote": "BB"}


def paper(user, year_id, name):
    """(file name, DOCX bytes) of one of the cluster year's papers, for whoever sees the
    year: the kept final once there is one (the pact once every member's head has confirmed
    it, the biên bản once the vote is recorded: numbered, stored with its SHA-256), else a
    draft (DỰ THẢO, no date, no number) composed now."""
    if name not in PAPERS:
        raise NotFound("Không có văn bản này.")
    year = _year_for(user, year_id)
    kept = documents.current(ITEM_TYPE, year.id, name)
    if kept is not None:
        return kept.filename, storage.read(kept.storage_key, kept.sha256)
    return _compose(year, name)


def kept_papers(user, year_id):
    """{name: (number label, sha256, kept at)} of the year's kept papers."""
    year = _year_for(user, year_id)
    out = {}
    for name in PAPERS:
        kept = documents.current(ITEM_TYPE, year.id, name)
        if kept is not None:
            out[name] = {"sha256": kept.sha256, "created_at": kept.created_at,
                         "number": _number_label(year, name)}
    return out


def _number_label(year, name):
    number = year.pact_number if name == "pact" else year.vote_number
    symbol = year.pact_symbol if name == "pact" else year.vote_symbol
    return f"{number:02d}/{symbol}" if number else None


def _keep(year, name, user, on):
    """The final of ``name``, in the caller's transaction: numbered from the leader unit's
    register (the pact once; a biên bản recorded again is a new biên bản, a new number),
    composed, stored with its SHA-256 (the earlier copy superseded)."""
    doc_type = REGISTERS[name]
    if name == "vote" or year.pact_number is None:
        number = registers.take_number(year.leader_unit_id, doc_type, on.year,
                                       item=(ITEM_TYPE, year.id), user=user)
        symbol = f"{doc_type}-{year.leader.symbol}"
        if name == "pact":
            year.pact_number, year.pact_symbol = number, symbol
        else:
            year.vote_number, year.vote_symbol = number, symbol
    db.session.flush()
    filename, body = _compose(year, name)
    return documents.keep_file(ITEM_TYPE, year.id, name, filename, body)


def _compose(year, name):
    committee = db.session.scalars(sa.select(Unit).where(Unit.kind == "province")
                                   .order_by(Unit.id).limit(1)).first() or year.leader
    rows = db.session.execute(
        sa.select(Unit, PactSignature).join(ClusterMember, ClusterMember.unit_id == Unit.id)
        .outerjoin(PactSignature, sa.and_(PactSignature.cluster_year_id == year.id,
                                          PactSignature.unit_id == Unit.id))
        .where(ClusterMember.cluster_id == year.cluster_id).order_by(Unit.code)).all()
    signed = {unit.id: sig.user for unit, sig in rows if sig is not None}
    members = tuple(cluster_papers.Member(unit.name, sig.user.full_name if sig else "",
                                          _local(sig.confirmed_at) if sig else None)
                    for unit, sig in rows)
    leader_head = _head_of(year.leader_unit_id, signed.get(year.leader_unit_id))
    deputy_head = (_head_of(year.deputy_unit_id, signed.get(year.deputy_unit_id))
                   if year.deputy_unit_id else None)
    common = dict(
        cluster=year.cluster.name, year=_campaign_year(year), committee=committee.name,
        parent_header=" ".join(committee.header), place=committee.place or year.leader.place,
        leader=year.leader.name, leader_head=leader_head.full_name if leader_head else "",
        leader_title=_title_of(year.leader),
        deputy=year.deputy.name if year.deputy else "",
        deputy_head=deputy_head.full_name if deputy_head else "",
        deputy_title=_title_of(year.deputy) if year.deputy else "", now=now_utc())
    if name == "pact":
        complete = all(m.confirmed_on for m in members)
        content = cluster_papers.ClusterPaper(
            **common, members=members, draft=not complete, number=year.pact_number,
            symbol=year.pact_symbol or "",
            on=max(m.confirmed_on for m in members) if complete and members else None,
            criteria=tuple((c["title"], figure(c["max_points"]), c["evidence"])
                           for c in criteria(year.id)))
    else:
        ranked = db.session.execute(ranking_query(year.id)).all()
        votes = db.session.scalars(sa.select(ClusterVote).where(
            ClusterVote.cluster_year_id == year.id).order_by(ClusterVote.votes.desc())).all()
        content = cluster_papers.ClusterPaper(
            **common, draft=year.votes_recorded_at is None, on=_local(year.votes_recorded_at),
            number=year.vote_number, symbol=year.vote_symbol or "",
            flag_quota=year.flag_quota, voters=votes[0].voters if votes else 0,
            ranking=tuple(cluster_papers.Line(r.rank, r.name, figure(r.total))
                          for r in ranked),
            votes=tuple(cluster_papers.Line(0, v.unit.name, "", v.votes,
                                            _proposal_name(v.proposal, committee))
                        for v in votes))
    body = cluster_papers.render(name, content)
    number = "" if content.draft else _number_label(year, name) or ""
    label = f" {number.replace('/', '-')}" if number else ""
    prefix = "Dự thảo - " if content.draft else ""
    return f"{prefix}{PAPERS[name]}{label} {content.year} - {year.cluster.code}.docx", body


def _proposal_name(proposal, committee):
    if proposal == "co":
        return f"Cờ thi đua của {committee.name}"
    return f"Bằng khen của Chủ tịch {committee.name}"


def _campaign_year(year):
    campaign = db.session.get(Campaign, year.campaign_id)
    return getattr(campaign, "year", None) or campaign.period_end.year
