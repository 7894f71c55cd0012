"""Drafting by a unit's staff: writing its plan and building its dossier."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import downloads
from app.services import dossiers, imports, plans, registrations, spreadsheets, targets, workflow
from app.services.errors import Conflict, Invalid
from app.web.forms import messages_of, parse_date, parse_time

bp = Blueprint("drafting", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.before_request
def _only_for_who_can_save():
    """A drafting form is offered only to someone who could save it now; anyone else who
    follows an old link sees the item's own page, with the reason."""
    kind = {"drafting.edit_plan": "plan", "drafting.edit_dossier": "dossier",
            "drafting.edit_registration": "registration"}.get(request.endpoint)
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


def _plan_form(plan, values=None, errors=None, status=200):
    return render_template("drafting/plan_form.html", item=plan, form=FlaskForm(),
                           texts={s.content_id: s.text for s in plan.sections},
                           figures={c.target_id: c for c in plan.commitments},
                           exempt={e.target_id: e.reason for e in plan.exemptions},
                           hidden=targets.not_applying(plan.campaign_id, plan.unit_id),
                           sends=_sends("plan", plan), values=values,
                           errors=errors or {}), status


SEND = "submit"  # «Lưu và trình»: the step a drafter sends the item on with


def _sends(kind, item):
    """The send step's label when this user takes it from the item's state (allowed now or
    not: its guard answers after the save), else None."""
    return next((a.label for a in workflow.actions(kind, item, current_user)
                 if a.trigger == SEND), None)


def _saved_then_sent(kind, item):
    """After a save, «Lưu và trình» fires the send step through the workflow, in its own
    transaction: a guard that refuses keeps the save and says why (back on the form)."""
    label = workflow.KINDS[kind].process.trigger_label(SEND)
    try:
        workflow.perform(kind, item.id, current_user, SEND, version=item.version)
    except Invalid as error:
        flash(f"Đã lưu, nhưng chưa {label[:1].lower() + label[1:]}:", "warning")
        for message in messages_of(error):
            flash(message, "danger")
        return redirect(url_for(f"drafting.edit_{kind}", item_id=item.id))
    flash(f"Đã lưu và {label[:1].lower() + label[1:]}.", "success")
    return redirect(url_for(f"work.{kind}", item_id=item.id))


def _refused(error, field_of):
    """A refusal as {form field: problems}; a conflict (someone acted first, or the item
    moved on) goes at the top, saying that what was typed is still there."""
    if isinstance(error, Conflict):
        return {"_": [f"{error.message} Nội dung bạn đã nhập vẫn còn dưới đây: hãy xem "
                      "lại rồi lưu, hoặc sao chép lại."]}
    errors = {}
    for path, messages in error.details.items():
        if isinstance(messages, list):
            errors.setdefault(field_of(path), []).extend(m for m in messages
                                                         if isinstance(m, str))
    return {k: v for k, v in errors.items() if v} or {"_": [error.message]}


@bp.route("/plans/<int:item_id>/edit", methods=["GET", "POST"])
def edit_plan(item_id):
    """The plan's form; refused input comes back with each problem beside its field and
    everything that was typed."""
    plan = workflow.load("plan", item_id, current_user)
    if request.method == "GET":
        return _plan_form(plan)
    if not FlaskForm().validate_on_submit():
        abort(400)
    form = request.form
    sections = [{"content_id": c.id, "text": form.get(f"section-{c.id}", "").strip()}
                for c in plan.campaign.contents]
    commitments = [{"target_id": t.id, "value": form.get(f"target-{t.id}", "").strip(),
                    "note": form.get(f"note-{t.id}", "").strip()}
                   for t in plan.campaign.targets if form.get(f"target-{t.id}", "").strip()]
    exemptions = [{"target_id": t.id, "reason": form.get(f"na-reason-{t.id}", "").strip()}
                  for t in plan.campaign.targets if form.get(f"na-{t.id}")]
    data = {"summary": form.get("summary", "").strip(), "sections": sections,
            "commitments": commitments, "exemptions": exemptions}

    def field_of(path):
        head, _, rest = path.partition(".")
        listed, _, index = head.rstrip("]").partition("[")
        if listed == "sections" and index.isdigit():
            return f"section-{sections[int(index)]['content_id']}"
        if listed == "exemptions" and index.isdigit():
            return f"na-reason-{exemptions[int(index)]['target_id']}"
        if listed == "commitments" and index.isdigit():
            target = commitments[int(index)]["target_id"]
            return f"{'note' if rest == 'note' else 'target'}-{target}"
        return path

    try:
        plan = plans.update_plan(current_user, item_id, data, form.get("version", type=int))
    except (Invalid, Conflict) as error:
        flash("Chưa lưu: hãy sửa các ô được đánh dấu; những gì đã nhập vẫn còn nguyên.",
              "danger")
        return _plan_form(plan, values=form, errors=_refused(error, field_of),
                          status=error.status)
    if form.get("op") == "save_submit":
        return _saved_then_sent("plan", plan)
    flash("Đã lưu.", "success")
    return redirect(url_for("drafting.edit_plan", item_id=item_id))


# A nominee's file can be moved to any other nominee in one step up to this many
# nominees; past it each of its selects offers the dossier and its own nominee (a select of
# every nominee on every file made the page grow with their square: 204 MB at 2,000).
OWNER_CHOICES_MAX = 50
NOMINEE_INPUTS = ("kind", "title", "name", "position_title", "organisation", "award_form",
                  "votes_for", "achievement_summary")


def _field_name(path):
    """The form field a service's problem belongs to (``results.7.value`` → ``target-7``)."""
    parts = path.split(".")
    if parts[0] == "results" and len(parts) == 3:
        return f"{'target' if parts[2] == 'value' else 'note'}-{parts[1]}"
    if parts[0] == "nominee" and len(parts) == 3:
        return f"n{parts[1]}-{parts[2]}"
    if parts[0] == "attachment" and len(parts) == 3:
        return f"a{parts[1]}-{parts[2]}"
    if parts[0] in ("new", "upload", "import") and len(parts) == 2:
        return f"{parts[0]}-{parts[1]}"
    return path


def _dossier_changes(dossier, form, files, errors):
    """Everything the one drafting form sends, read as the service takes it; a field the
    request does not carry is left as it is."""
    def text(name):
        return form.get(name, "").strip()

    def optional_id(name):
        value = form.get(name, "")
        return int(value) if value.isdigit() else None

    content = {key: text(key) for key in ("summary", "council_chair", "council_secretary",
                                           "council_members_total", "council_members_present",
                                           "council_minutes_number", "council_members")
               if key in form}
    for key in ("council_members_total", "council_members_present", "council_minutes_number"):
        if key in content:
            content[key] = content[key] or None
    if "council_meeting_date" in form:
        content["council_meeting_date"] = parse_date(
            form.get("council_meeting_date"), "Ngày họp",
            errors.setdefault("council_meeting_date", []))
    for key, label in (("council_started_at", "Giờ bắt đầu"), ("council_ended_at", "Giờ kết thúc")):
        if key in form:
            content[key] = parse_time(form.get(key), label, errors.setdefault(key, []))
    changes = {
        "content": content,
        "results": [{"target_id": t.id, "value": text(f"target-{t.id}"),
                     "note": text(f"note-{t.id}")}
                    for t in dossier.campaign.targets if text(f"target-{t.id}")],
        "nominees": {n.id: {key: text(f"n{n.id}-{key}") or (None if key == "votes_for" else "")
                            for key in NOMINEE_INPUTS}
                     for n in dossier.nominees if f"n{n.id}-name" in form},
        "attachments": {a.id: {"kind": text(f"a{a.id}-kind"),
                               "nominee_id": optional_id(f"a{a.id}-nominee")}
                        for a in dossier.attachments if f"a{a.id}-kind" in form},
        "remove_nominee": optional_id("remove_nominee"),
        "remove_attachment": optional_id("remove_attachment"),
    }
    new = {key: text(f"new-{key}") or (None if key == "votes_for" else "")
           for key in NOMINEE_INPUTS}
    if any(new[key] for key in ("name", "position_title", "organisation", "votes_for",
                                "achievement_summary")) or form.get("op") == "add_nominee":
        changes["new_nominee"] = new
    upload = files.get("upload-file")
    if upload is not None and upload.filename:
        changes["upload"] = {"kind": text("upload-kind"), "file": upload,
                             "nominee_id": optional_id("upload-nominee")}
    elif form.get("op") == "upload":
        errors.setdefault("upload-file", []).append("Chọn tệp để tải lên.")
    return changes


# The action a button asks for, the part of the form it needs, and the service that does it
# alone: «Thêm» adds the new nominee, «Tải lên» keeps the file, whatever the rest says.
ALONE = {"add_nominee": ("new_nominee", "new-"), "upload": ("upload", "upload-")}


def _do_alone(dossier, changes, errors, version):
    """The button's own action when only other fields were refused: it is done on its own
    (one transaction), and the form comes back with everything else as typed and each
    problem beside its field, so one field's mistake never blocks another action. None
    when the action's own fields are at fault, or it has nothing to do."""
    op = request.form.get("op")
    if op not in ALONE or ALONE[op][0] not in changes:
        return None
    key, prefix = ALONE[op]
    if any(name.startswith(prefix) or name == "_" for name in errors):
        return None
    try:
        if op == "add_nominee":
            nominee = dossiers.add_nominee(current_user, dossier.id, changes[key], version)
            done = f"Đã thêm «{nominee.name}» vào hồ sơ."
        else:
            upload = changes[key]
            paper = dossiers.add_attachment(current_user, dossier.id, upload["kind"],
                                            upload["file"], upload["nominee_id"], version)
            done = f"Đã tải lên «{paper.filename}»."
    except Invalid as error:
        errors.update({prefix + k if "_" != k else k: v
                       for k, v in _refused(error, lambda p: p).items()})
        return None
    dossier = workflow.load("dossier", dossier.id, current_user)
    # what was typed in the other fields stays; the new part is empty again, and what was
    # just added shows as stored
    values = {k: v for k, v in request.form.items() if not k.startswith(prefix)}
    if op == "add_nominee":
        for name in NOMINEE_INPUTS:
            value = getattr(nominee, name) if name != "award_form" else nominee.award_form.code
            values[f"n{nominee.id}-{name}"] = "" if value is None else str(value)
    flash(f"{done} Các ô khác chưa lưu: hãy sửa các ô được đánh dấu rồi bấm «Lưu hồ sơ»; "
          "những gì đã nhập vẫn còn nguyên.", "warning")
    return _dossier_form(dossier, values=values, errors=errors, status=422)


def _dossier_form(dossier, values=None, errors=None, status=200):
    return render_template("drafting/dossier_form.html", item=dossier, form=FlaskForm(),
                           figures={r.target_id: r for r in dossier.results},
                           registered=dossiers.registered_figures(dossier),
                           exempt=dossiers.exempt_targets(dossier),
                           hidden=targets.not_applying(dossier.campaign_id, dossier.unit_id),
                           requirements=dossiers.requirements(),
                           uploadable=dossiers.upload_kinds(), papers=dossiers.papers(dossier),
                           files_of=dossiers.files_by_owner(dossier),
                           every_owner=len(dossier.nominees) <= OWNER_CHOICES_MAX,
                           sends=_sends("dossier", dossier), values=values,
                           errors=errors or {}), status


@bp.route("/dossiers/<int:item_id>/edit", methods=["GET", "POST"])
def edit_dossier(item_id):
    """One form for the whole dossier: every button (save, add, upload, remove) sends all
    of it, so nothing typed is lost; refused input comes back with each problem beside its
    field."""
    dossier = workflow.load("dossier", item_id, current_user)
    if request.method == "GET":
        return _dossier_form(dossier)
    if not FlaskForm().validate_on_submit():
        abort(400)
    errors, status = {}, 422
    changes = _dossier_changes(dossier, request.form, request.files, errors)
    # «Nhập danh sách» is a button of this form: the list comes in with everything typed
    importing = request.form.get("op") == "import_nominees"
    listed = request.files.get("import-file")
    if importing and (listed is None or not listed.filename):
        errors.setdefault("import-file", []).append("Chọn tệp Excel (.xlsx) để nhập.")
    errors = {k: v for k, v in errors.items() if v}
    added = None
    version = request.form.get("version", type=int)
    if errors:  # the page's own findings (dates, times): the service's, too, all at once
        for path, messages in dossiers.draft_problems(changes).items():
            errors.setdefault(_field_name(path), []).extend(messages)
    if not errors:
        try:
            if importing:
                added = imports.save_and_import_nominees(
                    current_user, item_id, changes, listed.read(), listed.filename, version)
            else:
                dossier = dossiers.save_draft(current_user, item_id, changes, version)
        except (Invalid, Conflict) as error:
            errors, status = _refused(error, _field_name), error.status
    if errors and status == 422:
        alone = _do_alone(dossier, changes, errors, version)
        if alone is not None:
            return alone
    if errors:
        flash("Chưa lưu: hãy sửa các ô được đánh dấu; những gì đã nhập vẫn còn nguyên.",
              "danger")
        return _dossier_form(dossier, values=request.form, errors=errors, status=status)
    if request.form.get("op") == "save_submit":
        return _saved_then_sent("dossier", dossier)
    flash("Đã lưu." if added is None
          else f"Đã lưu và thêm {added} tập thể, cá nhân từ tệp Excel.", "success")
    anchor = {"add_nominee": "#nominees", "upload": "#files",
              "import_nominees": "#nominees"}.get(request.form.get("op"), "")
    return redirect(url_for("drafting.edit_dossier", item_id=item_id) + anchor)


# -- the registration (đăng ký thi đua): its lines, by hand or from Excel ------------------------

ENTRY_INPUTS = ("kind", "name", "position_title", "organisation", "award_form")
BLANK_ROWS = 5  # empty lines below the written ones; saving offers five more
# The service's refusals of one line whose details list the choices, not a sentence.
LINE_REFUSALS = {"invalid_kind", "name_required", "not_a_title", "award_form_subject"}


def _registration_form(registration, values=None, errors=None, problems=(), status=200):
    rows = (values.get("rows", type=int) if values is not None else None)
    rows = min(rows or 0, 1000) or len(registration.entries) + BLANK_ROWS
    return render_template(
        "drafting/registration_form.html", item=registration, form=FlaskForm(),
        titles=registrations.titles_offered(registration.campaign_id), rows=rows,
        entries=registration.entries, sends=_sends("registration", registration),
        values=values, errors=errors or {}, import_problems=list(problems),
        max_bytes_mb=imports.max_bytes() // (1024 * 1024)), status


def _registration_rows(form):
    """The form's lines as the service takes them, and for each the form row it came
    from: a line marked «Xóa» or left empty is not sent (removed, or never written)."""
    lines, origin = [], []
    for i in range(min(form.get("rows", 0, type=int), 1000)):
        row = {key: form.get(f"e{i}-{key}", "").strip() for key in ENTRY_INPUTS}
        if form.get(f"e{i}-remove") or not (row["name"] or row["position_title"]
                                             or row["organisation"] or row["award_form"]):
            continue
        lines.append(row)
        origin.append(i)
    return lines, origin


@bp.route("/registrations/<int:item_id>/edit", methods=["GET", "POST"])
def edit_registration(item_id):
    """The unit's registration: the collective's and each person's title, a line each
    (add, change, remove), saved through the same service as the API's PATCH; «Lưu và
    trình thủ trưởng» then sends it to the head."""
    registration = workflow.load("registration", item_id, current_user)
    if request.method == "GET":
        return _registration_form(registration)
    if not FlaskForm().validate_on_submit():
        abort(400)
    form = request.form
    lines, origin = _registration_rows(form)

    def field_of(path):
        head, _, rest = path.partition(".")
        listed, _, index = head.rstrip("]").partition("[")
        if listed == "entries" and index.isdigit() and int(index) < len(origin):
            return f"e{origin[int(index)]}-{rest or 'name'}"
        return path

    try:
        registration = registrations.update_registration(
            current_user, item_id, {"note": form.get("note", "").strip(), "entries": lines},
            form.get("version", type=int))
    except (Invalid, Conflict) as error:
        flash("Chưa lưu: hãy sửa các ô được đánh dấu; những gì đã nhập vẫn còn nguyên.",
              "danger")
        if error.code in LINE_REFUSALS:  # one line's problem, said in full beside it
            errors = {field_of(path): [error.message] for path in error.details}
        else:
            errors = _refused(error, field_of)
        return _registration_form(registration, values=form, errors=errors,
                                  status=error.status)
    if form.get("op") == "save_submit":
        return _saved_then_sent("registration", registration)
    flash("Đã lưu.", "success")
    return redirect(url_for("drafting.edit_registration", item_id=item_id))


@bp.route("/registrations/<int:item_id>/mau.xlsx")
def registration_template(item_id):
    """The list to fill in (the year's titles as a drop-down), for whoever may write it."""
    return downloads.xlsx(registrations.entry_template(current_user, item_id))


@bp.route("/registrations/<int:item_id>/nhap-excel", methods=["POST"])
def import_registration(item_id):
    """The filled-in template's lines added to the registration: all of them, or none
    and every problem named by the sheet's row."""
    registration = workflow.load("registration", item_id, current_user)
    if not FlaskForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid("Chọn tệp Excel (.xlsx) để nhập.", code="file_required")
        _, added = registrations.import_entries(current_user, item_id, upload.read(),
                                                upload.filename,
                                                request.form.get("version", type=int))
    except Invalid as error:
        flash("Chưa nhập dòng nào từ tệp Excel.", "danger")
        return _registration_form(registration, problems=spreadsheets.problem_lines(error),
                                  status=422)
    flash(f"Đã thêm {added} dòng đăng ký từ tệp Excel.", "success")
    return redirect(url_for("drafting.edit_registration", item_id=item_id))
