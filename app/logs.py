"""Log lines as JSON objects, one a line (LOG_FORMAT=json). Standard library only: gunicorn's
master reads this formatter for its own log (deploy/gunicorn.conf.py) before any app exists."""
import json
import logging
from datetime import UTC, datetime

_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields when
    there is one, and the exception's text when one is logged."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
