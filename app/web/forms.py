"""What the page forms share: reading dates and numbers as people type them, and running
one service call with its refusals turned into messages."""
from datetime import datetime

from flask import abort, flash, redirect
from flask_wtf import FlaskForm

from app.services.errors import Invalid


def parse_time(text, label, errors):
    """hh:mm (as time inputs send it); problems go to ``errors``."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%H:%M", "%H:%M:%S", "%Hh%M"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    errors.append(f"«{label}»: giờ không hợp lệ; ghi theo dạng hh:mm, ví dụ 08:30.")
    return None


def parse_date(text, label, errors, required=False):
    """dd/mm/yyyy (or ISO, as date inputs send it); problems go to ``errors``."""
    text = (text or "").strip()
    if not text:
        if required:
            errors.append(f"«{label}»: bắt buộc.")
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.append(f"«{label}»: ngày không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 02/09/2025.")
    return None


def parse_number(text, label, errors, integer=False):
    """A decimal comma is accepted; negative numbers are not."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        errors.append(f"«{label}»: phải là số, ví dụ 12 hoặc 12,5.")
        return None
    if value < 0:
        errors.append(f"«{label}»: không được âm.")
        return None
    return value


def messages_of(error: Invalid) -> list[str]:
    """The refusal's message, then every other reason it gives (a guard's reasons, each
    field's problem), each once."""
    out = [error.message]
    reasons = list(error.details.get("reasons", []))
    for value in error.details.values():
        if isinstance(value, list) and value is not error.details.get("reasons"):
            reasons += [v for v in value if isinstance(v, str) and v.startswith("«")]
    for reason in reasons:
        if reason not in out:
            out.append(reason)
    return out


def run(call, back, done="Đã lưu.", then=None):
    """Check the form's CSRF token, run one service call, and come back to ``back`` (or to
    ``then(result)`` on success). A refusal (Invalid) is flashed with its reasons; every
    other service error is answered by its page (app/errors.py): 409 when someone acted
    first, 403, 404."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        result = call()
    except Invalid as error:
        for message in messages_of(error):
            flash(message, "danger")
        return redirect(back)
    flash(done, "success")
    return redirect(then(result) if then else back)
