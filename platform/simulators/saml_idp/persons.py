"""The simulator's test persons and organisation, with the attributes BundID and Mein
Unternehmenskonto would confirm (keys of amtsweg.auth.saml.idps). All fictional."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TestPerson:
    key: str
    idp: str
    label: str
    level: int
    # BundID's AssertionProvedBy: how the person proved who they are.
    proved_by: str
    attributes: dict[str, str] = field(default_factory=dict)


_ERIKA = {
    "given_name": "Erika", "family_name": "Mustermann", "birth_name": "Gabler", "birth_date": "1964-08-12",
    "place_of_birth": "Berlin", "street_address": "Marktplatz 1", "postal_code": "61267", "locality": "Neu-Anspach",
    "country": "DE", "nationality": "D", "email": "erika.mustermann@example.org",
}

PERSONS = (
    TestPerson("erika-eid", "bundid", "Erika Mustermann – Online-Ausweis (Vertrauensniveau hoch)", 4, "eID", _ERIKA),
    TestPerson("max-elster", "bundid", "Max Mustermann – ELSTER-Zertifikat (Vertrauensniveau substanziell)", 3,
               "Elster", {
        "given_name": "Max", "family_name": "Mustermann", "birth_date": "1970-01-31", "street_address": "Am Kurhaus 3",
        "postal_code": "61250", "locality": "Usingen", "country": "DE", "email": "max.mustermann@example.org",
    }),
    TestPerson("lena-konto", "bundid", "Lena Beispiel – Benutzername und Passwort (Vertrauensniveau niedrig)", 1,
               "Benutzername", {"given_name": "Lena", "family_name": "Beispiel", "email": "lena.beispiel@example.org"}),
    TestPerson("beispiel-bau", "muk", "Beispiel Bau GmbH – handelnd: Jan Muster (ELSTER-Organisationszertifikat)", 3,
               "Elster", {
                   "organisation_name": "Beispiel Bau GmbH", "legal_form": "Gesellschaft mit beschränkter Haftung",
                   "street_address": "Industriestraße 5", "postal_code": "61273", "locality": "Wehrheim",
                   "tax_number": "003/815/08150", "given_name": "Jan", "family_name": "Muster",
                   "email": "jan.muster@beispiel-bau.example",
               }),
)


def persons_of(idp: str) -> list[TestPerson]:
    """The test persons (or organisations) one simulated IdP offers."""
    return [person for person in PERSONS if person.idp == idp]
