"""Dates, times, money and numbers as people read them, in German or English (Babel's CLDR data).

Timestamps are stored in UTC and shown in the towns' time (Europe/Berlin) with the zone that was in
force then (MEZ/MESZ, CET/CEST). Without ``locale`` the page's language is used (German outside a
request). Templates use the same functions as filters: ``date``, ``datetime``, ``money``, ``number``,
``percent``, ``file_size``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import dates, numbers
from flask import Flask, has_request_context
from flask_babel import get_locale

from amtsweg.clock import in_town_time
from amtsweg.text import with_dative_article

DEFAULT_LOCALE = "de"
# The English pages are read in Germany: British conventions (day before month, 24-hour clock,
# CET/CEST) rather than American ones.
CLDR_LOCALES = {"de": "de_DE", "en": "en_GB"}
CURRENCY = "EUR"


def _cldr(locale: str | None) -> str:
    if locale is None:
        locale = str(get_locale() or DEFAULT_LOCALE) if has_request_context() else DEFAULT_LOCALE
    return CLDR_LOCALES.get(locale, locale)


def _spaced(text: str) -> str:
    # CLDR puts no-break spaces between amount and sign and before AM/PM; pages, mails, PDFs and
    # exports keep the plain spaces they have always had.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def format_date(value: date | datetime, locale: str | None = None) -> str:
    """``12.03.2026`` / ``12 Mar 2026``; a timestamp counts as the day it is in Germany."""
    day = in_town_time(value).date() if isinstance(value, datetime) else value
    return _medium_date(day, _cldr(locale))


@lru_cache(maxsize=4096)
def _medium_date(day: date, cldr: str) -> str:
    # Lists show the same few days again and again (a queue page: 100 dates); Babel parses the
    # pattern and looks the locale up anew for each.
    return dates.format_date(day, "medium", locale=cldr)


def format_datetime(value: datetime, locale: str | None = None, seconds: bool = False) -> str:
    """``12.03.2026, 14:05 MEZ`` / ``12 Mar 2026, 14:05 CET``: the towns' local time and its zone."""
    cldr = _cldr(locale)
    moment = in_town_time(value)
    time_text = dates.format_time(moment, "medium" if seconds else "short", locale=cldr)
    day_and_time = str(dates.get_datetime_format("medium", locale=cldr)).format(
        time_text, dates.format_date(moment, "medium", locale=cldr)
    )
    return _spaced(f"{day_and_time} {dates.get_timezone_name(moment, 'short', locale=cldr)}")


def format_cents(cents: int, locale: str | None = None) -> str:
    """An amount in cents with the euro sign: ``1.234,56 €`` / ``€1,234.56``."""
    return _spaced(numbers.format_currency(Decimal(cents) / 100, CURRENCY, locale=_cldr(locale)))


def format_amount(cents: int, locale: str | None = None) -> str:
    """An amount in cents without the sign, as typed into a form or a spreadsheet: ``1.234,56``."""
    return numbers.format_decimal(Decimal(cents) / 100, "#,##0.00", locale=_cldr(locale))


def format_number(value: int | float | Decimal, locale: str | None = None) -> str:
    """A number with the language's separators: ``1.234,5`` / ``1,234.5``."""
    return numbers.format_decimal(value, locale=_cldr(locale))


def format_month(year: int, month: int, locale: str | None = None, short: bool = False) -> str:
    """A month as a heading (``März 2026`` / ``March 2026``) or, ``short``, an axis label
    (``März 26`` / ``Mar 26``)."""
    return dates.format_date(date(year, month, 1), "LLL yy" if short else "LLLL yyyy", locale=_cldr(locale))


def format_percent(share: float | Decimal, locale: str | None = None) -> str:
    """A share between 0 and 1 as a percentage with at most one decimal: ``42,5 %`` / ``42.5%``."""
    return _spaced(numbers.format_percent(round(float(share), 3), locale=_cldr(locale), decimal_quantization=False))


def format_file_size(size: int, locale: str | None = None) -> str:
    """A file's size as people read it: ``44 Bytes``, ``0,7 KB``, ``2,4 MB``."""
    if size < 1024:
        return f"{format_number(size, locale)}\u00a0Bytes"
    unit, factor = next((unit, factor) for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024))
                        if size >= factor)
    return f"{numbers.format_decimal(round(size / factor, 1), '#,##0.#', locale=_cldr(locale))}\u00a0{unit}"


def in_dative(name: str, locale: str | None = None) -> str:
    """An authority's name where a German sentence needs the dative ("bei der Stadt Usingen"); other
    languages do not decline it and get the name as it is."""
    return with_dative_article(name) if _cldr(locale).startswith("de") else name


def init_app(app: Flask) -> None:
    """Make the formats available to templates as filters."""
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_cents, "money")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_file_size, "file_size")
    app.add_template_filter(in_dative, "dative")
