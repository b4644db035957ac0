"""The receipt (Eingangsbestätigung) of a case as PDF: filed in the case's Vorgang when the case is
submitted, and downloaded from there by the citizen (status page) and by the clerk who took an
application in by phone, post or in person.

It is rendered from the town's own data and its configured external address (as mails are), never
from the request, so that it is the same whether the portal, the intake, the API or a job submits.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from amtsweg.cases.models import Case
from amtsweg.cases.queries import citizen_documents_of_case
from amtsweg.cases.workflow import definition_of
from amtsweg.documents.models import Document
from amtsweg.documents.services import file_generated
from amtsweg.documents.storage import ObjectMissing, get_storage
from amtsweg.extensions import db
from amtsweg.forms.display import answer_sections
from amtsweg.pdf import render_pdf
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.assets import logo_data_uri
from amtsweg.tenancy.links import external_url

KIND = "eingangsbestaetigung"


def receipt_filename(case: Case) -> str:
    """The file name under which the receipt is filed and downloaded."""
    return f"Eingangsbestaetigung-{case.reference}.pdf"


def receipt_pdf(case: Case) -> bytes:
    """The receipt in the case's language, listing the answers, the citizen's uploads and the fee."""
    _, definition = definition_of(case)
    tenant = current_tenant()
    with force_locale(case.locale):
        html = render_template(
            "cases/receipt.html", case=case, definition=definition, tenant=tenant, logo=logo_data_uri(tenant),
            town_url=external_url(tenant, "portal.index"),
            sections=answer_sections(definition, case.answers, case.locale),
            documents=citizen_documents_of_case(case, ("citizen",)),
        )
    return render_pdf(html)


def file_receipt(case: Case) -> Document:
    """Render the receipt and file it in the case's Vorgang (in the caller's transaction)."""
    return file_generated(receipt_pdf(case), receipt_filename(case), case_id=case.id, kind=KIND)


def filed_receipt(case: Case) -> Document | None:
    """The receipt filed with the case (None for a case submitted before receipts were filed)."""
    return db.session.scalar(select(Document).where(Document.case_id == case.id, Document.kind == KIND)
                             .order_by(Document.id).limit(1))


def receipt_content(case: Case) -> bytes:
    """The receipt to download: the filed one (its current version) where there is one, else rendered now."""
    filed = filed_receipt(case)
    if filed is None:
        return receipt_pdf(case)
    try:
        with get_storage().open(filed.storage_key) as handle:
            return handle.read()
    except ObjectMissing:
        # Still waiting in the staging folder for the store (the sweep moves it): the same content anew.
        return receipt_pdf(case)
