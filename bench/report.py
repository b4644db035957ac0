"""Writing a run's results: ``latest.json`` (everything) and ``latest.md`` (the tables)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

# The targets on a 2-core machine, checked against each run.
SHARE_TARGET = {"start page": 0.6, "catalogue": 0.6, "service page": 0.6}
P95_TARGET_MS = {
    "queue, first page": 50, "queue, deep page": 50, "queue, overdue filter": 50, "queue, name search": 50,
    "case page": 50, "case page after 10,000 views": 50, "application with 1 MB upload": 250,
}


REUSED = " (by an earlier run whose database this one reused, migrated to this commit)"


def floor_per_second(run: Any, kind: str) -> float:
    """The median of the floor's measurements (start, middle, end): one disturbed run does not count."""
    results = run.floor_results.get(kind, [])
    return statistics.median(r.per_second for r in results) if results else 0.0


def _verdict(name: str, share: float, p95: float, errors: int, requests: int) -> str:
    if not requests:
        return "no answer within the measured time"
    problems = []
    if name in SHARE_TARGET and share < SHARE_TARGET[name]:
        problems.append(f"< {SHARE_TARGET[name]:.0%} of floor")
    if name in P95_TARGET_MS and p95 > P95_TARGET_MS[name]:
        problems.append(f"p95 > {P95_TARGET_MS[name]} ms")
    if errors:
        problems.append("errors")
    if not problems:
        return "met" if name in SHARE_TARGET or name in P95_TARGET_MS else ""
    return "not met: " + ", ".join(problems)


def rows(run: Any) -> list[dict[str, Any]]:
    out = []
    for m in run.measurements:
        floor = floor_per_second(run, m.floor)
        share = m.result.per_second / floor if floor else 0.0
        out.append({**m.as_dict(), "floor_per_second": round(floor, 1), "share_of_floor": round(share, 3),
                    "target": _verdict(m.name, share, m.result.p95_ms, m.result.errors, m.result.requests)})
    return out


def _table(items: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | SQL/req | floor req/s | share of floor "
        "| kB/resp | worker RSS MB | load | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in items:
        sql = f"{r['statements_per_request']:.1f}"
        if r["job_statements_per_request"]:
            sql += f" (+{r['job_statements_per_request']:.1f} in jobs)"
        lines.append(
            f"| {r['name']} | {r['per_second']:,.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['errors']} | {sql} | {r['floor_per_second']:,.0f} ({r['floor']}) | {r['share_of_floor']:.0%} "
            f"| {r['bytes_per_request'] / 1024:.1f} | {r['worker_rss_mb']:.0f} | {r['load_average']:.1f} "
            f"| {r['target']} |"
        )
    return lines


def write(folder: Path, run: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    items = rows(run)
    data = {
        "machine": run.facts,
        "floor": {kind: [r.as_dict() for r in results] for kind, results in run.floor_results.items()},
        "scenarios": items,
        "application_steps": run.flow_steps,
        "query_plans": run.plans,
        "tenant_scale": run.scale,
    }
    (folder / "latest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    facts = run.facts
    options = facts["options"]
    lines = [
        "# amtsweg benchmark — latest run",
        "",
        f"{facts['date']}, commit {facts['git_commit']}. Machine: {facts['cpu_count']} CPUs ({facts['cpu']}), "
        f"{facts['memory_gb']} GB; Python {facts['python']}, PostgreSQL {facts['postgresql']}, "
        f"Redis {facts['redis']}, gunicorn {facts['gunicorn']}, {facts['wrk']}.",
        "",
        f"The platform runs under `config/gunicorn.conf.py` ({options['workers']} sync workers) with "
        "`AMTSWEG_ENV=production` on PostgreSQL (app role under row-level security) and Redis with one RQ "
        f"worker; `wrk` drives {options['connections']} connections for {options['seconds']:g} s per scenario "
        f"after {options['warmup']:g} s of warm-up, from a separate process on loopback. Data: five towns with "
        f"the whole library, {facts['cases_per_town']:,} cases per town (scale {options['scale']:g}), seeded in "
        f"{facts['seed_seconds']:,.0f} s"
        f"{REUSED if facts.get('reused') else ''}"
        f". Load average (1, 5, 15 min) at the start {facts['load_average_at_start']}, at the end "
        f"{facts.get('load_average_at_end')}; the `load` column is the 1-minute value after each scenario "
        "(2 cores: above 2 the scenarios waited for CPU). The floor is a minimal Flask app under the same "
        "gunicorn settings: "
        "`fortunes` runs one indexed query on the same PostgreSQL server and renders a Jinja template of a "
        "similar size, `hello` answers a fixed text; each is measured at the start, in the middle and at the end "
        "of the run and "
        "the median is used. SQL/req counts the app role's statements in `pg_stat_statements` during the "
        "measurement (BEGIN/COMMIT not counted); statements of the mail jobs a scenario causes are counted "
        "apart.",
        "",
    ]
    for section in dict.fromkeys(r["section"] for r in items):
        heading = f"## {section[:1].upper()}{section[1:]}"
        lines += [heading, "", *_table([r for r in items if r["section"] == section]), ""]
    if run.flow_steps:
        lines += ["## One application, step by step (one client alone, median of 5)", "",
                  "| step | ms | SQL statements |", "|---|---:|---:|"]
        lines += [f"| {s['step']} | {s['median_ms']:.1f} | {s['statements']:g} |" for s in run.flow_steps]
        lines.append("")
    if run.plans:
        lines += ["## Query plans (EXPLAIN ANALYZE as the app role, main town)", "",
                  "| query | policy reads settings | ms | indexes | sequential scan |", "|---|---|---:|---|---|"]
        lines += [f"| {p['query']} | {p['policy']} | {p['milliseconds']:.2f} | {', '.join(p['indexes']) or '–'} "
                  f"| {'yes' if p['sequential_scan'] else 'no'} |" for p in run.plans]
        lines.append("")
    if run.scale:
        lines += ["## Tenant scale", "", "```json", json.dumps(run.scale, indent=2, ensure_ascii=False), "```", ""]
    lines += ["## Floor", "", "| floor | req/s (each measurement) | p95 ms |", "|---|---|---|"]
    for kind, results in run.floor_results.items():
        lines.append(f"| {kind} | {', '.join(f'{r.per_second:,.0f}' for r in results)} "
                     f"| {', '.join(f'{r.p95_ms:.1f}' for r in results)} |")
    lines.append("")
    (folder / "latest.md").write_text("\n".join(lines), encoding="utf-8")
