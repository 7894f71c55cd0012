"""Fixtures of the notification tests: a real SMTP server on 127.0.0.1 (aiosmtpd), the
app's mail settings pointed at it, and helpers to deliver the outbox and read what arrived."""
import email
import socket
import threading
from dataclasses import dataclass
from email import policy
from functools import cached_property

import pytest
from aiosmtpd.controller import Controller

from app.extensions import mail


def free_port() -> int:
    """aiosmtpd's Controller cannot take port 0: ask the system for a free one first."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """One message as it arrived: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list
    raw: bytes

    @cached_property
    def msg(self):
        return email.message_from_bytes(self.raw, policy=policy.default)

    @property
    def to(self) -> str:
        (only,) = self.rcpt_tos  # one outbox row, one recipient
        return only

    @property
    def subject(self) -> str:
        return self.msg["Subject"]

    def text(self) -> str:
        return self.msg.get_body(("plain",)).get_content()

    def html(self) -> str:
        return self.msg.get_body(("html",)).get_content()

    def attachments(self) -> list[tuple[str, bytes]]:
        return [(part.get_filename(), part.get_content()) for part in self.msg.iter_attachments()]


class _Collector:
    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.content)))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a fixed free port of 127.0.0.1; may be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.handler = _Collector()
        self.controller = None

    def start(self):
        assert self.controller is None
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def running(self) -> bool:
        return self.controller is not None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def take(self) -> list[Received]:
        """What arrived since the last take (and forget it)."""
        with self.handler.lock:
            out, self.handler.received = self.handler.received, []
        return out


@pytest.fixture
def smtp_server(app):
    """A running SMTP server; MAIL_SERVER/MAIL_PORT point at it for the test.

    Flask-Mail reads its settings once, in init_app, so the extension's state is rebuilt
    from the changed config (and the old one put back afterwards).
    """
    server = SmtpServer()
    server.start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    saved_state = app.extensions["mail"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    mail.init_app(app)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)
        app.extensions["mail"] = saved_state


@pytest.fixture
def config(app):
    """config(KEY=value, …): change app.config for this test only."""
    saved = {}

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield change
    app.config.update(saved)


def deliver_all(rounds=20) -> dict:
    """Run the delivery until a round finds nothing due (at most ``rounds`` rounds)."""
    from app.delivery import deliver_due

    total = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(rounds):
        counts = deliver_due()
        for key in total:
            total[key] += counts[key]
        if not any(counts.values()):
            return total
    raise AssertionError(f"the outbox was still busy after {rounds} rounds: {total}")
