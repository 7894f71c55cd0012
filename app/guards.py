"""Checks every request passes before any view or sign-in runs.

A NUL character is never text anyone meant: PostgreSQL cannot store it, and a query that
carries one fails in the driver. It is refused wherever it appears (path, query string,
form fields, JSON values), before it can reach a query or a sign-in check. Uploaded
files are left to the upload checks: their contents are not text, and their names are
cleaned of every control character (app/services/storage.py).
"""
from flask import request

from app.services.errors import ServiceError

NUL_MESSAGE = "Dữ liệu gửi lên chứa ký tự NUL (\\0), không được chấp nhận."


class BadInput(ServiceError):
    status = 400
    code = "bad_character"


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul():
    if "\x00" in request.path or b"\x00" in request.query_string or \
            b"%00" in request.query_string.lower():
        raise BadInput(NUL_MESSAGE)
    if request.is_json:
        if _has_nul(request.get_json(silent=True)):
            raise BadInput(NUL_MESSAGE)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = request.form
        if any(_has_nul(k) or _has_nul(v) for k, v in fields.items(multi=True)):
            raise BadInput(NUL_MESSAGE)
    return None


def init_guards(app):
    app.before_request(_refuse_nul)
