"""A real SMTP server (aiosmtpd) and a real HTTP receiver that verifies Standard Webhooks
signatures, both on free local ports; helpers to drive changes and the outbox."""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.reliability.processes import free_port


@dataclass
class Inbox:
    """What the SMTP server accepted."""

    messages: list[EmailMessage] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each message
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.arrived.append(time.monotonic())
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield inbox


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free local port (EMAIL_* point at it as production's would)."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: dict | None
    status: int
    at: float = 0.0  # time.monotonic() when it arrived


class Receiver:
    """An HTTP endpoint answering with the queued statuses (then 204), verifying each
    request's signature with the ``standardwebhooks`` package."""

    def __init__(self) -> None:
        self.secret = ""
        self.statuses: list[int] = []
        self.delay = 0.0
        self.hold: threading.Event | None = None  # when set: requests wait for it
        self.arrived = threading.Event()
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/status?source=sli"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.handle(self, body)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        at = time.monotonic()
        headers = dict(request.headers.items())
        try:
            verified = StandardWebhook(self.secret).verify(body, headers)
        except (WebhookVerificationError, ValueError):
            verified = None
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 204
        if verified is None:
            status = 401
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(60)
        if self.delay:
            threading.Event().wait(self.delay)
        with self.lock:
            self.requests.append(Received(headers, body, verified, status, at))
        try:
            request.send_response(status)
            request.send_header("Content-Length", "0")
            request.end_headers()
        except OSError:
            pass

    def accepted(self) -> list[dict]:
        """Verified payloads answered with 2xx."""
        with self.lock:
            return [r.verified for r in self.requests if r.verified and r.status < 300]

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    with Receiver() as running:
        yield running


@pytest.fixture
def notify_settings(settings):
    """Fresh observations for hours (time moves in these tests), the default settling."""
    settings.STALE_AFTER_SECONDS = 24 * 3600.0
    settings.NOTIFY_SETTLE_SECONDS = 120.0
    settings.NOTIFY_RETRY_BASE_SECONDS = 10.0
    settings.NOTIFY_MAX_ATTEMPTS = 8
    return settings


def deliver_due(now: datetime | None = None) -> int:
    """Send every due outbox row, as the sweeper's tasks do; return how many were due."""
    from django.utils import timezone

    from notify import delivery

    ids = delivery.due_ids(now or timezone.now())
    delivery.deliver(ids)
    return len(ids)
