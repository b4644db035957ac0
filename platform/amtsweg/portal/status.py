"""A citizen's case behind the secret status link: status, timeline, messages, reply, withdrawal,
the citizen's documents and the receipt PDF. Without a valid token of the case (or on another
town's host) every page is a 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from amtsweg.cases import services
from amtsweg.cases.models import WITHDRAWABLE, Case
from amtsweg.cases.queries import (
    awaits_reply,
    case_by_status_token,
    case_events,
    citizen_document,
    citizen_documents_of_case,
    messages_of_case,
)
from amtsweg.cases.receipts import receipt_content, receipt_filename
from amtsweg.documents.services import UploadRejected
from amtsweg.documents.storage import get_storage
from amtsweg.payments import services as payments
from amtsweg.processes.queries import definition_of_version
from amtsweg.sites import restrict_to
from amtsweg.web import attachment, too_large_message

blueprint = Blueprint("status", __name__, url_prefix="/vorgang", template_folder="templates")
restrict_to(blueprint, "tenant")

STATUS_TEXT = {
    "submitted": lazy_gettext("Eingegangen – Ihr Antrag wartet auf die Bearbeitung."),
    "awaiting_payment": lazy_gettext("Wartet auf Ihre Zahlung."),
    "in_progress": lazy_gettext("In Bearbeitung."),
    "waiting_for_citizen": lazy_gettext("Wir brauchen noch etwas von Ihnen. Bitte beantworten Sie unsere Nachricht."),
    "replied": lazy_gettext("Ihre Antwort ist eingegangen. Wir prüfen sie und setzen dann die Bearbeitung fort."),
    "approved": lazy_gettext("Entschieden – Ihrem Antrag wurde stattgegeben."),
    "rejected": lazy_gettext("Entschieden – Ihr Antrag wurde abgelehnt. Die Begründung finden Sie im Bescheid."),
    "closed": lazy_gettext("Abgeschlossen."),
    "withdrawn": lazy_gettext("Sie haben den Antrag zurückgezogen."),
    "archived": lazy_gettext("Abgeschlossen und archiviert."),
}
# The history says what happened; only the current status asks the citizen for something.
TRANSITION_TEXT = {
    "waiting_for_citizen": lazy_gettext("Die Verwaltung hat eine Rückfrage an Sie gestellt."),
}
EVENT_TEXT = {
    "case.submitted": lazy_gettext("Antrag eingegangen"),
    "case.withdrawn": lazy_gettext("Antrag zurückgezogen"),
    "case.citizen_replied": lazy_gettext("Ihre Antwort ist eingegangen"),
}
REPLY_LIMIT = 5000


def _case(token: str) -> Case:
    case = case_by_status_token(token)
    if case is None:
        abort(404)
    return case


@blueprint.after_request
def _private(response: Response) -> Response:
    # The token is a secret: keep the pages out of caches and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _timeline(case: Case) -> list[tuple[Any, str]]:
    entries = []
    for event in case_events(case):
        if event.action in EVENT_TEXT:
            entries.append((event.occurred_at, str(EVENT_TEXT[event.action])))
        elif event.details.get("to") in STATUS_TEXT:
            to = event.details["to"]
            entries.append((event.occurred_at, str(TRANSITION_TEXT.get(to, STATUS_TEXT[to]))))
    return entries


def _definition(case: Case) -> Any:
    return definition_of_version(case.process_version_id)


def _render(token: str, case: Case, errors: dict[str, str], status: int = 200, reply_text: str = "") -> tuple[str, int]:
    asked = awaits_reply(case)
    shown = "replied" if case.status == "waiting_for_citizen" and not asked else case.status
    return render_template(
        "status/show.html", case=case, token=token, definition=_definition(case),
        status_text=STATUS_TEXT.get(shown, case.status), timeline=_timeline(case),
        messages=messages_of_case(case), awaits_reply=asked,
        documents=citizen_documents_of_case(case), can_withdraw=case.status in WITHDRAWABLE, errors=errors,
        reply_text=reply_text, reply_max_bytes=services.REPLY_MAX_BYTES,
    ), status


@blueprint.route("/<token>")
def show(token: str) -> tuple[str, int]:
    return _render(token, _case(token), {})


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Files over the request limit: the status page with the error at its upload field; nothing of
    the request was read, so the reply has to be typed again."""
    token = (request.view_args or {}).get("token")
    if token is None:
        raise error
    return _render(token, _case(token), {"dokumente": too_large_message()}, 413)


@blueprint.route("/<token>/antworten", methods=["POST"])
def answer(token: str) -> Response | tuple[str, int]:
    case = _case(token)
    body = (request.form.get("nachricht") or "").strip()
    errors = {}
    if not body:
        errors["nachricht"] = gettext("Bitte schreiben Sie eine Nachricht.")
    elif len(body) > REPLY_LIMIT:
        errors["nachricht"] = gettext("Bitte schreiben Sie höchstens %(count)d Zeichen.", count=REPLY_LIMIT)
    uploads = [(f.stream, f.filename or "") for f in request.files.getlist("dokumente")
               if isinstance(f, FileStorage) and f.filename]
    if errors:
        return _render(token, case, errors, reply_text=body)
    try:
        services.reply(case, body, uploads)
    except UploadRejected as exc:
        return _render(token, case, {"dokumente": str(exc)}, reply_text=body)
    except services.NotAllowed:
        abort(409)
    flash(gettext("Vielen Dank. Ihre Nachricht ist eingegangen."), "success")
    return redirect(url_for("status.show", token=token))


@blueprint.post("/<token>/bezahlen")
def pay(token: str) -> Response | str:
    case = _case(token)
    if case.payment_requested_at is None:
        abort(404)
    try:
        started = payments.start_payment(case, None, "payment.show")
    except payments.PaymentNotPossible as exc:
        flash(str(exc), "error")
        return redirect(url_for("status.show", token=token, _anchor="zahlung"), 303)
    if started.redirect_url:
        # A forwarding page: the form's Content-Security-Policy would stop a redirect to the provider.
        return render_template("payment/forward.html", url=started.redirect_url)
    return redirect(url_for("payment.show", token=started.token), 303)


@blueprint.route("/<token>/zurueckziehen", methods=["GET", "POST"])
def withdraw(token: str) -> Response | str:
    case = _case(token)
    if case.status not in WITHDRAWABLE:
        return redirect(url_for("status.show", token=token))
    if request.method == "POST":
        services.withdraw(case)
        flash(gettext("Sie haben den Antrag zurückgezogen."), "success")
        return redirect(url_for("status.show", token=token))
    return render_template("status/withdraw.html", case=case, token=token, definition=_definition(case))


@blueprint.route("/<token>/eingangsbestaetigung.pdf")
def receipt(token: str) -> Response:
    case = _case(token)
    return attachment(receipt_content(case), "application/pdf", receipt_filename(case))


@blueprint.route("/<token>/dokumente/<int:document_id>")
def document(token: str, document_id: int) -> Response:
    """One of the citizen's documents of this case (their uploads, letters to them); else 404."""
    stored = citizen_document(_case(token), document_id)
    if stored is None:
        abort(404)
    with get_storage().open(stored.storage_key) as handle:
        content = handle.read()
    return attachment(content, stored.content_type, stored.filename)
