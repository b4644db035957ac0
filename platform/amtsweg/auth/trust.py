"""Trust levels (Vertrauensniveaus) and identity sources of a citizen's or organisation's login, as data.

An identity provider names the level of a login in the assertion's ``AuthnContextClassRef``: BundID
as a STORK QAA level (``STORK-QAA-Level-1`` … ``-4``), newer interfaces as an eIDAS level of
assurance (``http://eidas.europa.eu/LoA/low|substantial|high``). Services ask for one of three
levels: 1 "niedrig" (a registered account), 3 "substanziell" (e.g. an ELSTER certificate) and
4 "hoch" (the online ID card). STORK level 2 lies below "substanziell" and therefore counts as 1:
a level is never rounded up.

The identity source says how the person proved who they are (BundID's ``AssertionProvedBy``);
only the ID document sources carry data read from a state register, which a form may show as
verified and unchangeable.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class TrustLevel:
    number: int
    name: LazyString
    # What an AuthnRequest asks for as the minimum (STORK, as BundID expects).
    class_ref: str
    # What a person needs for it, in plain words (shown before the login).
    explanation: LazyString
    # Further class references an assertion may name for the same level.
    aliases: tuple[str, ...] = ()

    @property
    def class_refs(self) -> tuple[str, ...]:
        return (self.class_ref, *self.aliases)


LEVELS = (
    TrustLevel(
        1, lazy_gettext("niedrig"), "STORK-QAA-Level-1",
        lazy_gettext("Dafür genügt ein Konto mit Benutzername und Passwort."),
        ("STORK-QAA-Level-2", "http://eidas.europa.eu/LoA/low"),
    ),
    TrustLevel(
        3, lazy_gettext("substanziell"), "STORK-QAA-Level-3",
        lazy_gettext("Dafür brauchen Sie ein ELSTER-Zertifikat, wie für die Steuererklärung, oder den Online-Ausweis."),
        ("http://eidas.europa.eu/LoA/substantial",),
    ),
    TrustLevel(
        4, lazy_gettext("hoch"), "STORK-QAA-Level-4",
        lazy_gettext("Dafür brauchen Sie den Online-Ausweis: den Personalausweis mit Online-Funktion, die "
                     "eID-Karte oder den elektronischen Aufenthaltstitel, dazu Ihre PIN und ein Smartphone oder "
                     "Kartenlesegerät."),
        ("http://eidas.europa.eu/LoA/high",),
    ),
)
LEVEL_NUMBERS = tuple(level.number for level in LEVELS)
_BY_NUMBER = {level.number: level for level in LEVELS}
_BY_CLASS_REF = {ref: level for level in LEVELS for ref in level.class_refs}


def trust_level(number: int) -> TrustLevel:
    """The level with this number (1, 3 or 4); ValueError for any other."""
    try:
        return _BY_NUMBER[number]
    except KeyError:
        raise ValueError(f"no trust level {number!r}; known are {LEVEL_NUMBERS}") from None


def level_of_class_ref(class_ref: str) -> TrustLevel | None:
    """The level an assertion's AuthnContextClassRef (or BundID's level attribute) names, None if unknown."""
    return _BY_CLASS_REF.get(class_ref.strip())


@dataclass(frozen=True)
class IdentitySource:
    key: str
    label: LazyString
    # Values of BundID's AssertionProvedBy attribute that mean this source.
    proved_by: tuple[str, ...] = ()
    # Person data read from an ID document: shown as verified, never editable.
    from_id_document: bool = False
    # Organisation data from the tax administration's registration (ELSTER): likewise.
    from_organisation_register: bool = False

    @property
    def verified_data(self) -> bool:
        """Whether the login's data come from a register, so that a form locks them."""
        return self.from_id_document or self.from_organisation_register


SOURCES = (
    IdentitySource("eid", lazy_gettext("Online-Ausweis (eID)"), ("eID",), from_id_document=True),
    IdentitySource("smart_eid", lazy_gettext("Smart-eID"), ("Smart eID", "SmarteID"), from_id_document=True),
    IdentitySource("eidas", lazy_gettext("EU-Identität (eIDAS)"), ("eIDAS",), from_id_document=True),
    IdentitySource("elster", lazy_gettext("ELSTER-Zertifikat"), ("Elster", "ELSTER")),
    IdentitySource("username", lazy_gettext("Benutzername und Passwort"), ("Benutzername",)),
    IdentitySource("organisation", lazy_gettext("ELSTER-Organisationszertifikat (Mein Unternehmenskonto)"),
                   from_organisation_register=True),
    IdentitySource("account", lazy_gettext("Nutzerkonto")),
    IdentitySource("unknown", lazy_gettext("nicht angegeben")),
)
_SOURCES = {source.key: source for source in SOURCES}
_BY_PROVED_BY = {value.casefold(): source for source in SOURCES for value in source.proved_by}


def identity_source(key: str) -> IdentitySource:
    """The source stored under ``key``; unknown keys (e.g. from an older release) are "nicht angegeben"."""
    return _SOURCES.get(key, _SOURCES["unknown"])


def source_of_proved_by(value: str) -> IdentitySource:
    """The source BundID's AssertionProvedBy names; "nicht angegeben" for a value not listed."""
    return _BY_PROVED_BY.get(value.strip().casefold(), _SOURCES["unknown"])
