"""The one place that reads the clock, so tests can freeze it."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> date:
    """Today where the province is: deadlines and document dates are local dates."""
    return datetime.now(timezone.utc).astimezone(local_zone()).date()
