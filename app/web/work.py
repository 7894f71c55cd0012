"""Everyone's work: the inbox, campaigns, and the page of each plan, dossier and decision."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.extensions import db
from app.services import decisions, documents, dossiers, notices, workflow
from app.services.clock import today
from app.services.errors import Conflict, Invalid, ServiceError
from app.services.inbox import inbox as inbox_rows
from app.services.permissions import (
    BOARD,
    ROLE_LABELS,
    may_appraise,
    may_compose,
    may_edit,
    may_strike,
    visible,
)
from app.web import error_page
from workflows import PROCESSES

bp = Blueprint("work", __name__)

KIND_LABELS = {"campaign": "Phong trào", "plan": "Kế hoạch", "dossier": "Hồ sơ",
               "decision": "Quyết định"}


@bp.before_request
@login_required
def _signed_in():
    return None


class TransitionForm(FlaskForm):
    trigger = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    comment = TextAreaField("Lý do / ý kiến", validators=[Length(max=5000)])


@bp.route("/")
def inbox():
    page = max(request.args.get("page", 1, type=int), 1)
    kind = request.args.get("kind") or None
    if kind not in (None, *KIND_LABELS):
        kind = None
    rows, total = inbox_rows(current_user, kind=kind, page=page, per_page=20)
    return render_template("work/inbox.html", rows=rows, total=total, page=page, kind=kind,
                           per_page=20, today=today(), labels=KIND_LABELS,
                           state_label=workflow.state_label)


def _steps(kind, item, history):
    """The whole process as a step indicator, drawn from the definition."""
    visited = {e.from_state for e in history} | {e.to_state for e in history}
    return [{"state": s, "label": label, "current": s == item.state,
             "done": s in visited and s != item.state}
            for s, label in PROCESSES[kind].states.items()]


def _item_page(kind, item_id):
    item = workflow.load(kind, item_id, current_user)
    history = workflow.history(kind, item)
    context = {
        "kind": kind, "kind_label": KIND_LABELS[kind], "item": item, "history": history,
        "steps": _steps(kind, item, history), "actions": workflow.actions(kind, item, current_user),
        "state_label": workflow.state_label(kind, item.state),
        "documents": documents.listing(kind, item), "form": TransitionForm(),
        "deliveries": notices.for_item(current_user, kind, item.id),
        "trigger_label": PROCESSES[kind].trigger_label, "role_labels": ROLE_LABELS,
        "label_of": workflow.state_label, "can_edit": may_edit(current_user, item),
        "changes": (workflow.changes_since_last_submission(kind, item, history)
                    if kind in ("plan", "dossier") else []),
    }
    if kind == "dossier":
        context["checks"] = dossiers.checklist(current_user, item.id)[1]
        context["can_appraise"] = may_appraise(current_user, item)
    if kind == "decision":
        context["can_compose"] = may_compose(current_user, item)
        context["can_strike"] = may_strike(current_user, item)
        context["can_manage_recipients"] = bool(current_user.roles & BOARD) and (
            item.state != "issued")
        context["eligible"] = (decisions.eligible_nominees(current_user, item)
                               if context["can_compose"] else [])
    if kind == "campaign":
        everything = _progress(item)
        context["progress"] = _progress(item, request.args.get("state") or None)
        context["plan_counts"] = _counts(everything, "plan")
        context["dossier_counts"] = _counts(everything, "dossier")
        context["state_filter"] = request.args.get("state") or ""
        context["dossier_states"] = {**PROCESSES["plan"].states, **PROCESSES["dossier"].states}
        context["can_decide"] = ("board_appraiser" in current_user.roles
                                 and item.state != "draft")
        context["can_manage"] = bool(current_user.roles & BOARD)
    return render_template(f"work/{kind}.html", **context)


def _progress(campaign, state=None):
    """Every participating unit with its plan and dossier state: two queries, any size."""
    from app.models import Dossier, Plan

    plans = {p.unit_id: p for p in db.session.scalars(db.select(Plan).where(
        Plan.campaign_id == campaign.id, visible(current_user, Plan)))}
    dossier_rows = {d.unit_id: d for d in db.session.scalars(db.select(Dossier).where(
        Dossier.campaign_id == campaign.id, visible(current_user, Dossier)))}
    rows = [{"unit": p.unit, "plan": plans.get(p.unit_id), "dossier": dossier_rows.get(p.unit_id)}
            for p in campaign.participants]
    if state:
        rows = [r for r in rows if state in (getattr(r["plan"], "state", None),
                                             getattr(r["dossier"], "state", None))]
    return rows


def _counts(rows, kind):
    counts = {}
    for row in rows:
        if row[kind] is not None:
            counts[row[kind].state] = counts.get(row[kind].state, 0) + 1
    return counts


@bp.route("/campaigns")
def campaigns():
    from app.services.campaigns import list_campaigns

    items = db.session.scalars(list_campaigns(current_user)).all()
    return render_template("work/campaigns.html", items=items, state_label=workflow.state_label,
                           can_create=bool(current_user.roles & BOARD))


@bp.route("/campaigns/<int:item_id>")
def campaign(item_id):
    return _item_page("campaign", item_id)


@bp.route("/plans/<int:item_id>")
def plan(item_id):
    return _item_page("plan", item_id)


@bp.route("/dossiers/<int:item_id>")
def dossier(item_id):
    return _item_page("dossier", item_id)


@bp.route("/decisions/<int:item_id>")
def decision(item_id):
    return _item_page("decision", item_id)


@bp.route("/<any(campaigns, plans, dossiers, decisions):kinds>/<int:item_id>/transitions",
          methods=["POST"])
def transition(kinds, item_id):
    kind = kinds[:-1]
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        workflow.perform(kind, item_id, current_user, form.trigger.data,
                         version=form.version.data, comment=form.comment.data)
    except Conflict as error:
        return error_page(409, error.message, error.details)
    except Invalid as error:
        reasons = error.details.get("reasons") or [error.message]
        for reason in reasons:
            flash(reason, "danger")
    except ServiceError as error:
        return error_page(error.status, error.message, error.details)
    else:
        flash(f"Đã thực hiện: {PROCESSES[kind].trigger_label(form.trigger.data)}.", "success")
    return redirect(url_for(f"work.{kind}", item_id=item_id))


@bp.route("/notifications")
def notifications():
    page = max(request.args.get("page", 1, type=int), 1)
    query = notices.mine(current_user)
    items = db.session.scalars(query.limit(30).offset((page - 1) * 30)).all()
    return render_template("work/notifications.html", items=items, page=page,
                           labels=KIND_LABELS, form=FlaskForm())


@bp.route("/notifications/read", methods=["POST"])
def mark_read():
    if not FlaskForm().validate_on_submit():
        abort(400)
    notices.mark_read(current_user)
    flash("Đã đánh dấu tất cả là đã đọc.", "success")
    return redirect(url_for("work.notifications"))
