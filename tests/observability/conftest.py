"""The real SMTP server of the notification tests (aiosmtpd on 127.0.0.1), for /readyz."""
from tests.notifications.conftest import config, smtp_server  # noqa: F401 - fixtures
