"""GET never writes: every page a citizen opens on the way from the catalogue to the status page,
and every page of a clerk's case work, runs no INSERT, UPDATE or DELETE. The one write a staff
GET makes is the access log of personal data (an audit event), which changes nothing else."""

from __future__ import annotations

import re
from typing import Any

from amtsweg.extensions import db
from amtsweg.processes.models import Process, ProcessVersion
from cases.applying import DOG, PERSON, SLUG, csrf_of, send_step, start, submission_form
from conftest import recorded_statements, town_client
from sqlalchemy import select
from support.logins import login_as

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes_of_get(client: Any, path: str) -> list[str]:
    with recorded_statements(client.application) as statements:
        response = client.get(path)
    assert response.status_code in (200, 302), (path, response.status_code)
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def test_a_citizens_gets_from_catalogue_to_status_page_write_nothing(app):
    client = town_client(app, "neu-anspach")
    visited = ["/", "/leistungen", f"/leistungen/{SLUG}", f"/antrag/{SLUG}/"]
    start(client)
    for number, data in enumerate((PERSON, DOG, {"versicherung": "richtig"}), start=1):
        visited.append(f"/antrag/{SLUG}/schritt/{number}")
        assert send_step(client, number, data).status_code == 302
    visited += [f"/antrag/{SLUG}/pruefen", f"/antrag/{SLUG}/speichern"]
    writes = {path: _writes_of_get(client, path) for path in visited}
    response = client.post(f"/antrag/{SLUG}/absenden", data=submission_form(client))
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    status = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', confirmation).group(1)
    for path in (response.headers["Location"], status, f"{status}/eingangsbestaetigung.pdf",
                 f"{status}/zurueckziehen"):
        writes[path] = _writes_of_get(client, path)
    assert writes == {path: [] for path in writes}


def test_opening_a_draft_of_a_changed_form_writes_nothing_until_the_next_step_is_sent(app):
    client = town_client(app, "neu-anspach")
    start(client)
    send_step(client, 1, PERSON)
    with app.app_context():
        process = db.session.scalars(select(Process).filter_by(slug=SLUG)).one()
        current = db.session.get(ProcessVersion, process.current_version_id)
        newer = ProcessVersion(process_id=process.id, version="e" * 64, definition=current.definition,
                               source=current.source, author="test")
        db.session.add(newer)
        db.session.flush()
        process.current_version_id = newer.id
        db.session.commit()
    for path in (f"/antrag/{SLUG}/schritt/2", f"/antrag/{SLUG}/pruefen", f"/antrag/{SLUG}/"):
        assert _writes_of_get(client, path) == [], path
    page = client.get(f"/antrag/{SLUG}/schritt/1")
    assert "Das Antragsformular wurde inzwischen geändert" in page.get_data(as_text=True)
    form = {"csrf_token": csrf_of(page.get_data(as_text=True)), "aktion": "weiter", **PERSON}
    with recorded_statements(app) as statements:
        assert client.post(f"/antrag/{SLUG}/schritt/1", data=form).status_code == 302
    assert [s for s in statements if s.lstrip().upper().startswith(WRITES)] != []
    assert "Das Antragsformular wurde inzwischen geändert" not in client.get(
        f"/antrag/{SLUG}/schritt/2").get_data(as_text=True)


def test_a_clerks_gets_write_only_the_access_log(app):
    citizen = town_client(app, "usingen")
    start(citizen)
    for number, data in enumerate((PERSON, DOG, {"versicherung": "richtig"}), start=1):
        send_step(citizen, number, data)
    citizen.post(f"/antrag/{SLUG}/absenden", data=submission_form(citizen))
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", "team_lead")
    queue = clerk.get("/sachbearbeitung/").get_data(as_text=True)
    reference = re.search(r"US-\d{4}-\d{6}", queue).group(0)
    paths = ["/sachbearbeitung/", f"/sachbearbeitung/vorgang/{reference}",
             f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf", "/sachbearbeitung/erfassen/",
             f"/sachbearbeitung/erfassen/{SLUG}", "/sachbearbeitung/protokoll"]
    writes = [statement for path in paths for statement in _writes_of_get(clerk, path)]
    assert writes and all(re.match(r"\s*INSERT INTO audit_event", statement) for statement in writes)


def test_the_payment_pages_gets_write_nothing_even_when_the_provider_has_the_money(app, payment_provider,
                                                                                  monkeypatch):
    from payments.payment_support import connect, in_town, make_case, payments_of, return_path, start

    connect(app, "usingen", payment_provider, monkeypatch)
    reference = make_case(app, "usingen")
    url, token = start(app, "usingen", reference)
    paid_return = return_path(payment_provider.choose(url, "bezahlen"))
    transfer_reference = make_case(app, "usingen", number=2)
    _, transfer_token = start(app, "usingen", transfer_reference, "ueberweisung")
    client = town_client(app, "usingen")
    paths = [paid_return, f"/zahlung/{token}", f"/zahlung/{token}?status=PAYED", f"/zahlung/{transfer_token}"]
    writes = {path: _writes_of_get(client, path) for path in paths}
    assert writes == {path: [] for path in paths}
    assert "Zahlungsstatus prüfen" in client.get(paid_return).get_data(as_text=True)
    with in_town(app, "usingen"):
        assert payments_of(reference)[0].status == "open"  # booked only by a POST or reconciliation


def test_the_confirmation_and_status_page_of_a_fee_due_before_processing_write_nothing(app):
    from payments.payment_support import PREPAID, apply_online

    client, confirmation = apply_online(app, "usingen", PREPAID)
    assert "Jetzt bezahlen" in confirmation
    status = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', confirmation).group(1)
    paths = [f"/antrag/{PREPAID}/eingang", status]
    writes = {path: _writes_of_get(client, path) for path in paths}
    assert writes == {path: [] for path in paths}
