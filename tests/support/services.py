"""Session fixtures that start real services from installed binaries on free loopback ports.

Load as a pytest plugin (``pytest_plugins = ["support.services"]`` in ``tests/conftest.py``).
A fixture whose binary is missing skips its tests, except on CI (``CI=true``), where a missing
service is an error rather than silently untested code.

Override ``oidc_clients`` or ``oidc_users`` in a conftest to change what the provider knows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from .oidc_provider import (
    INSTALL_HINT,
    OidcClient,
    OidcProvider,
    OidcUser,
    default_clients,
    default_users,
    town_slugs,
)
from .postgres_server import PostgresServer, find_bindir
from .redis_server import RedisServer
from .s3_server import S3Server
from .saml_idp import SamlSimulator, create_town_keys
from .smtp_server import SmtpServer
from .xbezahldienste import XBezahldiensteSimulator


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail on CI where every service must be installed."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: missing services are errors)", pytrace=False)
    pytest.skip(reason)


def require_executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, postgres) are not installed")
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(require_executable("redis-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server (a Python package of the test extras, so it is never missing)."""
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """Shared by the session: call ``clear()`` before asserting on what a test sent."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oidc_clients() -> list[OidcClient]:
    return default_clients()


@pytest.fixture(scope="session")
def oidc_users() -> list[OidcUser]:
    return default_users()


@pytest.fixture(scope="session")
def oidc_provider(oidc_clients: list[OidcClient], oidc_users: list[OidcUser]) -> Iterator[OidcProvider]:
    provider = OidcProvider(require_executable("node"), oidc_clients, oidc_users)
    if not provider.installed:
        unavailable(f"the npm package oidc-provider is not installed: {INSTALL_HINT}")
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def saml_simulator() -> Iterator[SamlSimulator]:
    """The local BundID / Mein Unternehmenskonto (pysaml2's IdP; needs xmlsec1)."""
    require_executable("xmlsec1")
    simulator = SamlSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key folder (SAML_KEY_DIR) with signing and encryption keys for every town."""
    return create_town_keys(tmp_path_factory.mktemp("saml-keys"), town_slugs())


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (``playwright install`` cannot download here)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Chromium is not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    from .browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def xbezahldienste_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XBezahldiensteSimulator]:
    """The XBezahldienste simulator over HTTPS (test CA, client certificates accepted). Tests use
    the ``payment_provider`` fixture, which resets it."""
    simulator = XBezahldiensteSimulator(tmp_path_factory.mktemp("xbezahldienste")).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def xbezahldienste_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XBezahldiensteSimulator]:
    """The simulator as ``make run`` starts it: plain HTTP, any originator, no credentials."""
    simulator = XBezahldiensteSimulator(tmp_path_factory.mktemp("xbezahldienste-demo"), tls=False).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def payment_provider(xbezahldienste_simulator: XBezahldiensteSimulator) -> XBezahldiensteSimulator:
    """The HTTPS simulator, emptied (no accounts, transactions or switches) for this test."""
    xbezahldienste_simulator.reset()
    return xbezahldienste_simulator
