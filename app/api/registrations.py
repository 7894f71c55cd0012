from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import (
    add_document_routes,
    add_notification_routes,
    add_paper_signing_routes,
    add_workflow_routes,
)
from app.api.schemas import (
    RegistrationOut,
    RegistrationPage,
    RegistrationPatch,
    RegistrationStatusArgs,
    RegistrationStatusPage,
    RemindersOut,
    SubmissionListArgs,
)
from app.services import registrations, workflow

# the items under /registrations (the blueprint named as the collection, as the pages'
# links expect), and a year's registration page and reminders under /campaigns
blp = Blueprint("registrations", __name__, url_prefix="/api/v1/registrations",
                description="Registrations for a regular-emulation year (đăng ký thi đua)")
_year = Blueprint("year_registrations", __name__, url_prefix="/api/v1/campaigns",
                  description="A regular year's registrations, seen by the Board")


@blp.route("")
@blp.arguments(SubmissionListArgs, location="query")
@blp.response(200, RegistrationPage)
def list_registrations(args):
    return workflow.listing("registration", current_user, **args)


@blp.route("/<int:item_id>")
@blp.response(200, RegistrationOut)
def get_registration(item_id):
    return workflow.load("registration", item_id, current_user)


@blp.route("/<int:item_id>", methods=["PATCH"])
@blp.arguments(RegistrationPatch)
@blp.response(200, RegistrationOut)
@blp.doc(summary="Write the registration: the collective's and the people's titles (unit staff)")
def update_registration(data, item_id):
    version = data.pop("version")
    return registrations.update_registration(current_user, item_id, data, version)


@_year.route("/<int:campaign_id>/registrations")
@blp.arguments(RegistrationStatusArgs, location="query")
@blp.response(200, RegistrationStatusPage)
@blp.doc(summary="A regular year: every unit with its registration, paged and filtered, with "
                 "the counts (Board)")
def registration_status(args, campaign_id):
    return registrations.status(current_user, campaign_id, show=args.get("show"),
                                q=args.get("q"), page=args["page"], per_page=args["per_page"])


@_year.route("/<int:campaign_id>/registrations/reminders", methods=["POST"])
@blp.response(200, RemindersOut)
@blp.doc(summary="A regular year: remind the units that have not sent their registration "
                 "(once a day each; Board)")
def remind(campaign_id):
    return registrations.remind_unregistered(current_user, campaign_id)



add_workflow_routes(blp, "registration")
add_document_routes(blp, "registration")
add_paper_signing_routes(blp, "registration")
add_notification_routes(blp, "registration")
blueprints = (blp, _year)
