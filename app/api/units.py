import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import UnitIn, UnitListArgs, UnitOut, UnitPatch
from app.extensions import db
from app.models import Unit
from app.services import org
from app.services.errors import NotFound

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units (đơn vị)")


@blp.route("")
@blp.arguments(UnitListArgs, location="query")
@blp.response(200, UnitOut(many=True))
@blp.doc(summary="Every unit with its code (units are public within the province)")
def list_units(args):
    query = sa.select(Unit).order_by(Unit.code)
    if args.get("kind"):
        query = query.where(Unit.kind == args["kind"])
    if args.get("cluster"):
        query = query.where(Unit.cluster == args["cluster"])
    return db.session.scalars(query.options(sa.orm.selectinload(Unit.parent))).all()


@blp.route("", methods=["POST"])
@blp.arguments(UnitIn)
@blp.response(201, UnitOut)
@blp.doc(summary="Create or update a unit by code (admin)")
def create_unit(data):
    return org.save_unit(current_user, data)


@blp.route("/<code>")
@blp.response(200, UnitOut)
def get_unit(code):
    unit = db.session.scalars(sa.select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


@blp.route("/<code>", methods=["PATCH"])
@blp.arguments(UnitPatch)
@blp.response(200, UnitOut)
@blp.doc(summary="Change a unit (admin)")
def update_unit(data, code):
    return org.save_unit(current_user, data, code=code)
