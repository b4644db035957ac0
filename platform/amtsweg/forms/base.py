"""What every field type is made of, and the registry of field types.

A field type is one pydantic model class, a subclass of :class:`FieldDefinition` registered with
:func:`field_type`. The class holds the type's whole knowledge:

- its keys in a process definition (the model's fields and validators);
- how the inputs of a sent page become its answer (:meth:`FieldDefinition.parse`) and how an
  answer is shown in an input again (:meth:`FieldDefinition.input_value`);
- the checks of an answer, with messages through gettext (:meth:`FieldDefinition.check`);
- the answer as text for the review page, the clerk's page, PDFs and mails
  (:meth:`FieldDefinition.answer_text`);
- a valid sample answer (:meth:`FieldDefinition.sample`);
- what conditions see of it: the JSON type of its answer (``logic_type``), the paths below it that
  a JSON Logic ``var`` may name (:meth:`FieldDefinition.var_known`) and how the page's script
  converts typed text (``client_parse``);
- its template, ``forms/fields/<type>.html`` with a macro ``input``, found in ``template_folder``.

The process definition's field lists (:data:`AnyField`, :data:`ItemField`) look a field's class up
here by its ``type`` key, so a type registered later (e.g. by a town's plugin or a test) is known
everywhere at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args

from flask_babel import get_locale, gettext
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    SerializeAsAny,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from werkzeug.datastructures import MultiDict

from amtsweg.forms.prefill import IDENTITY_ATTRIBUTES, check_prefill_key

ID_PATTERN = r"^[a-z0-9_]+$"
TEMPLATE_FOLDER = Path(__file__).resolve().parent / "templates"

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Logic = dict[str, Any]
# What a field takes from a login (amtsweg.forms.prefill): one value, a whole address, nothing.
PrefillShape = Literal["value", "address"] | None
# The JSON type of an answer as JSON Logic sees it.
LogicType = Literal["string", "number", "boolean", "object", "array"]
# Errors of one field: the path below the field ("" for the field itself, "postal_code" for a part
# of an address) → message.
FieldErrors = dict[str, str]


def one_of(allowed: Iterable[str], what: str) -> Callable[[str], str]:
    """A validator of a definition's keyword: ``value`` must be one of ``allowed``; the message names them."""
    allowed = tuple(allowed)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} '{value}' (allowed: {', '.join(allowed)})")
        return value

    return check


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(Model):
    """A user-facing text in German and English."""

    de: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


def page_locale() -> str:
    """The language of the current page (German outside a request)."""
    return str(get_locale() or "de")


def localized(text: Text | Mapping[str, str] | None, locale: str | None = None) -> str:
    """A definition's text (``{de, en}``) in ``locale`` (the page's language when not given),
    German when that language is missing."""
    if text is None:
        return ""
    values = text if isinstance(text, Mapping) else text.model_dump()
    return values.get(locale or page_locale()) or values.get("de", "")


def localized_language(text: Text | Mapping[str, str] | None, locale: str | None = None) -> str:
    """The language :func:`localized` shows ``text`` in: ``locale`` (the page's language when not
    given) where the text has it, else German — so that a page can mark a German fallback."""
    code = locale or page_locale()
    values = {} if text is None else text if isinstance(text, Mapping) else text.model_dump()
    return code if values.get(code) else "de"


class Option(Model):
    value: Annotated[str, Field(min_length=1, max_length=100, strict=True)]
    label: Text
    # Other names of the option, as a login may send them (Mein Unternehmenskonto's legal form).
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = []


class FieldDefinition(Model):
    """One field of a form step; subclasses registered with :func:`field_type` are the field types."""

    id: Id
    show_if: Logic | None = None

    logic_type: ClassVar[LogicType] = "string"
    # Name of the conversion the page's script applies to typed text before evaluating conditions
    # (see static/js/conditions.js); None keeps the text as typed.
    client_parse: ClassVar[str | None] = None
    # Whether the field asks for an answer (an info text does not).
    takes_input: ClassVar[bool] = True
    # Whether its answer lists uploaded files (the citizen's form stores them as documents).
    accepts_files: ClassVar[bool] = False
    # Whether it holds fields of its own (a repeatable group); such fields do not nest.
    contains_fields: ClassVar[bool] = False
    # Where its template forms/fields/<type>.html lives (a type from elsewhere brings its own).
    template_folder: ClassVar[Path] = TEMPLATE_FOLDER

    @classmethod
    def type_name(cls) -> str:
        """The ``type`` key of this field type in a definition."""
        return get_args(cls.model_fields["type"].annotation)[0]

    @classmethod
    def template(cls) -> str:
        """The name of the template with this type's ``input`` macro."""
        return f"forms/fields/{cls.type_name()}.html"

    @property
    def item_fields(self) -> list[FieldDefinition]:
        """The fields of one item of a repeatable group; empty for every other type."""
        return []

    @property
    def required_condition(self) -> Logic | None:
        """The JSON Logic rule under which the field is required (``required_if``)."""
        return None

    def is_required(self, condition_holds: bool) -> bool:
        """Whether a shown field must be answered, given whether its ``required_condition`` holds."""
        return False

    def item_title(self, number: int, locale: str | None = None) -> str:
        """The title of item ``number`` (counted from 1) of a repeatable group."""
        return f"{self.field_label(locale)} {number}"

    def definition_problems(self) -> list[tuple[str, str]]:
        """Problems of the definition beyond its keys' own checks: (path below the field, message)."""
        return []

    def field_label(self, locale: str | None = None) -> str:
        return ""

    def error_label(self, rest: list[str], locale: str | None = None) -> str:
        """How the error summary names the answer at ``rest`` below this field."""
        return self.field_label(locale)

    # ------------------------------------------------------------------ input and answer

    def parse(self, form: MultiDict[str, Any], path: str, previous: Any) -> Any:
        """This field's answer from a sent page (``path`` is its input name); None when empty.

        A value that cannot be converted stays as typed, so that validation reports it and the page
        shows the citizen's input again. ``previous`` is the saved answer.
        """
        text = (form.get(path) or "").strip()
        return self.parse_text(text) if text else None

    def parse_text(self, text: str) -> Any:
        """The answer for a non-empty typed text."""
        return text

    def prefill_value(self, text: str) -> Any:
        """The answer a login's non-empty value gives, None when it gives none of this field's answers."""
        return self.parse_text(text)

    def initial_answer(self) -> Any:
        """The answer a new form starts with (None: nothing)."""
        return None

    def input_value(self, value: Any) -> Any:
        """The answer as shown in the input again."""
        return "" if value is None else value

    def missing_message(self) -> str:
        """The message for a required answer that was not given."""
        return gettext("Bitte füllen Sie dieses Feld aus.")

    def validate_answer(self, value: Any, required: bool, today: dt.date) -> FieldErrors:
        """Every problem of the answer (``required`` under the current answers)."""
        if is_empty(value):
            return {"": self.missing_message()} if required else {}
        return self.check(value, today)

    def check(self, value: Any, today: dt.date) -> FieldErrors:
        """Problems of a given (non-empty) answer."""
        return {}

    def answer_text(self, value: Any, locale: str) -> str:
        """The answer as text in ``locale``."""
        return "" if value is None else str(value)

    def sample(self, today: dt.date) -> Any:
        """A valid answer (for tests, demo data and previews)."""
        raise NotImplementedError(f"field type '{self.type_name()}' has no sample answer")

    def var_known(self, rest: list[str]) -> bool:
        """Whether a JSON Logic ``var`` may name ``<id>.<rest…>`` of this field."""
        return not rest


class InputField(FieldDefinition):
    """A field that asks for an answer: label, help, required."""

    label: Text
    help: Text | None = None
    required: bool = False
    required_if: Logic | None = None
    autocomplete: Annotated[str, Field(pattern=r"^[a-z0-9 -]+$")] | None = None
    # The identity attribute of the applicant's login that fills the field (amtsweg.forms.prefill).
    prefill: Annotated[str, AfterValidator(check_prefill_key)] | None = None

    # What a login can fill in: one value, a whole address, or nothing (None, the default).
    prefill_shape: ClassVar[PrefillShape] = None

    @model_validator(mode="after")
    def _prefill_fits(self) -> InputField:
        if self.prefill is not None:
            shape = "address" if IDENTITY_ATTRIBUTES[self.prefill].address else "value"
            if shape != self.prefill_shape:
                raise ValueError(f"a field of type '{self.type_name()}' cannot be filled from '{self.prefill}'"
                                 + (" (only address fields take 'address')" if shape == "address" else ""))
        return self

    @property
    def required_condition(self) -> Logic | None:
        return self.required_if

    def is_required(self, condition_holds: bool) -> bool:
        return self.required or (self.required_if is not None and condition_holds)

    def field_label(self, locale: str | None = None) -> str:
        return localized(self.label, locale)


def is_empty(value: Any) -> bool:
    """Whether an answer counts as not given (blank text, no parts, nothing chosen)."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return value is None or value == []


# --------------------------------------------------------------------------- registry

FIELD_TYPES: dict[str, type[FieldDefinition]] = {}
_Type = TypeVar("_Type", bound=type[FieldDefinition])


def field_type(cls: _Type) -> _Type:
    """Class decorator: register a field type under its ``type`` key."""
    name = cls.type_name()
    if name in FIELD_TYPES and FIELD_TYPES[name] is not cls:
        raise ValueError(f"field type '{name}' is already registered")
    FIELD_TYPES[name] = cls
    return cls


def field_type_names() -> tuple[str, ...]:
    """The ``type`` keys of every registered field type."""
    return tuple(FIELD_TYPES)


def _definition_of(value: Any, *, in_group: bool) -> FieldDefinition:
    """Validates one field of a definition with the class registered for its ``type``.

    Errors carry the type in their location, as pydantic's discriminated unions do, so that the
    loader can say which type a key is not allowed for.
    """
    if isinstance(value, FieldDefinition):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError("model_type", "Input should be a mapping")
    if "type" not in value:
        raise PydanticCustomError("union_tag_not_found", "missing required key 'type'", {"discriminator": "'type'"})
    tag = value["type"]
    cls = FIELD_TYPES.get(tag) if isinstance(tag, str) else None
    if cls is None or (in_group and cls.contains_fields):
        raise PydanticCustomError(
            "union_tag_invalid", "unknown field type '{tag}'",
            {"tag": str(tag), "discriminator": "'type'", "expected_tags": ", ".join(FIELD_TYPES)},
        )
    try:
        return cls.model_validate(value)
    except ValidationError as exc:
        errors: list[InitErrorDetails] = []
        for error in exc.errors(include_url=False):
            detail = InitErrorDetails(type=error["type"], loc=(tag, *error["loc"]), input=error["input"])
            if "ctx" in error:
                detail["ctx"] = error["ctx"]
            errors.append(detail)
        raise ValidationError.from_exception_data(exc.title, errors) from None


# Any field of a step, and any field of a group's item (groups do not nest).
AnyField = Annotated[SerializeAsAny[FieldDefinition], PlainValidator(lambda v: _definition_of(v, in_group=False))]
ItemField = Annotated[SerializeAsAny[FieldDefinition], PlainValidator(lambda v: _definition_of(v, in_group=True))]
