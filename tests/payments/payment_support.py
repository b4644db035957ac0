"""Towns connected to the running XBezahldienste simulator, cases with fees, and the citizen's
side of a payment (starting it, choosing on the provider's page, coming back)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from amtsweg.cases import drafts
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.payments.models import Payment
from amtsweg.payments.xbezahldienste.auth import sessions, variable
from amtsweg.processes.models import Process
from amtsweg.processes.queries import enabled_process
from amtsweg.processes.sample_answers import valid_answers
from amtsweg.tenancy import TenantInfo, tenant_context
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.resolution import directory
from cases.applying import submit
from conftest import tenant_info, town_client
from flask import Flask
from support.xbezahldienste import XBezahldiensteSimulator

PROCESS = "gewerbe-anmelden"
FEES = [
    {"id": "gebuehr", "label": {"de": "Verwaltungsgebühr", "en": "Administrative fee"}, "cents": 2550},
    {"id": "auskunft", "label": {"de": "Auskunft Gewerberegister", "en": "Trade register extract"}, "cents": 1234},
]
TOTAL = 2550 + 1234
# Offered by Usingen, payment: before_processing, 10 €, a form without uploads.
PREPAID = "melderegisterauskunft-einfach"


@contextmanager
def in_town(app: Flask, slug: str) -> Iterator[TenantInfo]:
    with app.app_context(), tenant_context(tenant_info(app, slug)) as tenant:
        assert tenant is not None
        yield tenant


def set_payments(app: Flask, slug: str, **xbezahldienste: Any) -> None:
    """Change the town's [payments.xbezahldienste] as a new tenant.toml would (and forget cached sessions)."""
    with app.app_context():
        tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one()
        settings = dict(tenant.settings)
        payments = dict(settings["payments"])
        payments["xbezahldienste"] = {**payments["xbezahldienste"], **xbezahldienste}
        settings["payments"] = payments
        tenant.settings = settings
        db.session.commit()
    directory.invalidate()
    sessions.clear()


def connect(app: Flask, slug: str, simulator: XBezahldiensteSimulator, monkeypatch: pytest.MonkeyPatch,
            profile: str = "basic", **extra: Any) -> dict[str, Any]:
    """Register the town as an account of the simulator with ``profile`` and point the town at it
    (secrets in the environment, as in production). Returns the account."""
    info = tenant_info(app, slug)
    xbez = info.settings["payments"]["xbezahldienste"]
    account: dict[str, Any] = {"originator_id": xbez["originator_id"], "auth": profile,
                               "endpoints": [xbez["endpoint_id"]], "required_booking_keys": ["haushaltsstelle"]}
    settings: dict[str, Any] = {"base_url": simulator.url, "profile": profile}
    secret = secrets.token_urlsafe(12)
    if profile == "basic":
        account.update(username=xbez["originator_id"], password=secret)
        monkeypatch.setenv(variable("SECRET", slug), secret)
    elif profile == "oauth2":
        account.update(client_id=f"client-{slug}", client_secret=secret)
        settings.update(client_id=f"client-{slug}", token_url=f"{simulator.url}/oauth/token")
        monkeypatch.setenv(variable("SECRET", slug), secret)
    else:
        assert simulator.pki is not None
        account.update(certificate_cn=simulator.pki.client_cn)
        monkeypatch.setenv(variable("CERT", slug), str(simulator.pki.client_cert))
        monkeypatch.setenv(variable("KEY", slug), str(simulator.pki.client_key))
    if simulator.pki is not None:
        monkeypatch.setenv(variable("CA", slug), str(simulator.pki.ca))
    account.update(extra)
    simulator.add_accounts(account)
    set_payments(app, slug, **settings)
    return account


def make_case(app: Flask, slug: str, number: int = 1, fees: list[dict[str, Any]] | None = None,
              process: str = PROCESS) -> str:
    """A submitted case with fee lines in ``slug``; returns its reference."""
    fees = FEES if fees is None else fees
    with in_town(app, slug) as tenant:
        version_id = db.session.scalars(db.select(Process.current_version_id).filter_by(slug=process)).one()
        case = Case(
            reference=f"{tenant.reference_prefix}-2026-{number:06d}", process_version_id=version_id,
            process_slug=process, answers={}, applicant_name="Erika Mustermann", applicant_email="erika@example.org",
            idempotency_key=secrets.token_hex(32), submitted_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
            fees=fees, fee_cents=sum(line["cents"] for line in fees),
        )
        db.session.add(case)
        db.session.commit()
        return case.reference


def case_of(reference: str) -> Case:
    return db.session.execute(db.select(Case).filter_by(reference=reference)).scalar_one()


def payments_of(reference: str) -> list[Payment]:
    return list(db.session.scalars(db.select(Payment).filter_by(case_reference=reference).order_by(Payment.attempt)))


def start(app: Flask, slug: str, reference: str, method: str | None = None) -> tuple[str | None, str | None]:
    """Start paying the case (as the service is called from the case flow): (provider page, return token)."""
    from amtsweg.payments.services import start_payment

    with in_town(app, slug):
        started = start_payment(case_of(reference), None, "payment.show", method)
        return started.redirect_url, started.token


def return_path(simulator_response: Any) -> str:
    """The path of our return address the provider sent the citizen back to."""
    location = simulator_response.headers["Location"]
    match = re.match(r"^https?://[^/]+(/.*)$", location)
    assert match, location
    return match.group(1)


def come_back(client: Any, path: str, checks: int = 1) -> Any:
    """The citizen lands on the return address (a page that only reads) and presses "Zahlungsstatus
    prüfen" ``checks`` times (when the page offers it); the page they see last."""
    from support.logins import csrf_token_of

    page = client.get(path)
    for _ in range(checks):
        if "Zahlungsstatus prüfen" not in page.text:
            break
        token_path = path.split("?")[0]
        response = client.post(f"{token_path}/pruefen", data={"csrf_token": csrf_token_of(page.text)})
        assert response.status_code == 303, response.status_code
        page = client.get(response.headers["Location"])
    return page


def apply_online(app: Flask, slug: str, process: str, locale: str = "de") -> tuple[Any, str]:
    """A citizen fills the form of ``process`` (valid answers stored in their draft) and submits:
    their client and the confirmation page."""
    client = town_client(app, slug)
    with in_town(app, slug):
        offered = enabled_process(process)
        draft, token = drafts.start_draft(offered)
        drafts.save_step(draft, offered, valid_answers(offered.definition), len(offered.definition.form.steps))
        db.session.commit()
    with client.session_transaction(base_url=f"http://{client.host}/") as session:
        session["antraege"] = {process: token}
    if locale == "en":
        client.get("/sprache/en")
    response = submit(client, process)
    assert response.status_code == 302, response.status_code
    confirmation = client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    return client, confirmation.get_data(as_text=True)
