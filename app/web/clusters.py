"""Cụm, khối thi đua on the pages: the cluster years a person sees; a year's page where a
member's head confirms the pact, its staff scores the unit, its head sends the sheet, the
leader's head reviews the sheets and records the vote, the leader's staff puts the voted
units into its dossier; and the pages where the admin and the Board head keep the clusters,
their members, each year's leader, deputy, Cờ quota and scoring table."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import downloads
from app.services import clusters, flags, workflow
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.web.forms import messages_of, parse_number, run
from workflows.roles import HEAD, STAFF, UNIT

bp = Blueprint("cluster_pages", __name__)

CRITERIA_BLANK_ROWS = 3  # empty lines under the scoring table's, for new criteria


@bp.before_request
@login_required
def _signed_in():
    return None


def _page():
    return max(request.args.get("page", 1, type=int), 1)


def _checked_form():
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.route("/cum-khoi")
def years():
    return render_template("clusters/years.html", years=clusters.years(current_user),
                           kinds=clusters.CLUSTER_KINDS,
                           manages=clusters.may_manage(current_user))


def _year_page(year_id, status=200, typed=None, errors=()):
    """The year's page; ``typed``: what a refused form held ({field: value}), shown again
    with ``errors`` (a 422)."""
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
    leads = bool(mine) and member == shown["leader"] and bool(roles & UNIT)
    desk = clusters.leader_desk(current_user, year_id) if leads else None
    return render_template(
        "clusters/year.html", year=shown, mine=mine, sheet=sheet, may_rank=may_rank,
        is_head=is_head, reviews=leads and is_head, leads=leads, desk=desk,
        proposes=leads and bool(roles & STAFF), may_score=bool(mine) and bool(roles & UNIT),
        manages=clusters.may_manage(current_user), papers=clusters.PAPERS,
        flags=flags.of_cluster_year(current_user, year_id),
        kept=clusters.kept_papers(current_user, year_id),
        may_see_sheets=bool(roles & clusters.PROVINCE_VIEW),
        proposals=clusters.PROPOSALS, typed=typed or {}, errors=list(errors),
        dossier_state=workflow.state_label("dossier", desk["dossier_state"])
        if desk and desk["dossier_state"] else None,
        blank_rows=CRITERIA_BLANK_ROWS, kinds=clusters.CLUSTER_KINDS), status


@bp.route("/cum-khoi/nam/<int:year_id>")
def year(year_id):
    return _year_page(year_id)


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


# -- the leader: review, vote, proposal ---------------------------------------------------

def _sheet_page(year_id, unit, status=200, typed=None, errors=()):
    shown = clusters.year_out(current_user, year_id)
    sheet = clusters.sheet_out(current_user, year_id, unit)
    member = next((m for m in shown["members"] if m["code"] == unit), None)
    reviews = (bool(current_user.roles & HEAD) and current_user.unit is not None
               and current_user.unit.code == shown["leader"] and sheet["state"] == "submitted")
    return render_template("clusters/sheet.html", year=shown, sheet=sheet, member=member,
                           reviews=reviews, typed=typed or {}, errors=list(errors)), status


@bp.route("/cum-khoi/nam/<int:year_id>/bang-diem/<unit>")
def sheet(year_id, unit):
    """A member's sheet: its unit, the leader's unit and the province; the leader's head
    reviews it here, adjusting a line only with its reason."""
    return _sheet_page(year_id, unit)


@bp.route("/cum-khoi/nam/<int:year_id>/xem-xet/<unit>", methods=["POST"])
def review(year_id, unit):
    """The leader's head accepts a member's sent sheet, with the lines it adjusts (each
    with its reason); a refusal shows the sheet again with what was typed."""
    _checked_form()
    form, problems, adjustments = request.form, [], []
    for key in form:
        if key.startswith("adjusted-") and key[9:].isdigit() and form[key].strip():
            criterion = int(key[9:])
            label = f"Điểm điều chỉnh tiêu chí {form.get(f'position-{criterion}', criterion)}"
            points = parse_number(form[key], label, problems)
            if points is not None:
                adjustments.append({"criterion_id": criterion, "points": points,
                                    "reason": form.get(f"reason-{criterion}", "").strip()})
    for key in form:  # a reason without a figure is a forgotten figure, not a review
        if (key.startswith("reason-") and key[7:].isdigit() and form[key].strip()
                and not form.get(f"adjusted-{key[7:]}", "").strip()):
            problems.append(f"«Tiêu chí {form.get(f'position-{key[7:]}', key[7:])}»: có lý do "
                            "điều chỉnh nhưng chưa ghi điểm điều chỉnh.")
    if not problems:
        try:
            clusters.review_scores(current_user, year_id, unit, adjustments)
        except Invalid as error:
            problems = messages_of(error)
        else:
            flash(f"Đã xem xét bảng điểm của {unit}.", "success")
            return redirect(url_for("cluster_pages.year", year_id=year_id))
    return _sheet_page(year_id, unit, 422, typed=form.to_dict(), errors=problems)


@bp.route("/cum-khoi/nam/<int:year_id>/suy-ton", methods=["POST"])
def record_votes(year_id):
    """The biên bản suy tôn: the voters present, and for each member proposed its votes
    and whether for the Cờ or a Bằng khen (members left at «không đề nghị» are not in it)."""
    _checked_form()
    form, problems = request.form, []
    voters = parse_number(form.get("voters"), "Số người bỏ phiếu", problems, integer=True)
    entries = []
    for key in form:
        if key.startswith("proposal-") and form[key]:
            code = key[9:]
            votes = parse_number(form.get(f"votes-{code}"), f"Số phiếu của {code}", problems,
                                 integer=True)
            if votes is None and not any(code in p for p in problems):
                problems.append(f"«Số phiếu của {code}»: chưa ghi số phiếu.")
            entries.append({"unit": code, "votes": votes, "proposal": form[key]})
    if not problems:
        try:
            clusters.record_votes(current_user, year_id, {"voters": voters, "entries": entries})
        except Invalid as error:
            problems = messages_of(error)
        else:
            flash("Đã ghi biên bản suy tôn.", "success")
            return redirect(url_for("cluster_pages.year", year_id=year_id) + "#vote-heading")
    return _year_page(year_id, 422, typed=form.to_dict(), errors=problems)


@bp.route("/cum-khoi/nam/<int:year_id>/de-nghi", methods=["POST"])
def propose(year_id):
    back = url_for("cluster_pages.year", year_id=year_id)
    return run(lambda: clusters.propose(current_user, year_id), back,
               done="Đã đưa các đơn vị được suy tôn vào hồ sơ đề nghị khen thưởng của đơn vị.")


@bp.route("/cum-khoi/nam/<int:year_id>/van-ban/<name>.docx")
def paper(year_id, name):
    if name not in clusters.PAPERS:
        raise NotFound("Không có văn bản này.")
    filename, body = clusters.paper(current_user, year_id, name)
    return downloads.send(body, filename, clusters.DOCX)


# -- the admin and the Board head: clusters, members, years, scoring tables -----------------

def _managers_only():
    if not clusters.may_manage(current_user):
        raise Forbidden("Chỉ quản trị hệ thống và Trưởng Ban Thi đua – Khen thưởng mới quản lý "
                        "cụm, khối thi đua.")


@bp.route("/cum-khoi/quan-ly", methods=["GET", "POST"])
def manage():
    """Every cluster, a page at a time (search by code or name, filter by kind), and the
    form that creates one."""
    _managers_only()
    typed, problems, status = {}, [], 200
    if request.method == "POST":
        _checked_form()
        typed = {k: request.form.get(k, "").strip() for k in ("code", "name", "kind")}
        try:
            made = clusters.create_cluster(current_user, typed)
        except Invalid as error:
            problems, status = messages_of(error), 422
        else:
            flash(f"Đã tạo {made['kind_label'].lower()} «{made['name']}»: chọn các đơn vị "
                  "thành viên.", "success")
            return redirect(url_for("cluster_pages.cluster", code=made["code"]))
    q = (request.args.get("q") or "").strip()[:120] or None
    listed = clusters.clusters_page(q, request.args.get("kind") or None, page=_page())
    return render_template("clusters/manage.html", listed=listed, kinds=clusters.CLUSTER_KINDS,
                           typed=typed, errors=problems), status


def _cluster_page(code, status=200, typed=None, errors=()):
    q = (request.args.get("q") or "").strip()[:120] or None
    mq = (request.args.get("mq") or "").strip()[:120] or None
    members = clusters.members_page(code, mq, page=_page())
    found = clusters.unit_choices(code, q, page=max(request.args.get("upage", 1, type=int), 1))
    return render_template(
        "clusters/cluster.html", cluster=members["cluster"], members=members, found=found,
        everyone=clusters.get_cluster(code)["members"],
        cluster_years=clusters.years_of_cluster(current_user, code),
        regular=clusters.regular_years(), kinds=clusters.CLUSTER_KINDS,
        typed=typed or {}, errors=list(errors)), status


@bp.route("/cum-khoi/quan-ly/<code>", methods=["GET", "POST"])
def cluster(code):
    """A cluster: its name and kind, its members (paged, searchable) with the units found
    to add, its years (leader, deputy, Cờ quota) and the form that sets a year."""
    _managers_only()
    if request.method == "GET":
        return _cluster_page(code)
    _checked_form()
    typed = {k: request.form.get(k, "").strip() for k in ("name", "kind")}
    try:
        clusters.edit_cluster(current_user, code, typed)
    except Invalid as error:
        return _cluster_page(code, 422, typed=typed, errors=messages_of(error))
    flash("Đã lưu tên và loại cụm, khối.", "success")
    return redirect(url_for("cluster_pages.cluster", code=code))


@bp.route("/cum-khoi/quan-ly/<code>/thanh-vien", methods=["POST"])
def members(code):
    """Units added (ticked among those found) or removed (ticked among the members)."""
    _managers_only()
    add, remove = request.form.getlist("add"), request.form.getlist("remove")
    back = url_for("cluster_pages.cluster", code=code, q=request.form.get("q") or None,
                   mq=request.form.get("mq") or None)
    said = (f"Đã thêm {len(add)} đơn vị" if add else "") + (
        ("; " if add else "Đã ") + f"bỏ {len(remove)} đơn vị" if remove else "")
    return run(lambda: clusters.change_members(current_user, code, add, remove), back,
               done=f"{said}.")


@bp.route("/cum-khoi/quan-ly/<code>/nam", methods=["POST"])
def set_year(code):
    """A year of the cluster: leader, deputy, Cờ quota (from this page or the year's)."""
    _managers_only()
    form, problems = request.form, []
    campaign_id = form.get("campaign_id", type=int)
    quota = parse_number(form.get("flag_quota"), "Số Cờ thi đua được đề nghị", problems,
                         integer=True)
    back = form.get("back") == "year"

    def save():
        if problems:
            raise Invalid(problems[0], details={"flag_quota": problems})
        return clusters.set_year(current_user, code, {
            "campaign_id": campaign_id, "leader": form.get("leader") or "",
            "deputy": form.get("deputy") or None,
            "flag_quota": 1 if quota is None else quota})

    here = url_for("cluster_pages.cluster", code=code)
    if back and form.get("year_id", type=int):
        here = url_for("cluster_pages.year", year_id=form.get("year_id", type=int))
    return run(save, here, done="Đã lưu cụm trưởng, cụm phó và số Cờ thi đua của năm.",
               then=lambda shown: url_for("cluster_pages.year", year_id=shown["id"]))


@bp.route("/cum-khoi/nam/<int:year_id>/tieu-chi", methods=["POST"])
def set_criteria(year_id):
    """The year's scoring table, replaced whole (empty lines dropped) while no sheet is
    sent; a refusal shows the year's page again with what was typed."""
    _managers_only()
    _checked_form()
    form, problems, items = request.form, [], []
    rows = sorted({int(k[6:]) for k in form if k.startswith("title-") and k[6:].isdigit()})
    for i in rows:
        title, evidence = form.get(f"title-{i}", "").strip(), form.get(f"evidence-{i}", "").strip()
        raw = form.get(f"max-{i}", "").strip()
        if not (title or evidence or raw):
            continue
        points = parse_number(raw, f"Điểm tối đa dòng {len(items) + 1}", problems)
        if points is None and raw == "":
            problems.append(f"«Điểm tối đa dòng {len(items) + 1}»: chưa ghi điểm tối đa.")
        items.append({"title": title, "max_points": points, "evidence": evidence})
    if not problems:
        try:
            clusters.set_criteria(current_user, year_id, items)
        except (Invalid, Conflict) as error:
            problems = messages_of(error) if isinstance(error, Invalid) else [error.message]
        else:
            flash("Đã lưu bảng tiêu chí chấm điểm.", "success")
            return redirect(url_for("cluster_pages.year", year_id=year_id) + "#scores-heading")
    return _year_page(year_id, 422, typed=form.to_dict(), errors=problems)


@bp.route("/co-thi-dua")
def flags_list():
    """The Cờ thi đua granted, by year (the province sees all; a unit its own)."""
    year = request.args.get("year", type=int)
    page = max(request.args.get("page", 1, type=int), 1)
    shown = flags.listing(current_user, year=year, page=page, per_page=50)
    return render_template("clusters/flags.html", shown=shown, year=year,
                           years=flags.years(current_user))
