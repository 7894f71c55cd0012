"""Cụm, khối thi đua on the pages: the cluster years a person sees, and a year's page where
a member's head confirms the pact, its staff scores the unit, its head sends the sheet."""
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from app import downloads
from app.services import clusters, flags
from app.services.errors import Forbidden, Invalid, NotFound
from app.web.forms import parse_number, run
from workflows.roles import HEAD, UNIT

bp = Blueprint("cluster_pages", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.route("/cum-khoi")
def years():
    return render_template("clusters/years.html", years=clusters.years(current_user),
                           kinds=clusters.CLUSTER_KINDS)


@bp.route("/cum-khoi/nam/<int:year_id>")
def year(year_id):
    shown = clusters.year_out(current_user, year_id)
    member = current_user.unit.code if current_user.unit else None
    mine = next((m for m in shown["members"] if m["code"] == member), None)
    sheet = clusters.sheet_out(current_user, year_id, member) if mine else None
    try:
        clusters.ranking(current_user, year_id, 1, 1)
        may_rank = True
    except Forbidden:
        may_rank = False
    roles = current_user.roles
    is_head = bool(roles & HEAD)
    reviews = is_head and member == shown["leader"]
    return render_template("clusters/year.html", year=shown, mine=mine, sheet=sheet,
                           flags=flags.of_cluster_year(current_user, year_id),
                           kept=clusters.kept_papers(current_user, year_id),
                           may_rank=may_rank, is_head=is_head, reviews=reviews,
                           may_score=bool(mine) and bool(roles & UNIT),
                           papers=clusters.PAPERS)


@bp.route("/cum-khoi/nam/<int:year_id>/giao-uoc", methods=["POST"])
def confirm_pact(year_id):
    back = url_for("cluster_pages.year", year_id=year_id)
    return run(lambda: clusters.confirm_pact(current_user, year_id), back,
               done="Đã xác nhận ký giao ước thi đua.")


@bp.route("/cum-khoi/nam/<int:year_id>/diem", methods=["POST"])
def save_scores(year_id):
    back = url_for("cluster_pages.year", year_id=year_id)
    errors, lines = [], []
    for key in request.form:
        if key.startswith("points-") and key[7:].isdigit():
            criterion = int(key[7:])
            points = parse_number(request.form[key], f"Điểm tiêu chí {criterion}", errors)
            if points is not None:
                lines.append({"criterion_id": criterion, "points": points,
                              "note": request.form.get(f"note-{criterion}", "")})

    def save():
        if errors:
            raise Invalid(errors[0], details={"scores": errors})
        return clusters.save_scores(current_user, year_id, lines)

    return run(save, back, done="Đã lưu bảng tự chấm điểm.")


@bp.route("/cum-khoi/nam/<int:year_id>/gui-diem", methods=["POST"])
def submit_scores(year_id):
    back = url_for("cluster_pages.year", year_id=year_id)
    return run(lambda: clusters.submit_scores(current_user, year_id), back,
               done="Đã gửi bảng điểm tới cụm trưởng.")


@bp.route("/cum-khoi/nam/<int:year_id>/xem-xet/<unit>", methods=["POST"])
def review(year_id, unit):
    """The leader's head accepts a member's sent sheet as it is (adjusting a line, with
    its reason, is done through the API)."""
    back = url_for("cluster_pages.year", year_id=year_id)
    return run(lambda: clusters.review_scores(current_user, year_id, unit, []), back,
               done=f"Đã xem xét bảng điểm của {unit}.")


@bp.route("/cum-khoi/nam/<int:year_id>/van-ban/<name>.docx")
def paper(year_id, name):
    if name not in clusters.PAPERS:
        raise NotFound("Không có văn bản này.")
    filename, body = clusters.paper(current_user, year_id, name)
    return downloads.send(body, filename, clusters.DOCX)




@bp.route("/co-thi-dua")
def flags_list():
    """The Cờ thi đua granted, by year (the province sees all; a unit its own)."""
    year = request.args.get("year", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    shown = flags.listing(current_user, year=year, page=page, per_page=50)
    return render_template("clusters/flags.html", shown=shown, year=year,
                           years=flags.years(current_user))
