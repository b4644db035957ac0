"""One benchmark run: set up, measure every scenario against the floor, scale the towns, write results."""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from bench import flows, plans, report
from bench.load import Load, WrkResult, run_wrk
from bench.seed import TownData, generated_towns, seed, town_folders
from bench.sessions import api_key, staff_cookie
from bench.stack import (
    APP_DATABASE,
    BASE_DOMAIN,
    FLOOR_DATABASE,
    ROOT,
    Gunicorn,
    Stack,
    town_host,
)

MAIN_TOWN = "neu-anspach"
# The wrk scripts that request the one page of the URL (the others make their own requests).
PAGE_SCRIPTS = ("page.lua", "citizens.lua")
WORKER_ROLE = "amtsweg_worker"


@dataclass(frozen=True)
class Options:
    scale: float = 1.0
    seconds: float = 10
    warmup: float = 2
    workers: int = 2
    connections: int = 4
    max_requests: int = 100_000
    towns: int = 11_000
    clients: int = 200
    concurrency_seconds: float = 60
    only: tuple[str, ...] = ()
    output: str = "bench/results"
    # Keep the working folder and the seeded database after the run; start from such a folder.
    keep: bool = False
    reuse: str = ""


@dataclass
class Measurement:
    section: str
    name: str
    target: str
    floor: str
    result: WrkResult
    statements_per_request: float
    worker_rss_mb: float
    # Statements of background jobs (the RQ worker's role) per request, where a scenario causes jobs.
    job_statements_per_request: float = 0.0
    notes: str = ""
    # The machine's 1-minute load average right after the measurement (other work shares the cores).
    load_average: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section, "name": self.name, "target": self.target, "floor": self.floor,
            **self.result.as_dict(), "statements_per_request": round(self.statements_per_request, 1),
            "job_statements_per_request": round(self.job_statements_per_request, 1),
            "worker_rss_mb": self.worker_rss_mb, "notes": self.notes, "load_average": self.load_average,
        }


@dataclass
class Run:
    options: Options
    stack: Stack
    app: Any = None
    tenants_dir: Path = Path()
    towns: list[TownData] = field(default_factory=list)
    server: Gunicorn | None = None
    floors: dict[str, Gunicorn] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    floor_results: dict[str, list[WrkResult]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    scale: dict[str, Any] = field(default_factory=dict)
    flow_steps: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    upload: Path = Path()
    flow_data: Path = Path()

    # ------------------------------------------------------------------ measuring

    def statements(self, role: str = "amtsweg_app") -> int:
        with self.stack.superuser() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid"
                " JOIN pg_database d ON d.oid = s.dbid WHERE r.rolname = %s AND d.datname = %s",
                (role, APP_DATABASE),
            ).fetchone()
        return int(row[0])

    def wanted(self, name: str) -> bool:
        return not self.options.only or name in self.options.only

    def load(self, seconds: float | None = None, connections: int | None = None, threads: int = 1) -> Load:
        connections = connections or self.options.connections
        return Load(seconds or self.options.seconds, connections, min(threads, connections), self.options.max_requests)

    def measure(
        self, section: str, name: str, host: str, path: str, *, floor: str = "fortunes", cookie: str = "",
        script: str = "page.lua", environment: dict[str, str] | None = None, load: Load | None = None,
        notes: str = "", headers: dict[str, str] | None = None,
    ) -> Measurement | None:
        if not self.wanted(name) and not self.wanted(section):
            return None
        assert self.server is not None
        self.server.wait_until_idle()
        headers = {"Host": host, **({"Cookie": cookie} if cookie else {}), **(headers or {})}
        load = load or self.load()
        url = self.server.url + (path if script in PAGE_SCRIPTS else "/")
        if self.options.warmup:
            run_wrk(url, Load(self.options.warmup, load.connections, load.threads, load.max_requests),
                    script=script, headers=headers, environment=environment)
        before, jobs_before = self.statements(), self.statements(WORKER_ROLE)
        result = run_wrk(url, load, script=script, headers=headers, environment=environment)
        if script == "flow.lua":
            _wait_for_jobs(self.stack)
        statements = (self.statements() - before) / max(result.requests, 1)
        jobs = (self.statements(WORKER_ROLE) - jobs_before) / max(result.requests, 1)
        measurement = Measurement(section, name, f"{host}{path}", floor, result, statements,
                                  max(self.server.worker_rss_mb(), default=0.0), jobs, notes,
                                  round(os.getloadavg()[0], 1))
        self.measurements.append(measurement)
        print(f"  {name:44} {result.per_second:8.1f}/s  p95 {result.p95_ms:8.1f} ms  errors {result.errors:5d}"
              f"  SQL/req {statements:5.1f}", flush=True)
        return measurement

    def measure_floors(self) -> None:
        for kind, server in self.floors.items():
            load = self.load()
            run_wrk(server.url + "/", Load(self.options.warmup or 1, load.connections, 1, load.max_requests),
                    headers={"Host": "floor"})
            result = run_wrk(server.url + "/", load, headers={"Host": "floor"})
            self.floor_results.setdefault(kind, []).append(result)
            print(f"  floor {kind:38} {result.per_second:8.1f}/s  p95 {result.p95_ms:8.1f} ms", flush=True)

    def cold_requests(self, slugs: list[str], path: str = "/") -> list[float]:
        """Milliseconds of the first request to each town (none of them served before)."""
        assert self.server is not None
        timings = []
        for slug in slugs:
            started = time.perf_counter()
            response = requests.get(self.server.url + path, headers={"Host": town_host(slug),
                                                                    "X-Forwarded-Proto": "https"}, timeout=120)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{slug}{path} answered {response.status_code}")
        return timings


def _wait_for_jobs(stack: Stack, timeout: float = 120) -> None:
    """Wait until the RQ queues are empty (the mails of the submissions are sent)."""
    assert stack.redis is not None
    client = stack.redis.client()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = sum(client.llen(f"rq:queue:{name}") for name in ("mail", "documents", "default"))
        if not waiting:
            time.sleep(1)
            return
        time.sleep(0.5)


# ---------------------------------------------------------------------- set-up


def _platform_app(run: Run) -> None:
    """Migrate as the owner, sync the towns and the library, switch the whole library on."""
    from amtsweg import create_app
    from amtsweg.extensions import db
    from amtsweg.processes.services import sync_library
    from amtsweg.tenancy.services import sync_tenants
    from flask_migrate import upgrade

    settings = run.stack.app_settings(run.tenants_dir)
    run.app = create_app(settings)
    with run.app.app_context():
        upgrade(revision="heads")
        sync_tenants(run.tenants_dir)
        sync_library(Path(run.app.config["PROCESSES_DIR"]))
        db.session.remove()
    _enable_library_everywhere(run.stack)


def _enable_library_everywhere(stack: Stack) -> None:
    """Every town offers the whole library (what switching each process on in the admin does)."""
    with stack.ops() as conn:
        conn.execute(
            "INSERT INTO process_enablement (tenant_id, process_id, enabled, overrides, updated_at)"
            " SELECT t.id, p.id, true, '{}', now() FROM tenant t CROSS JOIN process p"
            " ON CONFLICT (tenant_id, process_id) DO UPDATE SET enabled = true"
        )
        conn.commit()


def _worker_role(stack: Stack) -> str:
    """The RQ worker's own login role, a member of the app role (same rights, same policies), so
    that the statements of background jobs are counted apart from the requests'."""
    import secrets

    assert stack.postgres is not None
    password = secrets.token_hex(16)
    with stack.superuser("postgres") as conn:
        conn.execute(
            f"CREATE ROLE {WORKER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{password}' IN ROLE amtsweg_app"
        )
    return f"postgresql+psycopg://{WORKER_ROLE}:{password}@127.0.0.1:{stack.postgres.port}/{APP_DATABASE}"


def _floor_table(stack: Stack) -> None:
    from bench.floor import FORTUNES_TABLE

    with stack.owner(FLOOR_DATABASE) as conn:
        conn.execute(FORTUNES_TABLE)
        conn.commit()
    with stack.superuser(FLOOR_DATABASE) as conn:
        conn.execute("ANALYZE fortune")


def _facts(stack: Stack, options: Options) -> dict[str, Any]:
    with stack.superuser() as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    assert stack.redis is not None
    redis_version = stack.redis.client().info("server")["redis_version"]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    import gunicorn

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "cpu": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "redis": redis_version,
        "gunicorn": gunicorn.__version__,
        "wrk": wrk.strip(),
        "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=ROOT, check=False).stdout.strip(),
        "options": {k: v for k, v in options.__dict__.items() if k not in ("only", "keep", "reuse")},
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# ---------------------------------------------------------------------- scenarios


def _citizen_scenarios(run: Run) -> None:
    town = next(t for t in run.towns if t.slug == MAIN_TOWN)
    host = town_host(MAIN_TOWN)
    section = "citizens"
    run.measure(section, "start page", host, "/")
    run.measure(section, "catalogue", host, "/leistungen")
    run.measure(section, "catalogue search", host, "/leistungen?suche=hund")
    run.measure(section, "service page", host, "/leistungen/hundesteuer-anmelden")
    run.measure(section, "status page", host, f"/vorgang/{town.status_tokens[0]}", script="citizens.lua",
                notes="each request from another client address (token pages are rate-limited per address)")
    run.measure(section, "payment return (paid online)", host, f"/zahlung/{town.payment_tokens[0]}",
                script="citizens.lua", notes="the citizen back from the provider's page after paying (the payment"
                " is booked, so the provider is not asked); each request from another client address")
    run.measure(section, "member list (base domain)", BASE_DOMAIN, "/")
    run.measure(section, "/healthz", host, "/healthz", floor="hello")


def _clerk_scenarios(run: Run) -> None:
    town = next(t for t in run.towns if t.slug == MAIN_TOWN)
    host = town_host(MAIN_TOWN)
    deep_id = _case_id_at_depth(run, town, 0.9)
    section = "clerks"
    for name, path in (
        ("queue, first page", "/sachbearbeitung/"),
        ("queue, deep page", f"/sachbearbeitung/?vor={deep_id}"),
        ("queue, by due date", "/sachbearbeitung/?sortierung=faelligkeit"),
        ("queue, overdue filter", "/sachbearbeitung/?ueberfaellig=1"),
        ("queue, name search", "/sachbearbeitung/?suche=Quandtmeyer"),
        ("case page", f"/sachbearbeitung/vorgang/{town.plain_case}"),
        ("case page after 10,000 views", f"/sachbearbeitung/vorgang/{town.heavy_case}"),
        ("contract search", "/sachbearbeitung/vertraege/?q=wartung"),
        ("statistics page", "/verwaltung/statistik"),
        ("council report", "/verwaltung/statistik/bericht"),
        ("council report (PDF)", "/verwaltung/statistik/bericht.pdf"),
    ):
        if run.wanted(name) or run.wanted(section):
            # A fresh login per scenario: a session idles out after 30 minutes.
            run.measure(section, name, host, path, cookie=staff_cookie(run.app, host))
    name = "API: case list"
    if run.wanted(name) or run.wanted(section):
        key = api_key(run.app, host, ["cases:read"])
        run.measure(section, name, host, "/api/v1/cases?limit=50", headers={"Authorization": f"Bearer {key}"},
                    notes="a connected system reads the newest 50 cases with a key of the town")


def _query_plans(run: Run) -> None:
    if not run.wanted("plans") and run.options.only:
        return
    town = next(t for t in run.towns if t.slug == MAIN_TOWN)
    with run.stack.ops() as conn:
        heavy = conn.execute("SELECT id FROM case_file WHERE tenant_id = %s AND reference = %s",
                             (town.tenant_id, town.heavy_case)).fetchone()[0]
    run.plans = [plan.as_dict() for plan in plans.measure(run.stack, town.tenant_id, heavy)]


def _admin_scenarios(run: Run, section: str) -> None:
    host = f"admin.{BASE_DOMAIN}"
    pages = (("admin: library overview", "/bibliothek"), ("admin: enablement matrix", "/bibliothek/freischaltung"),
             ("admin: statistics across towns", "/statistik"))
    for name, path in pages:
        if run.wanted(name) or run.wanted(section):
            run.measure(section, name, host, path, cookie=staff_cookie(run.app, host),
                        load=run.load(connections=1))


def _case_id_at_depth(run: Run, town: TownData, depth: float) -> int:
    with run.stack.ops() as conn:
        row = conn.execute(
            "SELECT id FROM case_file WHERE tenant_id = %s ORDER BY id DESC OFFSET %s LIMIT 1",
            (town.tenant_id, int(town.cases * depth)),
        ).fetchone()
    return int(row[0])


def _application_scenario(run: Run) -> None:
    if not run.wanted("application with 1 MB upload") and not run.wanted("citizens"):
        return
    host = town_host(MAIN_TOWN)
    assert run.server is not None
    steps = flows.application_steps(datetime.now(UTC).date())
    per_step: dict[str, list[flows.StepTiming]] = {}
    for _ in range(5):
        for timing in flows.run_once(run.server.url, host, steps, run.upload, run.statements):
            per_step.setdefault(timing.label, []).append(timing)
    _wait_for_jobs(run.stack)
    run.flow_steps = [
        {"step": label, "median_ms": round(statistics.median(t.milliseconds for t in timings), 1),
         "statements": statistics.median(t.statements for t in timings)}
        for label, timings in per_step.items()
    ]
    run.measure("citizens", "application with 1 MB upload", host, "/", script="flow.lua",
                environment={"BENCH_FLOW_DATA": str(run.flow_data), "BENCH_FLOW_MODE": "flow"},
                load=run.load(threads=run.options.connections),
                notes="11 requests per application; latencies are per request")


def _concurrency_scenario(run: Run) -> None:
    clients = run.options.clients
    if not clients:
        return
    run.measure(
        "concurrency", f"{clients} clients: catalogue, form steps, submissions", town_host(MAIN_TOWN), "/",
        script="flow.lua", environment={"BENCH_FLOW_DATA": str(run.flow_data), "BENCH_FLOW_MODE": "mix"},
        load=Load(run.options.concurrency_seconds, clients, clients, run.options.max_requests * 10),
        notes="each client: catalogue, search, service page, then the whole application; spread over the five towns",
    )


def _tenant_scale(run: Run, restart: Callable[[], None]) -> None:
    towns = run.options.towns
    if not towns or not run.wanted(f"{towns:,} towns"):
        return
    print(f"Tenant scale: generating {towns:,} towns …", flush=True)
    new = generated_towns(run.tenants_dir, towns - len(run.towns))
    from amtsweg.extensions import db
    from amtsweg.tenancy.services import sync_tenants

    started = time.perf_counter()
    with run.app.app_context():
        sync_tenants(run.tenants_dir)
        db.session.remove()
    run.scale["sync_seconds"] = round(time.perf_counter() - started, 1)
    _enable_library_everywhere(run.stack)
    with run.stack.superuser() as conn:
        conn.execute("VACUUM ANALYZE tenant")
        conn.execute("VACUUM ANALYZE process_enablement")
    restart()
    assert run.server is not None
    run.scale["towns"] = towns
    run.scale["startup_seconds"] = round(run.server.startup_seconds, 2)
    cold = run.cold_requests(random.Random(3).sample(new, 20))
    run.scale["cold_first_request_ms"] = {"median": round(statistics.median(cold), 1), "max": round(max(cold), 1)}
    run.scale["worker_rss_mb_after_start"] = run.server.worker_rss_mb()
    hosts_file = run.stack.folder / "hosts.txt"
    hosts_file.write_text("\n".join(town_host(slug) for slug in new) + "\n", encoding="utf-8")
    section = f"{towns:,} towns"
    host = town_host(MAIN_TOWN)
    run.measure(section, "start page", host, "/")
    run.measure(section, "catalogue", host, "/leistungen")
    for name, path in (("start page, random towns", "/"), ("catalogue, random towns", "/leistungen")):
        run.measure(section, name, host, path, script="hosts.lua",
                    environment={"BENCH_HOSTS_FILE": str(hosts_file), "BENCH_PATH": path},
                    notes="each request to one of the generated towns, chosen at random")
    run.measure(section, "member list (base domain)", BASE_DOMAIN, "/", load=run.load(connections=1))
    _admin_scenarios(run, section)
    run.scale["worker_rss_mb_at_end"] = run.server.worker_rss_mb()
    _remove_towns(run, new)


def _remove_towns(run: Run, slugs: list[str]) -> None:
    """Deletes the generated towns (folders and rows), so that a kept data set keeps its five towns."""
    print(f"Removing the {len(slugs):,} generated towns …", flush=True)
    with run.stack.superuser() as conn:
        # The towns' rows go in any order: foreign keys are not checked for this session.
        conn.execute("SET session_replication_role = replica")
        ids = [row[0] for row in conn.execute("SELECT id FROM tenant WHERE slug = ANY(%s)", (slugs,))]
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND column_name = 'tenant_id' AND table_name IN"
            " (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')")]
        for table in tables:
            conn.execute(f"DELETE FROM {table} WHERE tenant_id = ANY(%s)", (ids,))
        conn.execute("DELETE FROM tenant WHERE id = ANY(%s)", (ids,))
        for table in ("tenant", "process_enablement"):
            conn.execute(f"VACUUM ANALYZE {table}")
    for slug in slugs:
        shutil.rmtree(run.tenants_dir / slug)


# ---------------------------------------------------------------------- the run


def run(options: Options) -> None:
    stack = Stack(workers=options.workers, keep=options.keep)
    if options.reuse:
        stack.folder = Path(options.reuse)
    current = Run(options, stack)
    try:
        _run(current)
    finally:
        stack.stop()
        if options.keep:
            print(f"Kept for --reuse: {stack.folder}", flush=True)


STATE_FILE = "state.json"


def _fresh(run: Run) -> tuple[list[str], str]:
    """Migrate, sync, seed; the towns' slugs and the RQ worker's database URL."""
    stack = run.stack
    stack.start_databases()
    run.tenants_dir.mkdir()
    slugs = town_folders(ROOT / "tenants", run.tenants_dir)
    print("Migrating, syncing towns and library …", flush=True)
    _platform_app(run)
    worker_url = _worker_role(stack)
    with stack.ops() as conn:
        run.towns = [TownData(slug, tenant_id, prefix) for slug, tenant_id, prefix in conn.execute(
            "SELECT slug, id, reference_prefix FROM tenant ORDER BY slug")]
    for slug in slugs:
        # Accounts first: seeded cases are assigned to the town's clerk.
        staff_cookie(run.app, town_host(slug))
    started = time.perf_counter()
    seed(stack, run.app, run.towns, run.options.scale, datetime.now(UTC).date())
    run.facts["seed_seconds"] = round(time.perf_counter() - started, 1)
    run.facts["cases_per_town"] = run.towns[0].cases
    _floor_table(stack)
    if run.options.keep:
        state = {"postgres": stack.kept_state(), "slugs": slugs, "worker_url": worker_url,
                 "towns": [asdict(town) for town in run.towns],
                 "facts": {k: run.facts[k] for k in ("seed_seconds", "cases_per_town")}}
        (stack.folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    return slugs, worker_url


def _reused(run: Run) -> tuple[list[str], str]:
    """The seeded database of a kept run, migrated to this code (new migrations apply to it)."""
    state = json.loads((run.stack.folder / STATE_FILE).read_text(encoding="utf-8"))
    run.stack.start_databases(state["postgres"])
    print("Migrating, syncing towns and library (kept database) …", flush=True)
    _platform_app(run)
    run.towns = [TownData(**town) for town in state["towns"]]
    run.facts.update(state["facts"], reused=True)
    return state["slugs"], state["worker_url"]


def _run(run: Run) -> None:
    stack = run.stack
    print(f"Working folder {stack.folder}", flush=True)
    run.tenants_dir = stack.folder / "tenants"
    slugs, worker_url = _reused(run) if run.options.reuse else _fresh(run)
    run.facts.update(_facts(stack, run.options))
    run.upload = flows.upload_file(stack.folder)
    run.flow_data = flows.write_lua_data(stack.folder / "flow-data.lua", [town_host(s) for s in slugs],
                                         flows.application_steps(datetime.now(UTC).date()), run.upload)

    def start_platform() -> None:
        if run.server is not None:
            stack.stop_server(run.server)
        run.server = stack.start_app(run.tenants_dir, town_host(MAIN_TOWN))

    for kind in ("fortunes", "hello"):
        run.floors[kind] = stack.start_floor(kind)
    stack.start_rq_worker(run.tenants_dir, worker_url)
    start_platform()
    assert run.server is not None
    run.scale["five_towns"] = {
        "startup_seconds": round(run.server.startup_seconds, 2),
        "cold_first_request_ms": [round(ms, 1) for ms in run.cold_requests([s for s in slugs if s != MAIN_TOWN])],
        "worker_rss_mb_after_start": run.server.worker_rss_mb(),
    }
    print("Floor …", flush=True)
    run.measure_floors()
    print("Scenarios …", flush=True)
    _citizen_scenarios(run)
    _clerk_scenarios(run)
    print("Query plans …", flush=True)
    _query_plans(run)
    print("Floor again …", flush=True)
    run.measure_floors()
    _admin_scenarios(run, "administration")
    _application_scenario(run)
    _concurrency_scenario(run)
    print("Floor again …", flush=True)
    run.measure_floors()
    _tenant_scale(run, start_platform)
    run.facts["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    output = ROOT / run.options.output
    report.write(output, run)
    print(f"Results: {output / 'latest.md'}", flush=True)
