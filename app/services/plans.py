"""Plans (kế hoạch hưởng ứng): the unit's text per content area and figure per target."""
import sqlalchemy as sa

from app.models import Plan, PlanCommitment, PlanSection
from app.services import documents
from app.services.clock import now_utc, today
from app.services.errors import Conflict, Invalid
from app.services.figures import merge_figures
from app.services.permissions import require_own_unit_staff, visible
from app.services.tx import transaction
from app.services.workflow import check_version, effect, facts_builder, load, snapshot_builder, touch
from workflows.facts import PlanFacts
from workflows.guards import is_late

EDITABLE_STATES = ("draft", "returned")


def list_plans(user, campaign_id=None, unit_id=None, state=None):
    query = sa.select(Plan).where(visible(user, Plan))
    if campaign_id:
        query = query.where(Plan.campaign_id == campaign_id)
    if unit_id:
        query = query.where(Plan.unit_id == unit_id)
    if state:
        query = query.where(Plan.state == state)
    return query.order_by(Plan.campaign_id.desc(), Plan.id)


def update_plan(user, plan_id, data, version):
    """Replace the given parts of the plan; only the unit's staff, only while drafting."""
    with transaction():
        plan = load("plan", plan_id, user, lock=True)
        check_version(plan, version)
        require_own_unit_staff(user, plan, "soạn kế hoạch")
        if plan.state not in EDITABLE_STATES:
            raise Conflict("Kế hoạch đã gửi đi, không thể sửa ở trạng thái này.",
                           details={"state": plan.state}, code="not_editable")
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
        if "commitments" in data:
            merge_figures(plan.commitments, plan.campaign, data["commitments"], PlanCommitment)
        touch(plan)
    return plan


@facts_builder("plan")
def plan_facts(plan):
    campaign = plan.campaign
    texts = {s.content_id: s.text for s in plan.sections}
    figures = {c.target_id: c.value for c in plan.commitments}
    return PlanFacts(
        campaign_state=campaign.state,
        today=today(),
        deadline=campaign.plan_deadline,
        accepts_late=campaign.accepts_late,
        sections={c.title: texts.get(c.id, "") for c in campaign.contents},
        commitments={t.label: figures.get(t.id) for t in campaign.targets},
    )


@snapshot_builder("plan")
def plan_snapshot(plan):
    return {
        "campaign_id": plan.campaign_id,
        "unit_id": plan.unit_id,
        "summary": plan.summary,
        "sections": {str(s.content_id): s.text for s in sorted(plan.sections, key=lambda s: s.content_id)},
        "commitments": {str(c.target_id): [str(c.value), c.note]
                        for c in sorted(plan.commitments, key=lambda c: c.target_id)},
    }


@effect("plan", "sign_off")
def _sign(plan, user, role, comment):
    """The head's signature numbers the plan (…/KH-{unit}) and keeps the signed copy."""
    documents.take_unit_number(plan, "ke_hoach")
    plan.signed_by_id = user.id
    return documents.keep("plan", plan, "plan").sha256


@effect("plan", "submit")
def _stamp_submission(plan, user, role, comment):
    plan.submitted_at = now_utc()
    plan.late = is_late(plan_facts(plan))
