"""Request-path benchmarks with ratios against a baseline measured in the same run.

The baseline is ``/healthz`` (routing, one trivial SQL statement, JSON): every other page is
reported as a multiple of it, so numbers from different machines stay comparable. Each page also
reports the SQL statements one request issues, the figure that grows when a query goes N+1.
Neu-Anspach gets ``--cases`` cases (default 100,000) so that the clerks' queue is measured at the
size of a busy town; Usingen's queue, with its few cases, is the comparison.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))
# The tests' host-bound client and development login serve the clerk's pages here as well.
sys.path.insert(0, str(ROOT / "tests"))

from amtsweg import create_app  # noqa: E402
from amtsweg.demo import add_bulk_cases  # noqa: E402
from amtsweg.extensions import db  # noqa: E402
from amtsweg.processes.services import sync_library  # noqa: E402
from amtsweg.tenancy import tenant_context  # noqa: E402
from amtsweg.tenancy.resolution import directory  # noqa: E402
from amtsweg.tenancy.services import sync_tenants  # noqa: E402
from conftest import host_client  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402
from support.logins import login_as  # noqa: E402

CLERK = ("clerk",)
PAGES = [
    ("baseline /healthz", "neu-anspach.localhost", "/healthz", ()),
    ("start page", "neu-anspach.localhost", "/", ()),
    ("legal page (Markdown)", "usingen.localhost", "/datenschutz", ()),
    ("design tokens", "schmitten.localhost", "/design.css", ()),
    ("member list", "localhost", "/", ()),
    ("catalogue, full library", "neu-anspach.localhost", "/leistungen", ()),
    ("catalogue search", "neu-anspach.localhost", "/leistungen?suche=hund", ()),
    ("unknown host (404)", "evil.example", "/", ()),
    ("queue, few cases", "usingen.localhost", "/sachbearbeitung/", CLERK),
    ("queue, --cases cases", "neu-anspach.localhost", "/sachbearbeitung/", CLERK),
    ("queue, status filter", "neu-anspach.localhost", "/sachbearbeitung/?status=in_progress", CLERK),
    ("queue, overdue only", "neu-anspach.localhost", "/sachbearbeitung/?ueberfaellig=1", CLERK),
    ("queue, search by name", "neu-anspach.localhost", "/sachbearbeitung/?suche=Person+4711", CLERK),
]


def _build_app(folder: Path, cases: int):
    app = create_app({
        "ENV": "testing",
        "INSTANCE_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
    })
    with app.app_context():
        upgrade(revision="heads")
        sync_tenants(Path(app.config["TENANTS_DIR"]))
        sync_library(Path(app.config["PROCESSES_DIR"]))
        with tenant_context(directory.by_slug("neu-anspach", app.config["BASE_DOMAIN"])):
            add_bulk_cases(cases)
    return app


def _measure(app, host: str, path: str, roles: tuple[str, ...], rounds: int) -> tuple[float, int]:
    client = host_client(app, host)
    if roles:
        login_as(client, *roles)
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    client.get(path)  # warm caches and compiled templates
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    client.get(path)
    event.remove(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(Path(folder), args.cases)
        results = [
            (label.replace("--cases", f"{args.cases:,}"), *_measure(app, host, path, roles, args.rounds))
            for label, host, path, roles in PAGES
        ]
    baseline = results[0][1]
    print(f"{'page':28} {'median ms':>10} {'× baseline':>11} {'SQL/request':>12}")
    for label, median, statements in results:
        print(f"{label:28} {median * 1000:10.2f} {median / baseline:11.2f} {statements:12d}")


if __name__ == "__main__":
    main()
