"""Kết quả cuối năm: a unit's ratings (from Excel), its own titles' decisions, its holds and
its initiatives, for a year (issue 24, items 3 and 4). Only the unit and the Board see it."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import downloads
from app.clock import today
from app.services import reference, spreadsheets, yearend
from app.services.errors import Invalid

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


@bp.route("/quyet-dinh", methods=["POST"])
def unit_decision():
    def action(unit_id, year):
        names = [line.strip() for line in request.form.get("names", "").splitlines()
                 if line.strip()]
        yearend.record_unit_decision(current_user, {
            "unit_id": unit_id, "year": year, "award_form": request.form.get("award_form", ""),
            "number": request.form.get("number", ""), "signer": request.form.get("signer", ""),
            "decided_on": request.form.get("decided_on", ""),
            "subjects": [{"kind": request.form.get("kind") or "individual", "name": n,
                          "organisation": request.form.get("organisation", "")}
                         for n in names]})
    return _posted(action, "Đã ghi quyết định vào sổ khen thưởng (cấp cơ sở).")


@bp.route("/vu-viec", methods=["POST"])
def hold():
    def action(unit_id, year):
        yearend.add_hold(current_user, {
            "unit_id": unit_id, "name": request.form.get("name", ""),
            "organisation": request.form.get("organisation", ""),
            "subject_kind": request.form.get("subject_kind") or "individual",
            "kind": request.form.get("kind", ""),
            "source_paper": request.form.get("source_paper", ""),
            "starts_on": request.form.get("starts_on", ""),
            "ends_on": request.form.get("ends_on") or None})
    return _posted(action, "Đã ghi vụ việc.")


@bp.route("/sang-kien", methods=["POST"])
def initiative():
    def action(unit_id, year):
        authors = [line.strip() for line in request.form.get("authors", "").splitlines()
                   if line.strip()]
        yearend.add_initiative(current_user, {
            "unit_id": unit_id, "year": year, "title": request.form.get("title", ""),
            "recognised_by": request.form.get("recognised_by", ""),
            "decision_number": request.form.get("decision_number", ""),
            "decided_on": request.form.get("decided_on", ""),
            "scope": request.form.get("scope", ""),
            "authors": [{"name": a, "organisation": request.form.get("organisation", "")}
                        for a in authors]})
    return _posted(action, "Đã ghi sáng kiến.")
