"""The Board's overview: a campaign's figures and a year's awards, as the dashboard shows them."""
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import (
    YEAR_PARAMETER,
    CampaignOverviewOut,
    NotReceivedOut,
    YearOverviewOut,
)
from app.services import overview

blp = Blueprint("dashboard", __name__, url_prefix="/api/v1/dashboard",
                description="The Board's overview: figures by state, status, form, unit and year")


@blp.route("/campaigns/<int:campaign_id>")
@blp.response(200, CampaignOverviewOut)
@blp.doc(summary="A campaign: plans and dossiers by state, overdue, nominees by status, "
                 "by award form and by unit kind (Board, Chairman)")
def campaign(campaign_id):
    return overview.campaign_overview(current_user, campaign_id)


@blp.route("/years/<int:year>", parameters=[YEAR_PARAMETER])
@blp.response(200, YearOverviewOut)
@blp.doc(summary="A year's awards by form, unit and unit kind, with their money "
                 "(Board, Chairman, Office)")
def year(year):
    return overview.year_overview(current_user, year)


@blp.route("/not-received")
@blp.response(200, NotReceivedOut)
@blp.doc(summary="Issued decisions a recipient has not received (no status 01/03 or later) "
                 "EXCHANGE_RECEIPT_WORKING_DAYS working days after their package was sent "
                 "(Board, Chairman, Office)")
def not_received():
    return overview.not_received(current_user)
