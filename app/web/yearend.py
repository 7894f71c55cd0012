"""Kết quả cuối năm: a unit's ratings (from Excel), its own titles' decisions, its holds and
its initiatives, for a year (issue 24, items 3 and 4). Only the unit and the Board see it."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import downloads
from app.clock import today
from app.services import org, reference, spreadsheets, yearend
from app.services.errors import Conflict, Invalid
from workflows.roles import BOARD

bp = Blueprint("yearend_pages", __name__, url_prefix="/ket-qua-cuoi-nam")


@bp.before_request
@login_required
def _signed_in():
    return None


def _where():
    year = request.values.get("year", type=int) or today().year
    unit_id = request.values.get("unit", type=int) or current_user.unit_id
    if not 1945 <= year <= today().year + 1 or not unit_id:
        abort(404)
    return unit_id, year


def _page(unit_id, year, problems=(), status=200):
    return render_template(
        "yearend/results.html", unit_id=unit_id, year=year, problems=list(problems),
        ratings=yearend.ratings(current_user, unit_id, year),
        holds=yearend.holds(current_user, unit_id),
        initiatives=yearend.initiatives(current_user, unit_id, year),
        decisions=yearend.unit_decisions(current_user, unit_id, year),
        changes=yearend.changes(current_user, unit_id),
        units=org.list_units() if current_user.roles & BOARD else (),
        forms=reference.award_forms(today(), level="unit"), rating_names=yearend.RATINGS,
        hold_kinds=yearend.HOLD_KINDS, scopes=yearend.SCOPES,
        columns=yearend.RATING_COLUMNS), status


@bp.route("")
def results():
    unit_id, year = _where()
    return _page(unit_id, year)


@bp.route("/mau.xlsx")
def template():
    unit_id, year = _where()
    return downloads.xlsx(yearend.rating_template(current_user, unit_id, year))


def _posted(action, done):
    """Run ``action`` on the posted form; back to the page, or the page with the problems."""
    unit_id, year = _where()
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        action(unit_id, year)
    except Invalid as error:
        return _page(unit_id, year, spreadsheets.problem_lines(error), 422)
    except Conflict as error:  # a record that is history: said on the page, nothing changed
        return _page(unit_id, year, [error.message], 409)
    flash(done, "success")
    return redirect(url_for("yearend_pages.results", unit=unit_id, year=year))


@bp.route("/xep-loai", methods=["POST"])
def import_ratings():
    def action(unit_id, year):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise Invalid("Chọn tệp Excel để nhập.", code="file_required")
        yearend.import_ratings(current_user, unit_id, year, upload.read(), upload.filename)
    return _posted(action, "Đã ghi xếp loại.")


def _names(form):
    """The decision form's names, one a line: «Tên» or «Tên | Đơn vị công tác» (without it,
    the form's «Đơn vị công tác»), all of the form's kind."""
    subjects = []
    for line in form.get("names", "").splitlines():
        name, _bar, organisation = line.partition("|")
        if name.strip():
            subjects.append({"kind": form.get("kind") or "individual", "name": name.strip(),
                             "organisation": (organisation.strip() if _bar
                                              else form.get("organisation", ""))})
    return subjects


def _decision_form(unit_id, year):
    return {"unit_id": unit_id, "year": request.form.get("year") or year,
            "award_form": request.form.get("award_form", ""),
            "number": request.form.get("number", ""), "signer": request.form.get("signer", ""),
            "decided_on": request.form.get("decided_on", ""), "subjects": _names(request.form)}


@bp.route("/quyet-dinh", methods=["POST"])
def unit_decision():
    return _posted(lambda unit_id, year: yearend.record_unit_decision(
        current_user, _decision_form(unit_id, year)),
        "Đã ghi quyết định vào sổ khen thưởng (cấp cơ sở).")


@bp.route("/quyet-dinh/<int:decision_id>", methods=["POST"])
def correct_decision(decision_id):
    return _posted(lambda unit_id, year: yearend.correct_unit_decision(
        current_user, decision_id, _decision_form(unit_id, year)),
        "Đã sửa quyết định; sổ khen thưởng đã cập nhật theo.")


@bp.route("/quyet-dinh/<int:decision_id>/xoa", methods=["POST"])
def remove_decision(decision_id):
    return _posted(lambda unit_id, year: yearend.remove_unit_decision(current_user, decision_id),
                   "Đã xóa quyết định và các bản ghi khen thưởng của nó.")


def _hold_form(unit_id):
    return {"unit_id": unit_id, "name": request.form.get("name", ""),
            "organisation": request.form.get("organisation", ""),
            "subject_kind": request.form.get("subject_kind") or "individual",
            "kind": request.form.get("kind", ""),
            "source_paper": request.form.get("source_paper", ""),
            "starts_on": request.form.get("starts_on", ""),
            "ends_on": request.form.get("ends_on") or None,
            "note": request.form.get("note") or None}


@bp.route("/vu-viec", methods=["POST"])
def hold():
    return _posted(lambda unit_id, year: yearend.add_hold(current_user, _hold_form(unit_id)),
                   "Đã ghi vụ việc.")


@bp.route("/vu-viec/<int:hold_id>", methods=["POST"])
def edit_hold(hold_id):
    return _posted(lambda unit_id, year: yearend.edit_hold(current_user, hold_id,
                                                           _hold_form(unit_id)),
                   "Đã sửa vụ việc.")


@bp.route("/vu-viec/<int:hold_id>/xoa", methods=["POST"])
def remove_hold(hold_id):
    return _posted(lambda unit_id, year: yearend.remove_hold(current_user, hold_id),
                   "Đã xóa vụ việc.")


def _initiative_form(unit_id, year):
    authors = [line.strip() for line in request.form.get("authors", "").splitlines()
               if line.strip()]
    return {"unit_id": unit_id, "year": request.form.get("year") or year,
            "title": request.form.get("title", ""),
            "recognised_by": request.form.get("recognised_by", ""),
            "decision_number": request.form.get("decision_number", ""),
            "decided_on": request.form.get("decided_on", ""),
            "scope": request.form.get("scope", ""),
            "authors": [{"name": a, "organisation": request.form.get("organisation", "")}
                        for a in authors]}


@bp.route("/sang-kien", methods=["POST"])
def initiative():
    return _posted(lambda unit_id, year: yearend.add_initiative(
        current_user, _initiative_form(unit_id, year)), "Đã ghi sáng kiến.")


@bp.route("/sang-kien/<int:initiative_id>", methods=["POST"])
def edit_initiative(initiative_id):
    return _posted(lambda unit_id, year: yearend.edit_initiative(
        current_user, initiative_id, _initiative_form(unit_id, year)), "Đã sửa sáng kiến.")


@bp.route("/sang-kien/<int:initiative_id>/xoa", methods=["POST"])
def remove_initiative(initiative_id):
    return _posted(lambda unit_id, year: yearend.remove_initiative(current_user, initiative_id),
                   "Đã xóa sáng kiến.")


@bp.route("/xep-loai/mot", methods=["POST"])
def rate_one():
    return _posted(lambda unit_id, year: yearend.rate_one(current_user, unit_id, year, {
        "kind": request.form.get("kind") or "individual", "name": request.form.get("name", ""),
        "organisation": request.form.get("organisation", ""),
        "collective": request.form.get("collective", ""),
        "rating": request.form.get("rating", "")}), "Đã ghi xếp loại.")


@bp.route("/xep-loai/<int:rating_id>", methods=["POST"])
def change_rating(rating_id):
    return _posted(lambda unit_id, year: yearend.change_rating(
        current_user, rating_id, request.form.get("rating", "")), "Đã sửa xếp loại.")


@bp.route("/xep-loai/<int:rating_id>/xoa", methods=["POST"])
def remove_rating(rating_id):
    return _posted(lambda unit_id, year: yearend.remove_rating(current_user, rating_id),
                   "Đã xóa xếp loại.")
