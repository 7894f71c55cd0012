from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import UserIn, UserListArgs, UserOut, UserPatch
from app.services import org

blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                description="User accounts and roles (admin)")


@blp.route("")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, UserOut(many=True))
def list_users(args):
    return org.list_users(current_user, args.get("unit"), args.get("role"))


@blp.route("", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def create_user(data):
    return org.save_user(current_user, data)


@blp.route("/<username>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
@blp.doc(summary="Change roles, unit, name, e-mail, signing title, password or active flag")
def update_user(data, username):
    return org.save_user(current_user, data, username=username)


@blp.route("/<username>/unlock", methods=["POST"])
@blp.response(200, UserOut)
@blp.doc(summary="Lift a sign-in lockout (too many wrong passwords)")
def unlock_user(username):
    return org.unlock(current_user, username)
