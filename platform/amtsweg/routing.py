"""URL converters of the app: ``<int:…>`` only matches numbers an integer column can hold.

Werkzeug's converter accepts any number of digits; a path like ``/vertraege/99999999999`` would
then reach the database and fail there (an overflow on PostgreSQL and SQLite) instead of being the
404 of an id that does not exist.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# The largest value of a 32-bit signed integer column (ids, counters of the URL map).
MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``int`` with an upper bound of :data:`MAX_ID` unless a route gives its own ``max``."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Register the converters; must run before any route is added (rules bind them when added)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
