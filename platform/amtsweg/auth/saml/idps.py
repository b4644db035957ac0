"""The SAML identity providers a town can use, with the attributes each can deliver (data, one place).

BundID's attribute names are the OIDs of its published interface (the same as the AKDB
``RequestedAttribute`` names); a login asks only for the attributes it needs and marks which of them
it cannot do without.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from amtsweg.settings import SAML_IDP_SETTINGS
from amtsweg.tenancy.config import SamlIdpKey

# Entity IDs of the local simulator start with this; the app refuses them in production.
SIMULATOR_ENTITY_PREFIX = "urn:amtsweg:simulator:"


@dataclass(frozen=True)
class SamlAttribute:
    key: str
    # The attribute's Name in requests and assertions.
    name: str
    label: LazyString


@dataclass(frozen=True)
class IdentityProvider:
    key: SamlIdpKey
    name: str
    # The person's account there, as a form names where a prefilled answer comes from.
    account_name: LazyString
    attributes: tuple[SamlAttribute, ...]
    # Asked for by every login, and refused when missing.
    required: frozenset[str]
    # The attribute naming the account; None: the assertion's persistent NameID does.
    subject: str | None = None
    # Logs in an organisation (with the person acting for it) rather than a private person.
    organisation: bool = False
    # Understands AKDB's AuthenticationRequest extension (BundID).
    akdb_extension: bool = False
    # Attributes repeating the trust level and naming how the person proved who they are.
    level_attribute: str | None = None
    proved_by_attribute: str | None = None
    # The identity source when the assertion names none.
    default_source: str = "unknown"

    @property
    def metadata_setting(self) -> str:
        return SAML_IDP_SETTINGS[self.key][0]

    @property
    def fingerprints_setting(self) -> str:
        return SAML_IDP_SETTINGS[self.key][1]

    def attribute(self, key: str) -> SamlAttribute:
        return next(attribute for attribute in self.attributes if attribute.key == key)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(attribute.key for attribute in self.attributes)

    @property
    def identification(self) -> frozenset[str]:
        """What every login asks for, whatever the service: the attributes naming the account and who is
        logged in (``required``: without them there is no account and no applicant), and those repeating
        the trust level and how the person proved who they are (the level is checked against them, and
        both are kept with the case for the clerk: "Identität geprüft: eID, Vertrauensniveau hoch")."""
        return self.required | {key for key in (self.level_attribute, self.proved_by_attribute) if key}

    def default_request(self) -> dict[str, bool]:
        """Every attribute, the required ones marked True (a login not made for one service)."""
        return self.request_for(self.keys)

    def request_for(self, keys: Iterable[str]) -> dict[str, bool]:
        """The attributes a login for a service needing ``keys`` asks for ({key: required}): those of
        ``keys`` this IdP knows, and what identification needs."""
        wanted = self.identification | set(keys)
        return {attribute.key: attribute.key in self.required for attribute in self.attributes
                if attribute.key in wanted}

    def by_name(self, values: Mapping[str, list[str]]) -> dict[str, str]:
        """Attributes of an assertion (by SAML name) as {key: first non-empty value} of this IdP's."""
        result = {}
        for attribute in self.attributes:
            value = next((v.strip() for v in values.get(attribute.name, []) if v and v.strip()), "")
            if value:
                result[attribute.key] = value
        return result

    def labels(self, keys: Iterable[str]) -> list[str]:
        return [str(self.attribute(key).label) for key in keys]


# Every attribute a login can deliver, by key, as a person reads it (one label per meaning); an IdP
# names those it knows with its own SAML names and says where its meaning differs.
LABELS: dict[str, LazyString] = {
    "bpk2": lazy_gettext("Pseudonym Ihres BundID-Kontos"),
    "organisation_name": lazy_gettext("Name der Organisation"),
    "legal_form": lazy_gettext("Rechtsform"),
    "given_name": lazy_gettext("Vorname"),
    "family_name": lazy_gettext("Familienname"),
    "birth_name": lazy_gettext("Geburtsname"),
    "birth_date": lazy_gettext("Geburtsdatum"),
    "place_of_birth": lazy_gettext("Geburtsort"),
    "street_address": lazy_gettext("Straße und Hausnummer"),
    "postal_code": lazy_gettext("Postleitzahl"),
    "locality": lazy_gettext("Wohnort"),
    "country": lazy_gettext("Land"),
    "nationality": lazy_gettext("Staatsangehörigkeit"),
    "tax_number": lazy_gettext("Steuernummer"),
    "email": lazy_gettext("E-Mail-Adresse"),
    "trust_level": lazy_gettext("Vertrauensniveau"),
    "proved_by": lazy_gettext("Art der Anmeldung"),
}


def _attributes(names: Mapping[str, str], labels: Mapping[str, LazyString] | None = None) -> tuple[SamlAttribute, ...]:
    """An IdP's attributes from {key: SAML name}, labelled as in LABELS unless ``labels`` says otherwise."""
    return tuple(SamlAttribute(key, name, (labels or {}).get(key) or LABELS[key]) for key, name in names.items())


BUNDID = IdentityProvider(
    key="bundid",
    name="BundID",
    account_name=lazy_gettext("BundID-Konto"),
    attributes=_attributes({
        "bpk2": "urn:oid:1.3.6.1.4.1.25484.494450.3",
        "given_name": "urn:oid:2.5.4.42",
        "family_name": "urn:oid:2.5.4.4",
        "birth_name": "urn:oid:1.2.40.0.10.2.1.1.225566",
        "birth_date": "urn:oid:1.2.40.0.10.2.1.1.55",
        "place_of_birth": "urn:oid:1.3.6.1.5.5.7.9.2",
        "street_address": "urn:oid:2.5.4.16",
        "postal_code": "urn:oid:2.5.4.17",
        "locality": "urn:oid:2.5.4.7",
        "country": "urn:oid:1.2.40.0.10.2.1.1.225599",
        "nationality": "urn:oid:1.2.40.0.10.2.1.1.225577",
        "email": "urn:oid:0.9.2342.19200300.100.1.3",
        "trust_level": "urn:oid:1.2.40.0.10.2.1.1.261.94",
        "proved_by": "urn:oid:1.3.6.1.4.1.25484.494450.2",
    }),
    required=frozenset({"bpk2", "given_name", "family_name"}),
    subject="bpk2",
    akdb_extension=True,
    level_attribute="trust_level",
    proved_by_attribute="proved_by",
)

# PLACEHOLDER: the attribute names of Mein Unternehmenskonto's NEZO interface are not openly
# published; confirm them against the interface description given at registration and change only
# this table. The local simulator sends these names.
MUK = IdentityProvider(
    key="muk",
    name="Mein Unternehmenskonto",
    account_name=lazy_gettext("Unternehmenskonto"),
    attributes=_attributes({
        "organisation_name": "urn:muk:organisation:name",
        "legal_form": "urn:muk:organisation:legal-form",
        "street_address": "urn:muk:organisation:street-address",
        "postal_code": "urn:muk:organisation:postal-code",
        "locality": "urn:muk:organisation:locality",
        "tax_number": "urn:muk:organisation:tax-number",
        "given_name": "urn:muk:acting-person:given-name",
        "family_name": "urn:muk:acting-person:family-name",
        "email": "urn:muk:acting-person:email",
    }, {
        # The organisation's seat, and the names of the person acting for it.
        "locality": lazy_gettext("Ort"),
        "given_name": lazy_gettext("Vorname der handelnden Person"),
        "family_name": lazy_gettext("Familienname der handelnden Person"),
    }),
    required=frozenset({"organisation_name", "given_name", "family_name"}),
    organisation=True,
    default_source="organisation",
)

IDENTITY_PROVIDERS: dict[str, IdentityProvider] = {idp.key: idp for idp in (BUNDID, MUK)}
