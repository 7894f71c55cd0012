"""Decisions: composed by the Board from appraised dossiers, signed, approved, issued."""
import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    Campaign,
    Decision,
    DecisionRecipient,
    Dossier,
    Nominee,
    Unit,
)
from app.services import (
    awards,
    campaigns,
    decision_queue,
    distribution,
    documents,
    dossiers,
    esigning,
    exchange,
    flags,
    outbox,
    reference,
    registers,
    steps,
    validation,
)
from app.services.errors import Conflict, Invalid, NotFound
from app.services.permissions import reads_whole_decision, require_role, visible
from app.services.tx import transaction
from workflows import CAMPAIGN, DECISION, DOSSIER
from workflows.decision import ACT_PACKAGE_TYPES, ACT_TITLES, ACTS, RECALL_PACKAGE_TYPE
from workflows.dossier import DECIDABLE
from workflows.facts import DecisionFacts
from workflows.roles import APPRAISER, CHAIRMAN

DEFAULT_TITLE = "Về việc tặng {form}"
ID_CHUNK = 1000  # ids per IN (...) list: far below the database's bound-parameter limit


def composes(user) -> bool:
    """Whether ``user`` composes decisions at all (the «Lập dự thảo quyết định» entry)."""
    return user.has_role(*APPRAISER)


def composable(user, campaign) -> bool:
    """Whether ``user`` may start a decision for this campaign: an appraiser, once it has
    been launched."""
    return user.has_role(*APPRAISER) and campaign.state != CAMPAIGN.initial


def create_decision(user, data):
    require_role(user, APPRAISER, "lập dự thảo quyết định")
    data = validation.check(data, validation.DECISION)
    with transaction():
        campaign = steps.load(campaigns.KIND, data["campaign_id"], user)
        if not composable(user, campaign):
            raise Conflict("Phong trào chưa phát động.", code="invalid_state")
        form = reference.award_form(data["award_form"], today())
        if form.id not in {f.award_form_id for f in campaign.award_forms}:
            raise Invalid(f"Phong trào không có hình thức «{form.name}».",
                          details={"award_form": [data["award_form"]]}, code="award_form_not_offered")
        decision = Decision(campaign_id=campaign.id, award_form_id=form.id,
                            state=DECISION.initial,
                            created_by_id=user.id,
                            title=(data.get("title") or "").strip()
                            or DEFAULT_TITLE.format(form=form.name))
        if campaign.decision_recipients:  # Nơi nhận starts from the campaign's list
            decision.recipients = [
                DecisionRecipient(position=e.position, label=e.label, email=e.email,
                                  organ_id=e.organ_id)
                for e in campaign.decision_recipients.entries]
        db.session.add(decision)
        if data.get("dossier_ids") is not None:  # the draft starts with the dossiers picked
            db.session.flush()
            _include(user, decision, _picked_nominees(user, decision, data["dossier_ids"]))
    return decision


def _picked_nominees(user, decision, dossier_ids):
    """The nominees of the picked dossiers that this draft may take (accepted, of its award
    form, in no decision yet); a picked dossier with none of them is named in the refusal."""
    wanted = list(dict.fromkeys(dossier_ids))
    if not wanted:
        raise Invalid("Chọn ít nhất một hồ sơ đã thẩm định để đưa vào dự thảo.",
                      code="nothing_selected", details={"dossier_ids": ["Chọn ít nhất một."]})
    found = []
    for start in range(0, len(wanted), ID_CHUNK):
        found += db.session.execute(
            sa.select(Nominee.id, Nominee.dossier_id)
            .join(Dossier, Dossier.id == Nominee.dossier_id)
            .where(Nominee.dossier_id.in_(wanted[start:start + ID_CHUNK]),
                   Dossier.campaign_id == decision.campaign_id,
                   Dossier.state.in_(DECIDABLE), visible(user, Dossier),
                   Nominee.verdict == "accepted",
                   Nominee.award_form_id == decision.award_form_id,
                   Nominee.decision_id.is_(None))
            .order_by(Nominee.dossier_id, Nominee.kind, Nominee.position)).all()
    empty = sorted(set(wanted) - {dossier_id for _, dossier_id in found})
    if empty:
        names = db.session.scalars(
            sa.select(Unit.name).join(Dossier, Dossier.unit_id == Unit.id)
            .where(Dossier.id.in_(empty[:ID_CHUNK]), visible(user, Dossier))
            .order_by(Unit.name)).all()
        raise Invalid("Không thể lập dự thảo: hồ sơ " + (", ".join(names) or "đã chọn")
                      + " không còn tập thể, cá nhân nào được chấp nhận với hình thức này "
                      "mà chưa có trong quyết định.",
                      code="nominee_not_eligible", details={"dossier_ids": empty})
    return [nominee_id for nominee_id, _ in found]


def composable_dossiers(user, campaign_id, award_form_code):
    """For the pick before composing: the campaign, the award form and, per appraised
    dossier, how many of its accepted nominees of that form no decision holds yet (unit
    name order); one query for the dossiers."""
    require_role(user, APPRAISER, "lập dự thảo quyết định")
    campaign = steps.load(campaigns.KIND, campaign_id, user)
    form = reference.award_form(award_form_code, today())
    rows = db.session.execute(
        sa.select(Dossier.id, Unit.name, sa.func.count(Nominee.id))
        .join(Nominee, Nominee.dossier_id == Dossier.id)
        .join(Unit, Unit.id == Dossier.unit_id)
        .where(Dossier.campaign_id == campaign.id, Dossier.state.in_(DECIDABLE),
               visible(user, Dossier), Nominee.verdict == "accepted",
               Nominee.award_form_id == form.id, Nominee.decision_id.is_(None))
        .group_by(Dossier.id, Unit.name)
        .order_by(Unit.name, Dossier.id)).all()
    return {"campaign": campaign, "award_form": form,
            "dossiers": [{"id": i, "unit_name": name, "nominees": n} for i, name, n in rows]}


def update_decision(user, decision_id, data, version):
    data = validation.check(data, validation.DECISION)
    with transaction():
        decision = steps.open_for(KIND, "content", decision_id, user, version, versioned=True)
        if "title" in data:
            title = data["title"].strip()
            if not title:
                raise Invalid("Trích yếu không được để trống.", code="empty_title",
                              details={"title": ["Bắt buộc."]})
            decision.title = title
        steps.touch(decision)
    return decision


def add_nominees(user, decision_id, nominee_ids, version=None):
    """Put accepted nominees of appraised dossiers (any unit) into the draft."""
    with transaction():
        decision = steps.open_for(KIND, "content", decision_id, user, version)
        _include(user, decision, nominee_ids)
        steps.touch(decision)
    return decision


def _include(user, decision, nominee_ids):
    """Put these nominees into the draft (inside the caller's transaction): each must be
    accepted, of an appraised dossier of the campaign, of the draft's award form and in no
    other decision; otherwise nothing is put in and each one is named with its reason."""
    wanted = list(dict.fromkeys(nominee_ids))
    found = {}
    for start in range(0, len(wanted), ID_CHUNK):  # a form may send any number of ids
        found.update((n.id, (n, d)) for n, d in db.session.execute(
            sa.select(Nominee, Dossier)
            .join(Dossier, Dossier.id == Nominee.dossier_id)
            .where(Nominee.id.in_(wanted[start:start + ID_CHUNK]), visible(user, Dossier))
            .with_for_update(of=Dossier)))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound("Không tìm thấy tập thể, cá nhân được đề nghị.",
                       details={"nominee_ids": missing})
    problems = {}
    for nid in wanted:
        n, d = found[nid]
        if d.campaign_id != decision.campaign_id:
            problems[nid] = "thuộc phong trào khác"
        elif d.state not in DECIDABLE:
            problems[nid] = "hồ sơ chưa thẩm định xong"
        elif n.verdict != "accepted":
            problems[nid] = "không được Ban TĐKT chấp nhận"
        elif n.award_form_id != decision.award_form_id:
            problems[nid] = "đề nghị hình thức khen thưởng khác"
        elif n.decision_id is not None and n.decision_id != decision.id:
            problems[nid] = "đã có trong quyết định khác"
    if problems:
        raise Invalid("Không thể đưa vào dự thảo: " + "; ".join(
            f"{found[i][0].name} ({why})" for i, why in problems.items()) + ".",
            details={"nominees": {str(k): v for k, v in problems.items()}},
            code="nominee_not_eligible")
    for nid in wanted:
        n, d = found[nid]
        n.decision_id = decision.id
        n.struck, n.strike_reason = False, None
        if DOSSIER.step("include", d.state):
            steps.fire_system(dossiers.KIND, d, "include", user, "board_appraiser")
    decision_queue.stale(decision.campaign_id)  # its nominees left the queue


def remove_nominee(user, decision_id, nominee_id, version=None):
    with transaction():
        decision = steps.open_for(KIND, "content", decision_id, user, version)
        nominee = next((n for n in decision.nominees if n.id == nominee_id), None)
        if nominee is None:
            raise NotFound("Tập thể, cá nhân này không có trong dự thảo quyết định.")
        nominee.decision_id = None
        dossier = db.session.scalars(
            sa.select(Dossier).where(Dossier.id == nominee.dossier_id)
            .with_for_update(of=Dossier)).one()
        still_in = db.session.scalar(
            sa.select(sa.func.count(Nominee.id))
            .where(Nominee.dossier_id == dossier.id, Nominee.decision_id.is_not(None),
                   Nominee.id != nominee.id))
        if not still_in and DOSSIER.step("exclude", dossier.state):
            steps.fire_system(dossiers.KIND, dossier, "exclude", user, "board_appraiser")
        decision_queue.stale(decision.campaign_id)  # the nominee is back in the queue
        steps.touch(decision)
    return decision


def strike(user, decision_id, nominee_id, struck, reason=None, version=None):
    """The Chairman takes a nominee off the list before approving (or puts one back)."""
    if struck:
        return strike_many(user, decision_id, [nominee_id], reason, version)
    with transaction():
        decision = steps.open_for(KIND, "strikes", decision_id, user, version)
        nominee = next((n for n in decision.nominees if n.id == nominee_id), None)
        if nominee is None:
            raise NotFound("Tập thể, cá nhân này không có trong danh sách.")
        nominee.struck, nominee.strike_reason = False, None
        steps.touch(decision)
    return decision


def strike_many(user, decision_id, nominee_ids, reason, version=None):
    """The Chairman takes the selected nominees off the list with one reason, in one go:
    all of them or none."""
    if reason is not None:
        reason = validation.one(reason, validation.WHY, "reason")
    reason = (reason or "").strip() or None
    if not reason:
        raise Invalid("Cần ghi lý do loại khỏi danh sách.", code="comment_required",
                      details={"reason": ["Bắt buộc."]})
    wanted = list(dict.fromkeys(nominee_ids))
    if not wanted:
        raise Invalid("Chọn ít nhất một tập thể, cá nhân để loại.", code="nothing_selected",
                      details={"nominee_ids": ["Chọn ít nhất một."]})
    with transaction():
        decision = steps.open_for(KIND, "strikes", decision_id, user, version)
        listed = {n.id: n for n in decision.nominees}
        missing = [i for i in wanted if i not in listed]
        if missing:
            raise NotFound("Tập thể, cá nhân này không có trong danh sách.",
                           details={"nominee_ids": missing})
        for nominee_id in wanted:
            listed[nominee_id].struck, listed[nominee_id].strike_reason = True, reason
        steps.touch(decision)
    return decision


def for_reader(user, decision_id):
    """The decision as ``user`` reads it through the API: every nominee for the province's
    offices; only their own unit's for a unit's people, so another unit's people, struck or
    not, and the Chairman's reasons never reach them (the awardees of every unit are in the
    decision's document and its awardee list)."""
    decision = steps.load(KIND, decision_id, user)
    if reads_whole_decision(user, decision):
        return decision
    own = set(db.session.scalars(sa.select(Dossier.id).where(
        Dossier.unit_id == user.unit_id,
        Dossier.id.in_(sa.select(Nominee.dossier_id).where(Nominee.decision_id == decision.id)))))
    return _AsRead(decision, [n for n in decision.nominees if n.dossier_id in own])


class _AsRead:
    """A decision as one reader sees it: its own attributes, and only ``shown_nominees``
    (nothing is set on the loaded row, which the session may hand to another reader)."""

    def __init__(self, decision, shown):
        self._decision, self.shown_nominees = decision, shown

    def __getattr__(self, name):
        return getattr(self._decision, name)


def nominee_rows(user, decision):
    """What the Chairman reads about each nominee before approving, in one query: the
    nominee (award form, achievement, verdict), its unit's name, its vote share of the
    unit council, and whether ``user`` may open its dossier (only then are the vote and
    the Board's opinion shown: a unit sees its own)."""
    rows = db.session.execute(
        sa.select(Nominee, Unit.name, Dossier.council_members_total,
                  sa.case((visible(user, Dossier), True), else_=False))
        .join(Dossier, Dossier.id == Nominee.dossier_id)
        .join(Unit, Unit.id == Dossier.unit_id)
        .where(Nominee.decision_id == decision.id)
        .order_by(Nominee.kind, Nominee.dossier_id, Nominee.position)).all()
    # a struck nominee is named (and counted) to the province's offices and their own unit
    everyone = reads_whole_decision(user, decision)
    return [{"nominee": n, "unit": unit_name, "votes_total": total, "open": bool(open_),
             "named": everyone or bool(open_),
             "vote_share": dossiers.vote_share(n.votes_for, total)}
            for n, unit_name, total, open_ in rows]


def proposal_summary(decision, rows):
    """The Board's tờ trình in a few lines: its number, date and signer, and what it
    proposes (how many collectives and individuals, from how many units)."""
    listed = [r for r in rows if not r["nominee"].struck]
    # another unit's struck people are not counted for a unit's reader either
    struck = [r for r in rows if r["nominee"].struck and r.get("named", True)]
    return {
        "label": decision.proposal_label,
        "date": decision.proposal_date,
        "signer": decision.proposal_signed_by.full_name if decision.proposal_signed_by else None,
        "award_form": decision.award_form.name,
        "collectives": sum(1 for r in listed if r["nominee"].kind == "collective"),
        "individuals": sum(1 for r in listed if r["nominee"].kind == "individual"),
        "units": len({r["unit"] for r in listed}),
        "proposed": len(listed) + len(struck),
        "struck": len(struck),
    }


def eligible_nominees(user, decision):
    """Accepted nominees of the campaign's appraised dossiers that this draft may take."""
    return db.session.scalars(
        sa.select(Nominee).join(Dossier, Dossier.id == Nominee.dossier_id)
        .where(Dossier.campaign_id == decision.campaign_id,
               Dossier.state.in_(DECIDABLE), visible(user, Dossier),
               Nominee.verdict == "accepted", Nominee.award_form_id == decision.award_form_id,
               Nominee.decision_id.is_(None))
        .order_by(Dossier.unit_id, Nominee.kind, Nominee.position)).all()


def awaiting_composition(user):
    """For an appraiser: per campaign and award form, the accepted nominees of appraised
    dossiers that no decision holds yet ("hồ sơ đã thẩm định chờ lập dự thảo quyết
    định"), with the draft already open for them if there is one. Read from the tally the
    changes keep (app/services/decision_queue.py): one query over a few rows. The
    appraiser sees every dossier of the province, so the tally needs no scoping."""
    if not user.has_role(*APPRAISER):
        return []
    return [{"campaign_id": cid, "campaign_title": title, "award_form": code,
             "award_form_name": name, "nominees": nominees, "dossiers": count,
             "draft_id": draft_id}
            for cid, title, code, name, nominees, count, draft_id in decision_queue.rows()]


def listing(user, state=None, page=1, per_page=50):
    """The decisions this user may see, a page at a time (newest first), filtered by
    state, with how many there are in each state; the page's campaign titles come with
    it (no query per row)."""
    listed = steps.listing(KIND, user, page=page, per_page=per_page, state=state)
    counts = dict(db.session.execute(
        sa.select(Decision.state, sa.func.count(Decision.id))
        .where(visible(user, Decision)).group_by(Decision.state)).all())
    ids = {d.campaign_id for d in listed["items"]}
    titles = dict(db.session.execute(
        sa.select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids))).all()) if ids else {}
    return {**listed, "counts": counts, "campaign_titles": titles}


def _nominee_counts(decision) -> tuple[int, int]:
    """(nominees, struck) of ``decision``: from its list when it is loaded, else counted by
    the database (a guard does not load 2,000 awardees to count them)."""
    if "nominees" not in sa.inspect(decision).unloaded:
        return len(decision.nominees), sum(1 for n in decision.nominees if n.struck)
    total, struck = db.session.execute(
        sa.select(sa.func.count(Nominee.id),
                  sa.func.coalesce(sa.func.sum(sa.case((Nominee.struck.is_(True), 1),
                                                       else_=0)), 0))
        .where(Nominee.decision_id == decision.id)).one()
    return total, int(struck)


def decision_facts(decision):
    signer = decision.approved_by
    nominee_count, struck_count = _nominee_counts(decision)
    return DecisionFacts(nominee_count=nominee_count, struck_count=struck_count,
                         proposal_numbered=(decision.state != "awaiting_chairman"
                                            or decision.proposal_number is not None),
                         act=decision.act,
                         amended_state=(standing(decision.amends, besides=decision.id)
                                        if decision.act else None),
                         chairman_signed=signer is not None and bool(signer.roles & CHAIRMAN))


# -- recall, cancellation, replacement (issue 23) ----------------------------------------------


def acted_on_by(decision, besides=None):
    """The issued decision that cancels or replaces ``decision`` (the first), or None."""
    if decision is None or decision.id is None:
        return None
    query = sa.select(Decision).where(Decision.amends_id == decision.id,
                                      Decision.act.in_(tuple(ACTS)), Decision.state == "issued")
    if besides is not None:
        query = query.where(Decision.id != besides)
    return db.session.scalars(query.order_by(Decision.issued_on, Decision.id)).first()


def standing(decision, besides=None) -> str:
    """Whether an issued decision is still in force: "in_force", "not_issued", "recalled",
    "cancelled" or "replaced" (by an issued decision other than ``besides``)."""
    if decision is None or decision.state != "issued":
        return "not_issued"
    if decision.recalled_at is not None:
        return "recalled"
    later = acted_on_by(decision, besides)
    if later is not None:
        return "cancelled" if later.act == "cancel" else "replaced"
    return "in_force"


def _reason(reason, what):
    if reason is not None:
        reason = validation.one(reason, validation.WHY, "reason")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(f"Cần ghi lý do {what}.", code="comment_required",
                      details={"reason": ["Bắt buộc."]})
    return reason


def recall(user, decision_id, reason, version=None):
    """«Thu hồi» (NĐ 30 Điều 18 k4): the Office withdraws an issued decision sent in error,
    with a reason. The awards stay (a cancellation decision changes them); the decision
    page and the public verification page say it is recalled; the item's history (its
    audit chain) records who, when and why; every recipient's package is queued (type 1)."""
    reason = _reason(reason, "thu hồi quyết định")
    with transaction():
        decision = steps.open_for(KIND, "recall", decision_id, user, version)
        if decision.recalled_at is not None:
            raise Conflict("Quyết định này đã bị thu hồi.", code="already_recalled")
        decision.recalled_at = now_utc()
        decision.recalled_by_id = user.id
        decision.recall_reason = reason
        steps.touch(decision)
        steps.record_edit(KIND, "recall", decision, user, reason,
                          {"recall": {"number": decision.number_label,
                                      "at": decision.recalled_at.isoformat()}})
        rows = _send_packages(decision, "recall", reason)
        # whoever the type-1 package does not reach (a paper issue: everyone) is told by mail
        outbox.tell_recall(decision, reason,
                           {o for r in rows for o in (r.payload or {}).get("to_organs", [])})
    return decision


def may_recall(user, decision) -> bool:
    return decision.recalled_at is None and steps.may(KIND, "recall", user, decision)


def may_amend(user, decision) -> bool:
    """Whether ``user`` may draft a cancellation or replacement of this decision now."""
    return (user.has_role(*APPRAISER) and not decision.act
            and standing(decision) == "in_force")


def acts_panel(user, decision) -> dict:
    """What the decision page says of the acts (issue 23): recalled (when, by whom, why);
    cancelled or replaced by which issued decision; for an act, the decision it names, and
    for an issued cancellation how many awards it cancelled and the money to recover."""
    from app.models import User

    out = {"recalled_at": decision.recalled_at, "recall_reason": decision.recall_reason,
           "recalled_by": (db.session.get(User, decision.recalled_by_id).full_name
                           if decision.recalled_by_id else None),
           "later": acted_on_by(decision), "act": decision.act,
           "act_label": ACTS.get(decision.act), "amends": None, "cancelled": None,
           "can_recall": may_recall(user, decision), "can_amend": may_amend(user, decision),
           "recall_question": DECISION.edits["recall"].confirm}
    if decision.act and decision.amends_id:
        old = db.session.scalars(sa.select(Decision).where(
            Decision.id == decision.amends_id, visible(user, Decision))).first()
        out["amends"] = old
        if decision.act == "cancel" and decision.state == "issued":
            out["cancelled"] = awards.cancelled_records(decision.id)
    return out


def create_amendment(user, decision_id, act, reason):
    """A Board appraiser drafts a decision that cancels or replaces the issued decision
    ``decision_id`` (ACTS), with the reason; it then goes through the decision's steps:
    the Board head's tờ trình, the Chairman's signature, the Office's number and issue."""
    require_role(user, APPRAISER, "lập dự thảo quyết định hủy bỏ, thay thế")
    if act not in ACTS:
        raise Invalid("Chọn hủy bỏ hoặc thay thế.", code="bad_act",
                      details={"act": ["Một trong: " + ", ".join(ACTS)]})
    reason = _reason(reason, "hủy bỏ, thay thế quyết định")
    with transaction():
        old = steps.load(KIND, decision_id, user, lock=True)
        state = standing(old)
        if state != "in_force":
            from workflows.guards import amended_decision_in_force
            raise Conflict(amended_decision_in_force(DecisionFacts(act=act, amended_state=state)),
                           code="not_in_force", details={"standing": state})
        decision = Decision(campaign_id=old.campaign_id, award_form_id=old.award_form_id,
                            state=DECISION.initial, created_by_id=user.id, act=act,
                            amends_id=old.id, act_reason=reason,
                            title=ACT_TITLES[act].format(number=old.number_label,
                                                         date=f"{old.issued_on:%d/%m/%Y}"))
        decision.recipients = [DecisionRecipient(position=r.position, label=r.label,
                                                 email=r.email) for r in old.recipients]
        db.session.add(decision)
    return decision


def _send_packages(decision, act, reason):
    """Queue the edXML package of an act to the decision's recipients with an organ id, in
    the caller's transaction (the exchange's outbox, app/services/exchange.py):

    - recall: a type-1 package of the recalled decision, naming its own DocumentId;
    - cancel: the cancellation decision's package, type 1, naming the old DocumentId;
    - replace: the replacing decision's package, type 3, its ReplacementInfo naming the old.

    Only a decision issued electronically has a package (it carries the signed PDF); a
    paper one goes by mail as before. Returns the outbox rows."""
    old = decision if act == "recall" else decision.amends
    business = RECALL_PACKAGE_TYPE if act == "recall" else ACT_PACKAGE_TYPES[act]
    if not exchange.enabled():
        return []
    db.session.flush()
    if esigning.issued_pdf(decision.id) is None:
        return []
    replaces = exchange.decision_document_id(old)
    if replaces is None:  # its body has no organ id: it never went as a package
        return []
    return exchange.enqueue_package(decision, business, reason, replaces=replaces)


def decision_snapshot(d):
    return {
        "campaign_id": d.campaign_id,
        "award_form": d.award_form.code,
        "title": d.title,
        "proposal": d.proposal_label,
        "proposal_date": d.proposal_date,
        "number": d.number_label,
        "issued_on": d.issued_on,
        "nominees": [
            {"id": n.id, "kind": n.kind, "name": n.name, "organisation": n.organisation,
             "dossier_id": n.dossier_id, "struck": n.struck, "strike_reason": n.strike_reason}
            for n in d.nominees
        ],
    }


def _unit_code(unit_id):
    """The issuing body as its papers' ký hiệu names it (its abbreviation, else its code)."""
    abbreviation, code = db.session.execute(
        sa.select(Unit.abbreviation, Unit.code).where(Unit.id == unit_id)).one()
    return abbreviation or code


def _number_proposal(decision, user, role, comment, params, facts):
    """The Board's tờ trình takes its number from the Board unit's register (…/TTr-SNV);
    when the Board head signs it digitally and Sở Nội vụ has its own Văn thư, she numbers
    it as she issues it (``number_proposal_paper``)."""
    mode = esigning.paper_mode(DECISION.name, "sign_proposal", user.unit, user)
    if mode == esigning.SEALED:
        esigning.check_deferred_numbering(params)
        decision.proposal_number = decision.proposal_date = None
    else:
        signed_on = registers.check_issue_date(params.get("issued_on"),
                                               label="Ngày ký tờ trình") or today()
        decision.proposal_number = registers.take_number(
            user.unit_id, "TTr", signed_on.year, item=(DECISION.name, decision.id), user=user,
            wanted=registers.check_wanted(params.get("number")))
        decision.proposal_date = signed_on
    decision.proposal_symbol = f"TTr-{user.unit.symbol}"
    decision.proposal_signed_by = user
    documents.sign(DECISION.name, decision, ("proposal",), user.unit, user,
                   params.get("authority"))
    esigning.sign_papers(DECISION.name, decision, "sign_proposal", user, mode, params)


def number_proposal_paper(decision, user, wanted):
    """Sở Nội vụ's Văn thư numbers the Board's tờ trình as she issues it: today, from her
    body's register."""
    on = today()
    decision.proposal_number = registers.take_number(
        user.unit_id, "TTr", on.year, item=(DECISION.name, decision.id), user=user,
        wanted=wanted)
    decision.proposal_date = on


def _clear_proposal(decision, user, role, comment, params, facts):
    """A returned proposal is redone: the next signature takes a new number."""
    decision.proposal_number = decision.proposal_symbol = decision.proposal_date = None
    decision.proposal_signed_by = None


def _stamp_approval(decision, user, role, comment, params, facts):
    """The Chairman signs: the decision and its certificates print the authority chosen."""
    decision.approved_by = user
    esigning.require_certificate(decision.campaign.issuer, user)  # when its body requires it
    documents.sign(DECISION.name, decision, ("decision", "certificates"),
                   decision.campaign.issuer, user, params.get("authority"))
    # with a key this server may use (the demo, development): the PDF printed now, after
    # the last strike, is signed with the signer's registered certificate
    esigning.sign_approval(decision, user, params)


def _issue(decision, user, role, comment, params, facts):
    """Number and date the decision (the next number, or the one the Office gave and its
    date), write its awards into the award history, and close every dossier it answers."""
    typed = registers.check_issue_date(params.get("issued_on"), earliest=decision.proposal_date)
    electronic = esigning.electronic_issue(decision)
    if electronic is not None:  # dated the day the organisation signs: never typed
        esigning.check_issue_date(typed, today())
    # an empty date: today, refused if it is no longer the day the question named
    issued_on = typed or registers.check_confirmed_day(params.get("expected_issued_on"))
    campaign = db.session.get(Campaign, decision.campaign_id)
    wanted = registers.check_wanted(params.get("number"))
    # an empty number: the next one, refused if it is no longer the one confirmed
    expected = None if wanted is not None else registers.check_wanted(
        params.get("expected_number"), "expected_number")
    decision.number = registers.take_number(
        campaign.issuer_unit_id, "QĐ", issued_on.year, item=(DECISION.name, decision.id),
        user=user, wanted=wanted, expected=expected)
    decision.symbol = f"QĐ-{_unit_code(campaign.issuer_unit_id)}"
    decision.issued_on = issued_on
    decision.issued_by_id = user.id
    if electronic is not None:  # number, date and the organisation's seal: one update
        esigning.seal(decision, electronic, params, user)
    if decision.act:  # a cancellation or replacement: no list of its own
        if decision.act == "cancel":
            awards.cancel_decision(decision.amends, decision, user)
        _send_packages(decision, decision.act, decision.act_reason)
        return
    awards.record_decision(decision, campaign.issuer, user)
    flags.record(decision, user)  # a Cờ thi đua: its own record, in this transaction
    # its edXML package to the Nơi nhận with an organ id, in this same transaction (issue 23)
    exchange.enqueue_issued(decision)
    dossier_ids = sorted({n.dossier_id for n in decision.nominees})
    # Locked, with what each one's audit snapshot reads, in four queries for any number.
    answered = db.session.scalars(
        sa.select(Dossier).where(Dossier.id.in_(dossier_ids)).order_by(Dossier.id)
        .with_for_update(of=Dossier)
        .options(sa.orm.selectinload(Dossier.results), sa.orm.selectinload(Dossier.nominees),
                 sa.orm.selectinload(Dossier.attachments))).all()
    # A dossier is decided once each of its accepted nominees is in an issued decision: one
    # whose others wait for another award form's decision stays open for it (a year's
    # dossier mixes titles and awards).
    waiting = set(db.session.scalars(
        sa.select(Nominee.dossier_id).distinct()
        .outerjoin(Decision, Nominee.decision_id == Decision.id)
        .where(Nominee.dossier_id.in_(dossier_ids), Nominee.verdict == "accepted",
               sa.or_(Nominee.decision_id.is_(None),
                      sa.and_(Nominee.decision_id != decision.id,
                              Decision.state != "issued")))))
    for dossier in answered:
        if dossier.id not in waiting and DOSSIER.step("decide", dossier.state):
            steps.fire_system(dossiers.KIND, dossier, "decide", user, role,
                              comment=f"Quyết định số {decision.number_label}")


def issue_numbering(decision, on=None) -> dict:
    """What the Office's issue form states before «Ban hành»: the ký hiệu, the register's
    next number for each year an issue date may fall in (the tờ trình's year to this one:
    never in the future), today, and the next number for ``on`` (the date typed, else
    today). Nothing is reserved: the issue checks the number it was shown."""
    now = today()
    issuer = decision.campaign.issuer_unit_id
    first = min((decision.proposal_date or now).year, now.year)
    by_year = registers.peek_next_by_year(issuer, "QĐ", range(first, now.year + 1))
    year = on.year if on is not None and on.year in by_year else now.year
    return {"symbol": f"QĐ-{_unit_code(issuer)}", "by_year": by_year, "today": now,
            "next": by_year[year]}


def next_number_label(decision, on=None) -> str:
    """What an issue on ``on`` (today) would take: "1205/QĐ-UBND"."""
    numbering = issue_numbering(decision, on)
    return f"{numbering['next']:02d}/{numbering['symbol']}"


def question_fills(decision) -> dict:
    """The number and date «Ban hành» names when nothing is typed: the register's next
    number and today (workflows/decision.py: the issue step's question)."""
    numbering = issue_numbering(decision)
    return {"number": f"{numbering['next']:02d}/{numbering['symbol']}",
            "date": f"{numbering['today']:%d/%m/%Y}"}


SIGNED = documents.signed_name("decision")


def attach_signed_scan(user, decision_id, upload, filename, version=None):
    """The Office attaches the scan (PDF) of the signed decision before issue, kept with
    its SHA-256 beside the generated DOCX; it goes with the decision's mail. After issue the
    scan changes only through ``correct_signed_scan``."""
    with transaction():
        decision = steps.open_for(KIND, "signed_scan", decision_id, user, version)
        kept = documents.keep_upload(DECISION.name, decision, SIGNED, upload, filename)
        steps.touch(decision)
    return kept


def _scan_facts(stored):
    return None if stored is None else {"filename": stored.filename, "sha256": stored.sha256,
                                        "size": stored.size}


def correct_signed_scan(user, decision_id, upload, filename, reason, version=None):
    """A correction of an issued decision's official scan (or its first scan, attached after
    issue): a reason is required; the new PDF becomes the current scan, the one it replaces
    stays stored and downloadable (superseded, never deleted), and the item's history gets
    an audit event saying who, when, why, and the SHA-256 of both files."""
    if reason is not None:
        reason = validation.one(reason, validation.WHY, "reason")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Cần ghi lý do thay bản chụp quyết định đã ký.", code="comment_required",
                      details={"reason": ["Bắt buộc."]})
    with transaction():
        decision = steps.open_for(KIND, "scan_correction", decision_id, user, version)
        replaced = _scan_facts(documents.current(DECISION.name, decision.id, SIGNED))
        kept = documents.keep_upload(DECISION.name, decision, SIGNED, upload, filename)
        steps.touch(decision)
        steps.record_edit(KIND, "scan_correction", decision, user, reason,
                          {"signed_scan": {"replaced": replaced, "now": _scan_facts(kept)}})
    return kept


def signed_scans(decision):
    """Every scan the decision has held, oldest first: the current one last."""
    return documents.uploads(DECISION.name, decision, SIGNED)


def open_signed_scan(user, decision_id, sha256):
    """One of the decision's scans, current or replaced, by its SHA-256: for whoever may
    download the decision's documents (404 for anyone else)."""
    decision = steps.load(KIND, decision_id, user)
    return documents.fetch_upload(DECISION.name, decision, SIGNED, sha256)


def issued_electronically(decision) -> bool:
    """Whether «Ban hành» will issue this decision electronically (its signer signed it
    digitally and its issuing body has a seal key): its date is then today, not typed."""
    return esigning.electronic_issue(decision) is not None


def signature_panel(decision):
    """The decision page's signature panel: who signed, when, for which organisation and
    whether it verifies, or «chưa ký số» (app/services/esigning.py)."""
    return esigning.panel(decision)


MAX_PAPER_COPIES = 100


def print_paper(user, decision_id, copies, version=None):
    """«In bản giấy» (NĐ 30 Điều 18 k5): the Office prints the electronically issued
    decision; who, when and how many copies go into its history (one audit event in the
    item's chain, its state unchanged). Returns (body, file name, sha256) of the issued
    PDF to print."""
    try:
        count = int(copies)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_PAPER_COPIES:
        raise Invalid(f"Số bản in phải từ 1 đến {MAX_PAPER_COPIES}.",
                      details={"copies": [f"Từ 1 đến {MAX_PAPER_COPIES}."]},
                      code="bad_copies")
    with transaction():
        decision = steps.open_for(KIND, "paper_print", decision_id, user, version)
        issued = esigning.issued_pdf(decision.id)
        if issued is None:
            raise Conflict("Quyết định không ban hành điện tử: không có bản điện tử để in.",
                           code="not_issued_electronically")
        steps.record_edit(KIND, "paper_print", decision, user, f"In {count} bản giấy",
                          {"paper_print": {"copies": count, "sha256": issued.sha256}})
    return esigning.fetch(decision, esigning.ISSUED)


def open_signed_pdf(user, decision_id, name):
    """(body, file name, sha256) of the decision's signed PDF ``name`` (the signer's
    "decision_approved_pdf" or the issued "decision_issued_pdf"): for whoever may download
    the decision's documents (404 for anyone else)."""
    decision = steps.load(KIND, decision_id, user)
    return esigning.fetch(decision, name)


def set_recipients(user, decision_id, entries, version=None):
    """Change a decision's Nơi nhận before it is issued (Board)."""
    with transaction():
        decision = steps.open_for(KIND, "recipients", decision_id, user, version)
        decision.recipients = [DecisionRecipient(position=e.position, label=e.label,
                                                 email=e.email, organ_id=e.organ_id)
                               for e in distribution.entries_from(entries)]
        steps.touch(decision)
    return decision


# From this many awardees a decision's steps run in a short-lived child process
# (app.services.isolation): loading its nominees, composing, laying out and signing its
# papers would otherwise grow the web worker by about 55 MB for good (2,000 awardees).
ISOLATE_STEPS_FROM = 200


def _isolated(decision_id) -> bool:
    return db.session.scalar(sa.select(sa.func.count(Nominee.id))
                             .where(Nominee.decision_id == decision_id)) >= ISOLATE_STEPS_FROM


KIND = steps.Kind(DECISION, Decision, facts=decision_facts, snapshot=decision_snapshot,
                  effects={"number_proposal": _number_proposal, "clear_proposal": _clear_proposal,
                           "stamp_approval": _stamp_approval, "issue": _issue},
                  listed_by=(Decision.id.desc(),), question_fills=question_fills,
                  isolated=_isolated)
