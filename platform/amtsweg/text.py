"""Text helpers shared by the searches of the catalogue, the contracts and the demo data, and by the
spreadsheet exports."""

from __future__ import annotations

import unicodedata

_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """Lower-case search form in which 'Straße' and 'strasse', 'Müller' and 'MUELLER' are equal.

    Umlauts and their transliterations (ä/ae, ö/oe, ü/ue, ß/ss) fold to the same letters; other
    accents are dropped and white space is collapsed. Both the query and the searched texts go
    through it.
    """
    text = text.lower().translate(_UMLAUTS)
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def spreadsheet_text(text: str) -> str:
    """Text for a spreadsheet cell that a spreadsheet never runs as a formula (CSV injection): a
    leading = + - @ gets an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# Authorities whose name starts with a masculine or neuter noun; towns ("Stadt …", "Gemeinde …")
# and most offices ("Verwaltung", "Stelle") are feminine.
_DATIVE_DEM = ("Magistrat", "Gemeindevorstand", "Markt", "Kreis", "Landkreis", "Amt", "Bürgermeister", "Land ")


def with_dative_article(name: str) -> str:
    """``name`` after "bei"/"von" in German: "der Stadt Usingen", "dem Magistrat der Stadt Usingen"."""
    if not name:
        return name
    return ("dem " if name.startswith(_DATIVE_DEM) else "der ") + name
