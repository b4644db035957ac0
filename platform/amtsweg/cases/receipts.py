"""The receipt (Eingangsbestätigung) of a case as PDF: for the citizen's status page and for the
clerk who took an application in by phone, post or in person."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from amtsweg.cases.models import Case
from amtsweg.cases.queries import citizen_documents_of_case
from amtsweg.cases.workflow import definition_of
from amtsweg.forms.display import answer_sections
from amtsweg.pdf import render_pdf
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.assets import logo_data_uri


def receipt_filename(case: Case) -> str:
    """The file name under which the receipt is downloaded."""
    return f"Eingangsbestaetigung-{case.reference}.pdf"


def receipt_pdf(case: Case) -> bytes:
    """The receipt in the case's language, listing the answers, the citizen's uploads and the fee."""
    _, definition = definition_of(case)
    with force_locale(case.locale):
        html = render_template(
            "cases/receipt.html", case=case, definition=definition, logo=logo_data_uri(current_tenant()),
            sections=answer_sections(definition, case.answers, case.locale),
            documents=citizen_documents_of_case(case, ("citizen",)),
        )
    return render_pdf(html)
