"""The production set-up as shipped: gunicorn with config/gunicorn.conf.py on PostgreSQL and Redis,
nginx with deploy/nginx/amtsweg.conf in front of it, and the systemd units in deploy/systemd/.

Everything runs as real processes on free loopback ports, configured the way the README's
"Production" section says, with only paths, ports and the domain swapped for the test.
"""

from __future__ import annotations

import configparser
import json
import re
import runpy
import secrets
import shlex
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.deployment import (
    BASE_DOMAIN,
    DEPLOY,
    REPOSITORY_ROOT,
    USINGEN,
    VENV_BIN,
    Gunicorn,
    Nginx,
    Response,
    http_get,
    prepare_database,
    production_environment,
    read,
    running_gunicorn,
    running_nginx,
    venv_executable,
)
from support.postgres_server import PostgresServer
from support.redis_server import RedisServer
from support.services import require_executable

# --- gunicorn on PostgreSQL ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_env(
    postgres_server: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The environment file of a deployment (deploy/systemd/amtsweg.env.example, filled in) on a
    fresh database, prepared with the README's step 4 commands."""
    dbname = postgres_server.create_database(f"amtsweg_production_{uuid.uuid4().hex[:8]}")
    instance = tmp_path_factory.mktemp("production-instance")
    env = production_environment(postgres_server, dbname, redis_server.url, instance)
    assert len(env["SECRET_KEY"]) == 40
    prepare_database(env)
    yield env
    postgres_server.drop_database(dbname)


@pytest.fixture(scope="module")
def gunicorn(production_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    with running_gunicorn(production_env, tmp_path_factory.mktemp("gunicorn")) as server:
        yield server



def csrf_token_in(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def session_cookie(response: Response) -> str:
    [cookie] = [c for c in response.headers.get_all("Set-Cookie") or [] if c.startswith("session=")]
    return cookie


def test_gunicorn_serves_usingen_with_secure_session_cookies_and_hsts(gunicorn: Gunicorn) -> None:
    page = gunicorn.get("/", **{"X-Forwarded-Proto": "https"})
    switched = gunicorn.get("/sprache/en?weiter=/", **{"X-Forwarded-Proto": "https"})

    assert page.status == 200 and "Usingen" in page.body
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = session_cookie(switched)
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite"} <= attributes.keys() and "domain" not in attributes
    assert attributes["samesite"] == "SameSite=Lax"


def test_gunicorn_answers_an_unknown_host_with_404(gunicorn: Gunicorn) -> None:
    assert gunicorn.get("/", "evil.example").status == 404
    # Behind one proxy the forwarded host counts, so it cannot smuggle a foreign host in either.
    assert gunicorn.get("/", USINGEN, **{"X-Forwarded-Host": "evil.example"}).status == 404


def test_gunicorn_logs_json_lines_with_request_id_and_town(gunicorn: Gunicorn) -> None:
    request_id = f"production-check-{uuid.uuid4().hex[:8]}"
    assert gunicorn.get("/leistungen", **{"X-Request-ID": request_id}).status == 200

    deadline = time.monotonic() + 5
    while not (lines := [line for line in gunicorn.log_lines() if line["request_id"] == request_id]):
        assert time.monotonic() < deadline, "no log line with the request id"
        time.sleep(0.05)
    assert lines[0]["tenant"] == "usingen" and lines[0]["status"] == 200 and lines[0]["route"] == "/leistungen"


def metric_value(exposition: str, sample: str) -> float:
    """The value of one sample (name and labels) in a Prometheus text exposition; 0 if absent."""
    for line in exposition.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_gunicorn_health_and_metrics_sum_all_workers(gunicorn: Gunicorn) -> None:
    unmatched = 'amtsweg_http_requests_total{method="GET",route="(unmatched)",status="404"}'
    before = metric_value(gunicorn.get("/metrics", BASE_DOMAIN).body, unmatched)
    for _ in range(6):
        assert gunicorn.get("/impressum-gibt-es-nicht").status == 404

    health = gunicorn.get("/healthz", BASE_DOMAIN)
    metrics = gunicorn.get("/metrics", BASE_DOMAIN)

    assert health.status == 200
    assert health.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    # A load balancer probing by IP, outside TRUSTED_HOSTS, still gets the health answer.
    assert gunicorn.get("/healthz", "127.0.0.1").status == 200
    assert metrics.status == 200
    # Two workers answered these requests; the multiprocess directory adds their counters up.
    assert metric_value(metrics.body, unmatched) == before + 6
    assert "amtsweg_redis_up 1.0" in metrics.body, metrics.body


def test_gunicorn_stops_cleanly_on_sigterm(production_env: dict[str, str], tmp_path: Path) -> None:
    # A second deployment must not share the first one's metrics folder (it is emptied at start).
    env = {**production_env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    with running_gunicorn(env, tmp_path) as server:
        assert server.get("/").status == 200
        started = time.monotonic()

    assert server.service.process is not None and server.service.process.returncode == 0
    assert time.monotonic() - started < 30
    assert "Shutting down: Master" in server.service.log_tail()


# --- nginx in front ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx(gunicorn: Gunicorn) -> Iterator[Nginx]:
    with running_nginx([gunicorn.port]) as server:
        yield server


def test_nginx_proxies_the_town_over_https_with_secure_cookies(nginx: Nginx) -> None:
    page = nginx.get("/")
    switched = nginx.get("/sprache/en?weiter=/")

    assert page.status == 200 and "Usingen" in page.body
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "; Secure" in session_cookie(switched)
    # The certificate covers only the deployment's hosts; a foreign Host header is still proxied.
    assert read(nginx.https(), "GET", "/", {"Host": "evil.example"}).status == 404


def test_nginx_forwards_scheme_and_host_so_forms_and_absolute_links_work(nginx: Nginx) -> None:
    """The app builds https://<town>/ links and accepts a same-origin form only if it sees the
    client's scheme and host: X-Forwarded-Proto and the Host header must reach it."""
    start = nginx.get("/antrag/gewerbe-anmelden/")
    form = {
        "Cookie": session_cookie(start).split(";")[0],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = f"csrf_token={csrf_token_in(start.body)}"
    referer = f"https://{USINGEN}/antrag/gewerbe-anmelden/"

    logout = read(nginx.https(), "POST", "/abmelden", {**form, "Referer": referer}, body)
    # Over HTTPS the CSRF check also wants a same-origin Referer: proof the app knows the scheme.
    without_referer = read(nginx.https(), "POST", "/abmelden", form, body)

    assert logout.status == 302, logout.body
    assert logout.headers["Location"] == f"https://{USINGEN}/"
    assert without_referer.status == 400


def test_nginx_passes_the_request_id_to_the_app_log(nginx: Nginx, gunicorn: Gunicorn) -> None:
    response = nginx.get("/leistungen")

    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    deadline = time.monotonic() + 5
    while not any(line["request_id"] == request_id for line in gunicorn.log_lines()):
        assert time.monotonic() < deadline, "the app did not log nginx's request id"
        time.sleep(0.05)


SECRET_PATHS = (
    "/vorgang/{token}",
    "/vorgang/{token}/eingangsbestaetigung.pdf",
    "/antrag/hundesteuer-anmelden/fortsetzen/{token}",
    "/sachbearbeitung/vertraege/kalender/{token}.ics",
    "/sachbearbeitung/vertraege/import/{token}",
)


def test_secret_tokens_reach_neither_the_access_log_nor_the_app_log(nginx: Nginx, gunicorn: Gunicorn) -> None:
    token = secrets.token_urlsafe(32)
    for path in SECRET_PATHS:
        nginx.get(path.format(token=token) + f"?weiter={token}", Referer=f"https://{USINGEN}/vorgang/{token}")
    access_log = nginx.root / "amtsweg.access.log"
    masked = {path.format(token="***").replace("***.ics", "***") for path in SECRET_PATHS}
    # The log is shared with the module's other tests: wait for this test's lines, not a line count.
    deadline = time.monotonic() + 5
    while not all(f'"GET {path} HTTP/1.1"' in access_log.read_text(encoding="utf-8") for path in masked):
        assert time.monotonic() < deadline, "nginx did not log every masked path"
        time.sleep(0.05)
    lines = access_log.read_text(encoding="utf-8")
    assert token not in lines
    assert f'"https://{USINGEN}"' in lines
    while not masked <= {line.get("path") for line in gunicorn.log_lines()}:
        assert time.monotonic() < deadline + 5, "the app did not log the masked paths"
        time.sleep(0.05)
    assert token not in json.dumps(gunicorn.log_lines())


def test_nginx_refuses_an_upload_over_client_max_body_size_itself(nginx: Nginx) -> None:
    connection = nginx.https()
    try:
        connection.putrequest("POST", "/antrag/gewerbe-anmelden/starten")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(25 * 1024 * 1024 + 1))
        connection.endheaders()
        # nginx answers from the announced length, before a byte of the body (which never comes).
        answer = connection.getresponse()
        body = answer.read().decode()
    finally:
        connection.close()

    assert answer.status == 413 and "X-Request-ID" not in answer.headers
    assert "413 Request Entity Too Large" in body


def test_nginx_redirects_plain_http_to_https(nginx: Nginx) -> None:
    response = http_get(nginx.http_port, "/leistungen?suche=hund", USINGEN)

    assert response.status == 301
    assert response.headers["Location"] == f"https://{USINGEN}/leistungen?suche=hund"


# --- systemd units -------------------------------------------------------------------------------

APP_DIR = "/opt/amtsweg"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def service_section(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Service"]


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = require_executable("systemd-analyze")
    # The README's layout (a checkout with its .venv in /opt/amtsweg), pointing at this checkout.
    app_dir = tmp_path / "amtsweg"
    app_dir.mkdir()
    (app_dir / ".venv").symlink_to(VENV_BIN.parent)
    for name in ("config", "wsgi.py"):
        (app_dir / name).symlink_to(REPOSITORY_ROOT / name)
    units = []
    for unit in UNITS:
        units.append(tmp_path / unit.name)
        units[-1].write_text(unit.read_text(encoding="utf-8").replace(APP_DIR, str(app_dir)), encoding="utf-8")

    result = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True, check=False
    )

    # Unknown keys and bad values are only warnings for systemd: any output is a finding.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("unit", UNITS, ids=[unit.stem for unit in UNITS])
def test_systemd_unit_starts_an_existing_command_of_the_checkout(unit: Path, production_env: dict[str, str]) -> None:
    service = service_section(unit)
    program, *arguments = shlex.split(service["ExecStart"])

    assert service["WorkingDirectory"] == APP_DIR
    assert service["EnvironmentFile"] == "/etc/amtsweg/amtsweg.env"
    assert program.startswith(f"{APP_DIR}/.venv/bin/")
    command = [venv_executable(Path(program).name), *arguments]
    if Path(program).name == "gunicorn":
        assert arguments[:2] == ["-c", "config/gunicorn.conf.py"] and arguments[2] == "wsgi:app"
        command = [*command[:-1], "--check-config", "wsgi:app"]
    else:
        assert service["Environment"] == "FLASK_APP=wsgi.py"
        command.append("--help")
    # Run in the checkout with the deployment's environment: the command must exist and load.
    result = subprocess.run(
        command, env=production_env, cwd=REPOSITORY_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_waits_longer_than_gunicorn_lets_requests_finish() -> None:
    gunicorn_settings = runpy.run_path(str(REPOSITORY_ROOT / "config" / "gunicorn.conf.py"))
    web = service_section(DEPLOY / "systemd" / "amtsweg-web.service")

    assert int(web["TimeoutStopSec"]) > gunicorn_settings["graceful_timeout"]
    assert web["KillMode"] == "mixed"
