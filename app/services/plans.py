"""Plans (kế hoạch hưởng ứng): the unit's text per content area and figure per target."""
from app.clock import now_utc, today
from app.models import Plan, PlanCommitment, PlanExemption, PlanSection
from app.services import documents, steps, validation
from app.services.errors import Invalid
from app.services.figures import merge_figures
from app.services.tx import transaction
from workflows import PLAN
from workflows.facts import PlanFacts
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
        if "exemptions" in data:
            _exempt(plan, data["exemptions"])
        if "commitments" in data:
            exempt = {e.target_id for e in plan.exemptions}
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


def plan_facts(plan):
    campaign = plan.campaign
    texts = {s.content_id: s.text for s in plan.sections}
    figures = {c.target_id: c.value for c in plan.commitments}
    exempt = {e.target_id for e in plan.exemptions}
    return PlanFacts(
        campaign_state=campaign.state,
        today=today(),
        deadline=campaign.plan_deadline,
        accepts_late=campaign.accepts_late,
        sections={c.title: texts.get(c.id, "") for c in campaign.contents},
        commitments={t.label: figures.get(t.id) for t in campaign.targets
                     if t.id not in exempt},
    )


def plan_snapshot(plan):
    snap = {
        "campaign_id": plan.campaign_id,
        "unit_id": plan.unit_id,
        "summary": plan.summary,
        "sections": {str(s.content_id): s.text for s in sorted(plan.sections, key=lambda s: s.content_id)},
        "commitments": {str(c.target_id): [str(c.value), c.note]
                        for c in sorted(plan.commitments, key=lambda c: c.target_id)},
    }
    if plan.exemptions:  # only when there are some: older snapshots have no such key
        snap["exemptions"] = {str(e.target_id): e.reason
                              for e in sorted(plan.exemptions, key=lambda e: e.target_id)}
    return snap


def _sign(plan, user, role, comment):
    """The head's signature numbers the plan (…/KH-{unit})."""
    documents.take_unit_number(plan, "ke_hoach")
    plan.signed_by_id = user.id


def _stamp_submission(plan, user, role, comment):
    plan.submitted_at = now_utc()
    plan.late = is_late(plan_facts(plan))


KIND = steps.Kind(PLAN, Plan, facts=plan_facts, snapshot=plan_snapshot,
                  effects={"stamp_submission": _stamp_submission, "sign": _sign},
                  listed_by=(Plan.campaign_id.desc(), Plan.id))
