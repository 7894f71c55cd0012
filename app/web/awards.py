"""Khen thưởng: the award history, searched by name, and each subject's awards."""
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.services import awards, eligibility
from app.services.errors import Forbidden
from workflows.roles import ADMIN, BOARD

bp = Blueprint("award_pages", __name__, url_prefix="/khen-thuong")

PER_PAGE = 20
MAX_QUERY = 255  # a name's column


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.route("/")
def search():
    q = (request.args.get("q") or "").strip()[:MAX_QUERY]
    page = max(request.args.get("page", 1, type=int), 1)
    found = awards.search(current_user, q, page=page, per_page=PER_PAGE)
    return render_template("awards/search.html", found=found, q=q)


@bp.route("/<int:record_id>")
def history(record_id):
    return render_template("awards/history.html", **awards.history(current_user, record_id))


@bp.route("/dieu-kien")
def rules():
    """The eligibility rules, every version with its source, for the admin and the Board."""
    if not current_user.roles & (BOARD | ADMIN):
        raise Forbidden("Chỉ Ban Thi đua – Khen thưởng và quản trị hệ thống xem trang này.")
    return render_template("awards/rules.html", rules=eligibility.all_rules())
