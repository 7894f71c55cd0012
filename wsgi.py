"""Entry point for a WSGI server (gunicorn wsgi:app), and FLASK_APP of the flask command.

The project's .env is read here, before the app is built, exactly as the flask command
reads it: gunicorn, the flask commands and the delivery worker see the same settings.
"""
import sys
from pathlib import Path

from app.config import load_env_file

load_env_file(Path(__file__).resolve().parent / ".env")

from app import create_app  # noqa: E402 - the environment must be complete first

app = create_app()

if "gunicorn" in sys.modules:  # serving (not the flask command, which must be able to fix it)
    from app.services.identities import check_at_startup

    check_at_startup(app)
