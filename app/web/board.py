"""The Board's and the Chairman's work on the pages: verdicts, composing and striking."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.services import decisions, dossiers
from app.services.errors import Conflict, Invalid, ServiceError
from app.web import error_page

bp = Blueprint("board", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


def _run(call, back):
    """One service call for a form: refusals are flashed, conflicts get their page."""
    if not FlaskForm().validate_on_submit():
        return error_page(400)
    try:
        call()
    except Conflict as error:
        return error_page(409, error.message, error.details)
    except Invalid as error:
        flash(error.message, "danger")
        return redirect(back)
    except ServiceError as error:
        return error_page(error.status, error.message, error.details)
    flash("Đã lưu.", "success")
    return redirect(back)


@bp.route("/dossiers/<int:item_id>/nominees/<int:nominee_id>/verdict", methods=["POST"])
def verdict(item_id, nominee_id):
    return _run(lambda: dossiers.set_verdict(
        current_user, item_id, nominee_id, request.form.get("verdict", ""),
        request.form.get("reason")), url_for("work.dossier", item_id=item_id))


@bp.route("/decisions", methods=["POST"])
def create_decision():
    if not FlaskForm().validate_on_submit():
        return error_page(400)
    campaign_id = request.form.get("campaign_id", type=int)
    try:
        decision = decisions.create_decision(current_user, {
            "campaign_id": campaign_id, "award_form": request.form.get("award_form", "")})
    except Invalid as error:
        flash(error.message, "danger")
        return redirect(url_for("work.campaign", item_id=campaign_id))
    except ServiceError as error:
        return error_page(error.status, error.message, error.details)
    flash("Đã tạo dự thảo quyết định.", "success")
    return redirect(url_for("work.decision", item_id=decision.id))


@bp.route("/decisions/<int:item_id>/nominees", methods=["POST"])
def add_nominees(item_id):
    ids = [int(i) for i in request.form.getlist("nominee_ids") if i.isdigit()]
    back = url_for("work.decision", item_id=item_id)
    if not ids:
        flash("Chọn ít nhất một tập thể, cá nhân.", "danger")
        return redirect(back)
    return _run(lambda: decisions.add_nominees(current_user, item_id, ids), back)


@bp.route("/decisions/<int:item_id>/nominees/<int:nominee_id>/remove", methods=["POST"])
def remove_nominee(item_id, nominee_id):
    return _run(lambda: decisions.remove_nominee(current_user, item_id, nominee_id),
                url_for("work.decision", item_id=item_id))


@bp.route("/decisions/<int:item_id>/nominees/<int:nominee_id>/strike", methods=["POST"])
def strike(item_id, nominee_id):
    struck = request.form.get("struck", "1") == "1"
    return _run(lambda: decisions.strike(current_user, item_id, nominee_id, struck,
                                         request.form.get("reason")),
                url_for("work.decision", item_id=item_id))
