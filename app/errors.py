"""Every error, answered once: JSON under /api/, a Vietnamese page everywhere else.

The services raise ``ServiceError``s (not found, forbidden, conflict, invalid); HTTP
errors come from routing, CSRF and request parsing; anything else is a bug, logged and
answered without a stack trace, with nothing left half done.
"""
import logging

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.observability import request_id
from app.services.errors import ServiceError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Cần đăng nhập (Authorization: Bearer <token>)."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy địa chỉ yêu cầu."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    409: ("conflict", "Xung đột dữ liệu: hãy tải lại và thử lại."),
    413: ("payload_too_large", "Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép."),
    415: ("unsupported_media_type", "Kiểu dữ liệu gửi lên không được hỗ trợ."),
    422: ("validation_error", "Dữ liệu gửi lên không hợp lệ."),
    429: ("too_many_requests", "Quá nhiều yêu cầu trong thời gian ngắn. Hãy thử lại sau."),
}

PAGE_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Hãy tải lại trang "
          "và thử lại."),
    403: ("Không có quyền", "Bạn không có quyền thực hiện thao tác này."),
    404: ("Không tìm thấy", "Trang hoặc mục bạn tìm không tồn tại, hoặc bạn không có quyền xem."),
    409: ("Đã có người xử lý trước", "Mục này vừa được người khác thay đổi. Hãy tải lại trang để "
          "xem trạng thái mới nhất rồi thử lại."),
    413: ("Tệp quá lớn", "Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép."),
    422: ("Chưa thực hiện được", "Thao tác chưa đủ điều kiện."),
    429: ("Quá nhiều lần thử", "Quá nhiều yêu cầu trong thời gian ngắn. Hãy thử lại sau ít phút."),
    500: ("Lỗi hệ thống", "Thao tác chưa được thực hiện. Hãy thử lại sau ít phút."),
}


def is_api_request():
    return request.path.startswith(API_PREFIX)


def _keys_as_text(value):
    """marshmallow reports a nameless field (a multipart part without a name) under the key
    None, which JSON cannot sort or hold: every key becomes text ("" for None)."""
    if isinstance(value, dict):
        return {("" if k is None else str(k)): _keys_as_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_keys_as_text(v) for v in value]
    return value


def error_response(status, code, message, details=None):
    """The API's one error shape: {"error": {"code", "message", "details", "request_id"}};
    the request id is the one in the logs and the X-Request-ID header."""
    response = jsonify({"error": {"code": code, "message": message,
                                  "details": _keys_as_text(details or {}),
                                  "request_id": request_id()}})
    response.status_code = status
    return response


# Form fields that carry no one's typing: never offered back.
_NOT_TYPED = {"csrf_token", "version", "trigger", "code", "struck", "existing"}
# What the typed fields are called on the pages, for the 409 page that hands them back.
TYPED_LABELS = {"comment": "Lý do / ý kiến", "reason": "Lý do", "summary": "Báo cáo",
                "title": "Tiêu đề", "name": "Tên", "achievement_summary": "Tóm tắt thành tích",
                "purpose": "Mục đích, ý nghĩa, yêu cầu", "implementation": "Tổ chức thực hiện",
                "theme": "Chủ đề", "entries": "Nơi nhận", "entry_label": "Nơi nhận"}


def typed_back():
    """What the person typed into the form that was refused (409: someone acted first), so
    that nothing is lost: (label, text) pairs, in the form's order."""
    if request.method != "POST":
        return []
    out = []
    for name, values in request.form.lists():
        if name in _NOT_TYPED:
            continue
        for value in values:
            text = (value or "").strip()
            if text and not text.isdigit() and len(out) < 50:
                out.append((TYPED_LABELS.get(name, f"Ô «{name}»"), text))
    return out


def error_page(status, message=None, details=None):
    title, text = PAGE_TEXT.get(status, PAGE_TEXT[500])
    return render_template("errors/error.html", status=status, title=title,
                           text=message or text, details=details or {},
                           typed=typed_back() if status == 409 else []), status


def http_error_response(error: HTTPException):
    """An HTTP error (routing, CSRF, request parsing) in the API's JSON shape."""
    code, message = HTTP_MESSAGES.get(error.code, ("http_error", error.description))
    data = getattr(error, "data", None) or {}
    details = data.get("messages") or data.get("errors") or {}
    if error.code == 400 and details.get("json") == ["Invalid JSON body."]:
        code, message = "malformed_json", "Nội dung JSON không đúng cú pháp."
    if isinstance(error, CSRFError):
        code, message = "csrf_failed", "Thiếu hoặc sai mã CSRF (X-CSRFToken) cho phiên trình duyệt."
    response = error_response(error.code or 500, code, message, details)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _service_error(error: ServiceError):
    if is_api_request():
        response = error_response(error.status, error.code, error.message, error.details)
    else:
        response = error_page(error.status, error.message, error.details)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:  # 429: how long to wait
        response = make_response(response)
        response.headers["Retry-After"] = str(retry_after)
    return response


def http_error(error: HTTPException):
    if is_api_request():
        return http_error_response(error)
    return error_page(error.code or 500)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    log.exception("unhandled error on %s %s (request %s)", request.method, request.path,
                  request_id())
    db.session.rollback()
    if is_api_request():
        return error_response(500, "internal_error",
                              "Lỗi hệ thống. Thao tác chưa được thực hiện; hãy thử lại sau.")
    return error_page(500)


def init_errors(app):
    app.register_error_handler(ServiceError, _service_error)
    for status in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(status, http_error)
    app.register_error_handler(Exception, _unexpected)
