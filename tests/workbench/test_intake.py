"""Multichannel intake: a clerk records a phone/post/in-person application with the citizen's form engine."""

from __future__ import annotations

import io

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import DOG, PERSON
from conftest import tenant_info, town_client
from pypdf import PdfReader
from support.logins import csrf_token_of, login_as

URL = "/sachbearbeitung/erfassen/hundesteuer-anmelden"


def clerk(app, town="usingen"):
    client = town_client(app, town)
    login_as(client, "clerk", username="sb-intake")
    return client


def _form(client, **data):
    page = client.get(URL).get_data(as_text=True)
    key = page.split('name="einreichung" value="')[1].split('"')[0]
    return {"csrf_token": csrf_token_of(page), "einreichung": key, **data}


def _cases(app, town="usingen"):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return [(c.reference, c.channel, c.applicant_name, c.due_date is not None)
                for c in db.session.scalars(db.select(Case))]


def test_a_clerk_records_a_phone_application_with_channel_and_audit(app):
    client = clerk(app)
    assert URL in client.get("/sachbearbeitung/erfassen/").get_data(as_text=True)
    page = client.get(URL)
    assert page.status_code == 200 and 'name="vorname"' in page.get_data(as_text=True)
    response = client.post(URL, data=_form(client, kanal="phone", versicherung="richtig", **PERSON, **DOG))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [(reference, channel, name, has_due_date)] = _cases(app)
    assert (channel, name, has_due_date) == ("phone", "Erika Mustermann", True)
    assert response.headers["Location"].endswith(f"/sachbearbeitung/vorgang/{reference}")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case.submitted")).one()
    assert event.actor == "sb-intake" and event.details["channel"] == "phone"
    receipt = client.get(f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(receipt.data)).pages)
    assert reference in text and "Mustermann" in text


def test_the_same_intake_page_sent_twice_records_one_case(app):
    client = clerk(app)
    form = _form(client, kanal="post", versicherung="richtig", **PERSON, **DOG)
    first = client.post(URL, data=form)
    second = client.post(URL, data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_cases(app)) == 1


def test_missing_answers_and_channel_are_listed_and_nothing_is_stored(app):
    client = clerk(app)
    response = client.post(URL, data=_form(client, vorname="Erika"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte korrigieren Sie" in html and "wie der Antrag eingegangen ist" in html
    assert 'value="Erika"' in html
    assert _cases(app) == []


def test_groups_grow_on_the_intake_page_without_javascript(app):
    client = clerk(app)
    html = client.post(URL, data=_form(client, aktion="hinzufuegen:hunde", **DOG)).get_data(as_text=True)
    assert 'name="hunde.1.name"' in html and 'value="Bello"' in html


def test_intake_needs_staff_and_is_404_for_unknown_processes_and_other_towns(app):
    assert town_client(app, "usingen").get(URL).status_code == 302
    client = clerk(app)
    assert client.get("/sachbearbeitung/erfassen/gibt-es-nicht").status_code == 404
    schmitten_case = clerk(app, "schmitten")
    schmitten_case.post(URL, data=_form(schmitten_case, kanal="in_person", versicherung="richtig", **PERSON, **DOG))
    [(reference, *_)] = _cases(app, "schmitten")
    assert client.get(f"/sachbearbeitung/vorgang/{reference}/eingangsbestaetigung.pdf").status_code == 404
