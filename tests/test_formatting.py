"""Dates, times, money and numbers read the way people in Germany expect them, in German and English."""

from datetime import UTC, date, datetime

import pytest
from amtsweg.formatting import format_amount, format_cents, format_date, format_datetime, format_number
from flask import render_template_string

WINTER = datetime(2026, 3, 12, 13, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 12, 13, 5, 7, tzinfo=UTC)


@pytest.mark.parametrize(("locale", "expected"), [("de", "02.03.2026"), ("en", "2 Mar 2026")])
def test_a_day_reads_in_the_language(locale, expected):
    assert format_date(date(2026, 3, 2), locale) == expected


def test_a_timestamp_is_the_day_it_is_in_germany():
    # 23:30 UTC on 6 March is already 7 March in Hessen; SQLite gives timestamps back without a zone.
    assert format_date(datetime(2026, 3, 6, 23, 30), "de") == "07.03.2026"


@pytest.mark.parametrize(("moment", "locale", "expected"), [
    (WINTER, "de", "12.03.2026, 14:05 MEZ"),
    (SUMMER, "de", "12.07.2026, 15:05 MESZ"),
    (WINTER, "en", "12 Mar 2026, 14:05 CET"),
    (SUMMER, "en", "12 Jul 2026, 15:05 CEST"),
])
def test_a_time_is_shown_in_german_local_time_with_its_zone(moment, locale, expected):
    assert format_datetime(moment, locale) == expected


def test_seconds_are_shown_when_asked_for():
    assert format_datetime(SUMMER, "de", seconds=True) == "12.07.2026, 15:05:07 MESZ"


@pytest.mark.parametrize(("cents", "locale", "expected"), [
    (123456, "de", "1.234,56 €"), (5, "de", "0,05 €"), (-1234, "de", "-12,34 €"),
    (123456, "en", "€1,234.56"), (5, "en", "€0.05"),
])
def test_money_reads_in_the_language(cents, locale, expected):
    assert format_cents(cents, locale) == expected


def test_amounts_and_numbers_use_the_languages_separators():
    assert format_amount(123450, "de") == "1.234,50"
    assert format_amount(123450, "en") == "1,234.50"
    assert format_number(1234.5, "de") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"


def test_without_a_request_the_formats_are_german():
    assert format_cents(1500) == "15,00 €"
    assert format_date(date(2026, 1, 2)) == "02.01.2026"


def test_templates_format_in_the_pages_language(app):
    template = "{{ day | date }} | {{ moment | datetime }} | {{ cents | money }} | {{ value | number }}"
    values = {"day": date(2026, 3, 2), "moment": WINTER, "cents": 250, "value": 1234.5}
    with app.test_request_context("/", headers={"Host": "usingen.localhost"}):
        assert render_template_string(template, **values) == "02.03.2026 | 12.03.2026, 14:05 MEZ | 2,50 € | 1.234,5"
    with app.test_request_context("/", headers={"Host": "usingen.localhost"}) as ctx:
        ctx.session["locale"] = "en"
        assert render_template_string(template, **values) == "2 Mar 2026 | 12 Mar 2026, 14:05 CET | €2.50 | 1,234.5"
