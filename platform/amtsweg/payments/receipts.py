"""The payment receipt (Zahlungsquittung) of a booked payment as PDF, filed in the case's Vorgang in
the transaction that books the payment — whoever books it (the citizen's return, reconciliation in a
job, the cash office). Rendered from the town's data and external address, never from a request."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from amtsweg.cases.models import Case
from amtsweg.documents.models import Document
from amtsweg.documents.services import file_generated
from amtsweg.extensions import db
from amtsweg.payments.models import Payment
from amtsweg.payments.states import method_label, paid_with_label
from amtsweg.pdf import render_pdf
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.assets import logo_data_uri
from amtsweg.tenancy.links import external_url

KIND = "zahlungsquittung"


def payment_receipt_filename(payment: Payment) -> str:
    """The file name of the receipt: the case and the attempt it pays."""
    return f"Zahlungsquittung-{payment.case_reference}-{payment.attempt}.pdf"


def payment_receipt_pdf(payment: Payment, case: Case) -> bytes:
    """The receipt of a paid payment in the case's language: what was paid, when, how, under which Kassenzeichen."""
    tenant = current_tenant()
    with force_locale(case.locale):
        html = render_template(
            "payments/receipt.html", payment=payment, case=case, tenant=tenant, logo=logo_data_uri(tenant),
            town_url=external_url(tenant, "portal.index"), locale=case.locale,
            method=method_label(payment.method), paid_with=paid_with_label(payment.paid_with),
        )
    return render_pdf(html)


def file_payment_receipt(payment: Payment) -> Document | None:
    """Render the receipt of the paid ``payment`` and file it with its case (in the caller's transaction);
    None when the payment belongs to no case any more."""
    case = db.session.get(Case, payment.case_id) if payment.case_id is not None else None
    if case is None:
        return None
    return file_generated(payment_receipt_pdf(payment, case), payment_receipt_filename(payment), case_id=case.id,
                          kind=KIND)
