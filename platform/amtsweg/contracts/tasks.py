"""The daily contract job: refresh the cached deadlines and queue due reminders, town by town."""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app

from amtsweg.clock import today_in_germany
from amtsweg.contracts.services import refresh_all_deadlines, send_due_reminders
from amtsweg.jobs.schedule import periodic
from amtsweg.tenancy.queries import in_each_town

log = logging.getLogger(__name__)


def run_for_town(today: date) -> int:
    """Refresh and remind for the current town; returns the number of reminders queued."""
    refresh_all_deadlines(today)
    lead_days = sorted({int(days) for days in current_app.config["CONTRACT_REMINDER_DAYS"]}, reverse=True)
    return send_due_reminders(today, lead_days)


@periodic("contracts.daily", "30 4 * * *")
def daily() -> None:
    """Every town's contract deadlines and reminders; safe to run twice (reminders are unique)."""
    today = today_in_germany()
    for town, queued in in_each_town(lambda: run_for_town(today), "contract reminders"):
        log.info("contract reminders for %s: %d queued", town.slug, queued)
