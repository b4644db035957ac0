"""The XBezahldienste simulator as a subprocess on a free loopback port, and its test PKI.

``XBezahldiensteSimulator(tls=True)`` serves HTTPS with a server certificate of a throw-away CA
and accepts client certificates of that CA (mutual TLS); HTTP Basic and OAuth2 accounts use the
same server without a certificate. ``tls=False`` is the development set-up of ``make run``
(``--demo``: plain HTTP, any originator, no credentials).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .process import ServiceProcess, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Pki:
    """A CA, the simulator's server certificate and one client certificate (all PEM files)."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    client_cn: str
    # A certificate of another CA with the same name: must be refused.
    stranger_cert: Path
    stranger_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return path


def _certificate(subject_cn: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
                 issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool = False,
                 usage: x509.ObjectIdentifier | None = None, hosts: tuple[str, ...] = ()) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_cert(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def make_pki(folder: Path, client_cn: str = "amtsweg-mtls") -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "amtsweg test CA")])
    ca_cert = _certificate("amtsweg test CA", ca_key, ca_name, ca_key, ca=True)
    server_key, client_key = _key(), _key()
    server = _certificate("127.0.0.1", server_key, ca_name, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH,
                          hosts=("127.0.0.1", "localhost"))
    client = _certificate(client_cn, client_key, ca_name, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    stranger_ca_key, stranger_key = _key(), _key()
    stranger_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else's CA")])
    stranger = _certificate(client_cn, stranger_key, stranger_name, stranger_ca_key,
                            usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    return Pki(
        ca=_write_cert(ca_cert, folder / "ca.pem"),
        server_cert=_write_cert(server, folder / "server.pem"),
        server_key=_write_key(server_key, folder / "server.key"),
        client_cert=_write_cert(client, folder / "client.pem"),
        client_key=_write_key(client_key, folder / "client.key"),
        client_cn=client_cn,
        stranger_cert=_write_cert(stranger, folder / "stranger.pem"),
        stranger_key=_write_key(stranger_key, folder / "stranger.key"),
    )


class XBezahldiensteSimulator:
    """``python -m simulators.xbezahldienste`` on a free port, controlled over its ``/_control`` API."""

    def __init__(self, folder: Path, *, tls: bool = True, token_seconds: int = 300) -> None:
        self.folder = folder
        self.tls = tls
        self.port = free_port()
        # One argument with "=": a token may start with "-", which argparse would read as an option.
        self.control_token = secrets.token_urlsafe(16)
        self.pki = make_pki(folder / "pki") if tls else None
        argv = [sys.executable, "-m", "simulators.xbezahldienste", "--port", str(self.port),
                f"--control-token={self.control_token}", "--token-seconds", str(token_seconds)]
        if self.pki is not None:
            argv += ["--cert", str(self.pki.server_cert), "--key", str(self.pki.server_key),
                     "--client-ca", str(self.pki.ca)]
        else:
            argv.append("--demo")
        python_path = os.pathsep.join(p for p in (str(REPO_ROOT / "platform"), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": python_path}
        env.pop("AMTSWEG_ENV", None)
        self.service = ServiceProcess("xbezahldienste simulator", argv, folder / "simulator.log", env=env,
                                      cwd=REPO_ROOT)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def verify(self) -> str | bool:
        return str(self.pki.ca) if self.pki else True

    def _ready(self) -> bool:
        try:
            requests.get(f"{self.url}/_control/state", headers=self._headers(), verify=self.verify, timeout=1)
        except requests.RequestException:
            return False
        return True

    def start(self) -> XBezahldiensteSimulator:
        self.service.start()
        self.service.wait_until(self._ready)
        return self

    def stop(self) -> None:
        self.service.stop()

    def _headers(self) -> dict[str, str]:
        return {"X-Control-Token": self.control_token}

    def _control(self, method: str, path: str, payload: Any = None) -> requests.Response:
        response = requests.request(method, f"{self.url}/_control/{path}", json=payload, headers=self._headers(),
                                    verify=self.verify, timeout=5)
        response.raise_for_status()
        return response

    def reset(self) -> None:
        self._control("POST", "reset")

    def add_accounts(self, *accounts: dict[str, Any]) -> None:
        self._control("POST", "accounts", list(accounts))

    def switch(self, **switches: Any) -> None:
        self._control("POST", "switches", switches)

    def state(self) -> dict[str, Any]:
        return self._control("GET", "state").json()

    def transactions(self) -> list[dict[str, Any]]:
        return self.state()["transactions"]

    def choose(self, redirect_url: str, action: str = "bezahlen") -> requests.Response:
        """What a person does on the payment page: open it and press one of its buttons."""
        page = requests.get(redirect_url, verify=self.verify, timeout=5)
        page.raise_for_status()
        assert f'value="{action}"' in page.text, page.text[:500]
        return requests.post(redirect_url, data={"aktion": action}, verify=self.verify, timeout=5,
                             allow_redirects=False)
