"""``make bench``: the platform on real servers against a framework floor measured in the same run.

Starts PostgreSQL (owner and app role, row-level security) and Redis on loopback, seeds five towns
with the full library, 200,000 cases and 5,000 contracts each (``--scale`` for quicker runs), runs
the platform under gunicorn with the production configuration and drives load with ``wrk`` from a
separate process. Writes ``bench/results/latest.md`` and ``latest.json``.
"""

from __future__ import annotations

import argparse
import re

from bench.run import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the full data set (1 = 200,000 cases and 5,000 contracts per town)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each measurement")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (platform and floor alike)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections per scenario")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap on the requests of one scenario")
    parser.add_argument("--towns", type=int, default=11_000, help="towns of the tenant-scale run (0 = skip it)")
    parser.add_argument("--clients", type=int, default=200, help="clients of the concurrency run (0 = skip it)")
    parser.add_argument("--concurrency-seconds", type=float, default=60)
    parser.add_argument("--only", default="",
                        help="comma-separated scenario or section names, e.g. 'clerks,catalogue,11,000 towns'"
                             " (a comma before a digit is part of a name; default: all)")
    parser.add_argument("--output", default="bench/results", help="folder for latest.md and latest.json")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working folder and the seeded database for --reuse (needs --towns 0: "
                             "the kept data set has the five towns only)")
    parser.add_argument("--reuse", default="", metavar="FOLDER",
                        help="start from the seeded database a run with --keep left in FOLDER (migrated to "
                             "this code first)")
    args = parser.parse_args()
    if args.keep and args.towns:
        parser.error("--keep needs --towns 0")
    run(Options(
        scale=args.scale, seconds=args.seconds, warmup=args.warmup, workers=args.workers,
        connections=args.connections, max_requests=args.max_requests, towns=args.towns, clients=args.clients,
        concurrency_seconds=args.concurrency_seconds, only=tuple(filter(None, re.split(r",(?!\d)", args.only))),
        output=args.output, keep=args.keep, reuse=args.reuse,
    ))


if __name__ == "__main__":
    main()
