"""Request-path benchmarks with ratios against a baseline measured in the same run.

The baseline is ``/healthz`` (routing, one trivial SQL statement, JSON): every other page is
reported as a multiple of it, so numbers from different machines stay comparable. Each page also
reports the SQL statements one request issues, the figure that grows when a query goes N+1.
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

from amtsweg import create_app  # noqa: E402
from amtsweg.extensions import db  # noqa: E402
from amtsweg.processes.services import sync_library  # noqa: E402
from amtsweg.tenancy.services import sync_tenants  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

PAGES = [
    ("baseline /healthz", "neu-anspach.localhost", "/healthz"),
    ("start page", "neu-anspach.localhost", "/"),
    ("legal page (Markdown)", "usingen.localhost", "/datenschutz"),
    ("design tokens", "schmitten.localhost", "/design.css"),
    ("member list", "localhost", "/"),
    ("catalogue, full library", "neu-anspach.localhost", "/leistungen"),
    ("catalogue search", "neu-anspach.localhost", "/leistungen?suche=hund"),
    ("unknown host (404)", "evil.example", "/"),
]


def _build_app(folder: Path):
    app = create_app({
        "ENV": "testing",
        "INSTANCE_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
    })
    with app.app_context():
        upgrade(revision="heads")
        sync_tenants(Path(app.config["TENANTS_DIR"]))
        sync_library(Path(app.config["PROCESSES_DIR"]))
    return app


def _measure(app, host: str, path: str, rounds: int) -> tuple[float, int]:
    client = app.test_client()
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    client.get(path, base_url=f"http://{host}/")  # warm caches and compiled templates
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    client.get(path, base_url=f"http://{host}/")
    event.remove(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(path, base_url=f"http://{host}/")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = _build_app(Path(folder))
        results = [(label, *_measure(app, host, path, args.rounds)) for label, host, path in PAGES]
    baseline = results[0][1]
    print(f"{'page':28} {'median ms':>10} {'× baseline':>11} {'SQL/request':>12}")
    for label, median, statements in results:
        print(f"{label:28} {median * 1000:10.2f} {median / baseline:11.2f} {statements:12d}")


if __name__ == "__main__":
    main()
