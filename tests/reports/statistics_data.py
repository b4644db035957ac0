"""Cases, drafts and offers for the statistics tests, written the way the app writes them (through
the ORM, so the statistics' facts follow), and the statistics of a town read back."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time

from amtsweg.cases.models import Case
from amtsweg.clock import TOWN_TIME
from amtsweg.extensions import db
from amtsweg.processes.models import Process
from amtsweg.reports import queries
from amtsweg.reports.models import ServiceOffer
from amtsweg.reports.periods import Period
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import select, update

PROCESS = "hundesteuer-anmelden"


def moment(day: date, hour: int = 10) -> datetime:
    """A time on ``day`` in Germany, as a stored UTC timestamp."""
    return datetime.combine(day, time(hour), TOWN_TIME).astimezone(UTC)


def add_case(app, town: str, number: int, submitted: date, *, process: str = PROCESS, channel: str = "online",
             due: date | None = None, fee_cents: int = 0, status: str | None = None,
             decided: date | None = None) -> str:
    """A case submitted on ``submitted``; with ``status`` it is moved there on ``decided`` (a second
    transaction, as a clerk's step would). Returns its reference."""
    with app.app_context(), tenant_context(tenant_info(app, town)) as tenant:
        version = db.session.scalars(select(Process.current_version_id).filter_by(slug=process)).one()
        case = Case(
            reference=f"{tenant.reference_prefix}-{submitted.year}-{number:06d}", process_version_id=version,
            process_slug=process, channel=channel, answers={}, applicant_name=f"Person {number}",
            applicant_email="person@example.org", idempotency_key=secrets.token_hex(32),
            submitted_at=moment(submitted), updated_at=moment(submitted), due_date=due, fee_cents=fee_cents,
        )
        db.session.add(case)
        db.session.commit()
        if status is not None:
            case.status = status
            case.updated_at = moment(decided or submitted, 15)
            if status == "closed":
                case.closed_at = case.updated_at
            db.session.commit()
        return case.reference


def statistics(app, town: str, start: date, end: date, process: str | None = None,
               today: date | None = None) -> queries.TownStatistics:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return queries.town_statistics(queries.Selection(Period(start, end), process), today or end)


def offer_everything_since(app, town: str, day: date) -> None:
    """Let the town's current offers start on ``day`` (the test database was set up today)."""
    with app.app_context(), tenant_context(tenant_info(app, town)):
        db.session.execute(update(ServiceOffer).where(ServiceOffer.offered_until.is_(None)).values(offered_from=day))
        db.session.commit()
