"""A town's system on loopback that receives webhooks the way the API documentation asks receivers
to: it checks the signature (HMAC-SHA256 over ``"<timestamp>.<body>"``) and the timestamp's age,
and takes each event id once, answering 2xx to a repeat without taking it again. It can be
stopped and started again on the same port, or told to answer with another status."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Receivers reject calls signed longer ago than this (seconds).
MAX_AGE = 300


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class WebhookReceiver:
    secret: str = ""
    # The status answered to a call with a valid signature (503: up but not ready).
    status: int = 204
    calls: list[Call] = field(default_factory=list)
    # Event id → event, each taken once.
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/amtsweg"

    def signature_valid(self, headers: dict[str, str], body: bytes) -> bool:
        timestamp = headers.get("callback-timestamp", "")
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= MAX_AGE
        return fresh and hmac.compare_digest(expected, headers.get("callback-authentication", ""))

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        if self.secret and not self.signature_valid(headers, body):
            return 401
        if not 200 <= self.status < 300:
            return self.status
        event = json.loads(body)
        self.events.setdefault(event["id"], event)
        return self.status

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._answer(headers, body)
                receiver.calls.append(Call(headers, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def down(self) -> Iterator[None]:
        """Nothing listens on the receiver's port (calls are refused) until the block ends."""
        self.stop()
        try:
            yield
        finally:
            self.start()


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
