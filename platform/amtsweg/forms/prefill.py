"""Answers taken from the applicant's login (an identity provider's assertion), as data.

A field names the identity attribute it is filled from with ``prefill:`` in the definition
(``prefill: birth_date``). The attribute keys are those the login modules deliver (BundID's person
attributes, Mein Unternehmenskonto's organisation attributes and its acting person's names);
``address`` (a person's) and ``organisation_address`` stand for a whole postal address and fit an
address field only, every other key a field of one value. An attribute of a person fills nothing
when an organisation is logged in, and the other way round.

Which answers are locked is decided here too: an attribute a register confirms (read from the ID
card's chip, or the organisation's ELSTER registration) cannot be changed on the form when the login
says it came from there; an e-mail address is the person's own entry and stays editable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from flask_babel import lazy_gettext

if TYPE_CHECKING:  # the field classes name this module's vocabulary in their ``prefill`` key
    from amtsweg.forms.base import FieldDefinition
    from amtsweg.forms.form import Form


@dataclass(frozen=True)
class IdentityAttribute:
    key: str
    # Whose attribute it is: a person's, an organisation's, or either's (the acting person's names).
    holder: Literal["person", "organisation", "any"] = "any"
    # Confirmed by a register (ID document, organisation registration) when the login's source is.
    from_register: bool = True
    # An address field takes the whole address; every other field one value.
    address: bool = False

    def fits(self, organisation: bool) -> bool:
        return self.holder == "any" or (self.holder == "organisation") == organisation

    @property
    def login_keys(self) -> tuple[str, ...]:
        """The login's attributes this answer is made of."""
        return ADDRESS_ATTRIBUTES if self.address else (self.key,)


# The login attributes a postal address is made of (read by address_answer).
ADDRESS_ATTRIBUTES = ("street_address", "postal_code", "locality", "country")


IDENTITY_ATTRIBUTES = {attribute.key: attribute for attribute in (
    IdentityAttribute("given_name"),
    IdentityAttribute("family_name"),
    IdentityAttribute("email", from_register=False),
    IdentityAttribute("birth_name", "person"),
    IdentityAttribute("birth_date", "person"),
    IdentityAttribute("place_of_birth", "person"),
    IdentityAttribute("nationality", "person"),
    IdentityAttribute("address", "person", address=True),
    IdentityAttribute("organisation_name", "organisation"),
    IdentityAttribute("legal_form", "organisation"),
    IdentityAttribute("tax_number", "organisation"),
    IdentityAttribute("organisation_address", "organisation", address=True),
)}

# Marks of an answer's origin on the case ({field id: mark}), and how the clerk's page names them.
VERIFIED = "verified"
TAKEN_OVER = "taken_over"
ORIGIN_LABELS = {
    VERIFIED: lazy_gettext("vom Identitätsanbieter bestätigt, nicht änderbar"),
    TAKEN_OVER: lazy_gettext("vom Identitätsanbieter übernommen"),
}


def check_prefill_key(value: str | None) -> str | None:
    """The ``prefill`` key of a field definition, or ValueError naming the known attributes."""
    if value is not None and value not in IDENTITY_ATTRIBUTES:
        raise ValueError(f"unknown identity attribute '{value}' (known: {', '.join(IDENTITY_ATTRIBUTES)})")
    return value


def login_keys(form: Form | None, organisation: bool) -> set[str]:
    """The login attributes that fill ``form``'s fields for a person's (or an organisation's) login: what a
    login for this form needs to ask the identity provider for, and nothing more."""
    keys: set[str] = set()
    for fld in form.top_fields() if form is not None else ():
        attribute = IDENTITY_ATTRIBUTES.get(getattr(fld, "prefill", None) or "")
        if attribute and attribute.fits(organisation):
            keys.update(attribute.login_keys)
    return keys


def split_street(street_address: str) -> tuple[str, str]:
    """"Marktplatz 1a" -> ("Marktplatz", "1a"); without a trailing house number all is the street."""
    first_line = street_address.splitlines()[0] if street_address else ""
    street, _, number = first_line.rpartition(" ")
    if street and number[:1].isdigit():
        return street, number
    return first_line, ""


def address_answer(attributes: dict[str, str], parts: tuple[str, ...]) -> dict[str, str] | None:
    """An address field's answer from the attributes' address, None when they carry none."""
    if not attributes.get("street_address") and not attributes.get("locality"):
        return None
    street, number = split_street(attributes.get("street_address", ""))
    values = {"street": street, "house_number": number, "postal_code": attributes.get("postal_code", ""),
              "city": attributes.get("locality", ""), "country": attributes.get("country", "")}
    return {part: values[part] for part in parts}


@dataclass(frozen=True)
class Prefilled:
    """One field's answer from the login, and whether the form may change it."""

    value: Any
    locked: bool

    @property
    def mark(self) -> str:
        return VERIFIED if self.locked else TAKEN_OVER


def prefilled_fields(form: Form | None, attributes: dict[str, str], verified: bool,
                     organisation: bool) -> dict[str, Prefilled]:
    """The top-level fields with a ``prefill`` key that the login's attributes fill ({field id:
    Prefilled}); ``organisation`` when an organisation is logged in; locked where ``verified`` (the
    login's data came from a register) and the attribute is a register's."""
    if form is None:
        return {}
    result = {}
    for fld in form.top_fields():
        attribute = IDENTITY_ATTRIBUTES.get(getattr(fld, "prefill", None) or "")
        value = _value(fld, attribute, attributes) if attribute and attribute.fits(organisation) else None
        if attribute and value is not None:
            result[fld.id] = Prefilled(value, verified and attribute.from_register)
    return result


def _value(fld: FieldDefinition, attribute: IdentityAttribute, attributes: dict[str, str]) -> Any:
    if attribute.address:
        return address_answer(attributes, getattr(fld, "parts", ()))
    text = attributes.get(attribute.key, "").strip()
    # The field brings the value into its answer's shape (a date into ISO form, a name into an option).
    return fld.prefill_value(text) if text else None


def with_locked(answers: dict[str, Any], prefilled: dict[str, Prefilled]) -> dict[str, Any]:
    """``answers`` with every locked field's answer from the login, whatever was sent for it."""
    return {**answers, **{field_id: p.value for field_id, p in prefilled.items() if p.locked}}


def origins(answers: dict[str, Any], prefilled: dict[str, Prefilled]) -> dict[str, str]:
    """Which answers are the login's ({field id: VERIFIED or TAKEN_OVER}): those still as taken over."""
    return {field_id: p.mark for field_id, p in prefilled.items() if answers.get(field_id) == p.value}
