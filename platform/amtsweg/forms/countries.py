"""Countries for address fields: ISO 3166-1 alpha-2 codes (pycountry) with their names in German
and English (CLDR via Babel)."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale

from amtsweg.text import fold

HOME = "DE"
_CLDR = {"de": "de_DE", "en": "en_GB"}


@cache
def _names(locale: str) -> dict[str, str]:
    territories = Locale.parse(_CLDR.get(locale, "de_DE")).territories
    return {country.alpha_2: territories.get(country.alpha_2, country.name) for country in pycountry.countries}


def country_name(code: str, locale: str) -> str:
    """The country's name in ``locale``; an unknown code as it is."""
    return _names(locale).get(code, code)


@cache
def country_options(locale: str) -> list[tuple[str, str]]:
    """``(code, name)`` of every country, Germany first, the others by name."""
    names = _names(locale)
    others = sorted((code for code in names if code != HOME), key=lambda code: fold(names[code]))
    return [(code, names[code]) for code in (HOME, *others)]


@cache
def _codes_by_name() -> dict[str, str]:
    found = {fold(code): code for code in _names("de")}
    for locale in _CLDR:
        found.update({fold(name): code for code, name in _names(locale).items()})
    return found


def country_code(text: str) -> str | None:
    """The code of a country given by code or by its German or English name (any case)."""
    return _codes_by_name().get(fold(text))
