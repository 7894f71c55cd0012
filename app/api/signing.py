"""The remote-signing service's callback: the answer to a signing request pushed to us
instead of the waiting page polling for it. No sign-in: the service signs the body with
HMAC-SHA256 under the secret shared with it (SIGNING_REMOTE_CALLBACK_SECRET)."""
from flask import jsonify, request
from flask_smorest import Blueprint

from app.api.schemas import Error
from app.errors import error_response
from app.services import remote_signing

blp = Blueprint("signing", __name__, url_prefix="/api/v1/signing",
                description="The remote-signing service's callback")


@blp.route("/callback/<kind>/<int:item_id>/<token>", methods=["POST"])
@blp.doc(security=[], summary="The remote-signing service answers a signing request "
         f"(headers {remote_signing.TIMESTAMP_HEADER} and {remote_signing.SIGNATURE_HEADER}: "
         "sha256=HMAC-SHA256 of '<timestamp>.<body>' under the shared secret); the body is "
         "the service's answer: id (its ticket), status (done | refused), cms or pdf "
         "(base64)")
@blp.alt_response(200, description="the step was performed (status done) or the request "
                  "was forgotten (status refused)")
@blp.alt_response(400, schema=Error, description="an unreadable body, or the answer to "
                  "another ticket (code: callback_malformed, callback_ticket_mismatch)")
@blp.alt_response(401, schema=Error, description="no, a wrong or an old HMAC signature "
                  "(code: callback_unauthenticated)")
@blp.alt_response(404, schema=Error, description="no such request waiting: unknown, or "
                  "already answered (a replay)")
@blp.alt_response(422, schema=Error, description="the answer was refused (a signature "
                  "that does not verify, a changed PDF): the request is forgotten, nothing "
                  "changed")
def callback(kind, item_id, token):
    result = remote_signing.callback(
        kind, item_id, token, request.get_data(cache=False),
        request.headers.get(remote_signing.TIMESTAMP_HEADER),
        request.headers.get(remote_signing.SIGNATURE_HEADER))
    if result["status"] == "failed":
        return error_response(422, result.get("code") or "signing_refused", result["message"])
    return jsonify(result)
