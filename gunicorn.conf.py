"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Workers are recycled after a number of requests (with jitter, so they do not all restart
at once): memory taken by a large document is given back to the system.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "500"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "50"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # issuing 2,000 certificates
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
