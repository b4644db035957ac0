"""A form: steps of fields, as a process definition's ``form`` key describes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Protocol

from pydantic import Field

# Registers the built-in field types, so that every definition can name them.
import amtsweg.forms.fields  # noqa: F401
from amtsweg.forms.base import AnyField, FieldDefinition, Id, Model, Text


class Step(Model):
    id: Id
    title: Text
    intro: Text | None = None
    fields: Annotated[list[AnyField], Field(min_length=1)]


class Form(Model):
    steps: Annotated[list[Step], Field(min_length=1)]

    def top_fields(self) -> Iterator[FieldDefinition]:
        """All fields of all steps in order (groups not expanded)."""
        for step in self.steps:
            yield from step.fields


class FormOwner(Protocol):
    """Anything with a form, such as a process definition."""

    @property
    def form(self) -> Form | None: ...
