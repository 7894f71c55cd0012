"""The pages: sign-in, "Việc cần xử lý", and the page of every item with its actions.

Views parse, call one service, flash and redirect or render; templates get the
available actions from the services and never repeat the rules.
"""
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask import Flask, current_app, g, send_from_directory
from flask_login import current_user

from app.clock import local_zone
from app.docgen.text import figure  # the Vietnamese way with numbers: 1.500; 99,5
from app.services import outbox, reference
from app.services import overview as overview_service
from workflows.roles import BOARD, UNIT


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
    local = value.replace(tzinfo=UTC).astimezone(local_zone())
    return local.strftime("%d/%m/%Y %H:%M")


def format_clock_on(clock, day=None):
    """A wall-clock time on a day, as written on the day (no time zone): the council met
    at 08:00 on 19/08/2019 → "19/08/2019 08:00"; without the day, "08:00"."""
    if not isinstance(clock, time):
        return ""
    return f"{format_date(day)} {clock:%H:%M}" if isinstance(day, date) else f"{clock:%H:%M}"


def _area_word() -> str:
    """The kind of area the pages name («Chỉ tiêu tỉnh», «Chỉ tiêu thành phố»): the top
    People's Committee's locality, read once a request and only by a page that says it."""
    if "area_word" not in g:
        g.area_word = reference.locality()
    return g.area_word


def _favicon():
    """Browsers ask for /favicon.ico whatever the page says: answer it, signed in or not."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


def init_web(app: Flask):
    from app.web import (
        account,
        admin,
        awards,
        board,
        clusters,
        drafting,
        guide,
        overview,
        registers,
        verification,
        work,
        yearend,
    )

    app.register_blueprint(account.bp)
    app.register_blueprint(work.bp)
    app.register_blueprint(drafting.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(registers.bp)
    app.register_blueprint(awards.bp)
    app.register_blueprint(overview.bp)
    app.register_blueprint(clusters.bp)
    app.register_blueprint(verification.bp)
    app.register_blueprint(guide.bp)
    app.register_blueprint(yearend.bp)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(figure, "figure")
    app.add_template_filter(input_number, "input_number")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_clock_on, "clock_on")
    app.add_template_filter(outbox.error_words, "mail_error")

    @app.context_processor
    def _globals():
        unread, sees_outbox, sees_overview, sees_results = 0, False, False, False
        if getattr(current_user, "is_authenticated", False):  # None outside a request
            unread = outbox.unread_count(current_user)
            sees_outbox = bool(current_user.roles & BOARD)
            sees_overview = overview_service.may_see_awards(current_user)
            # the year-end results: the unit's own and the Board (permissions.private_results)
            sees_results = bool(current_user.roles & (BOARD | UNIT))
        return {"unread_count": unread, "sees_outbox": sees_outbox,
                "sees_overview": sees_overview, "sees_results": sees_results,
                "area_word": _area_word,
                "guide_link": guide.link_for}
