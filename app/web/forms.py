"""What the page forms share: reading dates and numbers as people type them, and running
one service call with its refusals turned into messages."""
from datetime import datetime

from flask import flash, redirect
from flask_wtf import FlaskForm

from app.services.errors import Conflict, Invalid, ServiceError


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
    errors.append(f"«{label}»: ngày không hợp lệ (dd/mm/yyyy).")
    return None


def parse_number(text, label, errors, integer=False):
    """A decimal comma is accepted; negative numbers are not."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        errors.append(f"«{label}»: phải là số.")
        return None
    if value < 0:
        errors.append(f"«{label}»: không được âm.")
        return None
    return value


def run(call, back, done="Đã lưu."):
    """Check the form's CSRF token, run one service call, and come back to ``back``:
    a refusal is flashed; someone acting first gets the 409 page."""
    from app.web import error_page

    if not FlaskForm().validate_on_submit():
        return error_page(400)
    try:
        call()
    except Conflict as error:
        return error_page(409, error.message, error.details)
    except Invalid as error:
        flash(error.message, "danger")
        for reason in error.details.get("reasons", []):
            if reason != error.message:
                flash(reason, "danger")
        return redirect(back)
    except ServiceError as error:
        return error_page(error.status, error.message, error.details)
    flash(done, "success")
    return redirect(back)
