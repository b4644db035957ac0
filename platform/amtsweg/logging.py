"""Structured logs: one line per request, each record with the request id and the town's slug.

``LOG_FORMAT=json`` (production) writes one JSON object per line for the journal or a log
shipper; ``text`` is for people. The request id comes from ``X-Request-ID`` (set by nginx) or is
generated, and is sent back in the response's ``X-Request-ID``.

Paths are logged with their secret part masked (status links, draft resume links, calendar
addresses, import previews): whoever reads the log must not be able to open a citizen's case.
``deploy/nginx/amtsweg.conf`` masks the same paths in the access log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from werkzeug.wrappers import Response

from amtsweg.tenancy.context import current_tenant_or_none

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Paths whose next segment is a secret token; the segment is logged as "***".
_SECRET_SEGMENT = re.compile(
    r"^(/vorgang/|/antrag/[^/]+/fortsetzen/|/sachbearbeitung/vertraege/kalender/|/sachbearbeitung/vertraege/import/)"
    r"[^/]+"
)
_HANDLER_MARK = "_amtsweg_handler"
request_log = logging.getLogger("amtsweg.request")


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``tenant`` to every record (empty outside requests and jobs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "") if has_request_context() else ""
        tenant = current_tenant_or_none()
        record.tenant = tenant.slug if tenant else ""
        return True


class JsonFormatter(logging.Formatter):
    _EXTRA = ("method", "path", "route", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "tenant": getattr(record, "tenant", ""),
        }
        for key in self._EXTRA:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(tenant)s] %(message)s"


def configure(log_format: str, level: str) -> logging.Handler:
    """Install the one stderr handler of the process on the root logger (replacing an earlier one)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic's logging set-up (fileConfig) disables loggers that existed before an in-process
    # migration; the platform's own must keep logging.
    for name, logger in logging.Logger.manager.loggerDict.items():
        if name.startswith("amtsweg") and isinstance(logger, logging.Logger):
            logger.disabled = False
    return handler


def loggable_path(path: str) -> str:
    """``path`` with a secret token in it replaced by ``***``."""
    return _SECRET_SEGMENT.sub(r"\1***", path)


def incoming_request_id() -> str:
    """The proxy's X-Request-ID when it looks like one, else a new id."""
    candidate = request.headers.get("X-Request-ID", "")
    return candidate if _REQUEST_ID.match(candidate) else uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Configure logging (text or JSON lines) and tag each request's records with its id and town."""
    if app.config["LOG_FORMAT"] not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT must be text or json, not '{app.config['LOG_FORMAT']}'")
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    @app.before_request
    def _start() -> None:
        g.request_id = incoming_request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or incoming_request_id()
        response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        path = loggable_path(request.path)
        request_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "route": request.url_rule.rule if request.url_rule else "",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "remote_addr": request.remote_addr,
            },
        )
        return response
