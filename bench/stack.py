"""The servers of one benchmark run, all on 127.0.0.1: PostgreSQL, Redis, the platform under gunicorn
with the production configuration, an RQ worker, and the floor apps under the same gunicorn settings.

PostgreSQL and Redis are started from the installed binaries by the same classes the test suite's
fixtures use (``tests/support``), with two database roles as in production: the owner runs the
migrations, the app role is neither owner nor superuser, so row-level security applies to it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
for source_root in (ROOT / "platform", ROOT / "tests"):
    if str(source_root) not in sys.path:
        sys.path.insert(0, str(source_root))

from support.deployment import GUNICORN_CONFIG, gunicorn_service  # noqa: E402
from support.postgres_server import PostgresServer, find_bindir  # noqa: E402
from support.process import ServiceProcess, free_port  # noqa: E402
from support.redis_server import RedisServer  # noqa: E402

BASE_DOMAIN = "amtsweg.test"
APP_DATABASE = "amtsweg"
FLOOR_DATABASE = "floor"
FLOOR_GUNICORN_CONFIG = Path(__file__).resolve().parent / "floor_gunicorn.conf.py"
# pg_stat_statements counts the SQL statements each scenario sends (utility statements such as
# BEGIN are left out: the app's SQL is what grows when a query goes N+1). Durability is on, as in
# production, unlike the test suite's throw-away clusters.
POSTGRES_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track_utility": "off",
    "pg_stat_statements.max": "10000",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "512MB",
    "max_wal_size": "4GB",
}


class KeptPostgres(PostgresServer):
    """The cluster of a run kept with ``--keep``, started again (on a new port) for ``--reuse``."""

    def __init__(self, bindir: Path, settings: dict[str, str], root: Path, passwords: dict[str, str]) -> None:
        super().__init__(bindir, settings)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root, self.data_dir, self.passwords = root, root / "data", dict(passwords)

    def start(self) -> None:
        self._start_postmaster()

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()


class BenchError(RuntimeError):
    """The benchmark cannot go on (a missing binary, a server that did not start, a failed flow)."""


def town_host(slug: str) -> str:
    return f"{slug}.{BASE_DOMAIN}"


@dataclass
class Gunicorn:
    """One gunicorn master with its workers."""

    name: str
    port: int
    service: ServiceProcess
    # Seconds from starting the master until a town page (or the floor's page) answered.
    startup_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        assert self.service.process is not None
        master = self.service.process.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name in parentheses may contain spaces: the ppid follows the last ')'.
            if int(stat.rpartition(")")[2].split()[1]) == master:
                pids.append(int(entry.name))
        return sorted(pids)

    def _worker_cpu_ticks(self) -> int:
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            # utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
            ticks += int(fields[11]) + int(fields[12])
        return ticks

    def wait_until_idle(self, timeout: float = 120.0) -> None:
        """Until the workers have used no CPU for half a second: requests of the scenario before
        (a PDF takes seconds) must not run into the next one's measurement."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        ticks = self._worker_cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self._worker_cpu_ticks()
            if now != ticks:
                ticks, quiet_since = now, time.monotonic()
            elif time.monotonic() - quiet_since >= 0.5:
                return

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            # A worker that is just being replaced (max_requests) has exited and has no resident set.
            kilobytes = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
            if kilobytes is not None:
                sizes.append(round(kilobytes / 1024, 1))
        return sizes

    def stop(self) -> None:
        self.service.stop(timeout=30)


@dataclass
class Stack:
    """Everything a run starts; :meth:`stop` ends all of it (also after a failure)."""

    workers: int
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="amtsweg-bench-")))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    postgres: PostgresServer | None = None
    redis: RedisServer | None = None
    servers: list[Gunicorn] = field(default_factory=list)
    rq_worker: ServiceProcess | None = None
    # Leave the database cluster on disk when stopping (``--keep``).
    keep: bool = False

    # ----------------------------------------------------------------- databases

    def start_databases(self, kept: dict[str, Any] | None = None) -> None:
        """A new cluster with the two databases, or (``kept``: :meth:`kept_state` of an earlier run)
        that run's cluster with its data."""
        bindir = find_bindir()
        if bindir is None:
            raise BenchError("PostgreSQL server binaries (initdb, postgres) are not installed")
        if kept:
            self.postgres = KeptPostgres(bindir, POSTGRES_SETTINGS, Path(kept["root"]), kept["passwords"])
            self.postgres.start()
        else:
            self.postgres = PostgresServer(bindir, POSTGRES_SETTINGS)
            self.postgres.start()
            self.postgres.create_database(APP_DATABASE)
            self.postgres.create_database(FLOOR_DATABASE)
            with self.postgres.connect(self.postgres.superuser_url(APP_DATABASE), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION pg_stat_statements")
        redis_binary = _which("redis-server")
        self.redis = RedisServer(redis_binary)
        self.redis.start()

    def kept_state(self) -> dict[str, Any]:
        """What :meth:`start_databases` needs to start this run's cluster again."""
        assert self.postgres is not None
        return {"root": str(self.postgres.root), "passwords": self.postgres.passwords}

    def superuser(self, dbname: str = APP_DATABASE) -> psycopg.Connection:
        assert self.postgres is not None
        return self.postgres.connect(self.postgres.superuser_url(dbname), autocommit=True)

    def owner(self, dbname: str = APP_DATABASE) -> psycopg.Connection:
        """The tables' owner, for schema changes (row-level security is forced on it: it sees no rows)."""
        assert self.postgres is not None
        return self.postgres.connect(self.postgres.owner_url(dbname))

    def ops(self, dbname: str = APP_DATABASE) -> psycopg.Connection:
        """The role of cross-town work (bypasses row-level security), for reading and writing every town."""
        assert self.postgres is not None
        return self.postgres.connect(self.postgres.ops_url(dbname))

    def app_role(self, dbname: str = APP_DATABASE) -> psycopg.Connection:
        assert self.postgres is not None
        return self.postgres.connect(self.postgres.app_url(dbname))

    # ----------------------------------------------------------------- the platform

    def app_settings(self, tenants_dir: Path) -> dict[str, Any]:
        """The production settings of the benchmarked platform (also for the in-process app)."""
        assert self.postgres is not None and self.redis is not None
        return {
            "ENV": "production",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.postgres.app_url(APP_DATABASE),
            "MIGRATION_DATABASE_URL": self.postgres.owner_url(APP_DATABASE),
            "OPS_DATABASE_URL": self.postgres.ops_url(APP_DATABASE),
            "REDIS_URL": self.redis.url,
            "BASE_DOMAIN": BASE_DOMAIN,
            "TRUSTED_HOSTS": [f".{BASE_DOMAIN}"],
            # wrk plays nginx: it sends X-Forwarded-Proto: https like the proxy in front of gunicorn.
            "PROXY_COUNT": 1,
            "INSTANCE_DIR": str(self.folder / "instance"),
            # No clamd runs here: the 1 MB upload is measured without the virus scan.
            "ALLOW_UNSCANNED_UPLOADS": True,
            # One key drives the API scenario: the limiter still counts in Redis, it just never refuses.
            "API_RATE_LIMIT": "1000000 per minute",
            "TENANTS_DIR": str(tenants_dir),
        }

    def app_environment(self, tenants_dir: Path) -> dict[str, str]:
        environment = {**os.environ}
        for name, value in self.app_settings(tenants_dir).items():
            key = name if name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY") else f"AMTSWEG_{name}"
            environment[key] = ",".join(value) if isinstance(value, list) else str(value)
        environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
        environment["PROMETHEUS_MULTIPROC_DIR"] = str(self.folder / "metrics")
        environment["AMTSWEG_LOG_LEVEL"] = "WARNING"
        return environment

    def start_app(self, tenants_dir: Path, probe_host: str) -> Gunicorn:
        """The platform under ``config/gunicorn.conf.py``; ready when ``probe_host``'s start page answers."""
        environment = self.app_environment(tenants_dir)
        return self._start_gunicorn("amtsweg", GUNICORN_CONFIG, "wsgi:app", environment, probe_host, "/")

    def start_rq_worker(self, tenants_dir: Path, database_url: str) -> None:
        """One RQ worker (the app's own ``flask jobs worker``) for the mails that submissions queue."""
        environment = {**self.app_environment(tenants_dir), "DATABASE_URL": database_url}
        self.rq_worker = ServiceProcess(
            "rq worker", [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            self.folder / "rq-worker.log", env=environment, cwd=ROOT,
        )
        self.rq_worker.start()

    def start_floor(self, kind: str) -> Gunicorn:
        """A floor app (``fortunes`` or ``hello``, see :mod:`bench.floor`) under the same gunicorn settings."""
        assert self.postgres is not None
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT)]),
            "FLOOR_DATABASE_URL": self.postgres.app_url(FLOOR_DATABASE),
        }
        return self._start_gunicorn(kind, FLOOR_GUNICORN_CONFIG, f"bench.floor:{kind}", environment, "floor", "/")

    def _start_gunicorn(
        self, name: str, config: Path, target: str, environment: dict[str, str], host: str, path: str
    ) -> Gunicorn:
        port = free_port()
        service = gunicorn_service(
            name, target, {**environment, "GUNICORN_LOG_LEVEL": "warning"}, port, self.workers,
            self.folder / f"gunicorn-{name}-{port}.log", config=config,
        )
        started = time.perf_counter()
        service.start()
        server = Gunicorn(name, port, service)
        self.servers.append(server)

        def answers() -> bool:
            try:
                response = requests.get(
                    server.url + path, headers={"Host": host, "X-Forwarded-Proto": "https"}, timeout=30
                )
            except requests.RequestException:
                return False
            return response.status_code == 200

        service.wait_until(answers, timeout=600)
        server.startup_seconds = time.perf_counter() - started
        # Every worker has forked once the master answered; give them a moment to settle.
        time.sleep(0.5)
        return server

    def stop_server(self, server: Gunicorn) -> None:
        server.stop()
        self.servers.remove(server)

    def stop(self) -> None:
        for server in list(self.servers):
            server.stop()
        self.servers.clear()
        if self.rq_worker is not None:
            self.rq_worker.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            if self.keep and self.postgres.service is not None:
                self.postgres.service.stop()
            else:
                self.postgres.stop()


def _which(name: str) -> str:
    import shutil

    path = shutil.which(name)
    if path is None:
        raise BenchError(f"{name} is not installed")
    return path
