"""«Hướng dẫn sử dụng»: the user guide, one per role, open to anyone (it holds no data).
Which section explains which page is data (app/data/guide.json, app.services.guide)."""
from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from app.services import guide
from workflows.roles import ROLES

bp = Blueprint("guide", __name__)


def link_for(endpoint: str | None) -> str:
    """The «Hướng dẫn» link of a page: the current user's guide at the page's section."""
    user_roles = current_user.roles if getattr(current_user, "is_authenticated", False) else ()
    role, anchor = guide.link(user_roles, endpoint)
    if role is None:
        return url_for("guide.index")
    return url_for("guide.role", role=role, _anchor=anchor)


@bp.route("/huong-dan")
def index():
    mine = current_user.roles if getattr(current_user, "is_authenticated", False) else ()
    return render_template("guide/index.html", roles=guide.roles(), labels=ROLES, mine=mine)


@bp.route("/huong-dan/<role>")
def role(role):
    if role not in guide.roles():
        abort(404)
    return render_template("guide/role.html", role=role, label=ROLES[role],
                           sections=guide.sections(role), roles=guide.roles(), labels=ROLES)
