"""The app as ``make run`` serves it, in a folder of its own: SQLite, migrations, the five towns,
the process library and the demo data, then ``flask run`` on a free loopback port.

With the npm package oidc-provider installed (``make test`` installs it), a real OpenID Connect
provider stands in for the state's citizen account, so the citizen account pages are visited too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from support.oidc_provider import OidcProvider, citizen_client, default_clients, default_users
from support.process import ServiceProcess, free_port

from tour.plan import REPOSITORY

CITIZEN_SECRET_VARIABLE = "AMTSWEG_CITIZEN_OIDC_SECRET"
TRANSLATIONS = REPOSITORY / "platform" / "amtsweg" / "translations"


def stale_catalogues(folder: Path = TRANSLATIONS) -> list[Path]:
    """The message catalogues whose compiled file is missing or older than the catalogue: the app
    would show their new texts untranslated, and the tour report them as a page in the wrong language."""
    return [po for po in sorted(folder.glob("*/LC_MESSAGES/*.po"))
            if not (mo := po.with_suffix(".mo")).exists() or mo.stat().st_mtime < po.stat().st_mtime]


@dataclass(frozen=True)
class Served:
    port: int
    instance: Path
    environment: dict[str, str]
    oidc_password: str | None


def _flask(environment: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=REPOSITORY, env=environment,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _citizen_provider(stack: ExitStack, instance: Path) -> OidcProvider | None:
    node = next((Path(p) / "node" for p in os.environ.get("PATH", "").split(os.pathsep)
                 if (Path(p) / "node").is_file()), None)
    provider = OidcProvider(str(node), [*default_clients(), citizen_client()], default_users()) if node else None
    if provider is None or not provider.installed:
        return None
    provider.start()
    stack.callback(provider.stop)
    return provider


@contextmanager
def demo_server(instance: Path) -> Iterator[Served]:
    """Set up ``instance`` like ``make run`` and serve it until the block ends."""
    port = free_port()
    environment = {**os.environ, "FLASK_APP": "wsgi.py", "AMTSWEG_INSTANCE_DIR": str(instance),
                   "AMTSWEG_ENV": "development"}
    for name in ("DATABASE_URL", "REDIS_URL", "AMTSWEG_MAIL_SMTP_HOST"):
        environment.pop(name, None)
    with ExitStack() as stack:
        provider = _citizen_provider(stack, instance)
        if provider is not None:
            client = citizen_client()
            environment.update({"AMTSWEG_CITIZEN_OIDC_ISSUER": provider.issuer,
                                "AMTSWEG_CITIZEN_OIDC_CLIENT_ID": client.client_id,
                                CITIZEN_SECRET_VARIABLE: client.client_secret})
        _flask(environment, "db", "upgrade", "heads")
        _flask(environment, "tenants", "sync")
        _flask(environment, "processes", "sync")
        _flask(environment, "demo", "seed", "--port", str(port))
        server = ServiceProcess(
            "flask run",
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload",
             "--no-debugger"],
            instance / "server.log", env=environment, cwd=REPOSITORY,
        )
        server.start()
        stack.callback(server.stop)
        server.wait_until(lambda: _answers(port))
        yield Served(port, instance, environment, provider.password if provider else None)


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
    except requests.ConnectionError:
        return False
