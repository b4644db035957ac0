"""The operations of /api/v1: parse (the models in :mod:`amtsweg.api.schemas` do it), call the
domain, answer with a model. Refusals of the domain become problem documents (api.problems)."""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from flask import Response, abort, render_template, url_for
from flask_babel import get_locale, gettext

from amtsweg.api import access, cursors, problems
from amtsweg.api.access import acting, calling_token
from amtsweg.api.problems import PROBLEM_TYPES, ApiProblem
from amtsweg.api.reference import fields_of, sections
from amtsweg.api.schemas import (
    Assignee,
    CaseDetail,
    CaseListQuery,
    CasePage,
    CaseSummary,
    Catalogue,
    CatalogueEntry,
    DocumentInfo,
    DocumentList,
    DocumentUpload,
    FeeLine,
    Localized,
    Message,
    MessageList,
    MessageRequest,
    Timeline,
    TimelineEvent,
    TransitionOption,
    TransitionRequest,
)
from amtsweg.api.spec import check_json_body, operation
from amtsweg.api.spec import document as openapi_document
from amtsweg.auth.queries import account_names
from amtsweg.cases import casework
from amtsweg.cases.models import Case
from amtsweg.cases.queries import (
    NEWEST,
    OLDEST,
    QueueFilter,
    case_by_reference,
    case_events,
    case_page,
    document_of_case,
    documents_of_case,
    messages_of_case,
)
from amtsweg.cases.states import status_label
from amtsweg.cases.workflow import available_transitions, definition_of, perform
from amtsweg.clock import as_utc
from amtsweg.documents.models import Document
from amtsweg.documents.storage import get_storage
from amtsweg.errors import DomainError
from amtsweg.processes.queries import catalogue, definitions_of_versions
from amtsweg.processes.schema import ProcessDefinition
from amtsweg.web import attachment

from . import blueprint, pages

blueprint.before_request(access.authenticate)
blueprint.before_request(check_json_body)
blueprint.after_request(access.audit)
blueprint.register_error_handler(ApiProblem, problems.response)
blueprint.register_error_handler(DomainError, problems.for_refusal)


def _case(reference: str) -> Case:
    # Scoped to the town of the host: another town's reference is not found.
    case = case_by_reference(reference)
    if case is None:
        abort(404)
    return case


def _localized(text: Any) -> str:
    return str(text.en if str(get_locale()) == "en" else text.de)


def _summaries(cases: list[Case]) -> list[CaseSummary]:
    names = account_names({case.assignee_id for case in cases if case.assignee_id is not None})
    definitions = definitions_of_versions({case.process_version_id for case in cases})
    return [CaseSummary(**_summary_fields(case, definitions[case.process_version_id], names)) for case in cases]


def _summary_fields(case: Case, definition: ProcessDefinition, names: dict[int, str]) -> dict[str, Any]:
    return {
        "reference": case.reference, "status": case.status, "status_label": status_label(case.status),
        "process": case.process_slug, "process_title": _localized(definition.title), "channel": case.channel,
        "applicant_name": case.applicant_name, "submitted_at": as_utc(case.submitted_at),
        "updated_at": as_utc(case.updated_at), "due_date": case.due_date,
        "assignee": Assignee(id=case.assignee_id, name=names.get(case.assignee_id, ""))
        if case.assignee_id is not None else None,
    }


def _detail(case: Case) -> CaseDetail:
    version, definition = definition_of(case)
    names = account_names({case.assignee_id} if case.assignee_id is not None else set())
    return CaseDetail(
        **_summary_fields(case, definition, names),
        applicant_email=case.applicant_email, locale=case.locale, version=version.version, answers=case.answers,
        fees=[FeeLine(id=str(line.get("id", "")), label=str(line.get("label", "")), cents=int(line.get("cents", 0)))
              for line in case.fees],
        fee_cents=case.fee_cents, closed_at=as_utc(case.closed_at) if case.closed_at else None,
        transitions=[TransitionOption(id=t.id, label=_localized(t.label), to=t.to)
                     for t in available_transitions(definition, case.status, calling_token().roles)],
    )


def _document_info(document: Document) -> DocumentInfo:
    return DocumentInfo(id=document.id, filename=document.filename, content_type=document.content_type,
                        size=document.size, sha256=document.sha256, source=document.source,  # type: ignore[arg-type]
                        created_at=as_utc(document.created_at))


# --------------------------------------------------------------------------- cases


@blueprint.get("/cases")
@operation(tag="cases", scope="cases:read", query=CaseListQuery, answer=CasePage)
def list_cases(query: CaseListQuery) -> CasePage:
    """The town's cases, filtered, newest (or oldest) first, a page at a time."""
    filters = query.model_dump(mode="json", exclude={"limit", "cursor"})
    key = cursors.query_key("cases", filters)
    assignee = query.assignee or ""
    selected = QueueFilter(
        status=query.status or "", process=query.process or "",
        submitted_from=query.submitted_since, submitted_until=query.submitted_until,
        assignee_id=int(assignee) if assignee.isdigit() else None, unassigned=assignee == "none",
        sort=OLDEST if query.order == "oldest" else NEWEST,
        before_id=cursors.decode(query.cursor, key) if query.cursor else None,
    )
    cases, next_id = case_page(selected, query.limit)
    return CasePage(items=_summaries(cases), next_cursor=cursors.encode(key, next_id) if next_id else None)


@blueprint.get("/cases/<reference>")
@operation(tag="cases", scope="cases:read", answer=CaseDetail)
def get_case(reference: str) -> CaseDetail:
    """One case: answers, fees, and the workflow steps the key may perform now."""
    return _detail(_case(reference))


@blueprint.get("/cases/<reference>/timeline")
@operation(tag="cases", scope="cases:read", answer=Timeline)
def get_timeline(reference: str) -> Timeline:
    """Everything recorded about the case, oldest first."""
    return Timeline(items=[
        TimelineEvent(id=event.id, occurred_at=as_utc(event.occurred_at), action=event.action, actor=event.actor,
                      details=event.details or {})
        for event in case_events(_case(reference))
    ])


@blueprint.post("/cases/<reference>/transitions")
@operation(tag="cases", scope="cases:write", body=TransitionRequest, answer=CaseDetail, errors=(409, 415))
def perform_transition(reference: str, json: TransitionRequest) -> CaseDetail:
    """Perform a workflow step, under the same rules as in the workbench (with the key's roles)."""
    case = _case(reference)
    perform(case, json.transition, acting(), json.message)
    return _detail(case)


@blueprint.get("/cases/<reference>/messages")
@operation(tag="cases", scope="cases:read", answer=MessageList)
def list_messages(reference: str) -> MessageList:
    """The messages between the town and the citizen, oldest first."""
    return MessageList(items=[_message(message) for message in messages_of_case(_case(reference))])


@blueprint.post("/cases/<reference>/messages")
@operation(tag="cases", scope="cases:write", body=MessageRequest, answer=Message, status=201, errors=(409, 415, 422))
def send_message(reference: str, json: MessageRequest) -> tuple[Message, int]:
    """A message of the town to the citizen (on the status page, announced by mail)."""
    message = casework.send_message(_case(reference), calling_token().label, json.body)
    return _message(message), 201


def _message(message: Any) -> Message:
    return Message(id=message.id, author=message.author, kind=message.kind, body=message.body,
                   created_at=as_utc(message.created_at))


# --------------------------------------------------------------------------- documents


@blueprint.get("/cases/<reference>/documents")
@operation(tag="documents", scope="documents:read", answer=DocumentList)
def list_documents(reference: str) -> DocumentList:
    """The case's documents: the citizen's uploads, letters and the office's own files."""
    return DocumentList(items=[_document_info(document) for document in documents_of_case(_case(reference))])


@blueprint.get("/cases/<reference>/documents/<int:document_id>")
@operation(tag="documents", scope="documents:read", answer=DocumentInfo)
def get_document(reference: str, document_id: int) -> DocumentInfo:
    """One document's metadata (name, type, size, SHA-256)."""
    document = document_of_case(_case(reference), document_id)
    if document is None:
        abort(404)
    return _document_info(document)


@blueprint.get("/cases/<reference>/documents/<int:document_id>/content")
@operation(tag="documents", scope="documents:read", binary=True)
def get_document_content(reference: str, document_id: int) -> Response:
    """The document itself, in its own content type."""
    document = document_of_case(_case(reference), document_id)
    if document is None:
        abort(404)
    with get_storage().open(document.storage_key) as handle:
        download = attachment(handle.read(), document.content_type, document.filename)
    # spectree reads the answer's body again after the view: it must be in memory, not a file wrapper.
    download.direct_passthrough = False
    return download


@blueprint.post("/cases/<reference>/documents")
@operation(tag="documents", scope="cases:write", body=DocumentUpload, answer=DocumentInfo, status=201,
           errors=(409, 413, 415, 422))
def add_document(reference: str, json: DocumentUpload) -> tuple[DocumentInfo, int]:
    """File a document of the office with the case (checked like every upload: type, size, viruses)."""
    case = _case(reference)
    try:
        content = base64.b64decode(json.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiProblem("invalid-request", detail=gettext("„content_base64“ ist kein gültiges Base64.")) from exc
    document = casework.add_document(case, io.BytesIO(content), json.filename, calling_token().label)
    return _document_info(document), 201


# --------------------------------------------------------------------------- catalogue


@blueprint.get("/catalogue")
@operation(tag="catalogue", scope="catalogue:read", answer=Catalogue)
def get_catalogue() -> Catalogue:
    """The services the town offers, with the address of each one's page for citizens."""
    return Catalogue(items=[
        CatalogueEntry(slug=entry.slug, kind=entry.kind, category=entry.category,  # type: ignore[arg-type]
                       title=Localized(**entry.title), summary=Localized(**entry.summary),
                       url=url_for("catalogue.service", slug=entry.slug, _external=True))
        for entry in catalogue(locale=str(get_locale())).entries
    ])


# --------------------------------------------------------------------------- the description


@blueprint.get("/openapi.json")
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this API."""
    return openapi_document()


@pages.get("/referenz")
def reference() -> str:
    """The reference for people: the same document as a page, with the problem types."""
    document = openapi_document()
    return render_template("api/reference.html", document=document, sections=sections(document),
                           schemas=document["components"]["schemas"], fields_of=fields_of,
                           problem_types=PROBLEM_TYPES.values())
