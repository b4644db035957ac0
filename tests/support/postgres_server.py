"""A throw-away PostgreSQL cluster on a free port of 127.0.0.1.

Four roles, as in production:

- ``postgres``: the bootstrap superuser, used only to create databases;
- ``amtsweg_owner``: owns each database and its tables (migrations run as this role);
- ``amtsweg_app``: what the application connects as; neither owner nor superuser, so
  row-level security policies apply to it;
- ``amtsweg_ops``: cross-town work (sweeps, platform administration); bypasses row-level security.
"""

from __future__ import annotations

import glob
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

import psycopg
from psycopg import sql

from .process import ServiceProcess, ServiceStartError, free_port, is_root, unprivileged_user

SUPERUSER = "postgres"
OWNER_ROLE = "amtsweg_owner"
APP_ROLE = "amtsweg_app"
OPS_ROLE = "amtsweg_ops"
START_ATTEMPTS = 3

_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``postgres``, newest major version first."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(p) for p in versions), key=lambda p: _major(p.parent.name), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "postgres").is_file()), None)


def _major(version: str) -> int:
    return int(version) if version.isdigit() else -1


def sqlalchemy_url(role: str, password: str, port: int, dbname: str) -> str:
    return f"postgresql+psycopg://{role}:{password}@127.0.0.1:{port}/{dbname}"


class PostgresServer:
    """A running cluster; ``url`` is the superuser's SQLAlchemy URL for the ``postgres`` database."""

    def __init__(self, bindir: Path, settings: Mapping[str, str] | None = None) -> None:
        """``settings`` are extra server settings (``-c name=value``), e.g. for the benchmark."""
        self.bindir = bindir
        self.settings = dict(settings or {})
        self.port = 0
        self.passwords = {role: secrets.token_hex(16) for role in (SUPERUSER, OWNER_ROLE, APP_ROLE, OPS_ROLE)}
        self.user = unprivileged_user() if is_root() else None
        self.root = Path(tempfile.mkdtemp(prefix="amtsweg-postgres-"))
        self.data_dir = self.root / "data"
        self.service: ServiceProcess | None = None

    @property
    def url(self) -> str:
        return self.superuser_url()

    def superuser_url(self, dbname: str = "postgres") -> str:
        return sqlalchemy_url(SUPERUSER, self.passwords[SUPERUSER], self.port, dbname)

    def owner_url(self, dbname: str) -> str:
        """SQLAlchemy URL of the role that owns ``dbname`` (schema changes, migrations)."""
        return sqlalchemy_url(OWNER_ROLE, self.passwords[OWNER_ROLE], self.port, dbname)

    def app_url(self, dbname: str) -> str:
        """SQLAlchemy URL of the application role (not owner, not superuser: RLS applies)."""
        return sqlalchemy_url(APP_ROLE, self.passwords[APP_ROLE], self.port, dbname)

    def ops_url(self, dbname: str) -> str:
        """SQLAlchemy URL of the role for cross-town work (BYPASSRLS, not owner)."""
        return sqlalchemy_url(OPS_ROLE, self.passwords[OPS_ROLE], self.port, dbname)

    def connect(self, url: str, **kwargs: object) -> psycopg.Connection:
        """A plain psycopg connection for one of this server's SQLAlchemy URLs."""
        return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), **kwargs)

    def start(self) -> None:
        try:
            self._initdb()
            self._start_postmaster()
            self._create_roles()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """Create a fresh database owned by the owner role; return ``name``.

        The application role may connect, and gets the usual data privileges on everything
        the owner creates in schema ``public`` later (tables and sequences from migrations).
        """
        if not _DATABASE_NAME.fullmatch(name):
            raise ValueError(f"invalid database name {name!r}")
        with self.connect(self.superuser_url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(OWNER_ROLE)
                )
            )
            for role in (APP_ROLE, OPS_ROLE):
                conn.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(name), sql.Identifier(role))
                )
        with self.connect(self.owner_url(name), autocommit=True) as conn:
            for role in (APP_ROLE, OPS_ROLE):
                conn.execute(
                    sql.SQL(
                        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
                    ).format(sql.Identifier(role))
                )
                conn.execute(
                    sql.SQL(
                        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
                    ).format(sql.Identifier(role))
                )
        return name

    def disconnect_all(self, name: str) -> None:
        """End every session on ``name`` (a template database must have none to be copied)."""
        with self.connect(self.superuser_url(), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    def clone_database(self, template: str, name: str) -> str:
        """A new database ``name`` as a copy of ``template`` (schema, data, grants); return ``name``.

        PostgreSQL copies the template file by file, far faster than migrating and syncing again.
        """
        for database in (template, name):
            if not _DATABASE_NAME.fullmatch(database):
                raise ValueError(f"invalid database name {database!r}")
        with self.connect(self.superuser_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(template), sql.Identifier(OWNER_ROLE)))
            for role in (APP_ROLE, OPS_ROLE):
                conn.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(name), sql.Identifier(role))
                )
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting whoever is still connected."""
        with self.connect(self.superuser_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _run_as_user(self, argv: list[str]) -> None:
        prefix = []
        if self.user is not None:
            prefix = [
                "setpriv",
                "--reuid",
                str(self.user.pw_uid),
                "--regid",
                str(self.user.pw_gid),
                "--clear-groups",
                "--",
            ]
        result = subprocess.run([*prefix, *argv], capture_output=True, text=True, cwd=self.root, check=False)
        if result.returncode != 0:
            raise ServiceStartError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")

    def _initdb(self) -> None:
        password_file = self.root / "superuser-password"
        password_file.write_text(self.passwords[SUPERUSER] + "\n", encoding="utf-8")
        if self.user is not None:
            # initdb refuses to run as root; the cluster belongs to an unprivileged account.
            for path in (self.root, password_file):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self._run_as_user(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                SUPERUSER,
                "--pwfile",
                str(password_file),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        password_file.unlink()

    def restart(self) -> None:
        """Stop the postmaster (fast shutdown, clients are cut off) and start it on the same port."""
        assert self.service is not None
        self.service.stop()
        self._start_postmaster(port=self.port)

    def _start_postmaster(self, port: int | None = None) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = port or free_port()
            self.service = ServiceProcess(
                "postgres",
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-h",
                    "127.0.0.1",
                    "-k",
                    str(self.root),
                    # Durability is pointless for a throw-away cluster; speed is not.
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                    *(part for name, value in self.settings.items() for part in ("-c", f"{name}={value}")),
                ],
                self.root / "postgres.log",
                cwd=self.root,
                user=self.user,
                # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for clients.
                stop_signal=signal.SIGINT,
            )
            self.service.start()
            try:
                self.service.wait_until(self._accepts_connections)
                return
            except ServiceStartError:
                # Another process may have taken the port between probing and binding.
                if attempt == START_ATTEMPTS or "could not bind" not in self.service.log_tail():
                    raise

    def _accepts_connections(self) -> bool:
        try:
            with self.connect(self.superuser_url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _create_roles(self) -> None:
        with self.connect(self.superuser_url(), autocommit=True) as conn:
            for role, rls in ((OWNER_ROLE, "NOBYPASSRLS"), (APP_ROLE, "NOBYPASSRLS"), (OPS_ROLE, "BYPASSRLS")):
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER {} PASSWORD {}").format(
                        sql.Identifier(role), sql.SQL(rls), sql.Literal(self.passwords[role])
                    )
                )


class Clones:
    """Copies of one template database made ahead, and used copies dropped behind, in background
    threads: creating and dropping a database takes PostgreSQL most of a second each, which the
    tests need not wait for (a test takes a ready copy and hands it back)."""

    def __init__(self, server: PostgresServer, template: str, ahead: int = 2) -> None:
        self.server = server
        self.template = template
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=ahead)
        self._used: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._clone, daemon=True),
                         threading.Thread(target=self._drop, daemon=True)]
        for thread in self._threads:
            thread.start()

    def take(self) -> str:
        """A new copy of the template, to be handed back with :meth:`give_back`."""
        name = self._ready.get()
        if isinstance(name, BaseException):
            raise name
        return name

    def give_back(self, name: str) -> None:
        self._used.put(name)

    def close(self) -> None:
        """Stop making copies and drop every copy, made ahead or handed back."""
        self._stopping.set()
        while self._threads[0].is_alive():
            self._drain_ready()
            self._threads[0].join(timeout=0.1)
        self._drain_ready()
        self._used.put(None)
        self._threads[1].join()

    def _drain_ready(self) -> None:
        while not self._ready.empty():
            name = self._ready.get()
            if isinstance(name, str):
                self._used.put(name)

    def _clone(self) -> None:
        while not self._stopping.is_set():
            try:
                name: str | BaseException = self.server.clone_database(
                    self.template, f"amtsweg_{secrets.token_hex(6)}")
            except Exception as error:  # the test that takes it reports it
                name = error
            self._ready.put(name)

    def _drop(self) -> None:
        while (name := self._used.get()) is not None:
            self.server.drop_database(name)
