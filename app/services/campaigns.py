"""Campaigns: drafting by the Board, launch (which opens a plan and a dossier per unit), close."""
from decimal import Decimal

import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    CAMPAIGN_KINDS,
    LAUNCH_TYPES,
    UNIT_KINDS,
    Campaign,
    CampaignAwardForm,
    CampaignContent,
    CampaignParticipant,
    CampaignTarget,
    CampaignTargetKind,
    CampaignTargetUnit,
    Dossier,
    Nominee,
    Plan,
    Registration,
    Unit,
    User,
)
from app.services import (
    bulk,
    distribution,
    documents,
    org,
    reference,
    registers,
    steps,
    validation,
)
from app.services.errors import Conflict, Invalid
from app.services.permissions import require_role, visible
from app.services.tx import transaction
from workflows import CAMPAIGN, DOSSIER, PLAN, REGISTRATION, guards
from workflows.facts import CampaignFacts
from workflows.roles import BOARD, CHAIRMAN
from workflows.submission import UNSENT

__all__ = ["CAMPAIGN_KINDS", "LAUNCH_TYPES", "UNIT_KIND_LABELS"]
UNIT_KIND_LABELS = org.UNIT_KIND_LABELS  # the vocabulary the API's schemas speak
CAMPAIGN_KIND_LABELS = {"movement": "Phong trào thi đua",
                        "regular": "Thi đua thường xuyên"}

# What may still change once a campaign is launched: its deadlines, never its substance.
EDITABLE_WHEN_LAUNCHED = {"plan_deadline", "dossier_deadline", "accepts_late",
                          "unsent_plan", "decision_recipients", "registration_deadline",
                          "block_unregistered"}
SCALARS = ("title", "theme", "purpose", "implementation", "launch_type", "launch_number", "launch_date",
           "period_start", "period_end", "plan_deadline", "dossier_deadline", "accepts_late",
           "unsent_plan", "vote_threshold", "year", "registration_deadline",
           "block_unregistered")
UNSENT_PLAN_RULES = guards.UNSENT_PLAN_RULES  # what the form and the API offer


def _units_by_code(codes):
    codes = list(dict.fromkeys(codes))
    units = db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes))).all()
    found = {u.code: u for u in units}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise Invalid("Mã đơn vị không tồn tại: " + ", ".join(unknown) + ".",
                      details={"unknown_units": unknown}, code="unknown_unit")
    return [found[c] for c in codes]


def _set_contents(campaign, contents):
    every = [t for content in contents for t in content.get("targets", [])]
    kinds = [k for t in every for k in t.get("applies_to_kinds") or ()]
    unknown = sorted({k for k in kinds if k not in UNIT_KINDS})
    if unknown:
        raise Invalid("Loại đơn vị không có: " + ", ".join(unknown) + ".",
                      details={"applies_to_kinds": unknown}, code="unknown_unit_kind")
    codes = [c for t in every for c in t.get("applies_to_units") or ()]
    units = {u.code: u.id for u in _units_by_code(codes)} if codes else {}
    campaign.contents.clear()
    db.session.flush()
    for i, content in enumerate(contents, start=1):
        row = CampaignContent(position=i, title=content["title"].strip(),
                              description=content.get("description", "").strip())
        for j, target in enumerate(content.get("targets", []), start=1):
            row.targets.append(CampaignTarget(
                position=j, label=target["label"].strip(),
                measure_unit=target.get("measure_unit", "").strip(),
                comparison=target.get("comparison", ">="), value=Decimal(str(target["value"])),
                # no kinds and no units: the target applies to every participating unit
                scope_kinds=[CampaignTargetKind(unit_kind=k) for k in
                             dict.fromkeys(target.get("applies_to_kinds") or ())],
                scope_units=[CampaignTargetUnit(unit_id=units[c]) for c in
                             dict.fromkeys(target.get("applies_to_units") or ())]))
        campaign.contents.append(row)


def load_scopes(campaign):
    """Every target's scope (kinds of unit, named units) loaded in two statements for the
    pages and the API that show it, instead of one per target."""
    ids = [t.id for t in campaign.targets]
    if ids:
        db.session.scalars(sa.select(CampaignTarget).where(CampaignTarget.id.in_(ids)).options(
            sa.orm.selectinload(CampaignTarget.scope_kinds),
            sa.orm.selectinload(CampaignTarget.scope_units))).all()
    return campaign


def get_campaign(user, campaign_id):
    """A campaign the user may see, with its targets' scopes."""
    return load_scopes(steps.load(KIND, campaign_id, user))


def _set_award_forms(campaign, forms):
    on = today()
    codes = [f["code"] for f in forms]
    if len(set(codes)) != len(codes):
        raise Invalid("Một hình thức khen thưởng chỉ được khai báo một lần.",
                      code="duplicate_award_form")
    campaign.award_forms.clear()
    db.session.flush()
    for f in forms:
        form = reference.award_form(f["code"], on)
        # A unit's head decides the unit-level titles: a movement never offers them; the
        # regular year lists them, since units register for them (DOMAIN.md §4.4).
        if form.level != "province" and campaign.kind != "regular":
            raise Invalid(f"«{form.name}» do thủ trưởng đơn vị quyết định, không khen thưởng "
                          f"theo phong trào của tỉnh.", details={"award_forms": [form.code]},
                          code="unit_level_award_form")
        campaign.award_forms.append(
            CampaignAwardForm(award_form_id=form.id, quota_per_unit=f.get("quota_per_unit")))


def _set_participants(campaign, codes):
    campaign.participants.clear()
    db.session.flush()
    for unit in _units_by_code(codes):
        campaign.participants.append(CampaignParticipant(unit_id=unit.id))


def _signer(username):
    """The launch document is signed by the Chairman or a Vice-Chairman."""
    if not username:
        return None
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None or not user.has_role(*CHAIRMAN):
        raise Invalid(f"«{username}» không phải Chủ tịch hoặc Phó Chủ tịch Ủy ban nhân dân.",
                      details={"signer": [username]}, code="bad_signer")
    return user


def _apply(campaign, data):
    if "unsent_plan" in data and data["unsent_plan"] not in UNSENT_PLAN_RULES:
        message = "Chọn một trong: " + "; ".join(
            f"«{label}»" for label in UNSENT_PLAN_RULES.values()) + "."
        raise Invalid(f"Cách xử lý hồ sơ khi đơn vị chưa gửi kế hoạch không hợp lệ. {message}",
                      details={"unsent_plan": [message]}, code="invalid_unsent_plan")
    for key in SCALARS:
        if key in data:
            setattr(campaign, key, data[key])
    if "signer" in data:
        campaign.signer = _signer(data["signer"])
    for key in ("launch_recipients", "decision_recipients"):
        if key in data:
            setattr(campaign, key, distribution.by_code(data[key]) if data[key] else None)
    if "contents" in data:
        _set_contents(campaign, data["contents"])
    if "award_forms" in data:
        _set_award_forms(campaign, data["award_forms"])
    if "participants" in data:
        _set_participants(campaign, data["participants"])
    if campaign.period_start and campaign.period_end and campaign.period_start > campaign.period_end:
        raise Invalid("Ngày bắt đầu phải trước ngày kết thúc thời gian thi đua.",
                      details={"period_end": ["Ngày kết thúc trước ngày bắt đầu."]},
                      code="invalid_period")


def create_campaign(user, data):
    require_role(user, BOARD, "tạo phong trào thi đua")
    data = validation.check(data, validation.CAMPAIGN)
    validation.code(data.get("code"), validation.CAMPAIGN_CODE, validation.CAMPAIGN_CODE_MESSAGE)
    with transaction():
        if db.session.scalar(sa.select(Campaign.id).where(Campaign.code == data["code"])):
            raise Conflict(f"Mã phong trào «{data['code']}» đã được dùng.", code="duplicate_code")
        issuer_code = data.get("issuer_unit")
        if issuer_code:
            issuer = _units_by_code([issuer_code])[0]
        else:
            issuer = db.session.scalars(
                sa.select(Unit).where(Unit.kind == "province").order_by(Unit.id)).first()
            if issuer is None:
                raise Invalid("Chưa khai báo cơ quan ban hành (đơn vị loại «province»).",
                              code="no_issuer")
        threshold = data.get("vote_threshold")
        if threshold is None:
            threshold = reference.rule("vote_threshold_default", today(), Decimal("70"))
        kind = data.get("kind") or "movement"
        if kind not in CAMPAIGN_KINDS:
            raise Invalid("Loại phong trào không hợp lệ: «movement» (phong trào thi đua) hoặc "
                          "«regular» (thi đua thường xuyên của năm).",
                          details={"kind": list(CAMPAIGN_KINDS)}, code="invalid_kind")
        if kind == "regular" and not data.get("year"):
            raise Invalid("Năm thi đua thường xuyên cần ghi năm.",
                          details={"year": ["Bắt buộc."]}, code="year_required")
        campaign = Campaign(code=data["code"], issuer_unit_id=issuer.id, state=CAMPAIGN.initial,
                            created_by_id=user.id, vote_threshold=threshold, kind=kind,
                            title=data["title"], period_start=data["period_start"],
                            period_end=data["period_end"])
        db.session.add(campaign)
        _apply(campaign, {k: v for k, v in data.items()
                          if k not in ("code", "issuer_unit", "kind")})
    return load_scopes(campaign)


def update_campaign(user, campaign_id, data, version):
    require_role(user, BOARD, "sửa phong trào thi đua")
    data = validation.check(data, validation.CAMPAIGN)
    with transaction():
        campaign = steps.open_for(KIND, "deadlines", campaign_id, user, version, versioned=True)
        content = CAMPAIGN.edits["content"]
        frozen = sorted(set(data) - EDITABLE_WHEN_LAUNCHED)
        if campaign.state not in content.states and frozen:
            raise Invalid(content.refused, details={"fields": frozen}, code=content.code)
        _apply(campaign, data)
        if campaign.plan_deadline and campaign.dossier_deadline and (
                campaign.plan_deadline > campaign.dossier_deadline):
            raise Invalid("Hạn nộp kế hoạch không được muộn hơn hạn nộp hồ sơ.",
                          code="invalid_deadlines")
        steps.touch(campaign)
    return load_scopes(campaign)


def nominee_count():
    """A participant row's column: its dossier's nominees (empty without a dossier)."""
    count = (sa.select(sa.func.count()).where(Nominee.dossier_id == Dossier.id)
             .correlate(Dossier).scalar_subquery())
    return sa.case((Dossier.id.is_(None), None), else_=count)


def participants(user, campaign, *columns):
    """``columns`` of every participating unit of ``campaign``, beside its plan and its
    dossier as far as ``user`` may see them (one row a unit): the progress table's query,
    for the page, the API and the Excel list alike."""
    return (
        sa.select(*columns)
        .select_from(CampaignParticipant)
        .join(Unit, Unit.id == CampaignParticipant.unit_id)
        .outerjoin(Plan, sa.and_(Plan.campaign_id == CampaignParticipant.campaign_id,
                                 Plan.unit_id == CampaignParticipant.unit_id,
                                 visible(user, Plan)))
        .outerjoin(Dossier, sa.and_(Dossier.campaign_id == CampaignParticipant.campaign_id,
                                    Dossier.unit_id == CampaignParticipant.unit_id,
                                    visible(user, Dossier)))
        .where(CampaignParticipant.campaign_id == campaign.id))


def choices(user, limit=100):
    """The campaigns ``user`` may see as a picker wants them: id and title, in the list's
    order (no contents, forms or targets loaded for each)."""
    return db.session.execute(
        sa.select(Campaign.id, Campaign.title).where(visible(user, Campaign))
        .order_by(*KIND.listed_by).limit(limit)).all()


PROGRESS_OF = ("plan", "dossier")


def progress(user, campaign_id, state=None, page=1, per_page=50, overdue=None, of=None):
    """The campaign's participating units, a page at a time, each with its plan's and its
    dossier's state (as far as ``user`` may see them) and the dossier's nominee count;
    ``state`` keeps the units whose plan or dossier is in it (only the plan's, or only the
    dossier's, with ``of`` "plan" or "dossier": plans and dossiers share state names, and
    the overview's figures count each alone); ``overdue`` ("plan" or
    "dossier") those whose plan or dossier is past its deadline and not sent. With the counts of plans
    and dossiers by state over the whole campaign. A fixed number of statements,
    whatever the number of units."""
    if of is not None and of not in PROGRESS_OF:
        raise Invalid("Chỉ lọc theo kế hoạch hoặc hồ sơ.", details={"of": list(PROGRESS_OF)},
                      code="invalid_filter")
    campaign = steps.load(KIND, campaign_id, user)
    query = participants(user, campaign, Unit.id.label("unit_id"),
                         Unit.code.label("unit_code"), Unit.name.label("unit_name"),
                         Plan.id.label("plan_id"), Plan.state.label("plan_state"),
                         Dossier.id.label("dossier_id"), Dossier.state.label("dossier_state"),
                         nominee_count().label("nominees"))
    if state:
        query = query.where({"plan": Plan.state == state, "dossier": Dossier.state == state}
                            .get(of, sa.or_(Plan.state == state, Dossier.state == state)))
    if overdue in ("plan", "dossier"):
        model = Plan if overdue == "plan" else Dossier
        deadline = campaign.plan_deadline if overdue == "plan" else campaign.dossier_deadline
        if deadline is None or deadline >= today():
            query = query.where(sa.false())
        else:
            query = query.where(model.state.in_(UNSENT))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Unit.code).limit(per_page)
                              .offset((page - 1) * per_page)).mappings().all()
    counts = {}
    for process, model in ((PLAN, Plan), (DOSSIER, Dossier)):
        found = dict(db.session.execute(
            sa.select(model.state, sa.func.count()).where(
                model.campaign_id == campaign.id, visible(user, model))
            .group_by(model.state)).all())
        counts[process.name] = {s: found[s] for s in process.states if s in found}
    return {"campaign": campaign, "items": rows, "total": total, "page": page,
            "per_page": per_page, "counts": counts}


def participant_count(campaign) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        CampaignParticipant.campaign_id == campaign.id))


def form_choices(user):
    """What the campaign form offers (Board): units, award forms in force, signers, Nơi nhận
    lists."""
    require_role(user, BOARD, "tạo, sửa phong trào thi đua")
    return {
        "units": db.session.scalars(sa.select(Unit).where(Unit.active.is_(True))
                                    .order_by(Unit.code)).all(),
        # a movement offers the Chairman's; a regular year also the unit-level titles
        # its units register for (the form says which are which)
        "award_forms": sorted(reference.award_forms(today()),
                              key=lambda f: (f.level != "province", f.code)),
        "campaign_kinds": CAMPAIGN_KIND_LABELS,
        "signers": org.role_holders(CHAIRMAN),
        "lists": distribution.all_lists(),
        "unit_kinds": UNIT_KIND_LABELS,
        "unsent_plan_rules": UNSENT_PLAN_RULES,
    }


def campaign_facts(c):
    return CampaignFacts(
        title=c.title or "",
        period_start=c.period_start,
        period_end=c.period_end,
        plan_deadline=c.plan_deadline,
        dossier_deadline=c.dossier_deadline,
        contents={content.title: len(content.targets) for content in c.contents},
        participant_count=participant_count(c),
        award_form_count=len(c.award_forms),
        vote_threshold=c.vote_threshold,
        launch_date=c.launch_date or today(),
        launch_lead_days=_lead_days(),
        kind=c.kind, year=c.year, registration_deadline=c.registration_deadline,
    )


def _lead_days():
    """How long before its period a launch may be dated (reference data, [U])."""
    days = reference.rule("launch_max_days_before_period", today())
    return int(days) if days is not None else None


def _scope(t):
    """A target's scope in the history, only when it has one (older snapshots have none)."""
    if not (t.scope_kinds or t.scope_units):
        return {}
    return {"applies_to": {"kinds": t.applies_to_kinds, "units": t.applies_to_units}}


def campaign_snapshot(c):
    load_scopes(c)
    return {
        "code": c.code, "title": c.title, "theme": c.theme, "purpose": c.purpose,
        "implementation": c.implementation,
        "launch_type": c.launch_type, "launch_number": c.launch_number,
        "launch_date": c.launch_date, "period": [c.period_start, c.period_end],
        "plan_deadline": c.plan_deadline, "dossier_deadline": c.dossier_deadline,
        "accepts_late": c.accepts_late, "unsent_plan": c.unsent_plan,
        "vote_threshold": str(c.vote_threshold),
        "contents": [
            {"title": k.title, "description": k.description,
             "targets": [{"id": t.id, "label": t.label, "measure_unit": t.measure_unit,
                          "comparison": t.comparison, "value": str(t.value), **_scope(t)}
                         for t in k.targets]}
            for k in c.contents
        ],
        "award_forms": sorted([[f.award_form.code, f.quota_per_unit] for f in c.award_forms]),
        "participants": sorted(p.unit.code for p in c.participants),
        "signer": c.signer.username if c.signer else None,
        # a regular year's own (older snapshots, and movements, have none)
        **({"kind": c.kind, "year": c.year, "registration_deadline": c.registration_deadline,
            "block_unregistered": c.block_unregistered} if c.kind == "regular" else {}),
    }


def _open_unit_items(campaign, user, role, comment, params, facts):
    """Launching numbers the launch document and opens a draft plan and a draft dossier
    for every participating unit."""
    campaign.launched_at = now_utc()
    if campaign.signer is not None:  # the authority chosen at launch, or the signer's usual
        documents.sign("campaign", campaign, ("launch",), campaign.issuer, campaign.signer,
                       params.get("authority"))
    campaign.launch_date = campaign.launch_date or today()
    if not campaign.launch_number:
        abbreviation = reference.document_types(today())[campaign.launch_type][1]
        # A công văn has no type abbreviation: its ký hiệu is issuer - drafting unit.
        symbol = (f"{campaign.issuer.symbol}-{user.unit.symbol}" if not abbreviation
                  else f"{abbreviation}-{campaign.issuer.symbol}")
        number = registers.take_number(campaign.issuer_unit_id, abbreviation or "CV",
                                       campaign.launch_date.year, item=("campaign", campaign.id),
                                       user=user)
        campaign.launch_number = f"{number:02d}/{symbol}"
    # A regular year opens each unit's registration (đăng ký thi đua) in place of a plan.
    first = (REGISTRATION, Registration) if campaign.kind == "regular" else (PLAN, Plan)
    for process, model in (first, (DOSSIER, Dossier)):
        # One INSERT … SELECT per kind, whatever the number of units.
        have = sa.select(model.unit_id).where(model.campaign_id == campaign.id)
        bulk.insert_from(model, {
            "campaign_id": CampaignParticipant.campaign_id,
            "unit_id": CampaignParticipant.unit_id, "state": sa.literal(process.initial),
        }, sa.select(CampaignParticipant).where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.unit_id.not_in(have)).order_by(CampaignParticipant.unit_id))


def _stamp_close(campaign, user, role, comment, params, facts):
    campaign.closed_at = now_utc()


KIND = steps.Kind(CAMPAIGN, Campaign, facts=campaign_facts, snapshot=campaign_snapshot,
                  effects={"open_unit_items": _open_unit_items, "stamp_close": _stamp_close},
                  listed_by=(Campaign.period_start.desc(), Campaign.id.desc()))
