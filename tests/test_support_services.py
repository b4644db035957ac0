"""The real services of the test suite start, answer and stop as the other tests expect."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import smtplib
import time
from email.message import EmailMessage
from urllib.parse import parse_qs, urlencode, urlsplit

import psycopg
import pytest
import requests
from rq import Queue
from rq.job import Job
from support.oidc_provider import OidcClient, OidcProvider, oidc_login, oidc_logout
from support.postgres_server import PostgresServer
from support.process import tail
from support.redis_server import RedisServer, RqWorker
from support.smtp_server import SmtpServer


@pytest.mark.postgres
def test_postgres_app_role_connects_without_superuser_or_rls_bypass(postgres_server: PostgresServer) -> None:
    dbname = postgres_server.create_database("support_roles")
    with postgres_server.connect(postgres_server.app_url(dbname)) as conn:
        row = conn.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == ("amtsweg_app", False, False)


@pytest.mark.postgres
def test_postgres_owner_creates_tables_the_app_role_may_use(postgres_server: PostgresServer) -> None:
    dbname = postgres_server.create_database("support_grants")
    with postgres_server.connect(postgres_server.owner_url(dbname)) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (dbname,)
        ).fetchone()
        conn.execute("CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)")
    with postgres_server.connect(postgres_server.app_url(dbname)) as conn:
        conn.execute("INSERT INTO note (body) VALUES ('hallo')")
        assert conn.execute("SELECT body FROM note").fetchall() == [("hallo",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DROP TABLE note")
    assert owner == ("amtsweg_owner",)


@pytest.mark.postgres
def test_postgres_row_level_security_applies_to_the_app_role(postgres_server: PostgresServer) -> None:
    dbname = postgres_server.create_database("support_rls")
    with postgres_server.connect(postgres_server.owner_url(dbname)) as conn:
        conn.execute("CREATE TABLE item (tenant_id int NOT NULL, name text NOT NULL)")
        conn.execute("ALTER TABLE item ENABLE ROW LEVEL SECURITY")
        conn.execute(
            "CREATE POLICY same_tenant ON item USING (tenant_id = current_setting('amtsweg.tenant_id')::int)"
        )
        conn.execute("INSERT INTO item VALUES (1, 'eins'), (2, 'zwei')")
    with postgres_server.connect(postgres_server.app_url(dbname)) as conn:
        conn.execute("SELECT set_config('amtsweg.tenant_id', '2', true)")
        assert conn.execute("SELECT name FROM item").fetchall() == [("zwei",)]


@pytest.mark.postgres
def test_postgres_drop_database_disconnects_and_removes_it(postgres_server: PostgresServer) -> None:
    dbname = postgres_server.create_database("support_drop")
    lingering = postgres_server.connect(postgres_server.app_url(dbname))
    postgres_server.drop_database(dbname)
    lingering.close()
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        postgres_server.connect(postgres_server.app_url(dbname))


@pytest.mark.postgres
def test_postgres_rejects_database_names_that_are_not_plain_identifiers(
    postgres_server: PostgresServer,
) -> None:
    with pytest.raises(ValueError, match="invalid database name"):
        postgres_server.create_database("x; DROP ROLE amtsweg_app")


@pytest.mark.redis
def test_redis_answers_ping(redis_server: RedisServer) -> None:
    assert redis_server.url.startswith("redis://127.0.0.1:")
    with redis_server.client() as client:
        assert client.ping() is True


@pytest.mark.redis
def test_rq_worker_runs_a_job_and_survives_being_killed_and_restarted(redis_server: RedisServer) -> None:
    with redis_server.client() as client:
        queue = Queue("support-test", connection=client, serializer="rq.serializers.JSONSerializer")
        worker = redis_server.start_rq_worker({}, ["support-test"])
        with worker:
            worker.wait_until_listening()
            worker.kill()
            assert not worker.running
            worker.start()
            worker.wait_until_listening()
            job = queue.enqueue("json.dumps", {"stadt": "Usingen"})
            assert _wait_for_result(job, worker) == json.dumps({"stadt": "Usingen"})
        assert not worker.running


def _wait_for_result(job: Job, worker: RqWorker, timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh()
        if job.is_finished:
            return job.return_value()
        if job.is_failed:
            raise AssertionError(f"job failed: {job.latest_result()}")
        time.sleep(0.05)
    raise AssertionError(f"job not finished after {timeout} s; worker log:\n{tail(worker.log_path)}")


def _mail(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@usingen.example"
    message["To"] = "erika@example.org"
    message["Subject"] = subject
    message.set_content("Ihr Antrag ist eingegangen. Grüße aus Usingen")
    return message


@pytest.mark.smtp
def test_smtp_server_receives_and_parses_a_sent_mail(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.send_message(_mail("Eingangsbestätigung"))
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Eingangsbestätigung"
    assert "Grüße aus Usingen" in message.get_content()
    assert smtp_server.received[0].rcpt_tos == ("erika@example.org",)


@pytest.mark.smtp
def test_smtp_server_refuses_connections_while_down_and_accepts_after(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    with smtp_server.down(), pytest.raises(OSError):
        smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.send_message(_mail("Nach dem Ausfall"))
    assert [m["Subject"] for m in smtp_server.wait_for(1)] == ["Nach dem Ausfall"]


@pytest.mark.smtp
def test_smtp_wait_for_fails_when_too_few_mails_arrive(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    with pytest.raises(AssertionError, match="expected 1 mail"):
        smtp_server.wait_for(1, timeout=0.2)


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _discovery(oidc_provider: OidcProvider) -> dict:
    response = requests.get(oidc_provider.discovery_url, timeout=10)
    response.raise_for_status()
    return response.json()


def _authorize_url(discovery: dict, client_id: str, redirect_uri: str, challenge: str, state: str) -> str:
    return (
        discovery["authorization_endpoint"]
        + "?"
        + urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "scope": "openid profile email groups",
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
    )


def _redeem(
    discovery: dict,
    client: OidcClient,
    code: str,
    redirect_uri: str,
    verifier: str | None,
    *,
    secret_in_body: bool = False,
) -> requests.Response:
    """Exchange an authorization code at the token endpoint; the client authenticates with HTTP basic
    auth, or with its id and secret in the form if ``secret_in_body``."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    auth = None
    if secret_in_body:
        data |= {"client_id": client.client_id, "client_secret": client.client_secret}
    else:
        auth = (client.client_id, client.client_secret)
    return requests.post(discovery["token_endpoint"], data=data, auth=auth, timeout=10)


def _jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.oidc
def test_oidc_discovery_names_the_loopback_issuer(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    assert discovery["issuer"] == oidc_provider.issuer
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "end_session_endpoint" in discovery


@pytest.mark.oidc
def test_oidc_code_flow_with_pkce_yields_id_token_with_groups(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    client = oidc_provider.client("amtsweg-usingen")
    redirect_uri = "http://usingen.amtsweg.test/sachbearbeitung/anmelden/callback"
    verifier, challenge = _pkce_pair()
    state = secrets.token_urlsafe(16)
    session = requests.Session()

    callback = oidc_login(
        session, _authorize_url(discovery, client.client_id, redirect_uri, challenge, state), "clerk-usingen"
    )

    assert callback.startswith(redirect_uri + "?")
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == [state]
    assert query["iss"] == [oidc_provider.issuer]
    token = _redeem(discovery, client, query["code"][0], redirect_uri, verifier)
    assert token.status_code == 200, token.text
    claims = _jwt_claims(token.json()["id_token"])
    assert claims["iss"] == oidc_provider.issuer
    assert claims["aud"] == client.client_id
    assert claims["sub"] == "sub-clerk-usingen"
    assert claims["groups"] == ["usingen/sachbearbeitung"]
    assert claims["email"] == "clerk-usingen@example.org"


@pytest.mark.oidc
def test_oidc_token_request_without_the_pkce_verifier_is_rejected(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    client = oidc_provider.client("amtsweg-usingen")
    redirect_uri = "http://usingen.localhost:5000/callback"
    _, challenge = _pkce_pair()
    callback = oidc_login(
        requests.Session(),
        _authorize_url(discovery, client.client_id, redirect_uri, challenge, "s"),
        "buerger",
    )
    code = parse_qs(urlsplit(callback).query)["code"][0]
    token = _redeem(discovery, client, code, redirect_uri, verifier=None)
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


@pytest.mark.oidc
def test_oidc_town_client_refuses_another_towns_redirect_uri(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    _, challenge = _pkce_pair()
    url = _authorize_url(
        discovery, "amtsweg-usingen", "http://schmitten.amtsweg.test/callback", challenge, "s"
    )
    with pytest.raises(AssertionError, match="redirect_uri did not match"):
        oidc_login(requests.Session(), url, "clerk-usingen")


@pytest.mark.oidc
def test_oidc_citizen_gets_address_and_can_log_out(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    client = oidc_provider.client("amtsweg-neu-anspach")
    redirect_uri = "http://neu-anspach.amtsweg.test/konto/callback"
    verifier, challenge = _pkce_pair()
    session = requests.Session()
    url = _authorize_url(discovery, client.client_id, redirect_uri, challenge, "s").replace(
        "scope=openid+profile", "scope=openid+address+profile"
    )
    code = parse_qs(urlsplit(oidc_login(session, url, "buerger")).query)["code"][0]
    token = _redeem(discovery, client, code, redirect_uri, verifier, secret_in_body=True).json()
    assert _jwt_claims(token["id_token"])["address"]["postal_code"] == "61250"

    after_logout = "http://neu-anspach.amtsweg.test/"
    end_session = (
        discovery["end_session_endpoint"]
        + "?"
        + urlencode({"id_token_hint": token["id_token"], "post_logout_redirect_uri": after_logout})
    )
    assert oidc_logout(session, end_session) == after_logout
    # Signed out at the provider: the next authorization asks for the password again.
    with pytest.raises(AssertionError, match="Unknown user or wrong password"):
        oidc_login(session, url, "buerger", password="wrong")


@pytest.mark.oidc
def test_oidc_login_with_wrong_password_is_refused(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    _, challenge = _pkce_pair()
    url = _authorize_url(discovery, "amtsweg-usingen", "http://usingen.amtsweg.test/cb", challenge, "s")
    with pytest.raises(AssertionError, match="Unknown user or wrong password"):
        oidc_login(requests.Session(), url, "clerk-usingen", password="falsch")


@pytest.mark.oidc
def test_oidc_second_login_in_the_same_session_needs_no_password(oidc_provider: OidcProvider) -> None:
    discovery = _discovery(oidc_provider)
    _, challenge = _pkce_pair()
    url = _authorize_url(discovery, "amtsweg-schmitten", "http://schmitten.amtsweg.test/cb", challenge, "s")
    session = requests.Session()
    oidc_login(session, url, "clerk-schmitten")

    callback = oidc_login(session, url, "clerk-schmitten", password="not asked")

    assert "code=" in callback
