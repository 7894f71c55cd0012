"""The page's side of remote signing (issue 21, item 8): the signer's request waits at
the remote-signing service (their token through the plugin's bridge, or their CA's
service) while the decision page polls here; the answer, a CMS for the digest or the
whole signed PDF, finishes the step exactly as the API's second call does. A cancelled,
refused or timed-out request is forgotten and nothing else changes.
"""
import time

from flask import current_app

from app.services import esigning, workflow
from app.services.errors import Invalid, NotFound, ServiceError

KIND = "decision"


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
            "seconds_left": max(int(left), 0), "answer": pending.get("answer", "cms")}


def _deadline(pending) -> float:
    return float(pending.get("created") or 0) + \
        float(current_app.config.get("SIGNING_REMOTE_WAIT_SECONDS", 300))


def poll(user, decision_id, token) -> dict:
    """{"status": "pending" | "done" | "expired" | "refused" | "failed", "message"}: asks
    the remote service once; "done" means the step has been performed with its answer."""
    from app.esign import SigningRefused, remote

    decision, pending = _mine(user, decision_id, token)
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
    if answer.get("status") == "refused":
        esigning.drop_request(decision, token)
        return {"status": "refused", "message": "Người ký đã từ chối yêu cầu ký trên thiết "
                "bị; quyết định chưa thay đổi."}
    if answer.get("status") != "done":
        return {"status": "pending", "message": None}
    params = {"signing_request": token}
    if answer.get("cms"):
        params["signature"] = answer["cms"]
    elif answer.get("pdf"):
        params["signed_pdf"] = answer["pdf"]
    else:
        esigning.drop_request(decision, token)
        return {"status": "failed", "message": "Dịch vụ ký số trả về câu trả lời không đọc "
                "được; quyết định chưa thay đổi."}
    trigger = pending.get("trigger") or "approve"
    if pending.get("authority"):
        params["authority"] = pending["authority"]
    if trigger == "issue":  # the number the request was prepared with, or a refusal
        params["expected_number"] = str(pending["number"])
    try:
        workflow.perform(KIND, decision_id, user, trigger, version=decision.version,
                         params=params)
    except (Invalid, SigningRefused, ServiceError) as error:
        esigning.drop_request(decision, token)
        return {"status": "failed", "message": f"{error.message} Quyết định chưa thay đổi."}
    return {"status": "done", "message": "Đã ký số và ban hành quyết định." if trigger == "issue"
            else "Đã ký số và phê duyệt quyết định."}


def cancel(user, decision_id, token) -> None:
    decision, _pending = _mine(user, decision_id, token)
    esigning.drop_request(decision, token)
