"""The receipt (Eingangsbestätigung) of a case as PDF: for the citizen's status page and for the
clerk who took an application in by phone, post or in person."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from amtsweg.cases.models import Case
from amtsweg.cases.queries import citizen_documents_of_case
from amtsweg.cases.workflow import definition_of
from amtsweg.forms.display import answer_sections


def receipt_filename(case: Case) -> str:
    """The file name under which the receipt is downloaded."""
    return f"Eingangsbestaetigung-{case.reference}.pdf"


def receipt_pdf(case: Case) -> bytes:
    """The receipt in the case's language, listing the answers, the citizen's uploads and the fee."""
    from weasyprint import HTML  # imported on use: loading WeasyPrint takes a moment

    _, definition = definition_of(case)

    def localized(text: Any) -> str:
        values = text if isinstance(text, dict) else text.model_dump()
        return values.get(case.locale) or values.get("de", "")

    with force_locale(case.locale):
        html = render_template(
            "cases/receipt.html", case=case, definition=definition, localized=localized,
            sections=answer_sections(definition, case.answers, case.locale),
            documents=citizen_documents_of_case(case, ("citizen",)),
        )
    return HTML(string=html).write_pdf()
