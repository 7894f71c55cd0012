"""The electronic exchange (issue 23): the axis' callback with status messages, and each
recipient's latest status of a decision's package."""
from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import Error, ReceiptOut, StatusTakenOut
from app.errors import error_response
from app.services import exchange

blp = Blueprint("exchange", __name__, url_prefix="/api/v1",
                description="Electronic exchange of issued documents (edXML)")

STATUS_MAX_BYTES = 1024 * 1024


@blp.route("/exchange/statuses", methods=["POST"])
@blp.doc(security=[], summary="The axis' callback: one edXML status message (01–06) about a "
         "package this system sent (SystemId and Secret headers: the configured ones)",
         requestBody={"content": {"application/xml": {"schema": {
             "type": "string", "format": "binary"}}}})
@blp.response(200, StatusTakenOut)
@blp.alt_response(401, schema=Error, description="missing or wrong SystemId/Secret: nothing "
                  "is stored")
@blp.alt_response(422, schema=Error, description="not a status message, or one that answers "
                  "no package we sent or comes from an organ it was not sent to")
def take_status():
    if not exchange.check_callback_secret(request.headers.get("SystemId"),
                                          request.headers.get("Secret")):
        return error_response(401, "unauthorized", "Mã hệ thống hoặc khóa bí mật không đúng.")
    length = request.content_length
    if length is not None and length > STATUS_MAX_BYTES:
        return error_response(413, "too_large", "Thông điệp trạng thái quá lớn.")
    data = request.get_data(cache=False)[:STATUS_MAX_BYTES + 1]
    if len(data) > STATUS_MAX_BYTES:
        return error_response(413, "too_large", "Thông điệp trạng thái quá lớn.")
    receipt = exchange.take_status(data, "callback")
    return {"stored": receipt is not None}


@blp.route("/decisions/<int:item_id>/receipts")
@blp.response(200, ReceiptOut(many=True))
@blp.doc(summary="Each recipient's latest status of the decision's edXML package, with the "
         "time the recipient stated (Board, Chairman, Office)")
def receipts(item_id):
    return exchange.decision_receipts(current_user, item_id)
