"""The Board's overview: a campaign's figures and a year's awards, as the dashboard shows them."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields

from app.api.schemas import (
    YEAR_PARAMETER,
    Base,
    CampaignOverviewOut,
    NotReceivedOut,
    Str,
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


class YearRegistrationTotals(Base):
    units = fields.Integer()
    registered = fields.Integer(metadata={"description": "units whose registration was sent"})
    registered_titles = fields.Integer()
    granted_titles = fields.Integer()


class LeadingUnit(Base):
    unit_name = Str()
    total = fields.Decimal(as_string=False)


class ClusterRegistrations(Base):
    cluster_id = fields.Integer()
    code = Str()
    name = Str()
    kind = Str()
    kind_label = Str()
    year_id = fields.Integer(allow_none=True, metadata={"description": "the cluster year"})
    leader_name = Str(allow_none=True)
    units = fields.Integer()
    registered = fields.Integer()
    registered_titles = fields.Integer()
    granted_titles = fields.Integer()
    leading = fields.List(fields.Nested(LeadingUnit),
                          metadata={"description": "ranked first (sent sheets)"})
    flags = fields.List(Str(), metadata={"description": "units granted the Cờ thi đua"})


class YearRegistrationsOut(Base):
    year = fields.Integer()
    totals = fields.Nested(YearRegistrationTotals)
    clusters = fields.List(fields.Nested(ClusterRegistrations))


@blp.route("/campaigns/<int:campaign_id>/registrations")
@blp.response(200, YearRegistrationsOut)
@blp.doc(summary="A regular year: registrations against titles granted, the year's totals and "
                 "per cluster or block, with its leading units and Cờ (Board, Chairman)")
def year_registrations(campaign_id):
    return overview.registration_overview(current_user, campaign_id)


@blp.route("/not-received")
@blp.response(200, NotReceivedOut)
@blp.doc(summary="Issued decisions a recipient has not received (no status 01/03 or later) "
                 "EXCHANGE_RECEIPT_WORKING_DAYS working days after their package was sent "
                 "(Board, Chairman, Office)")
def not_received():
    return overview.not_received(current_user)
