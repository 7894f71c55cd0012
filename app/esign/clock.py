"""The signing time: real time, never the app's test clock (certificates and timestamps
are checked against the real one)."""
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
