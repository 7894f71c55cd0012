from flask_smorest import Blueprint

from app.api.schemas import AwardFormOut, LegalBasisOut, OnDateArgs, RuleValueOut
from app.clock import today
from app.services import reference

blp = Blueprint("reference", __name__, url_prefix="/api/v1/reference",
                description="Reference data in force on a date")


@blp.route("/award-forms")
@blp.arguments(OnDateArgs, location="query")
@blp.response(200, AwardFormOut(many=True))
def award_forms(args):
    return reference.award_forms(args.get("on") or today())


@blp.route("/legal-bases")
@blp.arguments(OnDateArgs, location="query")
@blp.response(200, LegalBasisOut(many=True))
def legal_bases(args):
    return reference.all_legal_bases(args.get("on") or today())


@blp.route("/rules")
@blp.arguments(OnDateArgs, location="query")
@blp.response(200, RuleValueOut(many=True))
def rules(args):
    return reference.rules(args.get("on") or today())
