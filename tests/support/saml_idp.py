"""The local SAML identity provider (``simulators.saml_idp``: BundID and Mein Unternehmenskonto) as a
subprocess on a free loopback port, and service provider keys for the towns.

The simulator trusts the SP metadata files in its ``sp`` folder: :meth:`SamlSimulator.register`
puts a town's metadata there, as a town registers in BundID's self-service portal.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from amtsweg.auth.saml.keys import certificate_fingerprint, create_missing_keys
from amtsweg.settings import SAML_IDP_SETTINGS
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .html_forms import only_form
from .process import ServiceProcess

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


class SamlSimulator:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="amtsweg-saml-idp-"))
        self.base_url = ""
        self.service: ServiceProcess | None = None

    def start(self) -> None:
        self.service = ServiceProcess(
            "saml-idp",
            [sys.executable, "-m", "simulators.saml_idp", "serve", "--port", "0", "--data-dir", str(self.root)],
            self.root / "saml-idp.log",
            cwd=REPOSITORY_ROOT,
        )
        try:
            self.service.start()
            self.service.wait_until(self._announced)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _announced(self) -> bool:
        assert self.service is not None
        match = re.search(r"^READY (\S+)$", self.service.log_tail(), re.MULTILINE)
        if match:
            self.base_url = match.group(1)
        return bool(match)

    def fingerprint(self, idp: str) -> str:
        certificate = x509.load_pem_x509_certificate((self.root / f"{idp}.crt").read_bytes())
        return certificate_fingerprint(certificate.public_bytes(serialization.Encoding.DER))

    def app_settings(self) -> dict[str, Any]:
        """Settings that make an app trust this simulator (metadata URL, pinned fingerprint)."""
        settings: dict[str, Any] = {}
        for idp, (metadata, fingerprints) in SAML_IDP_SETTINGS.items():
            settings[metadata] = f"{self.base_url}/{idp}/metadata.xml"
            settings[fingerprints] = [self.fingerprint(idp)]
        return settings

    def register(self, sp_metadata: str) -> None:
        """Trust a service provider from now on (its metadata file in the ``sp`` folder)."""
        name = hashlib.sha256(sp_metadata.encode()).hexdigest()[:16]
        (self.root / "sp" / f"{name}.xml").write_text(sp_metadata, encoding="utf-8")


def create_town_keys(folder: Path, slugs: list[str]) -> Path:
    """Signing and encryption keys for each town under ``folder`` (as ``flask saml keys`` makes them)."""
    for slug in slugs:
        create_missing_keys(folder / slug, slug)
    return folder


def answer_at_idp(idp_url: str, person: str, behaviour: str = "") -> tuple[str, dict[str, str]]:
    """Choose ``person`` (and a misbehaviour) on the simulator's login page; returns where the browser
    posts next and the form fields (SAMLResponse, RelayState), without posting."""
    session = requests.Session()
    page = session.get(idp_url, timeout=10)
    assert page.status_code == 200, page.text[:2000]
    action, fields = only_form(page)
    answer = session.post(action, data={**fields, "person": person, "verhalten": behaviour}, timeout=30)
    assert answer.status_code == 200, answer.text[:2000]
    return only_form(answer)
