from flask_smorest import Blueprint

from app.api.schemas import AwardFormOut, LegalBasisOut, OnDateArgs, RuleValueOut
from app.extensions import db
from app.models import LegalBasis, RuleValue
from app.services import reference
from app.services.clock import today

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
    on = args.get("on") or today()
    return db.session.scalars(
        db.select(LegalBasis).where(LegalBasis.in_force(on))
        .order_by(LegalBasis.document_kind, LegalBasis.position)).all()


@blp.route("/rules")
@blp.arguments(OnDateArgs, location="query")
@blp.response(200, RuleValueOut(many=True))
def rules(args):
    on = args.get("on") or today()
    return db.session.scalars(
        db.select(RuleValue).where(RuleValue.in_force(on)).order_by(RuleValue.key)).all()
