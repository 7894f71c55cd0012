from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import (
    add_document_routes,
    add_notification_routes,
    add_paper_signing_routes,
    add_workflow_routes,
)
from app.api.schemas import PlanOut, PlanPage, PlanPatch, SubmissionListArgs
from app.services import plans, workflow

blp = Blueprint("plans", __name__, url_prefix="/api/v1/plans",
                description="Unit plans (kế hoạch hưởng ứng)")


@blp.route("")
@blp.arguments(SubmissionListArgs, location="query")
@blp.response(200, PlanPage)
def list_plans(args):
    return workflow.listing("plan", current_user, **args)


@blp.route("/<int:item_id>")
@blp.response(200, PlanOut)
def get_plan(item_id):
    return workflow.load("plan", item_id, current_user)


@blp.route("/<int:item_id>", methods=["PATCH"])
@blp.arguments(PlanPatch)
@blp.response(200, PlanOut)
@blp.doc(summary="Write the plan: text per content area, a figure per target (unit staff)")
def update_plan(data, item_id):
    version = data.pop("version")
    return plans.update_plan(current_user, item_id, data, version)


add_workflow_routes(blp, "plan")
add_document_routes(blp, "plan")
add_paper_signing_routes(blp, "plan")
add_notification_routes(blp, "plan")
