"""The one place that reads the clock, so tests can freeze it."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def now_utc() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every timestamp is stored the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> date:
    """Today where the province is: deadlines and document dates are local dates."""
    return datetime.now(UTC).astimezone(local_zone()).date()
