"""An identity provider's metadata, imported from a file or URL and pinned.

The metadata is trusted only when every signing certificate it names has one of the configured
SHA-256 fingerprints (more than one during the IdP's key rollover): a changed or injected
certificate makes the whole document unusable. It must describe exactly one identity provider; the
local simulator's is refused in production. A fetched document is used for ``SAML_METADATA_TTL``
seconds per process, then fetched again; while it cannot be fetched, that IdP's login is unavailable.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import current_app
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import Config
from saml2.mdstore import MetadataStore

from amtsweg.auth.saml import SamlUnavailable
from amtsweg.auth.saml.idps import SIMULATOR_ENTITY_PREFIX, IdentityProvider
from amtsweg.auth.saml.keys import certificate_fingerprint, normalise_fingerprint

HTTP_TIMEOUT = 10
MAX_METADATA_BYTES = 2 * 1024 * 1024


class MetadataUnavailable(SamlUnavailable):
    """The IdP's metadata cannot be used (message for the log; people see "not available")."""


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    xml: str
    sso_url: str
    slo_url: str | None
    # Where the login request goes, for the login page's Content-Security-Policy (form-action).
    sso_origin: str


def _read(source: str) -> str:
    if source.startswith(("https://", "http://")):
        try:
            response = requests.get(source, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise MetadataUnavailable(f"fetching IdP metadata from {source} failed: {exc}") from exc
        if len(response.content) > MAX_METADATA_BYTES:
            raise MetadataUnavailable(f"IdP metadata from {source} is larger than {MAX_METADATA_BYTES} bytes")
        return response.text
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise MetadataUnavailable(f"reading IdP metadata {source} failed: {exc}") from exc


def parse_pinned(xml: str, pins: list[str], *, allow_simulator: bool) -> IdpMetadata:
    """Check and read metadata; MetadataUnavailable names what is wrong."""
    store = MetadataStore(None, Config())
    try:
        store.load("inline", xml)
    except Exception as exc:  # pysaml2 raises plain exceptions for invalid or expired documents
        raise MetadataUnavailable(f"IdP metadata is not valid SAML metadata: {exc}") from exc
    providers = list(store.identity_providers())
    if len(providers) != 1:
        raise MetadataUnavailable(f"IdP metadata must describe exactly one identity provider, found {len(providers)}")
    entity_id = providers[0]
    if entity_id.startswith(SIMULATOR_ENTITY_PREFIX) and not allow_simulator:
        raise MetadataUnavailable(f"{entity_id} is the local SAML simulator, which is never used in production")
    certificates = store.certs(entity_id, "idpsso", "signing")
    if not certificates:
        raise MetadataUnavailable(f"IdP metadata of {entity_id} names no signing certificate")
    pinned = {normalise_fingerprint(pin) for pin in pins}
    for _, certificate in certificates:
        fingerprint = certificate_fingerprint(base64.b64decode("".join(certificate.split())))
        if fingerprint not in pinned:
            raise MetadataUnavailable(f"IdP metadata of {entity_id} names a signing certificate with fingerprint "
                                      f"{fingerprint}, which is not pinned")
    sso = store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT)
    if not sso:
        raise MetadataUnavailable(f"{entity_id} offers no single sign-on with the HTTP-Redirect binding")
    slo = store.single_logout_service(entity_id, BINDING_HTTP_REDIRECT, "idpsso")
    sso_url = sso[0]["location"]
    return IdpMetadata(entity_id, xml, sso_url, slo[0]["location"] if slo else None, _origin(sso_url))


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class _MetadataCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str, tuple[str, ...]], tuple[float, IdpMetadata]] = {}

    def get(self, idp: IdentityProvider) -> IdpMetadata:
        config = current_app.config
        source, pins = config[idp.metadata_setting], list(config[idp.fingerprints_setting])
        if not source:
            raise MetadataUnavailable(f"{idp.metadata_setting} is not set")
        key = (idp.key, source, tuple(pins))
        with self._lock:
            entry = self._entries.get(key)
        if entry and time.monotonic() - entry[0] < config["SAML_METADATA_TTL"]:
            return entry[1]
        metadata = parse_pinned(_read(source), pins, allow_simulator=config["ENV"] != "production")
        with self._lock:
            self._entries[key] = (time.monotonic(), metadata)
        return metadata


metadata_cache = _MetadataCache()
