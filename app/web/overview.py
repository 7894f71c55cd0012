"""Tổng quan: the Board's dashboard, the lists behind its figures, the Excel lists out and
in, and the decision's awardee list as the printed attachment."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import downloads
from app.clock import today
from app.services import campaigns as campaign_service
from app.services import (
    clusters,
    exchange,
    exports,
    imports,
    org,
    overview,
    spreadsheets,
    workflow,
)
from app.services.errors import Invalid

bp = Blueprint("overview", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None



def _page():
    return max(request.args.get("page", 1, type=int), 1)


def _refused(error: Invalid):
    """Every problem of a refused file, each on its own line, once."""
    return spreadsheets.problem_lines(error)


@bp.route("/tong-quan")
def dashboard():
    if not overview.may_see_awards(current_user):
        abort(403)
    year = request.args.get("year", type=int) or today().year
    campaign_id = request.args.get("campaign", type=int)
    campaigns, figures = [], None
    if overview.may_see_campaigns(current_user):
        campaigns = campaign_service.choices(current_user)
        if campaign_id is None and campaigns:
            campaign_id = campaigns[0].id
        if campaign_id:
            figures = overview.campaign_overview(current_user, campaign_id)
    awards = overview.year_overview(current_user, year)
    unreceived = overview.not_received(current_user) if exchange.enabled() else None
    cluster_years = (clusters.years(current_user, campaign_id)
                     if figures is not None else [])
    year_registrations = (overview.registration_overview(current_user, campaign_id)
                          if figures is not None and overview.may_see_registrations(
                              current_user, figures["campaign"]) else None)
    return render_template("overview/dashboard.html", campaigns=campaigns, figures=figures,
                           unreceived=unreceived,
                           awards=awards, year=year, campaign_id=campaign_id,
                           cluster_years=cluster_years, year_registrations=year_registrations,
                           label_of=workflow.state_label, today=today())


@bp.route("/tong-quan/cum-khoi/<int:year_id>")
def cluster_ranking(year_id):
    """A cluster's ranking for a year: the Board, the Chairman, the leader's unit; the
    other members once every sheet is reviewed."""
    listed = clusters.ranking(current_user, year_id, page=_page(), per_page=50)
    return render_template("overview/cluster_ranking.html", listed=listed,
                           year=listed["cluster_year"])


@bp.route("/tong-quan/cum-khoi/<int:year_id>/xep-hang.xlsx")
def cluster_ranking_xlsx(year_id):
    return downloads.xlsx(clusters.ranking_xlsx(current_user, year_id))


@bp.route("/campaigns/<int:item_id>/nominees")
def nominees(item_id):
    status = request.args.get("status") or None
    form = request.args.get("form") or None
    kind = request.args.get("unit_kind") or None
    listed = overview.nominees(current_user, item_id, status=status, form=form, unit_kind=kind,
                               page=_page())
    return render_template("overview/nominees.html", listed=listed, status=status, form=form,
                           unit_kind=kind, statuses=overview.NOMINEE_STATUSES,
                           kinds=org.UNIT_KIND_LABELS, kind_labels=exports.KIND_LABELS,
                           verdicts=exports.VERDICT_LABELS)


@bp.route("/campaigns/<int:item_id>/nominees.xlsx")
def nominees_xlsx(item_id):
    return downloads.xlsx(exports.nominees(current_user, item_id, request.args.get("status") or None,
                                  request.args.get("form") or None,
                                  request.args.get("unit_kind") or None))


@bp.route("/campaigns/<int:item_id>/progress.xlsx")
def progress_xlsx(item_id):
    return downloads.xlsx(exports.progress(current_user, item_id))


@bp.route("/campaigns/<int:item_id>/dang-ky-thi-dua.xlsx")
def registrations_xlsx(item_id):
    return downloads.xlsx(exports.registrations_list(current_user, item_id))


@bp.route("/campaigns/<int:item_id>/dang-ky-thi-dua-theo-cum.xlsx")
def registrations_by_cluster_xlsx(item_id):
    return downloads.xlsx(exports.registrations_by_cluster(current_user, item_id))


@bp.route("/decisions/<int:item_id>/awardees.xlsx")
def awardees_xlsx(item_id):
    return downloads.xlsx(exports.awardees(current_user, item_id))


@bp.route("/decisions/<int:item_id>/danh-sach")
def awardee_sheet(item_id):
    """The awardee list as the decision's attachment (Nghị định 30 phụ lục), to print."""
    decision, query = exports.awardee_rows(current_user, item_id)
    return render_template("overview/awardee_sheet.html", decision=decision,
                           rows=exports.awardee_list(decision, query))


def _register_args():
    return {"form": request.args.get("form") or None,
            "unit_id": request.args.get("unit", type=int),
            "unit_kind": request.args.get("unit_kind") or None,
            "outside": request.args.get("outside") == "1",
            "unit_name": request.args.get("unit_name") or None}


@bp.route("/tong-quan/khen-thuong")
def register():
    year = request.args.get("year", type=int) or today().year
    args = _register_args()
    listed = overview.register(current_user, year, page=_page(), **args)
    return render_template("overview/register.html", listed=listed, year=year,
                           kinds=org.UNIT_KIND_LABELS,
                           kind_labels=exports.KIND_LABELS, sources=exports.SOURCE_LABELS,
                           can_import=imports.may_import(current_user), **args)


@bp.route("/tong-quan/khen-thuong.xlsx")
def register_xlsx():
    year = request.args.get("year", type=int) or today().year
    return downloads.xlsx(exports.register(current_user, year, **_register_args()))


@bp.route("/tong-quan/khen-thuong/mau.xlsx")
def award_template():
    return downloads.xlsx(imports.award_template(current_user))


@bp.route("/tong-quan/khen-thuong/nhap", methods=["GET", "POST"])
def import_awards():
    """The Board records awards decided outside the system from a filled-in template."""
    if not imports.may_import(current_user):
        abort(403)
    problems = []
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = ["Chọn tệp Excel để nhập."]
        else:
            try:
                count = imports.import_awards(current_user, upload.read(), upload.filename)
            except Invalid as error:
                problems = _refused(error)
            else:
                flash(f"Đã nhập {count} khen thưởng vào sổ.", "success")
                return redirect(url_for("overview.register"))
    return render_template("overview/import_awards.html", problems=problems,
                           columns=imports.AWARD_COLUMNS), (422 if problems else 200)


@bp.route("/dossiers/<int:item_id>/nominees/template.xlsx")
def nominee_template(item_id):
    return downloads.xlsx(imports.nominee_template(current_user, item_id))
