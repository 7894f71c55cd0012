"""Drafting by a unit's staff: writing its plan and building its dossier."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.services import dossiers, plans, workflow
from app.web.forms import parse_date, parse_number, parse_time, run

bp = Blueprint("drafting", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.before_request
def _only_for_who_can_save():
    """A drafting form is offered only to someone who could save it now; anyone else who
    follows an old link sees the item's own page, with the reason."""
    kind = {"drafting.edit_plan": "plan", "drafting.edit_dossier": "dossier"}.get(
        request.endpoint)
    if kind is None or request.method != "GET":
        return None
    item = workflow.load(kind, request.view_args["item_id"], current_user)
    if workflow.may(kind, "content", current_user, item):
        return None
    flash(workflow.KINDS[kind].process.edits["content"].refused
          if current_user.roles & workflow.KINDS[kind].process.edits["content"].roles
          else f"Trang soạn thảo chỉ dành cho người soạn {workflow.KINDS[kind].process.noun}.",
          "info")
    return redirect(url_for(f"work.{kind}", item_id=item.id))


def _save(kind, item_id, call):
    return run(call, url_for(f"drafting.edit_{kind}", item_id=item_id))


@bp.route("/plans/<int:item_id>/edit", methods=["GET", "POST"])
def edit_plan(item_id):
    plan = workflow.load("plan", item_id, current_user)
    if request.method == "GET":
        return render_template("drafting/plan_form.html", item=plan, form=FlaskForm(),
                               texts={s.content_id: s.text for s in plan.sections},
                               figures={c.target_id: c for c in plan.commitments})
    errors = []
    sections = [{"content_id": c.id, "text": request.form.get(f"section-{c.id}", "").strip()}
                for c in plan.campaign.contents]
    commitments = []
    for t in plan.campaign.targets:
        value = parse_number(request.form.get(f"target-{t.id}"), t.label, errors)
        if value is not None:
            commitments.append({"target_id": t.id, "value": value,
                                "note": request.form.get(f"note-{t.id}", "").strip()})
    if errors:
        for e in errors:
            flash(e, "danger")
        return redirect(url_for("drafting.edit_plan", item_id=item_id))
    data = {"summary": request.form.get("summary", "").strip(), "sections": sections,
            "commitments": commitments}
    return _save("plan", item_id, lambda: plans.update_plan(
        current_user, item_id, data, request.form.get("version", type=int)))


@bp.route("/dossiers/<int:item_id>/edit", methods=["GET", "POST"])
def edit_dossier(item_id):
    dossier = workflow.load("dossier", item_id, current_user)
    if request.method == "GET":
        return render_template("drafting/dossier_form.html", item=dossier, form=FlaskForm(),
                               figures={r.target_id: r for r in dossier.results},
                               requirements=dossiers.requirements())
    errors = []
    data = {
        "summary": request.form.get("summary", "").strip(),
        "council_meeting_date": parse_date(request.form.get("council_meeting_date"), "Ngày họp",
                                      errors),
        "council_members_total": parse_number(request.form.get("council_members_total"),
                                         "Tổng số thành viên", errors, integer=True),
        "council_members_present": parse_number(request.form.get("council_members_present"),
                                           "Số thành viên có mặt", errors, integer=True),
        "council_chair": request.form.get("council_chair", "").strip(),
        "council_secretary": request.form.get("council_secretary", "").strip(),
        # the minutes (biên bản)
        "council_minutes_number": parse_number(request.form.get("council_minutes_number"),
                                               "Số biên bản", errors, integer=True),
        "council_started_at": parse_time(request.form.get("council_started_at"),
                                         "Giờ bắt đầu", errors),
        "council_ended_at": parse_time(request.form.get("council_ended_at"), "Giờ kết thúc",
                                       errors),
        "council_members": request.form.get("council_members", "").strip(),
        "results": [],
    }
    for t in dossier.campaign.targets:
        value = parse_number(request.form.get(f"target-{t.id}"), t.label, errors)
        if value is not None:
            data["results"].append({"target_id": t.id, "value": value,
                                    "note": request.form.get(f"note-{t.id}", "").strip()})
    if errors:
        for e in errors:
            flash(e, "danger")
        return redirect(url_for("drafting.edit_dossier", item_id=item_id))
    return _save("dossier", item_id, lambda: dossiers.update_dossier(
        current_user, item_id, data, request.form.get("version", type=int)))


@bp.route("/dossiers/<int:item_id>/nominees", methods=["POST"])
def add_nominee(item_id):
    errors = []
    data = {key: request.form.get(key, "").strip() for key in (
        "kind", "name", "title", "position_title", "organisation", "award_form",
        "achievement_summary")}
    data["votes_for"] = parse_number(request.form.get("votes_for"), "Số phiếu đồng ý", errors,
                                integer=True)
    if data["kind"] not in ("collective", "individual"):
        errors.append("Chọn tập thể hoặc cá nhân.")
    if not data["name"]:
        errors.append("Nhập tên tập thể hoặc họ tên cá nhân.")
    if errors:
        for e in errors:
            flash(e, "danger")
        return redirect(url_for("drafting.edit_dossier", item_id=item_id))
    return _save("dossier", item_id, lambda: dossiers.add_nominee(current_user, item_id, data))


@bp.route("/dossiers/<int:item_id>/nominees/<int:nominee_id>/delete", methods=["POST"])
def remove_nominee(item_id, nominee_id):
    return _save("dossier", item_id,
                 lambda: dossiers.remove_nominee(current_user, item_id, nominee_id))


@bp.route("/dossiers/<int:item_id>/attachments", methods=["POST"])
def upload(item_id):
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash("Chọn tệp để tải lên.", "danger")
        return redirect(url_for("drafting.edit_dossier", item_id=item_id))
    nominee_id = request.form.get("nominee_id", type=int)
    return _save("dossier", item_id, lambda: dossiers.add_attachment(
        current_user, item_id, request.form.get("kind", ""), upload_file, nominee_id))
