"""Virus scan of uploads with clamd (INSTREAM over a Unix socket or TCP), when CLAMD_ADDRESS is set."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from flask import current_app

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30


class ScanUnavailable(RuntimeError):
    """clamd could not be asked; the upload is refused (fail closed)."""


def _connect(address: str) -> socket.socket:
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: str | tuple[str, int] = address
    else:
        host, _, port = address.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host or "127.0.0.1", int(port))
    sock.settimeout(TIMEOUT_SECONDS)
    sock.connect(target)
    return sock


def scan_file(path: Path, address: str) -> str | None:
    """The name of the signature clamd found in the file, or None when it is clean."""
    try:
        with _connect(address) as sock, path.open("rb") as content:
            sock.sendall(b"zINSTREAM\0")
            while chunk := content.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except (OSError, ValueError) as exc:
        raise ScanUnavailable(f"clamd at {address}: {exc}") from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("OK"):
        return None
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ScanUnavailable(f"clamd at {address} answered {answer!r}")


def scan_upload(path: Path) -> str | None:
    """Scan with the configured clamd; without CLAMD_ADDRESS nothing is scanned (None)."""
    address = current_app.config.get("CLAMD_ADDRESS")
    if not address:
        return None
    return scan_file(path, address)
