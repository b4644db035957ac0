"""Shared fixtures: a migrated test database per test, apps and clients bound to a town's host,
apps on a real PostgreSQL database, and the app served to a real browser."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import flask_babel
import pytest
from amtsweg import create_app
from amtsweg.extensions import db
from amtsweg.processes.services import sync_library
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy.models import Tenant, TenantInfo
from amtsweg.tenancy.resolution import directory
from amtsweg.tenancy.rls import SETTING as TENANT_SETTING
from amtsweg.tenancy.services import sync_tenants
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event
from support.browser import LiveServer, live_server
from support.postgres_server import Clones, PostgresServer

pytest_plugins = ["support.services"]

TOWNS = ["neu-anspach", "usingen", "graevenwiesbach", "schmitten", "glashuetten"]
# The database every test's app runs on: "sqlite" (the embedded default of make run) or
# "postgresql" (production: the app role under row-level security; CI runs the suite on both).
TEST_DATABASE = os.environ.get("AMTSWEG_TEST_DATABASE", "sqlite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL only the tests whose app runs on the mode's database (everything that uses
    :func:`migrated_database`): the others do not touch it and run alike in the SQLite run."""
    if TEST_DATABASE != "postgresql":
        return
    alike = [item for item in items if "migrated_database" not in item.fixturenames]
    if alike:
        config.hook.pytest_deselected(items=alike)
        items[:] = [item for item in items if "migrated_database" in item.fixturenames]


def host_of(slug: str) -> str:
    return f"{slug}.localhost"


def build_app(instance_dir: Path, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "ENV": "testing",
        "INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": f"sqlite:///{instance_dir / 'amtsweg.sqlite3'}",
        "BASE_DOMAIN": "localhost",
        "TENANTS_DIR": str(REPOSITORY_ROOT / "tenants"),
    }
    config.update(overrides)
    return create_app(config)


def _postgres_urls(server: PostgresServer, name: str) -> dict[str, str]:
    return {"DATABASE_URL": server.app_url(name), "MIGRATION_DATABASE_URL": server.owner_url(name),
            "OPS_DATABASE_URL": server.ops_url(name)}


def _migrate_and_sync(application: Flask) -> None:
    with application.app_context():
        upgrade(revision="heads")
        sync_tenants(Path(application.config["TENANTS_DIR"]))
        sync_library(Path(application.config["PROCESSES_DIR"]), skip_invalid=True)
        _dispose(application)


def _dispose(application: Flask) -> None:
    """Close every pooled connection of the app (default, ops and any other bind)."""
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


# The copies made ahead of each PostgreSQL template that many tests copy, by template name.
_clones: dict[str, Clones] = {}


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path | str]:
    """One database migrated to head with the five towns and the process library synced, copied for
    each test: a SQLite file, or (``AMTSWEG_TEST_DATABASE=postgresql``) a template database."""
    folder = tmp_path_factory.mktemp("template-db")
    if TEST_DATABASE == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        name = server.create_database(f"amtsweg_template_{uuid.uuid4().hex[:8]}")
        _migrate_and_sync(build_app(folder, **_postgres_urls(server, name)))
        server.disconnect_all(name)
        _clones[name] = Clones(server, name)
        yield name
        _clones.pop(name).close()
        return
    _migrate_and_sync(build_app(folder))
    yield folder / "amtsweg.sqlite3"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture(params=["filesystem", "s3"])
def storage_backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The settings of each document store in turn: files on disk, then a bucket (object lock and
    versioning on) of a real S3 endpoint on loopback. Use as ``app_overrides`` to run a test on both."""
    if request.param == "filesystem":
        return {}
    server = request.getfixturevalue("s3_server")
    return server.app_settings(server.create_bucket(), tmp_path / "staging")


class DatabaseCopy:
    """A copy of a migrated database for one app: a SQLite file in the app's instance folder or a
    PostgreSQL database cloned from a template (dropped again by :meth:`drop`)."""

    def __init__(self, template: Path | str, folder: Path, request: pytest.FixtureRequest) -> None:
        self.server: PostgresServer | None = None
        self.clones: Clones | None = None
        if isinstance(template, str):
            self.server = request.getfixturevalue("postgres_server")
            self.clones = _clones.get(template)
            self.name = (self.clones.take() if self.clones is not None
                         else self.server.clone_database(template, f"amtsweg_{uuid.uuid4().hex[:12]}"))
            self.settings = _postgres_urls(self.server, self.name)
            self.template: Path | str = self.name
        else:
            shutil.copyfile(template, folder / "amtsweg.sqlite3")
            self.settings = {}
            self.template = folder / "amtsweg.sqlite3"

    def as_template(self, application: Flask) -> Path | str:
        """Close ``application``'s connections so this copy can be copied in turn, and return it."""
        _dispose(application)
        if self.server is not None:
            self.server.disconnect_all(self.name)
        return self.template

    def drop(self) -> None:
        if self.clones is not None:
            self.clones.give_back(self.name)
        elif self.server is not None:
            self.server.drop_database(self.name)


@contextmanager
def app_and_copy(template: Path | str, folder: Path, request: pytest.FixtureRequest,
                 **overrides: Any) -> Iterator[tuple[Flask, DatabaseCopy]]:
    """An app in ``folder`` on its own copy of ``template`` (see :func:`migrated_database`), and the
    copy (a module can prepare it and use ``copy.as_template(app)`` as its tests' template)."""
    copy = DatabaseCopy(template, folder, request)
    application = build_app(folder, **{**copy.settings, **overrides})
    directory.invalidate()
    try:
        yield application, copy
    finally:
        _dispose(application)
        directory.invalidate()
        copy.drop()


@contextmanager
def app_on_copy(template: Path | str, folder: Path, request: pytest.FixtureRequest,
                **overrides: Any) -> Iterator[Flask]:
    """An app in ``folder`` on its own copy of ``template``, closed (and the copy dropped) afterwards."""
    with app_and_copy(template, folder, request, **overrides) as (application, _):
        yield application


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path | str, app_overrides: dict[str, Any],
        request: pytest.FixtureRequest) -> Iterator[Flask]:
    with app_on_copy(migrated_database, tmp_path, request, **app_overrides) as application:
        yield application


@pytest.fixture
def make_app(migrated_database: Path | str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Builds further apps, each in the given folder on its own copy of the migrated database:
    ``make_app(folder, **settings)``; all are closed (and their databases dropped) after the test."""
    with ExitStack() as stack:
        yield lambda folder, **overrides: stack.enter_context(
            app_on_copy(migrated_database, folder, request, **overrides))


class HostClient(FlaskClient):
    """A test client whose requests go to one host (a town's, the admin's or the base domain)."""

    host = "localhost"

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str) and "base_url" not in kwargs:
            kwargs["base_url"] = f"http://{self.host}/"
        return super().open(*args, **kwargs)


def host_client(app: Flask, host: str) -> HostClient:
    client = HostClient(app, app.response_class, use_cookies=True)
    client.host = host
    return client


def town_client(app: Flask, slug: str) -> HostClient:
    """A test client whose requests go to the town's host."""
    return host_client(app, host_of(slug))


@pytest.fixture
def client_for(app: Flask):
    return lambda slug: town_client(app, slug)


def tenant_info(app: Flask, slug: str) -> TenantInfo:
    with app.app_context():
        return db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one().info()


@contextmanager
def recorded_statements(app: Flask) -> Iterator[list[str]]:
    """Collects the SQL statements the app's engine runs inside the block (for query count limits);
    not the town's proof that starts each transaction on PostgreSQL (row-level security)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(f"SELECT set_config('{TENANT_SETTING}',"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def counted_lookups(app: Flask) -> Iterator[Counter[str]]:
    """Counts the translation lookups (each gettext, in templates and in code: "translations") and
    the URLs built (``url_for``: "url_for") inside the block, for limits that must not grow with the
    rows of a page."""
    counts: Counter[str] = Counter()
    translations, url_for = flask_babel.Domain.get_translations, app.url_for

    def counted_translations(domain: flask_babel.Domain) -> Any:
        counts["translations"] += 1
        return translations(domain)

    def counted_url_for(*args: Any, **values: Any) -> str:
        counts["url_for"] += 1
        return url_for(*args, **values)

    flask_babel.Domain.get_translations = counted_translations  # type: ignore[method-assign]
    # Code's url_for goes through the app, templates' through their own reference to it.
    app.url_for = app.jinja_env.globals["url_for"] = counted_url_for  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        flask_babel.Domain.get_translations = translations  # type: ignore[method-assign]
        del app.url_for
        app.jinja_env.globals["url_for"] = url_for


@contextmanager
def postgres_app(postgres_server: PostgresServer, instance_dir: Path, *, library: bool = True) -> Iterator[Flask]:
    """An app on a new database of ``postgres_server``, migrated as the owner role and used as the app
    role (so row-level security applies) and the ops role for cross-town work, with the five towns
    and, if ``library``, the process library.

    The database is dropped afterwards.
    """
    name = f"amtsweg_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    application = build_app(
        instance_dir,
        DATABASE_URL=postgres_server.app_url(name),
        MIGRATION_DATABASE_URL=postgres_server.owner_url(name),
        OPS_DATABASE_URL=postgres_server.ops_url(name),
    )
    try:
        with application.app_context():
            upgrade(revision="heads")
            sync_tenants(Path(application.config["TENANTS_DIR"]))
            if library:
                sync_library(Path(application.config["PROCESSES_DIR"]), skip_invalid=True)
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        postgres_server.drop_database(name)


@pytest.fixture
def pg_app(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Flask]:
    """An app on its own PostgreSQL database with the five towns and the process library."""
    with postgres_app(postgres_server, tmp_path) as application:
        yield application


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    """The test's app served on a free loopback port, for a real browser."""
    with live_server(app) as running:
        yield running


@pytest.fixture
def javascript() -> bool:
    """Whether browser pages run scripts; ``@pytest.mark.parametrize("javascript", ...)`` changes it."""
    return True


@pytest.fixture
def browser_context(chromium: Any, javascript: bool) -> Iterator[Any]:
    """A fresh German-language browser context (its own cookies), closed after the test."""
    context = chromium.new_context(locale="de-DE", java_script_enabled=javascript)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: Any) -> Any:
    """A browser page in the test's :func:`browser_context`."""
    return browser_context.new_page()


def sent_mails(app: Flask) -> list[EmailMessage]:
    """The mails the app delivered as .eml files (the default without an SMTP server), oldest first."""
    folder = Path(app.config["MAIL_DIR"] or Path(app.instance_path) / "mail")
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]  # type: ignore[misc]


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The path of the first link in the mail's text whose path starts with ``path_prefix``."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s<>\"]*)", text)
    if match is None:
        raise AssertionError(f"no link to {path_prefix} in the mail")
    return match.group(1)


def add_towns(app: Flask, count: int = 300) -> list[str]:
    """``count`` more active towns (rows as ``flask tenants sync`` writes them)."""
    with app.app_context():
        model = db.session.query(Tenant).filter_by(slug="usingen").one()
        slugs = [f"gemeinde-{n:04d}" for n in range(count)]
        db.session.add_all(
            Tenant(slug=slug, name=f"Gemeinde {n:04d}", official_name=f"Gemeinde {n:04d}",
                   reference_prefix=_prefix(n), aliases=[], settings=dict(model.settings),
                   config_hash="x" * 64)
            for n, slug in enumerate(slugs)
        )
        db.session.commit()
    directory.invalidate()
    return slugs


def _prefix(n: int) -> str:
    letters = "".join(chr(ord("A") + (n // 26**i) % 26) for i in range(3))
    return f"Q{letters}"


@contextmanager
def loaded_towns() -> Iterator[list[str]]:
    """Counts Tenant rows loaded from the database inside the block."""
    loaded: list[str] = []

    def count(target: Tenant, context: Any) -> None:
        loaded.append(target.slug)

    event.listen(Tenant, "load", count)
    try:
        yield loaded
    finally:
        event.remove(Tenant, "load", count)
