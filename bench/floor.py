"""The framework floor: what Flask, gunicorn and PostgreSQL cost without the platform.

``fortunes`` has TechEmpower's "Fortunes" shape: one indexed query on the same PostgreSQL server,
one row added in Python, sorted, rendered with an autoescaping Jinja template whose page is about
as large as the platform's pages. ``hello`` answers a fixed text (the floor for ``/healthz``).
Both run under the same gunicorn settings as the platform (``floor_gunicorn.conf.py``).
"""

from __future__ import annotations

import os

from flask import Flask, render_template
from sqlalchemy import create_engine, text

# Rows the page shows: its HTML is then about as large as the platform's catalogue page.
ROWS = 120
FORTUNES_TABLE = """
CREATE TABLE fortune (id integer PRIMARY KEY, message text NOT NULL);
INSERT INTO fortune SELECT n, 'Fortune ' || n || ': ' || repeat('Behördengang leicht gemacht. ', 2)
  FROM generate_series(1, 10000) AS n;
"""
_QUERY = text("SELECT id, message FROM fortune WHERE id <= :rows ORDER BY id")

fortunes = Flask(__name__)
hello = Flask(__name__)
_engine = None


def engine():  # type: ignore[no-untyped-def]
    """The pool of this process (created lazily, so a forked worker never shares the master's)."""
    global _engine
    if _engine is None:
        _engine = create_engine(os.environ["FLOOR_DATABASE_URL"], pool_size=5, pool_pre_ping=False)
    return _engine


def dispose() -> None:
    if _engine is not None:
        _engine.dispose(close=False)


@fortunes.route("/")
def fortune_page() -> str:
    with engine().connect() as connection:
        rows = [(row.id, row.message) for row in connection.execute(_QUERY, {"rows": ROWS})]
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render_template("fortunes.html", fortunes=rows)


@hello.route("/")
def hello_page() -> str:
    return "Hello, World!"
