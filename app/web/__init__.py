"""The pages: sign-in, "Việc cần xử lý", and the page of every item with its actions.

Views parse, call one service, flash and redirect or render; templates get the
available actions from the services and never repeat the rules.
"""
from datetime import date, datetime, timezone
from decimal import Decimal

from flask import Flask, render_template, request
from flask_login import current_user

from app.docgen.text import figure  # the Vietnamese way with numbers: 1.500; 99,5
from app.services.clock import local_zone
from app.services.errors import ServiceError


def input_number(value):
    """A figure as a form field shows it: decimal comma, no grouping (so it reads back)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)).normalize():f}".replace(".", ",")


def format_date(value):
    return value.strftime("%d/%m/%Y") if isinstance(value, (date, datetime)) else ""


def format_datetime(value):
    """Stored as naive UTC; shown in the province's time."""
    if not isinstance(value, datetime):
        return ""
    local = value.replace(tzinfo=timezone.utc).astimezone(local_zone())
    return local.strftime("%d/%m/%Y %H:%M")


ERROR_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Hãy tải lại trang "
          "và thử lại."),
    403: ("Không có quyền", "Bạn không có quyền thực hiện thao tác này."),
    404: ("Không tìm thấy", "Trang hoặc mục bạn tìm không tồn tại, hoặc bạn không có quyền xem."),
    409: ("Đã có người xử lý trước", "Mục này vừa được người khác thay đổi. Hãy tải lại trang để "
          "xem trạng thái mới nhất rồi thử lại."),
    413: ("Tệp quá lớn", "Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép."),
    422: ("Chưa thực hiện được", "Thao tác chưa đủ điều kiện."),
    500: ("Lỗi hệ thống", "Thao tác chưa được thực hiện. Hãy thử lại sau ít phút."),
}


def error_page(status, message=None, details=None):
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    return render_template("errors/error.html", status=status, title=title,
                           text=message or text, details=details or {}), status


def init_web(app: Flask):
    from app.web import account, admin, board, drafting, work

    app.register_blueprint(account.bp)
    app.register_blueprint(work.bp)
    app.register_blueprint(drafting.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(admin.bp)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(figure, "figure")
    app.add_template_filter(input_number, "input_number")
    app.add_template_filter(format_datetime, "datetime")

    @app.context_processor
    def _globals():
        unread = 0
        if getattr(current_user, "is_authenticated", False):  # None outside a request
            from app.services.notices import unread_count

            unread = unread_count(current_user)
        return {"unread_count": unread}

    def _page_for(status):
        def handler(error):
            if request.path.startswith("/api/"):
                from app.api import api

                return api.handle_http_exception(error)
            return error_page(status)
        return handler

    for status in (400, 403, 404, 405, 409, 413, 500):
        app.register_error_handler(status, _page_for(status))


def service_error_page(error: ServiceError):
    return error_page(error.status, error.message, error.details)
