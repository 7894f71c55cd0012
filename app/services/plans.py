"""Plans (kế hoạch hưởng ứng): the unit's text per content area and figure per target."""
import sqlalchemy as sa

from app.clock import now_utc, today
from app.extensions import db
from app.models import (
    Campaign,
    CampaignContent,
    CampaignTarget,
    Plan,
    PlanCommitment,
    PlanExemption,
    PlanSection,
)
from app.services import documents, esigning, steps, targets, validation
from app.services.errors import Invalid
from app.services.figures import merge_figures
from app.services.tx import transaction
from workflows import PLAN
from workflows.facts import DeadlineFacts, PlanFacts
from workflows.guards import is_late


def update_plan(user, plan_id, data, version):
    """Replace the given parts of the plan; only the unit's staff, only while drafting."""
    data = validation.check(data, validation.PLAN)
    with transaction():
        plan = steps.open_for(KIND, "content", plan_id, user, version, versioned=True)
        contents = {c.id for c in plan.campaign.contents}
        if "summary" in data:
            plan.summary = data["summary"]
        if "sections" in data:
            unknown = [s["content_id"] for s in data["sections"] if s["content_id"] not in contents]
            if unknown:
                raise Invalid("Nội dung thi đua không thuộc phong trào này.",
                              details={"content_id": unknown}, code="unknown_content")
            by_id = {s.content_id: s for s in plan.sections}
            for s in data["sections"]:
                row = by_id.get(s["content_id"])
                if row is None:
                    plan.sections.append(PlanSection(content_id=s["content_id"], text=s["text"]))
                else:
                    row.text = s["text"]
        if "exemptions" in data or "commitments" in data:
            # a target the Board did not set for the unit takes neither figure nor exemption
            board = targets.not_applying(plan.campaign_id, plan.unit_id)
        if "exemptions" in data:
            _exempt(plan, [e for e in data["exemptions"] if e["target_id"] not in board])
        if "commitments" in data:
            exempt = {e.target_id for e in plan.exemptions} | board
            merge_figures(plan.commitments, plan.campaign,
                          [c for c in data["commitments"] if c["target_id"] not in exempt],
                          PlanCommitment)
        steps.touch(plan)
    return plan


def _exempt(plan, exemptions):
    """The targets that do not apply to the unit, each with its reason, replace the
    previous ones; an exempt target loses its figure."""
    targets = {t.id for t in plan.campaign.targets}
    unknown = [e["target_id"] for e in exemptions if e["target_id"] not in targets]
    if unknown:
        raise Invalid("Chỉ tiêu không thuộc phong trào này.",
                      details={"target_id": unknown}, code="unknown_target")
    wanted = {e["target_id"]: e["reason"] for e in exemptions}
    plan.exemptions[:] = [e for e in plan.exemptions if e.target_id in wanted]
    for e in plan.exemptions:
        e.reason = wanted.pop(e.target_id)
    plan.exemptions.extend(PlanExemption(target_id=t, reason=r) for t, r in wanted.items())
    exempt = {e.target_id for e in plan.exemptions}
    plan.commitments[:] = [c for c in plan.commitments if c.target_id not in exempt]


# A step's reads, built once: building a statement costs more Python than running it.
_CAMPAIGN, _PLAN, _UNIT = (sa.bindparam("campaign_id"), sa.bindparam("plan_id"),
                          sa.bindparam("unit_id"))
_FACT_TEXTS = (
    sa.select(Campaign.state, Campaign.plan_deadline, Campaign.accepts_late,
              CampaignContent.title, PlanSection.text)
    .select_from(Campaign)
    .outerjoin(CampaignContent, CampaignContent.campaign_id == Campaign.id)
    .outerjoin(PlanSection, (PlanSection.content_id == CampaignContent.id)
               & (PlanSection.plan_id == _PLAN))
    .where(Campaign.id == _CAMPAIGN)
    .order_by(CampaignContent.position))
_FACT_FIGURES = (
    sa.select(CampaignTarget.label, PlanCommitment.value)
    .join(CampaignContent, CampaignContent.id == CampaignTarget.content_id)
    .outerjoin(PlanCommitment, (PlanCommitment.target_id == CampaignTarget.id)
               & (PlanCommitment.plan_id == _PLAN))
    .outerjoin(PlanExemption, (PlanExemption.target_id == CampaignTarget.id)
               & (PlanExemption.plan_id == _PLAN))
    .where(CampaignContent.campaign_id == _CAMPAIGN,
           PlanExemption.target_id.is_(None),  # a target that does not apply asks nothing
           targets.applies(_UNIT))  # nor one the Board did not set for the unit
    .order_by(CampaignContent.position, CampaignTarget.position))
_NO_FIGURE = sa.cast(sa.null(), PlanCommitment.__table__.c.value.type)
# a plan's sections, figures and exemptions as plain rows; the figures keep their column's
# type (the same Decimal an ORM load gives)
_CONTENT_ROWS = sa.union_all(
    sa.select(sa.literal("c").label("part"), PlanCommitment.target_id.label("key"),
              PlanCommitment.note.label("text"), PlanCommitment.value.label("value"))
    .where(PlanCommitment.plan_id == _PLAN),
    sa.select(sa.literal("s"), PlanSection.content_id, PlanSection.text, _NO_FIGURE)
    .where(PlanSection.plan_id == _PLAN),
    sa.select(sa.literal("e"), PlanExemption.target_id, PlanExemption.reason, _NO_FIGURE)
    .where(PlanExemption.plan_id == _PLAN))


def plan_facts(plan):
    """What the plan's guards ask, in two targeted queries: the campaign's deadline with
    each content area's text, and the figure of each target that applies to the unit (not
    the campaign's object graph)."""
    ids = {"campaign_id": plan.campaign_id, "plan_id": plan.id, "unit_id": plan.unit_id}
    texts = db.session.execute(_FACT_TEXTS, ids).all()
    figures = db.session.execute(_FACT_FIGURES, ids).all()
    state, deadline, accepts_late = texts[0][:3]
    return PlanFacts(
        campaign_state=state,
        today=today(),
        deadline=deadline,
        accepts_late=accepts_late,
        sections={r.title: r.text or "" for r in texts if r.title is not None},
        commitments={r.label: r.value for r in figures},
    )


def exempt_targets(plan):
    """{target id: why} for the targets the plan owes no figure on: the Board's scope and
    the unit's own «Không áp dụng»."""
    return targets.exempt(plan.campaign_id, plan.unit_id)


def plan_snapshot(plan):
    """The plan's content as its audit event keeps it. A step's plan has none of its
    collections loaded: they come in one statement of plain rows (three ORM loads cost a
    step three round trips and their objects); a page that already holds them reads them."""
    if sa.inspect(plan).unloaded & {"sections", "commitments", "exemptions"}:
        sections, commitments, exemptions = _content_rows(plan.id)
    else:
        sections = {s.content_id: s.text for s in plan.sections}
        commitments = {c.target_id: (c.value, c.note) for c in plan.commitments}
        exemptions = {e.target_id: e.reason for e in plan.exemptions}
    snap = {
        "campaign_id": plan.campaign_id,
        "unit_id": plan.unit_id,
        "summary": plan.summary,
        "sections": {str(k): sections[k] for k in sorted(sections)},
        "commitments": {str(k): [str(commitments[k][0]), commitments[k][1]]
                        for k in sorted(commitments)},
    }
    if exemptions:  # only when there are some: older snapshots have no such key
        snap["exemptions"] = {str(k): exemptions[k] for k in sorted(exemptions)}
    return snap


def _content_rows(plan_id):
    """(sections, commitments, exemptions) of a plan by key, in one UNION ALL."""
    parts = {"s": {}, "c": {}, "e": {}}
    for part, key, text, value in db.session.execute(_CONTENT_ROWS, {"plan_id": plan_id}):
        parts[part][key] = (value, text) if part == "c" else text
    return parts["s"], parts["c"], parts["e"]


def _sign(plan, user, role, comment, params, facts):
    """The head's signature numbers the plan (…/KH-{unit}); when he signs it digitally and
    the unit has its own Văn thư, she numbers it as she issues it (``number_paper``)."""
    mode = esigning.paper_mode("plan", "sign_off", plan.unit, user)
    if mode == esigning.SEALED:
        esigning.check_deferred_numbering(params)
    else:
        documents.take_unit_number(plan, "ke_hoach", "plan", user, params)
    plan.signed_by_id = user.id
    documents.sign("plan", plan, ("plan",), plan.unit, user, params.get("authority"))
    esigning.sign_papers("plan", plan, "sign_off", user, mode, params)


def number_paper(plan, user, wanted):
    """The unit's Văn thư numbers the plan as she issues it: today, from the unit's register."""
    documents.take_unit_number(plan, "ke_hoach", "plan", user, {"number": wanted})


def _stamp_submission(plan, user, role, comment, params, facts):
    plan.submitted_at = now_utc()
    if facts is None:
        with db.session.no_autoflush:  # the plan is saved once, with its audit chain's head
            facts = DeadlineFacts(today=today(), deadline=db.session.scalar(
                sa.select(Campaign.plan_deadline).where(Campaign.id == plan.campaign_id)))
    plan.late = is_late(facts)


KIND = steps.Kind(PLAN, Plan, facts=plan_facts, snapshot=plan_snapshot,
                  effects={"stamp_submission": _stamp_submission, "sign": _sign},
                  listed_by=(Plan.campaign_id.desc(), Plan.id))
