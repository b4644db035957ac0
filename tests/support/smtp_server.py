"""A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from .process import free_port


@dataclass(frozen=True)
class ReceivedMail:
    """One delivered message with its SMTP envelope."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class _Collector:
    """aiosmtpd handler that stores every message, parsed, for the test thread to read."""

    def __init__(self, mailbox: SmtpServer) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mailbox.deliver(ReceivedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start/stop keep the same port, so a test can take the server down and bring it back."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._received: list[ReceivedMail] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        # A stopped Controller has closed its event loop, so every start needs a new one.
        controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @contextmanager
    def down(self) -> Iterator[None]:
        """The server is unreachable inside the block and running again after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def deliver(self, mail: ReceivedMail) -> None:
        with self._changed:
            self._received.append(mail)
            self._changed.notify_all()

    @property
    def received(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.received]

    def clear(self) -> None:
        with self._changed:
            self._received.clear()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until at least ``count`` messages arrived; return all of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} mail(s) within {timeout:.0f} s, got {len(self._received)}"
                    )
                self._changed.wait(remaining)
            return [mail.message for mail in self._received]
