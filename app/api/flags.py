"""The Cờ thi đua granted: each one's own record (issue 24, item 7)."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.api.schemas import Base, PageArgs, Str
from app.services import flags

blp = Blueprint("flag-awards", __name__, url_prefix="/api/v1",
                description="The Cờ thi đua granted (their own records)")


class FlagArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=1900, max=2999),
                          metadata={"description": "the emulation year"})
    cluster_year_id = fields.Integer(metadata={"description": "the cluster year that proposed it"})
    unit_id = fields.Integer(metadata={"description": "the unit holding it"})


class FlagOut(Base):
    id = fields.Integer()
    year = fields.Integer()
    unit_id = fields.Integer(allow_none=True)
    unit_name = Str()
    cluster_year_id = fields.Integer(allow_none=True, metadata={
        "description": "set when a cluster's vote proposed it (clusters.propose)"})
    cluster_id = fields.Integer(allow_none=True)
    cluster_name = Str()
    votes = fields.Integer(allow_none=True)
    voters = fields.Integer(allow_none=True)
    decision_id = fields.Integer()
    decision_number = Str()
    decided_on = fields.Date()
    signer_name = Str()
    signer_title = Str()
    award_record_id = fields.Integer()
    campaign_id = fields.Integer()
    campaign_title = Str()
    cancelled = fields.Boolean(metadata={"description": "its decision was cancelled (hủy bỏ)"})
    cancelled_on = fields.Date(allow_none=True)


FlagPage = type("FlagPage", (Base,), {
    "items": fields.List(fields.Nested(FlagOut)), "total": fields.Integer(),
    "page": fields.Integer(), "per_page": fields.Integer()})


@blp.route("/flag-awards")
@blp.arguments(FlagArgs, location="query")
@blp.response(200, FlagPage)
@blp.doc(summary="The Cờ thi đua granted that the caller sees (the province: all; a unit: its own)")
def list_flags(args):
    return flags.listing(current_user, args.get("year"), args.get("cluster_year_id"),
                         args.get("unit_id"), args["page"], args["per_page"])
