from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import (
    add_document_routes,
    add_notification_routes,
    add_workflow_routes,
)
from app.api.schemas import (
    CampaignCreate,
    CampaignListArgs,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
    ProgressArgs,
    ProgressPage,
)
from app.services import campaigns, workflow

blp = Blueprint("campaigns", __name__, url_prefix="/api/v1/campaigns",
                description="Campaigns (phong trào thi đua)")


@blp.route("")
@blp.arguments(CampaignListArgs, location="query")
@blp.response(200, CampaignPage)
def list_campaigns(args):
    return workflow.listing("campaign", current_user, **args)


@blp.route("", methods=["POST"])
@blp.arguments(CampaignCreate)
@blp.response(201, CampaignOut)
@blp.doc(summary="Draft a campaign (Board)")
def create_campaign(data):
    return campaigns.create_campaign(current_user, data)


@blp.route("/<int:item_id>")
@blp.response(200, CampaignOut)
def get_campaign(item_id):
    return campaigns.get_campaign(current_user, item_id)


@blp.route("/<int:item_id>", methods=["PATCH"])
@blp.arguments(CampaignPatch)
@blp.response(200, CampaignOut)
@blp.doc(summary="Edit a draft campaign; once launched only deadlines may change (Board)")
def update_campaign(data, item_id):
    version = data.pop("version")
    return campaigns.update_campaign(current_user, item_id, data, version)


@blp.route("/<int:item_id>/progress")
@blp.arguments(ProgressArgs, location="query")
@blp.response(200, ProgressPage)
@blp.doc(summary="Every participating unit with its plan and dossier, paged and filtered, "
                 "with counts by state")
def progress(args, item_id):
    return campaigns.progress(current_user, item_id, args.get("state"), args["page"],
                              args["per_page"], overdue=args.get("overdue"), of=args.get("of"))


add_workflow_routes(blp, "campaign")
add_document_routes(blp, "campaign")
add_notification_routes(blp, "campaign")
