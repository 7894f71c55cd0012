from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import UnitIn, UnitListArgs, UnitOut, UnitPatch
from app.services import org

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units (đơn vị)")


@blp.route("")
@blp.arguments(UnitListArgs, location="query")
@blp.response(200, UnitOut(many=True))
@blp.doc(summary="Every unit with its code (units are public within the province)")
def list_units(args):
    return org.list_units(args.get("kind"), args.get("cluster"))


@blp.route("", methods=["POST"])
@blp.arguments(UnitIn)
@blp.response(201, UnitOut)
@blp.doc(summary="Create or update a unit by code (admin)")
def create_unit(data):
    return org.save_unit(current_user, data)


@blp.route("/<code>")
@blp.response(200, UnitOut)
def get_unit(code):
    return org.get_unit(code)


@blp.route("/<code>", methods=["PATCH"])
@blp.arguments(UnitPatch)
@blp.response(200, UnitOut)
@blp.doc(summary="Change a unit (admin)")
def update_unit(data, code):
    return org.save_unit(current_user, data, code=code)
