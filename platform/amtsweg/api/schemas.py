"""The JSON API's contract: every request and response body and query string as a pydantic model.

The same models validate what comes in (unknown fields are refused), shape what goes out and are
turned into the OpenAPI document. Times are RFC 3339 in UTC, dates ISO 8601, amounts whole cents.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import JsonDict, SkipJsonSchema
from pydantic_core import PydanticCustomError

PAGE_LIMIT = 100


class Schema(BaseModel):
    """Base of every model: unknown fields are an error, in requests and in the document."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class FieldError(Schema):
    """One fault of the request: where (``query.limit``, ``body.transition``) and what."""

    field: str
    message: str
    code: str


class Problem(Schema):
    """An error as RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(description="URI of the problem type; its page explains it")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[FieldError] = Field(default_factory=list, description="The single faults of a refused request")


# --------------------------------------------------------------------------- cases


def _iso_day(value: Any) -> Any:
    """A day only as ISO 8601 (``2026-03-02``), as the document says: pydantic would also read a
    number as a Unix time. A fault is a format fault, told as such."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("pattern_mismatch", "a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


def _without_default(schema: JsonDict) -> None:
    schema.pop("default", None)


def _absent(**kwargs: Any) -> Any:
    """An optional query parameter: absent is no filter. It is never null, so neither None nor a
    null default goes into the document."""
    return Field(None, json_schema_extra=_without_default, **kwargs)


class CaseListQuery(Schema):
    """Filters and paging of the case list; every filter narrows it, omitted ones do not."""

    # The constraints sit on the type (not the field), so that they reach the document.
    status: Annotated[str, Field(pattern=r"^[a-z_]{1,30}$")] | SkipJsonSchema[None] = _absent(
        description="e.g. submitted, in_progress")
    process: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,80}$")] | SkipJsonSchema[None] = _absent(
        description="Slug of the process")
    submitted_since: IsoDay | SkipJsonSchema[None] = _absent(
        description="First day of submission (German time), inclusive")
    submitted_until: IsoDay | SkipJsonSchema[None] = _absent(
        description="Last day of submission (German time), inclusive")
    assignee: Annotated[str, Field(pattern=r"^(none|[1-9][0-9]{0,8})$")] | SkipJsonSchema[None] = _absent(
        description="Account id of the clerk working on it, or `none` for unassigned")
    order: Literal["newest", "oldest"] = "newest"
    limit: int = Field(25, ge=1, le=PAGE_LIMIT, description="Cases per page")
    cursor: Annotated[str, Field(min_length=1, max_length=400)] | SkipJsonSchema[None] = _absent(
        description="`next_cursor` of the previous page, only with the same filters")


class Assignee(Schema):
    id: int
    name: str


class CaseSummary(Schema):
    """A case as the list shows it."""

    reference: str
    status: str
    status_label: str
    process: str
    process_title: str
    channel: str
    applicant_name: str
    submitted_at: AwareDatetime
    updated_at: AwareDatetime
    due_date: date | None
    assignee: Assignee | None


class CasePage(Schema):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class FeeLine(Schema):
    id: str
    label: str
    cents: int


class TransitionOption(Schema):
    """A workflow step the key may perform now."""

    id: str
    label: str
    to: str


class CaseDetail(CaseSummary):
    """A case with its answers, fees and the steps open to the key."""

    applicant_email: str
    locale: str
    version: str = Field(description="The process version the case was submitted under")
    answers: dict[str, Any]
    fees: list[FeeLine]
    fee_cents: int
    closed_at: AwareDatetime | None
    transitions: list[TransitionOption]


class TransitionRequest(Schema):
    transition: str = Field(min_length=1, max_length=80, description="Id of a step in `transitions`")
    message: str = Field("", max_length=10000, description="Text for the citizen (required by some steps)")


class MessageRequest(Schema):
    body: str = Field(min_length=1, max_length=10000, description="The message to the citizen")


class Message(Schema):
    id: int
    author: str
    kind: str
    body: str
    created_at: AwareDatetime


class MessageList(Schema):
    items: list[Message]


class TimelineEvent(Schema):
    id: int
    occurred_at: AwareDatetime
    action: str
    actor: str
    details: dict[str, Any]


class Timeline(Schema):
    items: list[TimelineEvent]


# --------------------------------------------------------------------------- documents


class DocumentInfo(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    source: Literal["citizen", "clerk", "system"]
    created_at: AwareDatetime


class DocumentList(Schema):
    items: list[DocumentInfo]


class DocumentUpload(Schema):
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=4, max_length=28_000_000, description="The file, Base64-encoded")


# --------------------------------------------------------------------------- catalogue


class Localized(Schema):
    de: str
    en: str


class CatalogueEntry(Schema):
    slug: str
    kind: Literal["digital", "external"]
    category: str
    title: Localized
    summary: Localized
    url: str = Field(description="The service's page for citizens")


class Catalogue(Schema):
    items: list[CatalogueEntry]
