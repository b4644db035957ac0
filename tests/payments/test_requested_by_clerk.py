"""The workflow's request_payment action with the payments module in its slot: the clerk's step
starts the payment and the citizen gets a mail whose link shows what to pay and how."""

from __future__ import annotations

import re

from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case
from amtsweg.cases.tokens import issue_case_token
from amtsweg.cases.workflow import ACTIONS
from amtsweg.clock import today_in_germany
from amtsweg.extensions import db
from amtsweg.payments import services
from amtsweg.payments.requests import ProviderPayment
from conftest import host_client, link_in, sent_mails, town_client
from payment_support import in_town, payments_of
from support.logins import csrf_token_of, login_as
from workbench.case_factory import make_case

FEE_PROCESS = "anwohnerparkausweis"  # offered by Usingen, workflow "fee"
FEES = [{"id": "gebuehr", "label": {"de": "Gebühr Parkausweis", "en": "Parking permit fee"}, "cents": 3000}]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _request_payment(app, reference):
    clerk = host_client(app, "usingen.localhost")
    login_as(clerk, "clerk", username="weber")
    page = clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    response = clerk.post(f"/sachbearbeitung/vorgang/{reference}/schritt/request_payment",
                          data={"csrf_token": csrf_token_of(page), "nachricht": ""})
    return clerk, response


def test_the_payments_module_is_the_registered_request_payment_action():
    assert isinstance(ACTIONS["request_payment"], ProviderPayment)


def test_a_requested_payment_mails_the_citizen_a_link_that_shows_the_fee_and_how_to_pay(app):
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=3000, fees=FEES)
    _, response = _request_payment(app, reference)
    assert response.status_code == 303

    mails = [mail for mail in sent_mails(app) if mail["Subject"].startswith("Bitte bezahlen Sie die Gebühr")]
    assert len(mails) == 1 and mails[0]["To"] == "erika@example.org"
    body = " ".join(mails[0].get_body(("plain",)).get_content().split())
    assert "Gebühr Parkausweis: 30,00 €" in body and "Gesamt: 30,00 €" in body
    link = link_in(mails[0], "/zahlung/")

    page = _text(town_client(app, "usingen").get(link).get_data(as_text=True))
    assert "30,00 €" in page and reference in page
    # Another town's host does not know the payment.
    assert town_client(app, "schmitten").get(link).status_code == 404

    with in_town(app, "usingen"):
        payment = payments_of(reference)[0]
        assert payment.amount_cents == 3000 and payment.method == "ueberweisung" and payment.status == "open"
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case.transition")).one()
        assert event.details["payment_methods"][0] == "ueberweisung" and event.details["payment_provider"] is None


def test_requesting_payment_of_a_case_without_a_fee_is_refused_and_changes_nothing(app):
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=0, fees=[])
    clerk, response = _request_payment(app, reference)
    page = _text(clerk.get(response.headers.get("Location", f"/sachbearbeitung/vorgang/{reference}"))
                 .get_data(as_text=True))
    assert "Für diesen Antrag ist keine Gebühr zu zahlen." in page
    assert "Wartet auf Zahlung" not in page
    with in_town(app, "usingen"):
        assert payments_of(reference) == []
    assert not [mail for mail in sent_mails(app) if mail["Subject"].startswith("Bitte bezahlen")]


def test_a_fee_booked_by_the_cash_office_lets_the_case_continue_and_no_longer_shows_as_outstanding(app):
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=3000, fees=FEES)
    clerk, _ = _request_payment(app, reference)
    with in_town(app, "usingen"):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        status = f"/vorgang/{issue_case_token(case.id, 'mail')}"
        db.session.commit()
    citizen = town_client(app, "usingen")
    assert "Zahlung ausstehend: 30,00 €" in _text(citizen.get(status).get_data(as_text=True))

    with in_town(app, "usingen"):
        services.mark_paid_by_hand(payments_of(reference)[0], "kasse-usingen", today_in_germany(), "Kontoauszug 12")

    assert "Zahlung ausstehend" not in _text(citizen.get(status).get_data(as_text=True))
    case_page = _text(clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    assert "Zahlung ausstehend" not in case_page and "Wartet auf Zahlung" not in case_page
    with in_town(app, "usingen"):
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case.transition")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.actor == "system" and event.details["transition"] == "payment_received"


def test_the_status_page_of_a_requested_payment_offers_to_pay_now_and_leads_to_the_payment(app):
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=3000, fees=FEES)
    _request_payment(app, reference)
    with in_town(app, "usingen"):
        case = db.session.scalars(db.select(Case).filter_by(reference=reference)).one()
        status = f"/vorgang/{issue_case_token(case.id, 'mail')}"
        db.session.commit()
    citizen = town_client(app, "usingen")
    page = citizen.get(status).get_data(as_text=True)
    assert "Jetzt bezahlen" in _text(page)

    elsewhere = town_client(app, "schmitten")
    assert elsewhere.get(status).status_code == 404
    assert elsewhere.post(f"{status}/bezahlen").status_code in (400, 404)
    response = citizen.post(f"{status}/bezahlen", data={"csrf_token": csrf_token_of(page)})
    assert response.status_code == 303 and "/zahlung/" in response.headers["Location"]
    payment_page = _text(citizen.get(response.headers["Location"]).get_data(as_text=True))
    assert "30,00 €" in payment_page and reference in payment_page
    with in_town(app, "usingen"):
        assert len(payments_of(reference)) == 1  # the same payment, not a second one


def _overview(page: str) -> str:
    """The text of the case page's payment row in the overview panel."""
    row = re.search(r'<div class="kern-description-list-item" id="zahlung">(.*?)</div>', page, re.S)
    assert row is not None, "no payment row in the overview"
    return _text(row.group(1))


def test_the_case_overview_shows_the_outstanding_payment_and_then_its_booking(app):
    reference = make_case(app, "usingen", process=FEE_PROCESS, fee_cents=3000, fees=FEES)
    clerk, _ = _request_payment(app, reference)
    requested_on = today_in_germany().strftime("%d.%m.%Y")

    row = _overview(clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    assert row == f"Zahlung ausstehend 30,00 € (angefordert am {requested_on}) Offen Überweisung mit Kassenzeichen"
    # A clerk without the cash office role gets no link into the cash office.
    assert "in der Kasse ansehen" not in row

    cashier = host_client(app, "usingen.localhost")
    login_as(cashier, "clerk", "cash_office", username="kasse-usingen")
    page = cashier.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    link = re.search(r'href="(/sachbearbeitung/zahlungen/\d+)">Zahlung in der Kasse ansehen</a>', page)
    assert link is not None
    assert reference in _text(cashier.get(link.group(1)).get_data(as_text=True))

    with in_town(app, "usingen"):
        services.mark_paid_by_hand(payments_of(reference)[0], "kasse-usingen", today_in_germany(), "Kontoauszug 12")
    row = _overview(clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    assert row.startswith("Zahlung 30,00 € Bezahlt Überweisung mit Kassenzeichen, eingegangen am ")
