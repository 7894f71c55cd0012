"""The page's side of remote signing (issue 21, item 8): the signer's request waits at
the remote-signing service (their token through the plugin's bridge, or their CA's
service); its answer, a CMS for the digest or the whole signed PDF, comes back either by
the decision page polling here or by the service calling back (``callback``), and
finishes the step exactly as the API's second call does. A cancelled, refused or
timed-out request is forgotten and nothing else changes.

The callback is authenticated as the services do it: the body is signed with HMAC-SHA256
under a secret shared with the service (SIGNING_REMOTE_CALLBACK_SECRET), over
"<timestamp>.<body>" with the timestamp in its own header, at most
SIGNING_REMOTE_CALLBACK_SKEW seconds old; it names the request's ticket at the service,
which must be the one the pending request was sent as. A request answers once: a
replayed callback finds it spent.
"""
import hashlib
import hmac
import json
import time

from flask import current_app

from app.services import esigning, workflow
from app.services.errors import Invalid, NotFound, ServiceError

KIND = "decision"
SIGNATURE_HEADER = "X-Signing-Signature"  # "sha256=<hex HMAC of '<timestamp>.<body>'>"
TIMESTAMP_HEADER = "X-Signing-Timestamp"  # seconds since the epoch, as the service sent it


class Unauthenticated(ServiceError):
    """A callback not signed with the service's secret (or too old): refused, nothing
    changed."""

    status = 401
    code = "callback_unauthenticated"


def _mine(user, decision_id, token):
    decision = workflow.load(KIND, decision_id, user)  # 404 for who may not see it
    pending = esigning.pending_request(decision, token) if token else None
    if pending is None or pending["user_id"] != user.id:
        raise NotFound("Không có yêu cầu ký này, hoặc yêu cầu đã xong.")
    return decision, pending


def waiting(user, decision_id, token) -> dict:
    """What the waiting page shows: the decision, and whose device is asked."""
    decision, pending = _mine(user, decision_id, token)
    left = _deadline(pending) - time.time()
    return {"decision": decision, "signer": user.full_name, "ticket": pending.get("ticket"),
            "issue": pending.get("trigger") == "issue",
            "trigger": pending.get("trigger") or "approve",
            "seconds_left": max(int(left), 0), "answer": pending.get("answer", "cms")}


def _deadline(pending) -> float:
    return float(pending.get("created") or 0) + \
        float(current_app.config.get("SIGNING_REMOTE_WAIT_SECONDS", 300))


def _done_key(kind, item_id, token) -> str:
    return f"signing/done/{kind}-{item_id}-{token}.json"


def poll(user, decision_id, token) -> dict:
    """{"status": "pending" | "done" | "expired" | "refused" | "failed", "message"}: asks
    the remote service once; "done" means the step has been performed with its answer
    (here, or by the service's callback before this poll)."""
    from app.esign import remote
    from app.services import storage

    try:
        decision, pending = _mine(user, decision_id, token)
    except NotFound:
        done = _done_key(KIND, decision_id, token)
        try:
            finished = json.loads(storage.read(done))
        except Exception:  # noqa: BLE001 - no such request, or already reported
            raise NotFound("Không có yêu cầu ký này, hoặc yêu cầu đã xong.") from None
        if finished.get("user_id") != user.id:
            raise
        storage.remove(done)  # reported once
        return {"status": "done", "message": _done_message(finished.get("trigger"))}
    if time.time() > _deadline(pending):
        esigning.drop_request(decision, token)
        return {"status": "expired", "message": "Hết thời gian chờ ký số trên thiết bị; "
                "quyết định chưa thay đổi. Hãy thực hiện lại bước này khi sẵn sàng."}
    url = current_app.config.get("SIGNING_REMOTE_URL")
    if not (url and pending.get("ticket")):
        return {"status": "pending", "message": None}
    try:
        answer = remote.RemoteClient(url).status(pending["ticket"])
    except (OSError, ValueError):
        return {"status": "pending", "message": "Chưa liên lạc được với dịch vụ ký số; "
                "hệ thống thử lại."}
    return _perform(KIND, decision, user, token, pending, answer)


def _done_message(trigger) -> str:
    return {"issue": "Đã ký số và ban hành quyết định.",
            "approve": "Đã ký số và phê duyệt quyết định.",
            "sign_proposal": "Đã ký số tờ trình."}.get(trigger or "approve", "Đã ký số văn bản.")


def _perform(kind, item, user, token, pending, answer) -> dict:
    """The service's answer to a pending request: the step performed with it ("done"),
    still "pending", or the request forgotten ("refused", "failed"; nothing changed)."""
    from app.esign import SigningRefused

    noun = "quyết định" if kind == KIND else "văn bản"
    if answer.get("status") == "refused":
        esigning.drop_request(item, token, kind)
        return {"status": "refused", "message": "Người ký đã từ chối yêu cầu ký trên thiết "
                f"bị; {noun} chưa thay đổi."}
    if answer.get("status") != "done":
        return {"status": "pending", "message": None}
    params = {"signing_request": token}
    if isinstance(answer.get("cms"), str) and answer["cms"]:
        params["signature"] = answer["cms"]
    elif isinstance(answer.get("pdf"), str) and answer["pdf"]:
        params["signed_pdf"] = answer["pdf"]
    else:
        esigning.drop_request(item, token, kind)
        return {"status": "failed", "message": "Dịch vụ ký số trả về câu trả lời không đọc "
                f"được; {noun} chưa thay đổi."}
    trigger = pending.get("trigger") or "approve"
    if pending.get("authority"):
        params["authority"] = pending["authority"]
    if trigger == "issue":  # the number the request was prepared with, or a refusal
        params["expected_number"] = str(pending["number"])
    try:
        workflow.perform(kind, item.id, user, trigger, version=item.version, params=params)
    except (Invalid, SigningRefused, ServiceError) as error:
        esigning.drop_request(item, token, kind)
        return {"status": "failed", "message": f"{error.message} "
                f"{noun.capitalize()} chưa thay đổi.", "code": error.code}
    return {"status": "done", "message": _done_message(trigger) if kind == KIND
            else "Đã ký số văn bản."}


def cancel(user, decision_id, token) -> None:
    decision, _pending = _mine(user, decision_id, token)
    esigning.drop_request(decision, token)


# -- the service calls back --------------------------------------------------------------

def callback_url(kind, item_id, token) -> str | None:
    """Where the service posts its answer to this request; None when callbacks are not
    configured (no shared secret: the waiting page polls)."""
    if not current_app.config.get("SIGNING_REMOTE_CALLBACK_SECRET"):
        return None
    base = (current_app.config.get("SIGNING_REMOTE_CALLBACK_BASE")
            or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/api/v1/signing/callback/{kind}/{item_id}/{token}"


def sign_callback(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value a service sends with ``body`` at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _authenticate(body: bytes, timestamp: str | None, signature: str | None) -> None:
    secret = current_app.config.get("SIGNING_REMOTE_CALLBACK_SECRET")
    if not secret:
        raise NotFound("Hệ thống không nhận lời gọi lại của dịch vụ ký số.")
    if not (timestamp and signature):
        raise Unauthenticated("Thiếu chữ ký HMAC hoặc thời điểm của lời gọi lại.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Unauthenticated("Thời điểm của lời gọi lại không hợp lệ.") from None
    if not hmac.compare_digest(sign_callback(secret, timestamp, body), signature):
        raise Unauthenticated("Chữ ký HMAC của lời gọi lại không đúng.")
    skew = float(current_app.config.get("SIGNING_REMOTE_CALLBACK_SKEW", 300))
    if abs(time.time() - sent_at) > skew:
        raise Unauthenticated("Lời gọi lại đã quá hạn (có thể là gửi lại một lời gọi cũ).")


def callback(kind, item_id, token, body: bytes, timestamp: str | None,
             signature: str | None) -> dict:
    """The service's answer pushed to us: authenticated (HMAC of the body under the shared
    secret, recent), for a request still waiting and sent as the ticket it names; then the
    step is performed as the person who asked for it, as the poller would. Anything else
    is refused and nothing changes."""
    from app.services import storage

    _authenticate(body, timestamp, signature)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("id"), str | int):
        raise ServiceError("Nội dung lời gọi lại không đọc được.", code="callback_malformed")
    if kind not in workflow.KINDS:
        raise NotFound("Không có yêu cầu ký này.")
    pending = esigning.pending_of(kind, item_id, token)
    if pending is None:  # unknown, or spent: a replayed callback
        raise NotFound("Không có yêu cầu ký này, hoặc yêu cầu đã được trả lời.",
                       code="signing_request_unknown")
    if str(answer["id"]) != str(pending.get("ticket")):
        raise ServiceError("Lời gọi lại không phải cho yêu cầu ký này.",
                           code="callback_ticket_mismatch")
    from app.extensions import db
    from app.models import User

    user = db.session.get(User, pending["user_id"])
    if user is None or not user.is_active:  # left since: the request goes, nothing else
        esigning.drop_request_of(kind, item_id, token)
        raise ServiceError("Người yêu cầu ký không còn hoạt động; yêu cầu ký đã bị hủy.",
                           code="signer_inactive")
    item = workflow.load(kind, item_id, user)
    result = _perform(kind, item, user, token, pending, answer)
    if result["status"] == "done":  # the waiting page, when it polls next, says so
        storage.write_new(_done_key(kind, item_id, token), json.dumps(
            {"user_id": user.id, "trigger": pending.get("trigger")}).encode())
    return result
