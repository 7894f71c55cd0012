from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import (
    DeliveryOut,
    DeliveryPage,
    DistributionListIn,
    DistributionListOut,
    MarkReadIn,
    NotificationListArgs,
    NotificationPage,
    OutboxListArgs,
    ResendAllOut,
)
from app.services import distribution, outbox

blp = Blueprint("notifications", __name__, url_prefix="/api/v1",
                description="What people were told, delivery, and distribution lists")


@blp.route("/notifications")
@blp.arguments(NotificationListArgs, location="query")
@blp.response(200, NotificationPage)
@blp.doc(summary="My notifications, newest first, with the unread count (the bell)")
def my_notifications(args):
    page = outbox.mine(current_user, args["unread"], args["page"], args["per_page"])
    return {**page, "unread": outbox.unread_count(current_user)}


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(MarkReadIn)
@blp.response(200, NotificationPage)
@blp.doc(summary="Mark some (ids) or all of my notifications as read")
def mark_read(data):
    outbox.mark_read(current_user, data.get("ids"))
    page = outbox.mine(current_user)
    return {**page, "unread": outbox.unread_count(current_user)}


@blp.route("/outbox", endpoint="outbox")
@blp.arguments(OutboxListArgs, location="query")
@blp.response(200, DeliveryPage)
@blp.doc(summary="Messages by delivery status, failed ones by default (Board)")
def list_outbox(args):
    return outbox.undelivered(current_user, args["status"], args["page"], args["per_page"])


@blp.route("/outbox/resend-failed", methods=["POST"])
@blp.response(200, ResendAllOut)
@blp.doc(summary="Queue every failed message again at once (Board)")
def resend_failed():
    return {"queued": outbox.resend_failed(by=current_user)}


@blp.route("/outbox/<int:message_id>/resend", methods=["POST"])
@blp.response(200, DeliveryOut)
@blp.doc(summary="Queue a failed message again (Board)")
def resend(message_id):
    return outbox.resend(message_id, by=current_user)


@blp.route("/distribution-lists")
@blp.response(200, DistributionListOut(many=True))
def distribution_lists():
    return distribution.all_lists()


@blp.route("/distribution-lists/<code>", methods=["PUT"])
@blp.arguments(DistributionListIn)
@blp.response(200, DistributionListOut)
@blp.doc(summary="Create or replace a named Nơi nhận list (Board)")
def save_distribution_list(data, code):
    return distribution.save_list(current_user, code, data)
