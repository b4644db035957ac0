"""The online application without JavaScript (Flask test client): steps, errors, groups, review,
submission, double submission and the bad inputs a citizen or an attacker may send."""

from __future__ import annotations

import re

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case, CaseAccessToken, Draft
from amtsweg.extensions import db
from amtsweg.notifications.models import OutboxMessage
from amtsweg.processes.models import Process, ProcessVersion
from amtsweg.processes.services import set_enabled
from amtsweg.tenancy import tenant_context
from cases.applying import DOG, PERSON, SLUG, csrf_of, fill_all_steps, send_step, start, submission_form, submit
from conftest import link_in, sent_mails, tenant_info, town_client
from sqlalchemy import select


def _cases(app, slug):
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        return db.session.scalars(select(Case)).all()


def test_a_submitted_application_gets_a_reference_number_and_a_status_link(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    response = submit(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    year_reference = re.search(r'id="aktenzeichen">(NA-\d{4}-\d{6})<', page).group(1)
    status_link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)

    [case] = _cases(app, "neu-anspach")
    assert case.reference == year_reference and year_reference.endswith("-000001")
    assert case.status == "submitted" and case.channel == "online"
    assert case.applicant_name == "Erika Mustermann" and case.applicant_email == "erika@example.org"
    assert case.answers["hunde"][0]["name"] == "Bello"
    assert case.answers["geburtsdatum"] == "1980-05-17"
    token = status_link.rsplit("/", 1)[1]
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        stored = db.session.scalars(select(CaseAccessToken.token_hash)).all()
    assert len(token) >= 22 and len(stored) == 1 and token not in stored[0]
    status = client.get(status_link)
    assert status.status_code == 200 and year_reference in status.get_data(as_text=True)
    assert _cases(app, "usingen") == []


def test_submission_writes_audit_event_and_confirmation_mail_in_the_same_town(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    submit(client)
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        case = db.session.scalars(select(Case)).one()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(case.id))).all()
        mails = db.session.scalars(select(OutboxMessage)).all()
    assert [e.action for e in events] == ["case.submitted"]
    assert [m.payload["template"] for m in mails] == ["eingangsbestaetigung"]
    assert mails[0].payload["to"] == "erika@example.org"
    assert case.reference == mails[0].payload["context"]["reference"]


def test_the_status_link_is_a_404_on_another_towns_host_and_with_a_wrong_token(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    status_link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)
    assert town_client(app, "usingen").get(status_link).status_code == 404
    assert town_client(app, "usingen").get(status_link + "/eingangsbestaetigung.pdf").status_code == 404
    assert client.get(status_link[:-2] + "xx").status_code == 404
    assert client.get("/vorgang/").status_code == 404


def test_an_invalid_answer_shows_the_error_summary_and_keeps_the_input(app):
    client = town_client(app, "neu-anspach")
    start(client)
    response = send_step(client, 1, {**PERSON, "geburtsdatum": "31.02.1980", "email": "kein-at"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'role="alert"' in html and "<title>Fehler:" in html
    assert 'href="#feld-geburtsdatum"' in html and 'href="#feld-email"' in html
    assert "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ)." in html
    assert 'value="31.02.1980"' in html and 'value="Erika"' in html
    assert 'aria-describedby="feld-geburtsdatum-hinweis feld-geburtsdatum-fehler"' in html
    # The next step cannot be opened while this one has errors.
    assert client.get(f"/antrag/{SLUG}/schritt/2").status_code == 302


def test_every_field_has_a_label_and_radio_groups_a_legend(app):
    client = town_client(app, "neu-anspach")
    start(client)
    send_step(client, 1, PERSON)
    html = client.get(f"/antrag/{SLUG}/schritt/2").get_data(as_text=True)
    assert "Schritt 2 von 3" in html
    for input_id in re.findall(r'<(?:input|select|textarea) class="kern-[^"]*" (?:type="[a-z]+" )?id="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id
    assert '<legend class="kern-label">Geschlecht</legend>' in html
    step1 = client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert 'autocomplete="given-name"' in step1 and 'autocomplete="postal-code"' in step1


def test_a_conditional_field_is_shown_by_the_server_once_its_condition_holds(app):
    client = town_client(app, "neu-anspach")
    start(client)
    send_step(client, 1, PERSON)
    plain = client.get(f"/antrag/{SLUG}/schritt/2").get_data(as_text=True)
    # Without JavaScript it is not shown: its wrapper is hidden and disabled (never sent).
    wrapper = plain[:plain.index("Warum gilt der Hund als gefährlich?")].rpartition("application-condition")[2]
    assert wrapper.split(">", 1)[0].endswith(" hidden disabled")
    response = send_step(client, 2, {**DOG, "hunde.0.gefaehrlich": "ja"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Warum gilt der Hund als gefährlich?" in html
    assert 'href="#feld-hunde-0-gefaehrlich-grund"' in html


def test_group_items_are_added_and_removed_with_buttons(app):
    client = town_client(app, "neu-anspach")
    start(client)
    send_step(client, 1, PERSON)
    added = send_step(client, 2, DOG, action="hinzufuegen:hunde")
    assert added.status_code == 302
    html = client.get(f"/antrag/{SLUG}/schritt/2").get_data(as_text=True)
    assert "Hund 2" in html and 'value="Bello"' in html
    send_step(client, 2, DOG, action="entfernen:hunde:1")
    html = client.get(f"/antrag/{SLUG}/schritt/2").get_data(as_text=True)
    assert "Hund 2" not in html and 'value="Bello"' in html


def test_review_shows_answers_and_requires_both_declarations(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    review = client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    assert "Bello" in review and "17.05.1980" in review and "Labrador-Mischling" in review
    form = submission_form(client)
    del form["wahrheit"]
    response = client.post(f"/antrag/{SLUG}/absenden", data=form)
    assert response.status_code == 200
    assert "Bitte versichern Sie" in response.get_data(as_text=True)
    assert _cases(app, "neu-anspach") == []


def test_sending_the_review_form_twice_creates_one_case(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    form = submission_form(client)
    first = client.post(f"/antrag/{SLUG}/absenden", data=form)
    second = client.post(f"/antrag/{SLUG}/absenden", data=form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(_cases(app, "neu-anspach")) == 1


def test_two_applications_get_consecutive_reference_numbers(app):
    for _ in range(2):
        client = town_client(app, "neu-anspach")
        fill_all_steps(client)
        submit(client)
    assert sorted(c.reference[-6:] for c in _cases(app, "neu-anspach")) == ["000001", "000002"]


def test_a_missing_csrf_token_is_a_german_400_and_stores_nothing(app):
    client = town_client(app, "neu-anspach")
    start(client)
    response = client.post(f"/antrag/{SLUG}/schritt/1", data={**PERSON, "aktion": "weiter"})
    assert response.status_code == 400
    assert "Das Formular ist abgelaufen" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        assert db.session.scalars(select(Draft)).one().answers == {}


def test_tampered_steps_and_actions_never_fail_with_500(app):
    client = town_client(app, "neu-anspach")
    start(client)
    assert client.get(f"/antrag/{SLUG}/schritt/3").status_code == 302
    assert client.get(f"/antrag/{SLUG}/schritt/99").status_code == 404
    assert client.get(f"/antrag/{SLUG}/pruefen").status_code == 302
    send_step(client, 1, PERSON)
    for action in ("entfernen:hunde:7", "hinzufuegen:gibtsnicht", "datei-entfernen:hunde.0.erlaubnis_nachweis:0",
                   "loeschen", "entfernen:hunde:x"):
        response = send_step(client, 2, DOG, action=action)
        assert response.status_code == 400, action
        assert "Ungültige Anfrage" in response.get_data(as_text=True)
    # An input for an item that does not exist on the server is ignored.
    send_step(client, 2, {**DOG, "hunde.5.name": "Geist", "unbekannt": "x"})
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        answers = db.session.scalars(select(Draft)).one().answers
    assert len(answers["hunde"]) == 1 and "unbekannt" not in answers


def test_a_forged_submission_key_is_refused(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    form = {**submission_form(client), "einreichung": "gefaelscht"}
    assert client.post(f"/antrag/{SLUG}/absenden", data=form).status_code == 400
    assert _cases(app, "neu-anspach") == []


def test_without_a_draft_the_steps_send_the_citizen_to_the_start(app):
    client = town_client(app, "neu-anspach")
    response = client.get(f"/antrag/{SLUG}/schritt/1")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/antrag/{SLUG}/")


def test_unknown_external_and_switched_off_processes_have_no_form(app):
    assert town_client(app, "neu-anspach").get("/antrag/gibt-es-nicht/").status_code == 404
    assert town_client(app, "neu-anspach").get("/antrag/aufenthaltstitel/").status_code == 404
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        set_enabled(SLUG, False, "test")
        db.session.commit()
    assert town_client(app, "usingen").get(f"/antrag/{SLUG}/").status_code == 404
    assert town_client(app, "neu-anspach").get(f"/antrag/{SLUG}/").status_code == 200


def test_a_changed_definition_sends_the_citizen_back_to_check_the_answers(app):
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    form = submission_form(client)
    with app.app_context():
        process = db.session.scalars(select(Process).filter_by(slug=SLUG)).one()
        current = db.session.get(ProcessVersion, process.current_version_id)
        newer = ProcessVersion(process_id=process.id, version="f" * 64, definition=current.definition,
                               source=current.source, author="test")
        db.session.add(newer)
        db.session.flush()
        process.current_version_id = newer.id
        db.session.commit()
    response = client.post(f"/antrag/{SLUG}/absenden", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/schritt/1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Das Antragsformular wurde inzwischen geändert" in page
    assert 'value="Erika"' in page
    assert _cases(app, "neu-anspach") == []


def test_save_for_later_mails_a_resume_link_that_opens_the_draft_elsewhere(app):
    client = town_client(app, "neu-anspach")
    start(client)
    send_step(client, 1, PERSON)
    page = client.get(f"/antrag/{SLUG}/speichern").get_data(as_text=True)
    bad = client.post(f"/antrag/{SLUG}/speichern", data={"csrf_token": csrf_of(page), "email": "falsch"})
    assert "gültige E-Mail-Adresse" in bad.get_data(as_text=True)
    done = client.post(f"/antrag/{SLUG}/speichern", data={"csrf_token": csrf_of(page), "email": "e@example.org"})
    assert done.status_code == 200 and "Link gesendet" in done.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.payload["template"] == "entwurf_fortsetzen" and mail.payload["to"] == "e@example.org"
    [sent] = sent_mails(app)
    assert sent["To"] == "e@example.org"
    link = link_in(sent, "/antrag/")
    other_browser = town_client(app, "neu-anspach")
    response = other_browser.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/schritt/2")
    assert "Hund 1" in other_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert town_client(app, "usingen").get(link).status_code == 404


def test_an_expired_draft_link_says_so_in_german(app):
    client = town_client(app, "neu-anspach")
    start(client)
    send_step(client, 1, PERSON)
    page = client.get(f"/antrag/{SLUG}/speichern").get_data(as_text=True)
    client.post(f"/antrag/{SLUG}/speichern", data={"csrf_token": csrf_of(page), "email": "e@example.org"})
    link = link_in(sent_mails(app)[0], "/antrag/")
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        draft = db.session.scalars(select(Draft)).one()
        draft.expires_at = draft.created_at.replace(year=2000)
        db.session.commit()
    response = town_client(app, "neu-anspach").get(link)
    assert response.status_code == 404
    assert "abgelaufen" in response.get_data(as_text=True)
    assert client.get(f"/antrag/{SLUG}/schritt/1").status_code == 302


def test_a_failing_fee_rule_never_loses_the_application(app, monkeypatch):
    from amtsweg.cases import assessment
    from amtsweg.processes.fees import FeeError

    def broken_rule(*args, **kwargs):
        raise FeeError("fee 'steuer': rule failed")

    monkeypatch.setattr(assessment, "compute_fees", broken_rule)
    client = town_client(app, "neu-anspach")
    fill_all_steps(client)
    review = client.get(f"/antrag/{SLUG}/pruefen").get_data(as_text=True)
    assert "nicht automatisch berechnet" in review
    assert submit(client).status_code == 302
    [case] = _cases(app, "neu-anspach")
    with app.app_context(), tenant_context(tenant_info(app, "neu-anspach")):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.submitted")).one()
    assert case.fee_cents in (0, None)
    assert "rule failed" in event.details["fee_problem"]
