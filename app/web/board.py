"""The Board's and the Chairman's work on the pages: verdicts, composing and striking."""
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.services import (
    campaigns,
    decisions,
    distribution,
    dossiers,
    incoming,
    outbox,
    registrations,
    workflow,
)
from app.services.errors import Invalid
from app.web.forms import parse_date, run
from app.web.work import item_page

bp = Blueprint("board", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.route("/dossiers/<int:item_id>/nominees/<int:nominee_id>/verdict", methods=["POST"])
def verdict(item_id, nominee_id):
    """One nominee's verdict. Done, the page opens again at that nominee (its heading has
    the focus), not at its top; refused, the page comes back with the reason beside that
    nominee's form, naming them, with what was typed."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason")
    try:
        dossiers.set_verdict(current_user, item_id, nominee_id,
                             request.form.get("verdict", ""), reason)
    except Invalid as error:
        return item_page("dossier", item_id, verdict_refused={
            "nominee_id": nominee_id, "message": error.message, "reason": reason or ""}), 422
    flash("Đã lưu.", "success")
    return redirect(url_for("work.dossier", item_id=item_id, _anchor=f"nominee-{nominee_id}"))


@bp.route("/dossiers/<int:item_id>/verdicts", methods=["POST"])
def verdicts(item_id):
    """Verdicts in bulk: accept every nominee, or decline the selected ones with one
    reason."""
    back = url_for("work.dossier", item_id=item_id)
    if request.form.get("verdict") == "accepted":
        ids = [int(i) for i in request.form.getlist("all_ids") if i.isdigit()]
        chosen, done = {i: "accepted" for i in ids}, "Đã chấp nhận tất cả."
    else:
        ids = [int(i) for i in request.form.getlist("nominee_ids") if i.isdigit()]
        chosen = {i: "declined" for i in ids}
        done = f"Đã ghi «Không đề nghị» cho {len(ids)} tập thể, cá nhân."
    return run(lambda: dossiers.set_verdicts(current_user, item_id, chosen,
                                              request.form.get("reason")), back, done=done)


@bp.route("/decisions/new")
def new_decision():
    """Composing starts by picking: without a campaign and award form, the groups waiting
    for a decision; with them, their appraised dossiers to tick."""
    if not decisions.composes(current_user):
        abort(403)
    campaign_id = request.args.get("campaign_id", type=int)
    code = request.args.get("award_form", "")
    if not campaign_id or not code:
        return render_template("board/new_decision.html", pick=None,
                               groups=decisions.awaiting_composition(current_user))
    return render_template("board/new_decision.html", groups=None, form=FlaskForm(),
                           pick=decisions.composable_dossiers(current_user, campaign_id, code))


@bp.route("/decisions", methods=["POST"])
def create_decision():
    """A draft decision holding the accepted nominees of the dossiers picked."""
    campaign_id = request.form.get("campaign_id", type=int)
    code = request.form.get("award_form", "")
    ids = [int(i) for i in request.form.getlist("dossier_ids") if i.isdigit()]
    return run(lambda: decisions.create_decision(current_user, {
        "campaign_id": campaign_id, "award_form": code, "dossier_ids": ids}),
        url_for("board.new_decision", campaign_id=campaign_id, award_form=code),
        done=f"Đã lập dự thảo quyết định từ {len(ids)} hồ sơ.",
        then=lambda decision: url_for("work.decision", item_id=decision.id))


@bp.route("/decisions/<int:item_id>/nominees", methods=["POST"])
def add_nominees(item_id):
    ids = [int(i) for i in request.form.getlist("nominee_ids") if i.isdigit()]
    back = url_for("work.decision", item_id=item_id)
    if not ids:
        flash("Chọn ít nhất một tập thể, cá nhân.", "danger")
        return redirect(back)
    return run(lambda: decisions.add_nominees(current_user, item_id, ids), back)


@bp.route("/decisions/<int:item_id>/nominees/<int:nominee_id>/remove", methods=["POST"])
def remove_nominee(item_id, nominee_id):
    return run(lambda: decisions.remove_nominee(current_user, item_id, nominee_id),
                url_for("work.decision", item_id=item_id))


@bp.route("/decisions/<int:item_id>/nominees/<int:nominee_id>/strike", methods=["POST"])
def strike(item_id, nominee_id):
    struck = request.form.get("struck", "1") == "1"
    return run(lambda: decisions.strike(current_user, item_id, nominee_id, struck,
                                         request.form.get("reason")),
                url_for("work.decision", item_id=item_id))


@bp.route("/decisions/<int:item_id>/strikes", methods=["POST"])
def strike_many(item_id):
    """The Chairman strikes the selected nominees with one reason, in one action."""
    ids = [int(i) for i in request.form.getlist("nominee_ids") if i.isdigit()]
    return run(lambda: decisions.strike_many(current_user, item_id, ids,
                                              request.form.get("reason")),
               url_for("work.decision", item_id=item_id),
               done=f"Đã loại {len(ids)} tập thể, cá nhân khỏi danh sách.")


MAX_CONTENTS, MAX_TARGETS = 8, 5


def _campaign_form_data(form, errors):
    """Read the campaign form: fixed rows of contents and targets, empty rows skipped."""
    def day(name, label, required=False):
        return parse_date(form.get(name), label, errors, required)

    contents = []
    for i in range(MAX_CONTENTS):
        title = (form.get(f"content-{i}-title") or "").strip()
        if not title:
            continue
        targets = []
        for j in range(MAX_TARGETS):
            label = (form.get(f"target-{i}-{j}-label") or "").strip()
            if not label:
                continue
            raw = (form.get(f"target-{i}-{j}-value") or "").strip().replace(",", ".")
            try:
                value = float(raw)
            except ValueError:
                errors.append(f"Chỉ tiêu «{label}»: giá trị phải là số.")
                continue
            codes = (form.get(f"target-{i}-{j}-units") or "").replace(";", ",")
            targets.append({"label": label, "value": value,
                            "measure_unit": (form.get(f"target-{i}-{j}-unit") or "").strip(),
                            # the Board's scope: none ticked and no codes = every unit
                            "applies_to_kinds": form.getlist(f"target-{i}-{j}-kinds"),
                            "applies_to_units": [c.strip() for c in codes.split(",")
                                                 if c.strip()]})
        contents.append({"title": title, "targets": targets,
                         "description": (form.get(f"content-{i}-description") or "").strip()})
    award_forms = []
    for code in form.getlist("award_forms"):
        quota = (form.get(f"quota-{code}") or "").strip()
        award_forms.append({"code": code, "quota_per_unit": int(quota) if quota.isdigit()
                            and int(quota) > 0 else None})
    threshold = (form.get("vote_threshold") or "").strip().replace(",", ".")
    data = {
        "title": (form.get("title") or "").strip(),
        "theme": (form.get("theme") or "").strip(),
        "purpose": (form.get("purpose") or "").strip(),
        "implementation": (form.get("implementation") or "").strip(),
        "launch_type": form.get("launch_type") or "ke_hoach",
        "period_start": day("period_start", "Từ ngày", True),
        "period_end": day("period_end", "Đến ngày", True),
        "plan_deadline": day("plan_deadline", "Hạn nộp kế hoạch"),
        "dossier_deadline": day("dossier_deadline", "Hạn nộp hồ sơ"),
        "accepts_late": form.get("accepts_late") == "1",
        **_unsent_plan(form),
        **_year_fields(form, errors),
        "contents": contents, "award_forms": award_forms,
        "participants": form.getlist("participants"),
        "signer": form.get("signer") or None,
        "launch_recipients": form.get("launch_recipients") or None,
        "decision_recipients": form.get("decision_recipients") or None,
    }
    if not data["title"]:
        errors.append("«Tên phong trào»: bắt buộc.")
    try:
        data["vote_threshold"] = Decimal(threshold) if threshold else None
    except InvalidOperation:
        errors.append("«Tỷ lệ phiếu tối thiểu»: phải là số.")
    if data.get("vote_threshold") is None:
        data.pop("vote_threshold", None)
    return data


def _launched_form_data(form, errors):
    """What a launched campaign's form offers: deadlines, late submissions, the decision's
    Nơi nhận (campaigns.EDITABLE_WHEN_LAUNCHED)."""
    return {"plan_deadline": parse_date(form.get("plan_deadline"), "Hạn nộp kế hoạch", errors),
            "dossier_deadline": parse_date(form.get("dossier_deadline"), "Hạn nộp hồ sơ",
                                           errors),
            "accepts_late": form.get("accepts_late") == "1",
            **_unsent_plan(form),
            **_year_fields(form, errors, launched=True),
            "decision_recipients": form.get("decision_recipients") or None}


def _year_fields(form, errors, launched=False):
    """A regular year's own fields (thi đua thường xuyên): its year, its registration
    deadline, whether an unregistered title nominee is blocked. The form sends ``kind``
    when it creates and ``fixed_kind`` once the kind is set; a movement sends none of
    them, and one typed into a movement is refused (nothing is saved)."""
    kind = form.get("kind") or form.get("fixed_kind") or "movement"
    fields = {"registration_deadline": parse_date(
        form.get("registration_deadline"), "Hạn đăng ký thi đua", errors),
        "block_unregistered": form.get("block_unregistered") == "1"}
    if not launched:
        raw = (form.get("year") or "").strip()
        fields["year"] = int(raw) if raw.isdigit() else None
        if raw and not raw.isdigit():
            errors.append("«Năm thi đua»: ghi năm bằng số, ví dụ 2026.")
    if kind != "regular":
        if fields.get("year") or fields["registration_deadline"] or fields["block_unregistered"]:
            errors.append("«Năm thi đua», «Hạn đăng ký thi đua» và «Chặn danh hiệu chưa đăng "
                          "ký» chỉ dành cho thi đua thường xuyên.")
        return {"kind": kind} if not launched and form.get("kind") else {}
    return {**fields, **({"kind": kind} if form.get("kind") else {})}


def _unsent_plan(form):
    """The campaign's rule for a dossier whose unit never sent its plan, when the form
    sends one (the service checks it)."""
    return {"unsent_plan": form["unsent_plan"]} if form.get("unsent_plan") else {}


@bp.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    return _campaign_form(None)


@bp.route("/campaigns/<int:item_id>/edit", methods=["GET", "POST"])
def edit_campaign(item_id):
    return _campaign_form(item_id)


def _campaign_form(item_id):
    choices = campaigns.form_choices(current_user)
    campaign = campaigns.get_campaign(current_user, item_id) if item_id else None
    if campaign is not None and not workflow.may("campaign", "deadlines", current_user, campaign):
        # a form nobody could save is not offered: the campaign's page shows it instead
        flash(workflow.KINDS["campaign"].process.edits["deadlines"].refused, "info")
        return redirect(url_for("work.campaign", item_id=campaign.id))
    # Only the deadlines may change (the process's edits, workflows/campaign.py): the rest of
    # the form is shown, not offered.
    locked = campaign is not None and not workflow.may("campaign", "content", current_user,
                                                       campaign)
    values = request.form if request.method == "POST" else None
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        errors = []
        if locked:
            data = _launched_form_data(request.form, errors)  # the rest is not offered
        else:
            data = _campaign_form_data(request.form, errors)
        if not errors:
            try:
                if campaign is None:
                    data["code"] = (request.form.get("code") or "").strip()
                    saved = campaigns.create_campaign(current_user, data)
                else:
                    if locked:
                        data = {k: data[k] for k in campaigns.EDITABLE_WHEN_LAUNCHED if k in data}
                    saved = campaigns.update_campaign(current_user, campaign.id, data,
                                                      request.form.get("version", type=int))
            except Invalid as error:  # anything else is answered by its page (app/errors.py)
                errors.append(error.message)
                errors += [r for r in error.details.get("reasons", [])]
            else:
                flash("Đã lưu phong trào.", "success")
                return redirect(url_for("work.campaign", item_id=saved.id))
        for e in errors:
            flash(e, "danger")
    return render_template("board/campaign_form.html", campaign=campaign, values=values,
                           locked=locked,
                           max_contents=MAX_CONTENTS, max_targets=MAX_TARGETS,
                           **choices), (422 if values is not None else 200)


def _entries(text):
    """One Nơi nhận per line: "Tên nơi nhận | thư điện tử | mã định danh" (no address:
    paper only; no mã định danh: no electronic package)."""
    entries = []
    for line in (text or "").splitlines():
        label, _, rest = line.partition("|")
        email, _, organ_id = rest.partition("|")
        if label.strip():
            entries.append({"label": label.strip(), "email": email.strip() or None,
                            "organ_id": organ_id.strip() or None})
    return entries


def _entries_of(form):
    """The Nơi nhận a form sends: one row per entry (name, e-mail) from the row editor,
    or the older one-line-per-entry text. Empty rows are skipped; a row with an address
    and no name is passed on, for the service to refuse with its reason."""
    if "entry_label" not in form:
        return _entries(form.get("entries"))
    labels, emails = form.getlist("entry_label"), form.getlist("entry_email")
    organ_ids = form.getlist("entry_organ_id") or [""] * len(labels)
    rows = zip(labels, emails, organ_ids, strict=False)
    return [{"label": label.strip(), "email": email.strip() or None,
             "organ_id": organ_id.strip() or None}
            for label, email, organ_id in rows
            if label.strip() or email.strip() or organ_id.strip()]


@bp.route("/decisions/<int:item_id>/recipients", methods=["POST"])
def set_recipients(item_id):
    return run(lambda: decisions.set_recipients(
        current_user, item_id, _entries_of(request.form),
        request.form.get("version", type=int)), url_for("work.decision", item_id=item_id))


@bp.route("/distribution-lists", methods=["GET", "POST"])
def distribution_lists():
    lists = distribution.editable_lists(current_user)
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        return run(lambda: distribution.save_list(current_user, code, {
            "name": (request.form.get("name") or "").strip() or code,
            "entries": _entries_of(request.form)}),
            url_for("board.distribution_lists"))
    return render_template("board/distribution_lists.html", lists=lists)


@bp.route("/outbox", endpoint="outbox")
def outbox_page():
    status = request.args.get("status", outbox.PROBLEMS)
    if status not in (outbox.PROBLEMS, "failed", "pending", "sent"):
        status = outbox.PROBLEMS
    rows = outbox.undelivered(current_user, status, per_page=200)["items"]
    return render_template("board/outbox.html", rows=rows, status=status)


@bp.route("/outbox/resend-failed", methods=["POST"])
def resend_failed():
    return run(lambda: outbox.resend_failed(by=current_user), url_for("board.outbox"),
               done="Đã đưa mọi thư gửi thất bại vào hàng đợi gửi lại.")


@bp.route("/outbox/<int:message_id>/resend", methods=["POST"])
def resend(message_id):
    return run(lambda: outbox.resend(message_id, by=current_user), url_for("board.outbox"),
               done="Đã đưa thư vào hàng đợi gửi lại.")


# -- «Văn bản đến»: edXML packages received for the Board (issue 23) --------------------------


@bp.route("/van-ban-den", endpoint="incoming")
def incoming_page():
    status = request.args.get("status") or None
    if status not in incoming.STATUSES:
        status = None
    page = max(request.args.get("page", 1, type=int), 1)
    listed = incoming.listing(current_user, status, page, per_page=50)
    return render_template("board/incoming.html", listed=listed, status=status,
                           statuses=incoming.STATUSES, business=incoming.BUSINESS)


@bp.route("/van-ban-den", methods=["POST"])
def receive_incoming():
    upload = request.files.get("file")

    def receive():
        if upload is None or not upload.filename:
            raise Invalid("Chọn tệp gói tin edXML.", code="file_missing")
        return incoming.receive(current_user, upload.stream.read(incoming.max_bytes() + 1),
                                upload.filename, source="upload")

    def done(row):
        if row.status == "refused":
            flash(f"Từ chối tiếp nhận: {row.reason} Đã lập thông điệp trả lời 02.", "warning")
        return url_for("board.incoming")

    return run(receive, url_for("board.incoming"), done="Đã nhận gói tin.", then=done)


@bp.route("/van-ban-den/<int:package_id>/gan-ho-so", methods=["POST"])
def attach_incoming(package_id):
    dossier_id = request.form.get("dossier_id", type=int)

    def attach():
        if not dossier_id or dossier_id < 1 or dossier_id > 2**31 - 1:
            raise Invalid("Nhập mã hồ sơ (số) để gắn văn bản.", code="dossier_missing")
        return incoming.attach(current_user, package_id, dossier_id,
                               request.form.get("kind") or "to_trinh")

    return run(attach, url_for("board.incoming"),
               done="Đã gắn văn bản vào hồ sơ.",
               then=lambda row: url_for("work.dossier", item_id=row.dossier_id))


@bp.route("/campaigns/<int:item_id>/dang-ky-thi-dua", endpoint="registrations")
def registrations_page(item_id):
    """A regular year: who has registered and who has not, a page at a time, filtered."""
    show = request.args.get("show") or None
    if show not in registrations.FILTERS:
        show = None
    page = max(request.args.get("page", 1, type=int), 1)
    q = (request.args.get("q") or "").strip()[:120] or None
    listed = registrations.status(current_user, item_id, show=show, q=q, page=page)
    return render_template("board/registrations.html", listed=listed, year=listed["campaign"],
                           filters=registrations.FILTERS,
                           states=workflow.KINDS["registration"].process.states,
                           can_remind=registrations.may_remind(current_user))


@bp.route("/campaigns/<int:item_id>/dang-ky-thi-dua/nhac", methods=["POST"])
def remind_registrations(item_id):
    return run(lambda: registrations.remind_unregistered(current_user, item_id),
               url_for("board.registrations", item_id=item_id),
               done="Đã nhắc các đơn vị chưa gửi bản đăng ký thi đua (mỗi người nhận một "
                    "thông báo trong ngày).")
