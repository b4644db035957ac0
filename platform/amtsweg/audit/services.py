"""Recording audit events. Callers add the event to the same transaction as the change they record."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from amtsweg.audit.models import AuditEvent
from amtsweg.extensions import db


def record(actor: str, action: str, object_type: str, object_id: str | int, **details: Any) -> AuditEvent:
    """Add an audit event of the current town to the session (committed with the caller's change)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        host=request.host if has_request_context() else "",
        details=details,
    )
    db.session.add(event)
    return event
