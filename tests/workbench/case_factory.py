"""Cases created directly in the database for workbench tests (the citizen form is tested elsewhere)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.processes.models import Process
from amtsweg.tenancy import tenant_context
from conftest import tenant_info

PROCESS = "hundesteuer-anmelden"


def make_case(app, town: str, number: int = 1, process: str = PROCESS, **fields) -> str:
    """Store a submitted case in ``town``; returns its reference."""
    with app.app_context(), tenant_context(tenant_info(app, town)) as tenant:
        version_id = db.session.scalars(db.select(Process.current_version_id).filter_by(slug=process)).one()
        case = Case(
            reference=f"{tenant.reference_prefix}-2026-{number:06d}",
            process_version_id=version_id,
            process_slug=process,
            answers=fields.pop("answers", {}),
            applicant_name=fields.pop("applicant_name", f"Erika Muster {number}"),
            applicant_email="erika@example.org",
            idempotency_key=secrets.token_hex(32),
            submitted_at=fields.pop("submitted_at", datetime(2026, 3, 2, 9, tzinfo=UTC)),
            **fields,
        )
        db.session.add(case)
        db.session.commit()
        return case.reference
