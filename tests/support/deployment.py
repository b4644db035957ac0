"""The production set-up on loopback: gunicorn with ``config/gunicorn.conf.py`` and nginx with
``deploy/nginx/amtsweg.conf`` in front of one or more app instances, configured the way the README's
"Production" section says with only paths, ports and the domain swapped.

Used by the production set-up tests, the scale-out test and ``make bench`` (which starts gunicorn
through :func:`gunicorn_service`).
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest

from .postgres_server import PostgresServer
from .process import ServiceProcess, command_prefix, free_port, is_root, unprivileged_user
from .services import require_executable, unavailable

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
BASE_DOMAIN = "amtsweg.test"
USINGEN = f"usingen.{BASE_DOMAIN}"
DEPLOY = REPOSITORY_ROOT / "deploy"
GUNICORN_CONFIG = REPOSITORY_ROOT / "config" / "gunicorn.conf.py"
VENV_BIN = Path(sys.executable).parent
# The domain the shipped example files use; the README says to replace it.
EXAMPLE_DOMAIN = "amtsweg.example"


def venv_executable(name: str) -> str:
    """A console script of the environment running the tests (where `pip install .` puts it)."""
    path = VENV_BIN / name
    if not path.is_file():
        unavailable(f"{name} is not installed in {VENV_BIN}")
    return str(path)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def json(self) -> object:
        return json.loads(self.body)


def read(
    connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> Response:
    """One request on a fresh connection; redirects are returned, not followed."""
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, answer.headers, answer.read().decode("utf-8", errors="replace"))
    finally:
        connection.close()


def http_get(port: int, path: str, host: str, **headers: str) -> Response:
    return read(http.client.HTTPConnection("127.0.0.1", port, timeout=10), "GET", path, {"Host": host, **headers})


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# --- gunicorn ------------------------------------------------------------------------------------


def gunicorn_service(
    name: str, target: str, env: Mapping[str, str], port: int, workers: int, log_path: Path,
    config: Path = GUNICORN_CONFIG,
) -> ServiceProcess:
    """``gunicorn -c <config> <target>`` on 127.0.0.1:``port`` with ``workers`` workers, run from the
    checkout (not started yet). ``config/gunicorn.conf.py`` reads bind and workers from these variables."""
    if importlib.util.find_spec("gunicorn") is None:
        unavailable("gunicorn is not installed (pip install gunicorn)")
    return ServiceProcess(
        f"gunicorn {name}", [sys.executable, "-m", "gunicorn", "-c", str(config), target], log_path,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)},
        cwd=REPOSITORY_ROOT,
    )


@dataclass
class Gunicorn:
    service: ServiceProcess
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def get(self, path: str, host: str = USINGEN, **headers: str) -> Response:
        return http_get(self.port, path, host, **headers)

    def log_lines(self) -> list[dict[str, object]]:
        """The JSON objects among the lines gunicorn and the app wrote to stderr."""
        lines = self.service.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


def healthz_answers(port: int) -> bool:
    try:
        return http_get(port, "/healthz", BASE_DOMAIN).status == 200
    except OSError:
        return False


@contextmanager
def running_gunicorn(env: dict[str, str], log_dir: Path, workers: int = 2) -> Iterator[Gunicorn]:
    """`gunicorn -c config/gunicorn.conf.py wsgi:app` as amtsweg-web.service starts it."""
    port = free_port()
    service = gunicorn_service("amtsweg", "wsgi:app", env, port, workers, log_dir / "gunicorn.log")
    service.start()
    try:
        service.wait_until(lambda: healthz_answers(port), timeout=60)
        yield Gunicorn(service, port)
    finally:
        service.stop(timeout=40)


# --- nginx ---------------------------------------------------------------------------------------


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for the base domain and every town (like the README's wildcard certificate)."""
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    result = subprocess.run(
        [require_executable("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(certificate), "-subj", f"/CN={BASE_DOMAIN}",
         # The loopback address too: a client may connect to it by number (see NginxSession).
         "-addext", f"subjectAltName=DNS:{BASE_DOMAIN},DNS:*.{BASE_DOMAIN},IP:127.0.0.1"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return certificate, key


def adapt_site(shipped: str, *, http_port: int, https_port: int, upstream_ports: Sequence[int], root: Path) -> str:
    """deploy/nginx/amtsweg.conf with the test's ports, certificate, folders and domain; the upstream
    lists one server per app instance in ``upstream_ports``.

    Every placeholder must be found: a changed shipped file fails here instead of being tested
    half-adapted.
    """
    # The test binds to 127.0.0.1 only; the loopback may have no IPv6.
    text, removed = re.subn(r"^\s*listen \[::\]:\d+.*\n", "", shipped, flags=re.MULTILINE)
    assert removed == 2, "expected an IPv6 listen line in each server block"
    text, servers = re.subn(
        r"^(\s*)server 127\.0\.0\.1:8000( [^;]*)?;$",
        lambda match: "\n".join(f"{match[1]}server 127.0.0.1:{port}{match[2] or ''};" for port in upstream_ports),
        text, flags=re.MULTILINE,
    )
    assert servers == 1, "deploy/nginx/amtsweg.conf no longer has the upstream server 127.0.0.1:8000"
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (f"/etc/letsencrypt/live/{EXAMPLE_DOMAIN}/fullchain.pem", str(root / "fullchain.pem")),
        (f"/etc/letsencrypt/live/{EXAMPLE_DOMAIN}/privkey.pem", str(root / "privkey.pem")),
        ("/var/www/letsencrypt", str(root / "acme")),
        ("/var/log/nginx/amtsweg.access.log", str(root / "amtsweg.access.log")),
        (EXAMPLE_DOMAIN, BASE_DOMAIN),
    ]
    for placeholder, value in replacements:
        assert placeholder in text, f"deploy/nginx/amtsweg.conf no longer contains {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


def main_config(root: Path) -> str:
    """What /etc/nginx/nginx.conf provides around a site, with every path inside ``root``.

    One worker process: round-robin state is per worker, so one worker alternates strictly.
    """
    temp_paths = "\n".join(
        f"    {kind}_temp_path {root / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\nworker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} notice;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log {root / 'access.log'};\n{temp_paths}\n    include {root / 'amtsweg.conf'};\n}}\n"
    )


class LoopbackHTTPSConnection(http.client.HTTPSConnection):
    """TLS (with SNI) and HTTP for ``host``, connected to 127.0.0.1 as if DNS pointed there."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Nginx:
    service: ServiceProcess
    http_port: int
    https_port: int
    tls: ssl.SSLContext
    root: Path
    certificate: Path

    @property
    def access_log(self) -> Path:
        return self.root / "amtsweg.access.log"

    def https(self, host: str = USINGEN) -> http.client.HTTPSConnection:
        return LoopbackHTTPSConnection(host, self.https_port, context=self.tls, timeout=10)

    def get(self, path: str, host: str = USINGEN, **headers: str) -> Response:
        return read(self.https(host), "GET", path, headers)


class _ThroughNginx(HTTPAdapter):
    """Sends every request for a host of the deployment to nginx on 127.0.0.1, as DNS would, with a
    fresh X-Request-ID that nginx passes on and logs; :attr:`sent` lists them in order."""

    def __init__(self, nginx: Nginx) -> None:
        super().__init__()
        self.nginx = nginx
        self.sent: list[tuple[str, str, str]] = []

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        host = parts.hostname or ""
        assert host == BASE_DOMAIN or host.endswith(f".{BASE_DOMAIN}"), f"not a host of the deployment: {host}"
        routed = request.copy()
        routed.url = urlunsplit(("https", f"127.0.0.1:{self.nginx.https_port}", parts.path, parts.query, ""))
        request_id = uuid.uuid4().hex
        routed.headers["Host"] = host
        routed.headers["X-Request-ID"] = request_id
        self.sent.append((request_id, request.method or "", parts.path))
        # nginx's own certificate, whatever CA bundle the environment names.
        response = super().send(routed, *args, **{**kwargs, "verify": str(self.nginx.certificate)})
        # Cookies, redirects and relative links belong to the host the client asked for.
        response.request, response.url = request, request.url or ""
        return response


class NginxSession(requests.Session):
    """A client (one browser) whose requests to ``https://<town>.<base domain>/`` reach nginx."""

    def __init__(self, nginx: Nginx) -> None:
        super().__init__()
        self.adapter = _ThroughNginx(nginx)
        self.mount("https://", self.adapter)

    @property
    def sent(self) -> list[tuple[str, str, str]]:
        """(request id, method, path) of every request this client sent, in order."""
        return self.adapter.sent


def upstreams_of(nginx: Nginx, request_ids: Sequence[str], timeout: float = 5.0) -> list[str]:
    """The app instance (``host:port``) that answered each request, from nginx's access log."""
    deadline = time.monotonic() + timeout
    while True:
        # Each line ends with the request id and the upstreams tried ("a, b" after a retry; b answered).
        answered = {
            match[1]: match[2] for match in re.finditer(
                r" ([0-9a-f]{32}) (?:\S+, )*(\S+)$", nginx.access_log.read_text(encoding="utf-8"), re.MULTILINE)
        }
        if all(request_id in answered for request_id in request_ids) or time.monotonic() > deadline:
            return [answered.get(request_id, "(not logged)") for request_id in request_ids]
        time.sleep(0.05)


def nginx_executable() -> str:
    executable = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if Path(path).is_file()), None
    )
    if executable is None:
        unavailable("nginx is not installed (Debian package 'nginx')")
    return executable


@contextmanager
def running_nginx(upstream_ports: Sequence[int]) -> Iterator[Nginx]:
    """nginx with the shipped site in front of the app instances on ``upstream_ports``."""
    executable = nginx_executable()
    # A folder of its own outside pytest's (root-only) temp tree: workers of nginx started as root
    # would run as an unprivileged user, so we start the whole server as that user.
    root = Path(tempfile.mkdtemp(prefix="amtsweg-nginx-"))
    user = unprivileged_user() if is_root() else None
    http_port, https_port = free_port(), free_port()
    certificate, _ = self_signed_certificate(root)
    (root / "acme").mkdir()
    shipped = (DEPLOY / "nginx" / "amtsweg.conf").read_text(encoding="utf-8")
    (root / "amtsweg.conf").write_text(
        adapt_site(shipped, http_port=http_port, https_port=https_port, upstream_ports=upstream_ports, root=root),
        encoding="utf-8",
    )
    (root / "nginx.conf").write_text(main_config(root), encoding="utf-8")
    if user is not None:
        for path in [root, *root.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
    argv = [executable, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf")]
    service = ServiceProcess("nginx", argv, root / "nginx.out", cwd=root, user=user)
    try:
        check = subprocess.run(
            [*command_prefix(user, signal.SIGTERM), *argv, "-t"], capture_output=True, text=True, cwd=root, check=False
        )
        assert check.returncode == 0, f"nginx -t refused deploy/nginx/amtsweg.conf:\n{check.stderr}"
        service.start()
        service.wait_until(lambda: port_open(https_port) and port_open(http_port))
        tls = ssl.create_default_context(cafile=str(certificate))
        yield Nginx(service, http_port, https_port, tls, root, certificate)
    finally:
        service.stop()
        shutil.rmtree(root, ignore_errors=True)


# --- the deployment's environment ----------------------------------------------------------------


def production_environment(postgres_server: PostgresServer, dbname: str, redis_url: str, instance: Path,
                           secret_key: str | None = None) -> dict[str, str]:
    """The environment file of a deployment (deploy/systemd/amtsweg.env.example, filled in) on
    ``dbname`` with its local folder ``instance``; instances of one deployment share ``secret_key``."""
    return {
        # Nothing from the developer's environment leaks in but the search path.
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "FLASK_APP": "wsgi.py",
        "AMTSWEG_ENV": "production",
        "SECRET_KEY": secret_key or secrets.token_hex(20),
        "AMTSWEG_BASE_DOMAIN": BASE_DOMAIN,
        "AMTSWEG_TRUSTED_HOSTS": f".{BASE_DOMAIN},{BASE_DOMAIN}",
        "AMTSWEG_PROXY_COUNT": "1",
        "AMTSWEG_INSTANCE_DIR": str(instance),
        "DATABASE_URL": postgres_server.app_url(dbname),
        "AMTSWEG_MIGRATION_DATABASE_URL": postgres_server.owner_url(dbname),
        "AMTSWEG_OPS_DATABASE_URL": postgres_server.ops_url(dbname),
        # No clamd in this test deployment: the explicit waiver the README describes.
        "AMTSWEG_ALLOW_UNSCANNED_UPLOADS": "true",
        "REDIS_URL": redis_url,
        "PROMETHEUS_MULTIPROC_DIR": str(instance / "metrics"),
    }


def prepare_database(env: Mapping[str, str]) -> None:
    """The README's step 4: migrate, sync the towns and the process library."""
    flask = venv_executable("flask")
    for command in (["db", "upgrade", "heads"], ["tenants", "sync"], ["processes", "sync"]):
        result = subprocess.run(
            [flask, *command], env=dict(env), cwd=REPOSITORY_ROOT, capture_output=True, text=True, timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"flask {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
