"""What a town's connected systems are told about its cases (webhooks): the events the cases
module publishes and the data each carries. Only what identifies the case and its state goes out;
the receiver reads the rest through the API with its own key."""

from __future__ import annotations

from typing import Any

from amtsweg.cases.models import Case
from amtsweg.notifications.webhooks import publish

SUBMITTED = "case.submitted"
STATUS_CHANGED = "case.status_changed"
MESSAGE_RECEIVED = "case.message_received"


def publish_case_event(case: Case, event_type: str, **data: Any) -> None:
    """Queue ``event_type`` about ``case`` in the current transaction (the caller commits)."""
    publish(event_type, {"reference": case.reference, "process": case.process_slug, "status": case.status, **data})
