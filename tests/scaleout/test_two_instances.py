"""Stateless app servers: two instances of the platform (separate gunicorn masters with the
production configuration, each with its own local folder) behind nginx with the shipped site,
round-robin, sharing PostgreSQL, Redis and the S3 document store.

A citizen's whole application and a clerk's work on the case are driven through nginx with a real
HTTP client; nginx's access log names the instance that answered each request, and consecutive
requests must have gone to different instances. Whatever lived in one process's memory or on one
instance's disk (sessions, CSRF tokens, drafts, uploads, rate-limit counters) would break here.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from amtsweg.auth.oidc import secret_variable
from amtsweg.clock import today_in_germany
from amtsweg.jobs.queues import QUEUE_NAMES
from amtsweg.tenancy.resolution import CHECK_SECONDS
from support.app_worker import app_workers
from support.deployment import (
    REPOSITORY_ROOT,
    USINGEN,
    Gunicorn,
    Nginx,
    NginxSession,
    nginx_executable,
    prepare_database,
    production_environment,
    running_gunicorn,
    running_nginx,
    upstreams_of,
    venv_executable,
)
from support.logins import csrf_token_of
from support.oidc_provider import OidcProvider, oidc_login
from support.postgres_server import PostgresServer
from support.redis_server import RedisServer
from support.s3_server import S3Server
from support.smtp_server import SmtpServer

from bench.flows import PROCESS, upload_file

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.oidc, pytest.mark.smtp]

TOWN = f"https://{USINGEN}"
BASE = f"/antrag/{PROCESS}"
# Login attempts (SSO start and return) per client address: all requests come from nginx's address,
# so the budget is the whole test's. A counter per process would allow four times as many.
LOGIN_LIMIT = 6


@dataclass
class Deployment:
    nginx: Nginx
    instances: list[Gunicorn]
    smtp: SmtpServer
    tenants: Path
    # The environment of the operator's shell (``flask tenants sync`` and the like).
    operator: dict[str, str]
    bucket: str
    staging: Path


def edit_town(tenants: Path, old: str, new: str) -> None:
    """Change Usingen's tenant.toml as its operator would."""
    path = tenants / "usingen" / "tenant.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in usingen/tenant.toml once"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def deployment(
    postgres_server: PostgresServer, redis_server: RedisServer, s3_server: S3Server, smtp_server: SmtpServer,
    oidc_provider: OidcProvider, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    nginx_executable()  # skips (fails on CI) before anything is started when nginx is missing
    dbname = postgres_server.create_database(f"amtsweg_scaleout_{uuid.uuid4().hex[:8]}")
    secret_key = secrets.token_hex(24)
    # The deployment's town folders, where Usingen's clerks sign in at the test's identity provider.
    tenants = tmp_path_factory.mktemp("tenants") / "tenants"
    shutil.copytree(REPOSITORY_ROOT / "tenants", tenants)
    edit_town(tenants, 'issuer = ""', f'issuer = "{oidc_provider.issuer}"')
    bucket = s3_server.create_bucket()
    # Uploads are received into a folder every instance and worker shares (a network mount across
    # machines): a file whose move into the store failed is finished by a sweep on any machine.
    staging = tmp_path_factory.mktemp("shared-staging")
    shared = {
        "AMTSWEG_TENANTS_DIR": str(tenants),
        **{f"AMTSWEG_{name}": str(value) for name, value in s3_server.app_settings(bucket, staging).items()},
        "AMTSWEG_MAIL_SMTP_HOST": smtp_server.host,
        "AMTSWEG_MAIL_SMTP_PORT": str(smtp_server.port),
        "AMTSWEG_MAIL_SMTP_SECURITY": "none",
        "AMTSWEG_LOGIN_LIMIT": f"{LOGIN_LIMIT} per minute",
        secret_variable("usingen"): "secret-usingen",
    }

    def environment(name: str) -> dict[str, str]:
        # Each instance (and the worker) has a local folder of its own, as on separate machines.
        instance = tmp_path_factory.mktemp(name)
        return {**production_environment(postgres_server, dbname, redis_server.url, instance, secret_key), **shared}

    setup = environment("setup")
    prepare_database(setup)
    redis_server.client().flushdb()
    smtp_server.clear()
    with ExitStack() as stack:
        instances = [
            stack.enter_context(running_gunicorn(environment(f"instance-{n}"), tmp_path_factory.mktemp(f"log-{n}")))
            for n in (1, 2)
        ]
        start_worker = stack.enter_context(app_workers(redis_server, environment("worker"), QUEUE_NAMES))
        start_worker()
        nginx = stack.enter_context(running_nginx([instance.port for instance in instances]))
        yield Deployment(nginx, instances, smtp_server, tenants, setup, bucket, staging)
    postgres_server.drop_database(dbname)


def assert_alternated(deployment: Deployment, client: NginxSession) -> list[str]:
    """Every request of ``client`` went to the other instance than the one before it."""
    upstreams = upstreams_of(deployment.nginx, [request_id for request_id, _, _ in client.sent])
    served = [f"{method} {path} → {upstream}" for (_, method, path), upstream in zip(client.sent, upstreams,
                                                                                    strict=True)]
    assert set(upstreams) == {instance.address for instance in deployment.instances}, "\n".join(served)
    assert all(a != b for a, b in itertools.pairwise(upstreams)), "\n".join(served)
    return upstreams


def post(client: requests.Session, path: str, page: requests.Response, files: dict[str, Any] | None = None,
         **fields: str) -> requests.Response:
    """Send the page's form (its CSRF token) to ``path`` on the town, following redirects."""
    data = {"csrf_token": csrf_token_of(page.text), **fields}
    return client.post(TOWN + path, data=data, files=files, headers={"Referer": page.url}, timeout=30)


def start_application(client: NginxSession, email: str) -> requests.Response:
    """Start an application of :data:`PROCESS` and send its first step; returns step 2."""
    page = client.get(TOWN + f"{BASE}/", timeout=30)
    page = post(client, f"{BASE}/starten", page)
    assert page.url.endswith(f"{BASE}/schritt/1"), page.text[:2000]
    page = post(client, f"{BASE}/schritt/1", page, vorname="Erika", nachname="Mustermann", email=email,
                kassenzeichen="ZWS-4711", aktion="weiter")
    assert page.url.endswith(f"{BASE}/schritt/2"), page.text[:2000]
    return page


def send_step_with_upload(client: NginxSession, page: requests.Response, upload: Path) -> requests.Response:
    """Send step 2 with the proof as upload; returns step 3."""
    moved_out = (today_in_germany() - timedelta(days=10)).strftime("%d.%m.%Y")
    with upload.open("rb") as file:
        page = post(client, f"{BASE}/schritt/2", page, files={"nachweis": ("nachweis.pdf", file, "application/pdf")},
                    **{"zweitwohnung.street": "Am Marktplatz", "zweitwohnung.house_number": "3",
                       "zweitwohnung.postal_code": "61250", "zweitwohnung.city": "Usingen",
                       "grund": "hauptwohnung", "datum": moved_out, "aktion": "weiter"})
    assert page.url.endswith(f"{BASE}/schritt/3"), page.text[:3000]
    return page


def finish_application(client: NginxSession, page: requests.Response) -> requests.Response:
    """Send step 3, check the review and submit; returns the confirmation."""
    page = post(client, f"{BASE}/schritt/3", page, versicherung="richtig", aktion="weiter")
    assert page.url.endswith(f"{BASE}/pruefen"), page.text[:2000]
    assert "Erika" in page.text and "nachweis.pdf" in page.text
    submission_key = re.search(r'name="einreichung"[^>]*?value="([^"]+)"', page.text)
    assert submission_key is not None
    page = post(client, f"{BASE}/absenden", page, einreichung=submission_key[1], datenschutz="1", wahrheit="1")
    assert page.url.endswith(f"{BASE}/eingang") and "Ihr Antrag ist eingegangen" in page.text, page.text[:2000]
    return page


def link_in_mail(smtp: SmtpServer, recipient: str, path_prefix: str) -> str:
    for message in smtp.wait_for(1):
        if recipient in message["To"]:
            text = message.get_body(("plain",)).get_content()
            match = re.search(r"https://" + re.escape(USINGEN) + re.escape(path_prefix) + r"\S+", text)
            if match:
                return match.group(0)
    raise AssertionError(f"no mail to {recipient} with a link to {path_prefix}")


def test_a_whole_application_and_the_clerks_work_alternate_between_two_instances(
    deployment: Deployment, oidc_provider: OidcProvider, tmp_path: Path,
) -> None:
    nginx = deployment.nginx
    upload = upload_file(tmp_path)
    email = "erika.mustermann@example.org"

    # The citizen starts on one device: two steps, the second with a 1 MB upload, then saves the draft.
    first_device = NginxSession(nginx)
    page = send_step_with_upload(first_device, start_application(first_device, email), upload)
    page = post(first_device, f"{BASE}/schritt/3", page, aktion="speichern")
    assert page.url.endswith(f"{BASE}/speichern"), page.text[:2000]
    saved = post(first_device, f"{BASE}/speichern", page, email=email)
    assert saved.status_code == 200 and email in saved.text
    assert_alternated(deployment, first_device)

    # … and resumes on another device (no cookie of the first) with the mailed link.
    resume_link = link_in_mail(deployment.smtp, email, f"{BASE}/fortsetzen/")
    second_device = NginxSession(nginx)
    page = second_device.get(resume_link, timeout=30)
    assert page.status_code == 200 and page.url.endswith(f"{BASE}/schritt/3"), page.text[:2000]
    page = finish_application(second_device, page)
    reference = re.search(r'id="aktenzeichen">([^<]+)<', page.text)
    status_link = re.search(r'id="statuslink" href="([^"]+)"', page.text)
    assert reference is not None and status_link is not None
    assert_alternated(deployment, second_device)

    # A clerk signs in with SSO and works on the case.
    clerk = NginxSession(nginx)
    start = clerk.get(TOWN + "/anmelden/sso?weiter=/sachbearbeitung/", allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text[:2000]
    callback = oidc_login(requests.Session(), start.headers["Location"], "clerk-usingen")
    assert urlsplit(callback).hostname == USINGEN
    queue = clerk.get(callback, timeout=30)
    assert queue.url == TOWN + "/sachbearbeitung/" and reference[1] in queue.text, queue.text[:2000]
    case_path = f"/sachbearbeitung/vorgang/{reference[1]}"
    case_page = clerk.get(TOWN + case_path, timeout=30)
    assert "nachweis.pdf" in case_page.text
    document = re.search(re.escape(case_path) + r'/dokument/(\d+)"', case_page.text)
    assert document is not None
    # Whichever instance received the upload, the store they share serves it.
    assert clerk.get(TOWN + f"{case_path}/dokument/{document[1]}", timeout=30).content == upload.read_bytes()
    case_page = post(clerk, f"{case_path}/uebernehmen", case_page)
    assert "Sie bearbeiten jetzt diesen Vorgang." in case_page.text
    case_page = post(clerk, f"{case_path}/schritt/start", case_page)
    question = "Bitte senden Sie uns die Abmeldebestätigung der Hauptwohnung."
    case_page = post(clerk, f"{case_path}/schritt/request_information", case_page, nachricht=question)
    assert "Ausgeführt:" in case_page.text and question in case_page.text, case_page.text[:3000]
    assert_alternated(deployment, clerk)

    # The citizen sees the question on the status page, whichever instance answers.
    for _ in range(2):
        assert question in second_device.get(TOWN + status_link[1], timeout=30).text


def test_an_upload_while_the_store_is_down_is_stored_later_by_a_sweep_on_another_machine(
    deployment: Deployment, s3_server: S3Server, tmp_path: Path,
) -> None:
    upload = upload_file(tmp_path)
    client = NginxSession(deployment.nginx)
    page = start_application(client, "erika@example.org")
    s3_server.stop()
    try:
        # The instance receives and records the upload; only its move into the store fails.
        page = send_step_with_upload(client, page, upload)
    finally:
        s3_server.start()
        # moto keeps nothing across a restart: the bucket comes back empty.
        s3_server.create_bucket(name=deployment.bucket)
    [staged] = [path for path in deployment.staging.iterdir() if path.name.startswith("key-")]
    an_hour_ago = time.time() - 3601
    os.utime(staged, (an_hour_ago, an_hour_ago))

    # The operator's sweep runs on a machine with a local folder of its own but the shared staging folder.
    result = subprocess.run([venv_executable("flask"), "documents", "sweep"], env=deployment.operator,
                            cwd=REPOSITORY_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "staging files moved into storage: 1," in result.stdout

    page = finish_application(client, page)
    status_link = re.search(r'id="statuslink" href="([^"]+)"', page.text)
    assert status_link is not None
    status = client.get(TOWN + status_link[1], timeout=30)
    document = re.search(r'href="([^"]+/dokumente/\d+)">nachweis.pdf<', status.text)
    assert document is not None, status.text[:3000]
    assert client.get(TOWN + document[1], timeout=30).content == upload.read_bytes()
    assert_alternated(deployment, client)


def test_login_attempts_are_counted_once_for_both_instances(deployment: Deployment, redis_server: RedisServer) -> None:
    # A fresh budget (the first test's clerk login spent part of it).
    counters = redis_server.client()
    for key in counters.scan_iter("*amtsweg-limits*"):
        counters.delete(key)
    client = NginxSession(deployment.nginx)
    answers = [client.get(TOWN + "/anmelden/sso", allow_redirects=False, timeout=30) for _ in range(LOGIN_LIMIT + 1)]

    # One budget for all processes: it shrinks by one with every attempt, whichever instance
    # answers, and the attempt after the limit is refused.
    assert [answer.status_code for answer in answers] == [302] * LOGIN_LIMIT + [429]
    assert [int(answer.headers["X-RateLimit-Remaining"]) for answer in answers] == [
        *range(LOGIN_LIMIT - 1, -1, -1), 0]
    assert_alternated(deployment, client)


def test_a_synced_change_of_the_town_reaches_every_instance_within_seconds(deployment: Deployment) -> None:
    old_phone, new_phone = "069 90009-102", "069 90009-199"
    client = NginxSession(deployment.nginx)
    # Both instances (and their workers) have the town in their caches.
    for _ in range(6):
        assert old_phone in client.get(TOWN + "/", timeout=30).text
    edit_town(deployment.tenants, f'phone = "{old_phone}"', f'phone = "{new_phone}"')
    result = subprocess.run([venv_executable("flask"), "tenants", "sync"], env=deployment.operator,
                            cwd=REPOSITORY_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    synced = time.monotonic()

    while new_phone not in client.get(TOWN + "/", timeout=30).text:
        assert time.monotonic() - synced < 2 * CHECK_SECONDS + 3, "an instance still shows the old phone number"
        time.sleep(0.2)
    time.sleep(CHECK_SECONDS)
    pages = [client.get(TOWN + "/", timeout=30).text for _ in range(8)]
    assert all(new_phone in page and old_phone not in page for page in pages)
    assert_alternated(deployment, client)
