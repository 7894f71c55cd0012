"""JSON API v1: every action a user can take, described at GET /api/openapi.json.

Views parse, call one service, and shape the answer; every error is
{"error": {"code", "message", "details"}} and never a stack trace.
"""
import logging

from flask import g, jsonify, request
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from app.extensions import csrf
from app.services.auth import user_for_token
from app.services.errors import ServiceError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
PUBLIC_ENDPOINTS = {"auth.create_token", "api-docs.openapi_json"}

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
}


def error_response(status, code, message, details=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def is_api_request():
    return request.path.startswith(API_PREFIX)


class Api(SmorestApi):
    """flask-smorest, answering errors in this project's JSON shape."""

    def handle_http_exception(self, error):
        if not is_api_request():
            return error  # pages render their own error pages
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


api = Api()


def _authenticate():
    """Bearer token first; otherwise the browser session (whose writes need a CSRF token)."""
    if not request.path.startswith("/api/v1/"):
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            return error_response(401, "invalid_token",
                                  "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
        g._login_user = user  # what flask_login.current_user reads
        g.bearer = token.strip()
        return None
    if not current_user.is_authenticated:
        return error_response(401, *HTTP_MESSAGES[401])
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


def _service_error(error: ServiceError):
    if is_api_request():
        return error_response(error.status, error.code, error.message, error.details)
    from app.web import error_page

    return error_page(error.status, error.message, error.details)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return api.handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    from app.extensions import db

    db.session.rollback()
    if is_api_request():
        return error_response(500, "internal_error",
                              "Lỗi hệ thống. Thao tác chưa được thực hiện; hãy thử lại sau.")
    from app.web import error_page

    return error_page(500)


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` for ids: one larger than an INTEGER column holds (32-bit on PostgreSQL)
    names no row, so /plans/99999999999999999999 is a 404, never a database error."""

    def to_python(self, value):
        number = super().to_python(value)
        if number > 2**31 - 1:
            raise NotFound()  # not a ValidationError: that would make werkzeug answer 405
        return number


def init_api(app):
    from app.api import (auth, campaigns, decisions, dossiers, inbox, notifications, plans,
                         reference, units, users)

    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is registered

    api.init_app(app, spec_kwargs={"info": {"description": __doc__}})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "POST /api/v1/auth/token, then Authorization: Bearer <token>"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for module in (auth, units, users, reference, campaigns, plans, dossiers, decisions, inbox,
                   notifications):
        api.register_blueprint(module.blp)
    app.before_request(_authenticate)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(Exception, _unexpected)
