"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

The settings live in deploy/gunicorn.conf.py (the deployment guide's file); this one reads
them, so both commands run the same configuration.
"""
import runpy
from pathlib import Path

globals().update({name: value for name, value in runpy.run_path(
    str(Path(__file__).resolve().parent / "deploy" / "gunicorn.conf.py")).items()
    if not name.startswith("__")})
