"""Everyone's work: the inbox, campaigns, and the page of each plan, dossier and decision."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app import downloads
from app.clock import today
from app.services import (
    awards,
    campaigns,
    decisions,
    documents,
    dossiers,
    exchange,
    exchange_packages,
    outbox,
    registrations,
    remote_signing,
    signing,
    targets,
    workflow,
)
from app.services.errors import Conflict, Invalid, NotFound, SignatureRequired
from app.services.inbox import inbox as inbox_rows
from app.services.inbox import refused_packages
from app.web.forms import parse_date, run
from workflows.roles import BOARD, ROLES

bp = Blueprint("work", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


class TransitionForm(FlaskForm):
    trigger = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    comment = TextAreaField("Lý do / ý kiến", validators=[Length(max=5000)])
    # A numbering step: the number and date the văn thư gave (empty: next number, today).
    number = StringField("Số văn bản", validators=[Optional(), Length(max=12)])
    issued_on = StringField("Ngày ban hành", validators=[Optional(), Length(max=10)])
    authority = StringField("Thẩm quyền ký", validators=[Optional(), Length(max=8)])
    # An empty number: the next number the confirmation named (refused if it moved on).
    expected_number = HiddenField(validators=[Optional(), Length(max=7)])
    # An empty date: the day the confirmation named (refused once that day has passed).
    expected_issued_on = HiddenField(validators=[Optional(), Length(max=10)])


# What the văn thư typed into a numbering step's fields, as long as the form allows: it
# comes back on the page after any round trip (a refusal, the scan saved), never retyped.
TYPED = {"number": 12, "issued_on": 10}


def typed_values(source) -> dict[str, str]:
    return {k: (source.get(k) or "").strip()[:n] for k, n in TYPED.items()
            if (source.get(k) or "").strip()}


def item_url(kind_name, item_id, typed=None):
    """An item's page, with what was typed into its numbering fields, if anything."""
    return url_for(f"work.{kind_name}", item_id=item_id, **(typed or {}))


@bp.route("/")
def inbox():
    page = max(request.args.get("page", 1, type=int), 1)
    kind = request.args.get("kind") or None
    if kind not in (None, *workflow.KINDS):
        kind = None
    rows, total = inbox_rows(current_user, kind=kind, page=page, per_page=20)
    # A decision to compose is work waiting too: counted with the items (an open draft is
    # counted once, as its own row), so the count and the card above the list agree.
    to_compose = (decisions.awaiting_composition(current_user)
                  if kind in (None, "decision") else [])
    waiting = total + sum(1 for c in to_compose if not c["draft_id"])
    return render_template("work/inbox.html", rows=rows, total=total, waiting=waiting,
                           page=page, kind=kind, per_page=20, today=today(), labels=_labels(),
                           state_label=workflow.state_label, to_compose=to_compose,
                           refused=refused_packages(current_user), form=FlaskForm())


def _labels():
    return {name: k.process.label for name, k in workflow.KINDS.items()}


def _steps(kind, item, history):
    """The whole process as a step indicator, drawn from the definition."""
    visited = {e.from_state for e in history} | {e.to_state for e in history}
    return [{"state": s, "label": label, "current": s == item.state,
             "done": s in visited and s != item.state}
            for s, label in workflow.KINDS[kind].process.states.items()]


def item_page(kind, item_id, **extra):
    """An item's page; ``extra``: what a refused action on the page shows beside its place
    (a nominee's verdict refused, app/web/board.py)."""
    item = workflow.load(kind, item_id, current_user)
    process = workflow.KINDS[kind].process
    history = workflow.history(kind, item)
    context = {
        "kind": kind, "kind_label": process.label, "collection": process.collection,
        "item": item, "history": history,
        "steps": _steps(kind, item, history), "actions": workflow.actions(kind, item, current_user),
        "state_label": workflow.state_label(kind, item.state),
        "documents": documents.listing(kind, item), "form": TransitionForm(),
        "deliveries": workflow.delivery_summary(current_user, kind, item),
        "trigger_label": process.trigger_label, "role_labels": ROLES,
        "label_of": workflow.state_label,
        "sent_back": workflow.sent_back(kind, item, history),
        # who signs: the campaign's signer for its launch paper, else the one who acts
        "signing_choices": signing.choices(item.signer if kind == "campaign" else current_user),
        "today_iso": today().isoformat(), "today_date": today(),
        "next_number_label": None, "numbering": None,
        "typed": typed_values(request.args),
        # the unit's own drafting pages; the Board composes decisions on the item page
        "can_edit": kind in ("plan", "dossier", "registration")
        and workflow.may(kind, "content", current_user, item),
        "changes": (workflow.changes_since_last_submission(kind, item, history)
                    if kind in ("plan", "dossier") else []),
        # the papers a signing step signed: digitally or «chưa ký số», sealed or not
        "paper_panels": (workflow.signature_panels(kind, item) if kind != "campaign" else []),
        "can_issue_paper": ("paper_issue" in process.edits
                            and workflow.may(kind, "paper_issue", current_user, item)),
        "paper_issue_question": (process.edits["paper_issue"].confirm
                                 if "paper_issue" in process.edits else None),
    }
    if kind == "plan":
        context["texts"] = {s.content_id: s.text for s in item.sections}
        context["figures"] = {c.target_id: c for c in item.commitments}
        context["exempt"] = {e.target_id: e.reason for e in item.exemptions}
        context["hidden"] = targets.not_applying(item.campaign_id, item.unit_id)
    if kind == "dossier":
        context["checks"] = dossiers.checklist(current_user, item.id)[1]
        context["results"] = {r.target_id: r for r in item.results}
        context["registered"] = dossiers.registered_figures(item)
        context["exempt"] = dossiers.exempt_targets(item)
        context["hidden"] = targets.not_applying(item.campaign_id, item.unit_id)
        context["requirements"] = dossiers.requirements()
        context["vote_share"] = dossiers.vote_share
        context["can_appraise"] = workflow.may(kind, "verdicts", current_user, item)
        context["verdict_questions"] = process.edits["verdicts"].questions
        # each nominee's earlier awards and what the Board should look at twice
        context["award_history"] = awards.for_dossier(current_user, item)
        context["files_of"] = dossiers.files_by_owner(item)
    if kind == "decision":
        context["can_compose"] = workflow.may(kind, "content", current_user, item)
        context["can_strike"] = workflow.may(kind, "strikes", current_user, item)
        context["strike_question"] = process.edits["strikes"].confirm
        context["can_manage_recipients"] = workflow.may(kind, "recipients", current_user, item)
        context["eligible"] = (decisions.eligible_nominees(current_user, item)
                               if context["can_compose"] else [])
        context["can_attach_scan"] = workflow.may(kind, "signed_scan", current_user, item)
        if item.state == "approved":
            on = _iso_date(context["typed"].get("issued_on"))
            context["numbering"] = decisions.issue_numbering(item, on)
            context["next_number_label"] = decisions.next_number_label(item, on)
            context["electronic_issue"] = decisions.issued_electronically(item)
        context["scans"] = decisions.signed_scans(item)
        if item.state in ("approved", "issued"):  # signed, or marked «chưa ký số»
            context["signature_panel"] = decisions.signature_panel(item)
            context["edxml_panel"] = exchange_packages.panel(current_user, item)
        context["can_correct_scan"] = workflow.may(kind, "scan_correction", current_user, item)
        # recalled, cancelled or replaced; the recall and the acts' drafts (issue 23)
        context["acts"] = decisions.acts_panel(current_user, item)
        context["can_print_paper"] = workflow.may(kind, "paper_print", current_user, item)
        context["correction_question"] = process.edits["scan_correction"].confirm
        # each recipient's latest status of the edXML package (issue 23)
        context["receipts"] = (exchange.receipts(item) if item.state == "issued"
                               and exchange.may_see(current_user) else [])
        context["rows"] = decisions.nominee_rows(current_user, item)
        context["proposal"] = decisions.proposal_summary(item, context["rows"])
    if kind == "campaign":
        campaigns.load_scopes(item)  # which units each target applies to, shown beside it
        context["unit_kinds"] = campaigns.UNIT_KIND_LABELS
        state = request.args.get("state") or None
        page = max(request.args.get("page", 1, type=int), 1)
        overdue = request.args.get("overdue") or None
        of = request.args.get("of") if request.args.get("of") in campaigns.PROGRESS_OF else None
        context["progress"] = campaigns.progress(current_user, item.id, state, page,
                                                 overdue=overdue, of=of)
        context["state_filter"] = state or ""
        context["of_filter"] = of or ""
        context["overdue_filter"] = overdue if overdue in ("plan", "dossier") else ""
        context["dossier_states"] = {**workflow.KINDS["plan"].process.states,
                                     **workflow.KINDS["dossier"].process.states}
        context["can_decide"] = decisions.composable(current_user, item)
        context["can_manage"] = workflow.may(kind, "deadlines", current_user, item)
        context["can_see_registrations"] = registrations.may_see(current_user)
    return render_template(f"work/{kind}.html", **context, **extra)


def _iso_date(text):
    """A typed date (dd/mm/yyyy, or ISO), or None when it is none."""
    return parse_date(text, "", []) if text else None


@bp.route("/<any(campaigns, plans, dossiers, decisions, registrations):collection>"
          "/<int:item_id>/history")
def history(collection, item_id):
    """The history in detail, with the SHA-256 of each step's content and of each kept
    document: for checking a paper copy, not for everyday reading."""
    kind = workflow.kind_of(collection)
    item = workflow.load(kind.name, item_id, current_user)
    return render_template("work/history.html", item=item, kind=kind.name,
                           process=kind.process, history=workflow.history(kind.name, item),
                           documents=documents.listing(kind.name, item), role_labels=ROLES)


@bp.route("/<any(campaigns, plans, dossiers, decisions, registrations):collection>"
          "/<int:item_id>/documents/<name>/xem-truoc")
def preview(collection, item_id, name):
    """A generated paper as a readable page with a print style, composed from the same
    content as its DOCX; scoped exactly as its download (404 to whoever may not see it)."""
    kind = workflow.kind_of(collection)
    item = workflow.load(kind.name, item_id, current_user)
    return render_template("work/preview.html", kind=kind.name, collection=collection,
                           item=item, item_label=kind.process.label,
                           paper=documents.preview(kind.name, item, name))


@bp.route("/decisions", endpoint="decisions")
def decision_list():
    page = max(request.args.get("page", 1, type=int), 1)
    state = request.args.get("state") or None
    states = workflow.KINDS["decision"].process.states
    if state not in states:
        state = None
    listed = decisions.listing(current_user, state=state, page=page, per_page=50)
    return render_template("work/decisions.html", listed=listed, state=state, states=states,
                           can_compose=decisions.composes(current_user))


@bp.route("/campaigns", endpoint="campaigns")
def campaign_list():
    page = max(request.args.get("page", 1, type=int), 1)
    listed = workflow.listing("campaign", current_user, page=page, per_page=50)
    return render_template("work/campaigns.html", items=listed["items"], listed=listed,
                           state_label=workflow.state_label,
                           can_create=bool(current_user.roles & BOARD))


@bp.route("/campaigns/<int:item_id>")
def campaign(item_id):
    return item_page("campaign", item_id)


@bp.route("/plans/<int:item_id>")
def plan(item_id):
    return item_page("plan", item_id)


@bp.route("/dossiers/<int:item_id>")
def dossier(item_id):
    return item_page("dossier", item_id)


@bp.route("/registrations/<int:item_id>")
def registration(item_id):
    return item_page("registration", item_id)


@bp.route("/decisions/<int:item_id>")
def decision(item_id):
    return item_page("decision", item_id)


@bp.route("/dossiers/<int:item_id>/attachments/<int:attachment_id>")
def attachment(item_id, attachment_id):
    """An uploaded paper: PDF and images open in the browser, other kinds download; only
    for those who may see the dossier (404 for anyone else)."""
    paper, body, inline = dossiers.open_attachment(current_user, item_id, attachment_id)
    return downloads.send(body, paper.filename, paper.content_type, inline=inline,
                          sha256=paper.sha256, private=True)


@bp.route("/<any(campaigns, plans, dossiers, decisions, registrations):collection>/<int:item_id>/transitions",
          methods=["POST"])
def transition(collection, item_id):
    kind = workflow.kind_of(collection)
    form = TransitionForm()
    trigger = form.trigger.data or ""
    params = {k: v for k, v in (("number", form.number.data), ("issued_on", form.issued_on.data),
                                ("authority", form.authority.data),
                                ("expected_number", form.expected_number.data),
                                ("expected_issued_on", form.expected_issued_on.data))
              if v and v.strip()}

    def fire():
        if params.get("issued_on"):
            # typed as people write it (dd/mm/yyyy); the service takes ISO, as the API does
            problems = []
            on = parse_date(params["issued_on"], form.issued_on.label.text, problems)
            if problems:
                raise Invalid(problems[0], details={"issued_on": problems}, code="invalid_date")
            params["issued_on"] = on.isoformat()
        if ("expected_number" in workflow.step_inputs(kind.name, trigger)
                and not params.get("number") and not params.get("expected_number")):
            # the page always sends the number its confirmation named
            raise Invalid("Chưa xác nhận số sẽ cấp. Hãy tải lại trang và bấm lại: hệ thống "
                          "sẽ hỏi lại, nêu rõ số và ngày sẽ dùng.", code="expected_number_missing")
        try:
            return workflow.perform(kind.name, item_id, current_user, trigger,
                                    version=form.version.data, comment=form.comment.data,
                                    params=params)
        except Conflict as error:
            if error.code not in ("number_taken", "next_number_changed", "issue_date_changed"):
                raise
            # nothing changed: the page says which number is taken or which one is next
            # now (or that the day named has passed), the form stays usable and asks again
            raise Invalid(error.message, error.details, code=error.code) from None

    # A refusal comes back to the page with what was typed still in its fields.
    try:
        return run(fire, item_url(kind.name, item_id, typed_values(request.form)),
                   done=f"Đã thực hiện: {kind.process.trigger_label(trigger)}.",
                   then=lambda _item: item_url(kind.name, item_id))
    except SignatureRequired as pending:
        # remote signing: nothing moved; the decision's page waits for the signer's device
        if kind.name == "decision":
            return redirect(url_for("work.signing_wait", item_id=item_id,
                                    token=pending.details["signing_request"]["id"]))
        # a unit's or the Board's paper: the service's callback (or the signer's own client,
        # through the API) finishes the step; the item's page says what it waits for
        flash(f"{pending.message} Xác nhận yêu cầu ký trên thiết bị ký số; văn bản chuyển "
              "trạng thái khi chữ ký số về tới hệ thống.", "info")
        return redirect(item_url(kind.name, item_id))


@bp.route("/<any(plans, dossiers, decisions):collection>/<int:item_id>/papers/<paper>/issue",
          methods=["POST"])
def issue_paper(collection, item_id, paper):
    """The body's Văn thư numbers, dates and seals a paper its signer signed digitally."""
    kind = workflow.kind_of(collection)
    number = (request.form.get("number") or "").strip() or None
    version = request.form.get("version", type=int)

    def issue():
        try:
            return workflow.issue_paper(kind.name, item_id, paper, current_user, number=number,
                                        version=version)
        except Conflict as error:
            if error.code not in ("number_taken",):
                raise
            raise Invalid(error.message, error.details, code=error.code) from None

    return run(issue, item_url(kind.name, item_id),
               done="Đã cấp số, ghi ngày và ký số phát hành văn bản.")


@bp.route("/notifications")
def notifications():
    page = max(request.args.get("page", 1, type=int), 1)
    listed = outbox.mine(current_user, page=page, per_page=30)
    return render_template("work/notifications.html", items=listed["items"], page=page,
                           labels=_labels(), form=FlaskForm())


@bp.route("/notifications/<int:message_id>")
def open_notification(message_id):
    """Opening a notification marks it read and leads to what it is about."""
    row = outbox.open_notification(current_user, message_id)
    return redirect(url_for(f"work.{row.item_type}", item_id=row.item_id))


@bp.route("/notifications/read", methods=["POST"])
def mark_read():
    return run(lambda: outbox.mark_read(current_user), url_for("work.notifications"),
               done="Đã đánh dấu tất cả là đã đọc.")


# -- remote signing: the decision page waits for the signer's device (issue 21, item 8)

@bp.route("/decisions/<int:item_id>/signing/<token>")
def signing_wait(item_id, token):
    try:
        shown = remote_signing.waiting(current_user, item_id, token)
    except NotFound:
        flash("Yêu cầu ký này đã xong, đã hủy hoặc hết hạn.", "info")
        return redirect(item_url("decision", item_id))
    return render_template("work/signing_wait.html", token=token, form=FlaskForm(), **shown)


@bp.route("/decisions/<int:item_id>/signing/<token>/status")
def signing_status(item_id, token):
    answer = remote_signing.poll(current_user, item_id, token)
    if answer["status"] in ("done", "expired", "refused", "failed"):
        flash(answer["message"], "success" if answer["status"] == "done" else "warning")
        answer["next"] = item_url("decision", item_id)
    return jsonify(answer)


@bp.route("/decisions/<int:item_id>/signing/<token>/cancel", methods=["POST"])
def signing_cancel(item_id, token):
    return run(lambda: remote_signing.cancel(current_user, item_id, token),
               item_url("decision", item_id),
               done="Đã hủy yêu cầu ký số; quyết định chưa thay đổi.")
