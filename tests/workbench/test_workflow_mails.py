"""Workflow actions mail the citizen with the mail templates of the case's process version."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from amtsweg.cases.models import Case
from amtsweg.extensions import db
from amtsweg.notifications.models import OutboxMessage
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client
from support.logins import csrf_token_of, login_as
from workbench.case_factory import make_case


def _step(client, reference, transition, text=""):
    page = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    return client.post(f"/sachbearbeitung/vorgang/{reference}/schritt/{transition}",
                       data={"csrf_token": csrf_token_of(page), "nachricht": text})


def _mails(app) -> list:
    folder = Path(app.config["INSTANCE_DIR"]) / "mail"
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def test_an_information_request_mails_the_citizen_the_process_versions_template(app):
    reference = make_case(app, "usingen", applicant_name="Erika Muster")
    client = town_client(app, "usingen")
    login_as(client, "clerk", username="weber")
    _step(client, reference, "start")
    assert _mails(app) == []
    assert _step(client, reference, "request_information", "Bitte senden Sie den Impfpass.").status_code == 303
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        [message] = db.session.scalars(db.select(OutboxMessage)).all()
        payload = message.payload
    assert payload["template"] == "nachforderung"
    assert set(payload["template_sources"]) >= {"nachforderung.de.txt", "nachforderung.en.txt"}
    [sent] = _mails(app)
    assert sent["To"] == "erika@example.org"
    assert sent["Subject"] == f"Wir benötigen weitere Angaben: Hund zur Hundesteuer anmelden ({reference})"
    body = sent.get_body(("plain",)).get_content()
    assert "Guten Tag Erika Muster" in body and "Bitte senden Sie den Impfpass." in body and "weber" in body


def test_a_decision_mails_the_citizen_once(app):
    reference = make_case(app, "usingen")
    client = town_client(app, "usingen")
    login_as(client, "clerk")
    _step(client, reference, "start")
    _step(client, reference, "approve", "Die Marke liegt bei.")
    subjects = [mail["Subject"] for mail in _mails(app)]
    assert subjects == [f"Über Ihren Antrag wurde entschieden: Hund zur Hundesteuer anmelden ({reference})"]


def test_no_mail_without_an_address(app):
    reference = make_case(app, "usingen")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        db.session.scalars(db.select(Case).filter_by(reference=reference)).one().applicant_email = ""
        db.session.commit()
    client = town_client(app, "usingen")
    login_as(client, "clerk")
    _step(client, reference, "start")
    _step(client, reference, "approve", "Die Marke liegt bei.")
    assert _mails(app) == []
