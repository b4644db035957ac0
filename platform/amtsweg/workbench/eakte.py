"""The clerk's eAkte of a case: its Vorgang with every document and version, filters, previews of
PDFs and images, each document's history, new versions under check-out, the whole Vorgang as ZIP
and the trail of who opened what. Another town's case is a 404."""

from __future__ import annotations

import base64
import io
import tempfile
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from amtsweg.audit.labels import ACTION_LABELS
from amtsweg.auth.access import CLERK, TEAM_LEAD, roles_required
from amtsweg.cases import services as case_services
from amtsweg.cases.models import Case
from amtsweg.cases.queries import case_by_reference
from amtsweg.cases.workflow import definition_of
from amtsweg.documents import queries, services
from amtsweg.documents.exporting import ContentAltered, write_vorgang_zip, zip_name
from amtsweg.documents.models import AUTHORS, CHANNELS, KINDS, Document, DocumentVersion, Vorgang
from amtsweg.documents.records import vorgang_of_case
from amtsweg.documents.storage import ObjectMissing, get_storage
from amtsweg.web import attachment

blueprint = Blueprint("eakte", __name__, url_prefix="/vorgang/<reference>/akte", template_folder="templates")
STAFF = (CLERK, TEAM_LEAD)
DOCUMENT = "/dokument/<int:document_id>"
VERSION = DOCUMENT + "/version/<int:number>"
# The filter's kinds of file, as clerks read them.
KIND_LABELS = {"pdf": lazy_gettext("PDF"), "bild": lazy_gettext("Bild"), "andere": lazy_gettext("Andere")}
# Images up to this size are shown on the document's page itself (as data, so that opening the page
# is the one access logged); larger ones get a link to their preview.
EMBEDDED_IMAGE_BYTES = 2 * 1024 * 1024
# The query parameters of the older pages of the access trail and of a document's history.
OLDER_ACCESSES, OLDER_HISTORY = "zugriffe_vor", "vor"


def _filed_case_or_404(reference: str) -> tuple[Case, Vorgang]:
    # Both queries are scoped to the current town: another town's reference is simply not found.
    case = case_by_reference(reference)
    vorgang = vorgang_of_case(case.id) if case is not None else None
    if case is None or vorgang is None:
        abort(404)
    return case, vorgang


def _document_or_404(vorgang: Vorgang, document_id: int) -> Document:
    document = queries.document_of_vorgang(vorgang, document_id)
    if document is None:
        abort(404)
    return document


def _version_or_404(document: Document, number: int) -> DocumentVersion:
    version = queries.version_of(document, number)
    if version is None:
        abort(404)
    return version


def _embedded(version: DocumentVersion) -> str | None:
    """The version as a data URL to show on its page, if it is an image a browser shows safely."""
    if version.content_type not in queries.INLINE_TYPES or not version.content_type.startswith("image/"):
        return None
    if version.size > EMBEDDED_IMAGE_BYTES:
        return None
    with get_storage().open(version.storage_key) as handle:
        return f"data:{version.content_type};base64,{base64.b64encode(handle.read()).decode()}"


def _editor() -> services.Editor:
    return services.Editor(current_user.id, current_user.label, current_user.has_role(TEAM_LEAD))


def _older_than(name: str) -> int | None:
    """The keyset of a page of older entries (``?<name>=<id>``); anything else is the newest page."""
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _paging(name: str, page: queries.EventPage, anchor: str) -> dict[str, str | None]:
    """The links to the page's older entries and back to the newest, keeping the other query values."""
    here: dict[str, Any] = {**(request.view_args or {}),
                            **{key: value for key, value in request.args.items() if key != name}}
    endpoint = str(request.endpoint)
    return {
        "older": url_for(endpoint, _anchor=anchor, **{**here, name: page.older}) if page.older else None,
        "newest": url_for(endpoint, _anchor=anchor, **here) if name in request.args else None,
    }


def _filter() -> queries.FileFilter:
    channel, kind = request.args.get("eingang", ""), request.args.get("art", "")
    return queries.FileFilter(channel=channel if channel in CHANNELS else "",
                              kind=kind if kind in KIND_LABELS else "", name=request.args.get("name", "")[:100])


@blueprint.route("")
@roles_required(*STAFF)
def overview(reference: str) -> str:
    case, vorgang = _filed_case_or_404(reference)
    case_services.note_access(case, current_user.label, "akte.viewed")
    selected = _filter()
    trail = queries.access_trail(vorgang, _older_than(OLDER_ACCESSES))
    return render_template(
        "workbench/eakte.html", case=case, vorgang=vorgang, definition=definition_of(case)[1],
        documents=queries.documents_of_vorgang(vorgang, selected), selected=selected,
        filtered=selected != queries.FileFilter(), channels=CHANNELS, kinds=KIND_LABELS,
        trail=trail, trail_pages=_paging(OLDER_ACCESSES, trail, "zugriffe"), labels=ACTION_LABELS,
        inline_types=queries.INLINE_TYPES, titles=KINDS,
        names={document.id: document.filename for document in queries.documents_of_vorgang(vorgang)},
    )


@blueprint.route(DOCUMENT)
@roles_required(*STAFF)
def document_page(reference: str, document_id: int) -> str:
    case, vorgang = _filed_case_or_404(reference)
    document = _document_or_404(vorgang, document_id)
    current = document.current_version
    case_services.note_access(case, current_user.label, "document.viewed", document=document_id,
                              version=current.number)
    history = queries.document_history(vorgang, document, _older_than(OLDER_HISTORY))
    return render_template(
        "workbench/eakte_document.html", case=case, vorgang=vorgang, document=document, image=_embedded(current),
        versions=list(reversed(document.versions)),
        history=history, history_pages=_paging(OLDER_HISTORY, history, "geschichte"),
        labels=ACTION_LABELS, channels=CHANNELS, authors=AUTHORS, inline_types=queries.INLINE_TYPES, titles=KINDS,
        mine=document.locked_by_id == current_user.id, is_team_lead=current_user.has_role(TEAM_LEAD),
    )


@blueprint.route(VERSION)
@roles_required(*STAFF)
def download(reference: str, document_id: int, number: int) -> Response:
    case, vorgang = _filed_case_or_404(reference)
    version = _version_or_404(_document_or_404(vorgang, document_id), number)
    case_services.note_access(case, current_user.label, "document.downloaded", document=document_id,
                              version=number)
    with get_storage().open(version.storage_key) as handle:
        return attachment(handle.read(), version.content_type, version.filename)


@blueprint.route(VERSION + "/ansicht")
@roles_required(*STAFF)
def preview(reference: str, document_id: int, number: int) -> Response:
    """The version shown in the browser itself: only PDFs and plain images (nothing that can run)."""
    case, vorgang = _filed_case_or_404(reference)
    version = _version_or_404(_document_or_404(vorgang, document_id), number)
    if version.content_type not in queries.INLINE_TYPES:
        abort(404)
    case_services.note_access(case, current_user.label, "document.previewed", document=document_id,
                              version=number)
    with get_storage().open(version.storage_key) as handle:
        response = send_file(io.BytesIO(handle.read()), mimetype=version.content_type, as_attachment=False,
                             download_name=version.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/vorgang.zip")
@roles_required(*STAFF)
def download_zip(reference: str) -> Any:
    case, vorgang = _filed_case_or_404(reference)
    case_services.note_access(case, current_user.label, "vorgang.downloaded", aktenzeichen=vorgang.aktenzeichen)
    # Large Vorgänge spill to disk instead of memory; send_file closes it with the response.
    package = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    try:
        write_vorgang_zip(vorgang, package)
    except (ContentAltered, ObjectMissing):
        package.close()
        current_app.logger.exception("ZIP of %s", vorgang.aktenzeichen)
        flash(gettext("Ein gespeichertes Dokument des Vorgangs fehlt oder ist verändert; der Vorgang kann gerade "
                      "nicht als ZIP heruntergeladen werden. Bitte wenden Sie sich an den Betrieb."), "error")
        return redirect(url_for("workbench.eakte.overview", reference=reference), 303)
    package.seek(0)
    response = send_file(package, mimetype="application/zip", as_attachment=True, download_name=zip_name(vorgang))
    response.headers["Cache-Control"] = "no-store"
    return response


def _back_to(reference: str, document_id: int) -> Any:
    return redirect(url_for("workbench.eakte.document_page", reference=reference, document_id=document_id), 303)


@blueprint.route(DOCUMENT + "/version", methods=["POST"])
@roles_required(*STAFF)
def add_version(reference: str, document_id: int) -> Any:
    _, vorgang = _filed_case_or_404(reference)
    document = _document_or_404(vorgang, document_id)
    upload = request.files.get("datei")
    if upload is None or not upload.filename:
        flash(gettext("Bitte wählen Sie eine Datei aus."), "error")
        return _back_to(reference, document_id)
    try:
        version = services.add_version(document, upload.stream, upload.filename, editor=_editor())
    except (services.DocumentRefused, services.UploadRejected) as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Version %(number)s von „%(name)s“ gespeichert.", number=version.number,
                      name=version.filename), "success")
    return _back_to(reference, document_id)


@blueprint.route(DOCUMENT + "/auschecken", methods=["POST"])
@roles_required(*STAFF)
def check_out(reference: str, document_id: int) -> Any:
    _, vorgang = _filed_case_or_404(reference)
    try:
        services.lock(_document_or_404(vorgang, document_id), _editor())
    except services.DocumentRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Sie haben das Dokument ausgecheckt. Nur Sie können jetzt neue Versionen hochladen."),
              "success")
    return _back_to(reference, document_id)


@blueprint.route(DOCUMENT + "/einchecken", methods=["POST"])
@roles_required(*STAFF)
def check_in(reference: str, document_id: int) -> Any:
    _, vorgang = _filed_case_or_404(reference)
    try:
        services.unlock(_document_or_404(vorgang, document_id), _editor())
    except services.DocumentRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Das Dokument ist wieder eingecheckt."), "success")
    return _back_to(reference, document_id)
