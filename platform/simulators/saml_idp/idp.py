"""One simulated identity provider (BundID or Mein Unternehmenskonto) built on pysaml2's IdP.

It trusts the service providers whose metadata files lie in its ``sp`` folder (as BundID trusts the
SPs registered in its self-service portal) and re-reads the folder when the files change. Requests
must be signed; responses carry one assertion, signed and then encrypted (AES-256-GCM) for the SP,
with BundID's AuthnContextClassRef, level and AssertionProvedBy attributes. On request it
misbehaves in the ways a service provider must survive (:data:`BEHAVIOURS`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS, SIMULATOR_ENTITY_PREFIX, IdentityProvider
from amtsweg.auth.saml.keys import KeyPair, certificate_fingerprint, write_key_pair
from amtsweg.auth.saml.protocol import AKDB_NAMESPACE, xmlsec_binary
from amtsweg.auth.trust import trust_level
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import get_pem_wrapped_unwrapped, make_temp, pre_encryption_part
from saml2.time_util import in_a_while
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from simulators.saml_idp.persons import TestPerson

AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
ASSERTION_MINUTES = 5

# Misbehaviours a tester can choose on the login page: key -> label.
BEHAVIOURS = {
    "": "Korrekt antworten",
    "abgelaufen": "Abgelaufene Assertion",
    "falsche-zielgruppe": "Assertion für eine andere Stelle (falsche Audience)",
    "unsigniert": "Unsignierte Assertion",
    "manipuliert": "Nach dem Signieren veränderte Assertion",
    "unverschluesselt": "Assertion unverschlüsselt senden",
    "wiederholt": "Die letzte Antwort an diese Stelle noch einmal senden (Replay)",
    "falsches-inresponseto": "Antwort auf eine andere Anfrage (falsches InResponseTo)",
    "niedrigeres-niveau": "Niedrigeres Vertrauensniveau bestätigen als angefordert",
    "fehlendes-attribut": "Familienname weglassen",
}


def entity_id(idp_key: str) -> str:
    """The simulated IdP's entity ID (marked as the simulator's)."""
    return f"{SIMULATOR_ENTITY_PREFIX}{idp_key}"


class _ShiftedPolicy(Policy):
    """Assertion times and audience as the chosen misbehaviour wants them."""

    def __init__(self, metadata: Any, behaviour: str) -> None:
        super().__init__({"default": {"attribute_restrictions": None, "name_form": NAME_FORMAT_URI,
                                      "lifetime": {"minutes": ASSERTION_MINUTES}}}, metadata)
        self.behaviour = behaviour

    def not_on_or_after(self, sp_entity_id: str) -> str:
        if self.behaviour == "abgelaufen":
            return in_a_while(minutes=-20)
        return super().not_on_or_after(sp_entity_id)

    def conditions(self, sp_entity_id: str) -> Any:
        conditions = super().conditions(sp_entity_id)
        if self.behaviour == "abgelaufen":
            conditions.not_before = in_a_while(minutes=-30)
        if self.behaviour == "falsche-zielgruppe":
            conditions.audience_restriction[0].audience[0].text = "urn:amtsweg:simulator:andere-stelle"
        return conditions


class _Server(Server):
    """pysaml2's IdP, encrypting with AES-256-GCM and able to alter a signed assertion before encrypting."""

    tamper: Callable[[str], str] | None = None

    def _encrypt_assertion(self, encrypt_cert: Any, sp_entity_id: Any, response: Any, node_xpath: Any = None) -> Any:
        if self.tamper is not None:
            response = self.tamper(str(response))
        certificates = [(None, encrypt_cert)] if encrypt_cert else \
            self.metadata.certs(sp_entity_id, "any", "encryption")
        for name, certificate in certificates:
            wrapped, unwrapped = get_pem_wrapped_unwrapped(certificate)
            tmp = make_temp(wrapped.encode("ascii"), decode=False, delete_tmpfiles=True)
            template = pre_encryption_part(msg_enc=AES256_GCM, key_enc=RSA_OAEP, key_name=name, encrypt_cert=unwrapped)
            return self.sec.encrypt_assertion(response, tmp.name, template, key_type="aes-256", node_xpath=node_xpath)
        raise ValueError(f"no encryption certificate for {sp_entity_id}")


def _tamper(response: str) -> str:
    # Changes a confirmed name after the signature was made: the signature no longer matches.
    return re.sub(r"(AttributeValue[^>]*>)Mustermann<", r"\1Musterfrau<", response, count=1) \
        if "Mustermann" in response else re.sub(r"(AttributeValue[^>]*>)([^<]+)<", r"\1\2X<", response, count=1)


@dataclass(frozen=True)
class PendingRequest:
    sp: str
    request_id: str
    acs_url: str
    relay_state: str
    minimum_level: int
    # SAML names of the attributes asked for (empty: the IdP's whole set).
    requested: frozenset[str]


@dataclass(frozen=True)
class PostMessage:
    """Where the browser posts a message next (HTTP-POST binding)."""

    action: str
    field: str
    value: str
    relay_state: str


class SimulatedIdp:
    def __init__(self, idp: IdentityProvider, base_url: str, key: Path, cert: Path, sp_folder: Path) -> None:
        self.idp = idp
        self.entity_id = entity_id(idp.key)
        self.base_url = f"{base_url}/{idp.key}"
        self.key, self.cert, self.sp_folder = key, cert, sp_folder
        self._lock = threading.Lock()
        self._loaded: tuple[tuple[str, float], ...] | None = None
        self._server: _Server | None = None
        self._last_response: dict[str, PostMessage] = {}

    def _sp_files(self) -> tuple[tuple[str, float], ...]:
        return tuple(sorted((path.name, path.stat().st_mtime) for path in self.sp_folder.glob("*.xml")))

    def server(self) -> _Server:
        """pysaml2's IdP with the SP metadata currently in the folder."""
        with self._lock:
            files = self._sp_files()
            if self._server is None or files != self._loaded:
                self._server = _Server(config=self._config([(self.sp_folder / name).read_text("utf-8")
                                                            for name, _ in files]))
                self._loaded = files
            return self._server

    def _config(self, sp_metadata: list[str]) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id,
            "xmlsec_binary": xmlsec_binary(),
            "key_file": str(self.key),
            "cert_file": str(self.cert),
            "metadata": {"inline": sp_metadata} if sp_metadata else {},
            "accepted_time_diff": 60,
            "allow_unknown_attributes": True,
            "delete_tmpfiles": True,
            "organization": {"name": [(f"{self.idp.name} (Simulator)", "de")],
                             "display_name": [(f"{self.idp.name} (Simulator)", "de")], "url": [(self.base_url, "de")]},
            "service": {"idp": {
                "name": f"{self.idp.name} (Simulator)",
                "endpoints": {
                    "single_sign_on_service": [(f"{self.base_url}/sso", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(f"{self.base_url}/slo", BINDING_HTTP_REDIRECT)],
                },
                "want_authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            }},
        })
        return config

    def fingerprint(self) -> str:
        """What the app pins: the SHA-256 of the signing certificate."""
        certificate = x509.load_pem_x509_certificate(self.cert.read_bytes())
        return certificate_fingerprint(certificate.public_bytes(serialization.Encoding.DER))

    def metadata_xml(self) -> str:
        return create_metadata_string(None, self.server().config, valid=None).decode("utf-8")

    def parse_login_request(self, args: dict[str, str]) -> PendingRequest:
        """A signed AuthnRequest (HTTP-Redirect) of a registered SP; raises on anything else."""
        server = self.server()
        parsed = server.parse_authn_request(args["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                            relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"),
                                            signature=args.get("Signature"))
        request = parsed.message
        sp = request.issuer.text.strip()
        registered = [acs["location"] for acs in server.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)]
        if not args.get("Signature") or request.assertion_consumer_service_url not in registered:
            raise ValueError(f"request of {sp} is unsigned or names an assertion consumer not in its metadata")
        context = request.requested_authn_context
        refs = [ref.text for ref in context.authn_context_class_ref] if context else []
        minimum = int(refs[0].rsplit("-", 1)[-1]) if refs and refs[0].startswith("STORK-QAA-Level-") else 1
        return PendingRequest(sp, request.id, request.assertion_consumer_service_url, args.get("RelayState", ""),
                              minimum, frozenset(_akdb_requested(request)))

    def respond(self, pending: PendingRequest, person: TestPerson, behaviour: str) -> PostMessage:
        """The login response for ``person``, misbehaving as chosen."""
        if behaviour == "wiederholt" and pending.sp in self._last_response:
            return self._last_response[pending.sp]
        server = self.server()
        level = 1 if behaviour == "niedrigeres-niveau" else person.level
        class_ref = trust_level(level).class_ref
        values = dict(person.attributes)
        if behaviour == "fehlendes-attribut":
            values.pop("family_name", None)
        if self.idp.level_attribute:
            values[self.idp.level_attribute] = class_ref
        if self.idp.proved_by_attribute:
            values[self.idp.proved_by_attribute] = person.proved_by
        if self.idp.subject:
            values[self.idp.subject] = _pseudonym(person.key, pending.sp)
        identity = {
            self.idp.attribute(key).name: [value] for key, value in values.items()
            if not pending.requested or self.idp.attribute(key).name in pending.requested
        }
        server.tamper = _tamper if behaviour == "manipuliert" else None
        unsigned = behaviour == "unsigniert"
        response = server.create_authn_response(
            identity,
            "_" + secrets.token_hex(16) if behaviour == "falsches-inresponseto" else pending.request_id,
            pending.acs_url, pending.sp,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=_pseudonym(person.key, pending.sp),
                           name_qualifier=self.entity_id, sp_name_qualifier=pending.sp),
            authn={"class_ref": class_ref, "authn_auth": self.entity_id},
            sign_response=not unsigned, sign_assertion=not unsigned,
            encrypt_assertion=behaviour != "unverschluesselt",
            encrypt_assertion_self_contained=True, release_policy=_ShiftedPolicy(server.metadata, behaviour),
        )
        message = PostMessage(pending.acs_url, "SAMLResponse", _b64(str(response)), pending.relay_state)
        self._last_response[pending.sp] = message
        return message

    def cancel(self, pending: PendingRequest) -> PostMessage:
        """The answer when the person breaks off: a signed error status, no assertion."""
        server = self.server()
        response = server.create_error_response(
            pending.request_id, pending.acs_url,
            (samlp.STATUS_AUTHN_FAILED, "Die Anmeldung wurde abgebrochen."), sign=True,
        )
        return PostMessage(pending.acs_url, "SAMLResponse", _b64(str(response)), pending.relay_state)

    def logout(self, args: dict[str, str]) -> PostMessage:
        """Answer an SP's signed LogoutRequest (HTTP-Redirect) with a signed LogoutResponse (HTTP-POST)."""
        server = self.server()
        parsed = server.parse_logout_request(args["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                             relay_state=args.get("RelayState"), sigalg=args.get("SigAlg"),
                                             signature=args.get("Signature"))
        if not args.get("Signature"):
            raise ValueError("unsigned LogoutRequest")
        request = parsed.message
        sp = request.issuer.text.strip()
        destination = server.metadata.single_logout_service(sp, BINDING_HTTP_POST, "spsso")[0]["location"]
        response = server.create_logout_response(request, [BINDING_HTTP_POST], sign=True)
        return PostMessage(destination, "SAMLResponse", _b64(str(response)), args.get("RelayState", ""))


def _akdb_requested(request: Any) -> list[str]:
    """Names in AKDB's RequestedAttributes extension of an AuthnRequest."""
    if request.extensions is None:
        return []
    names = []
    for element in request.extensions.extension_elements:
        if element.namespace == AKDB_NAMESPACE and element.tag == "AuthenticationRequest":
            for group in element.children:
                names += [child.attributes["Name"] for child in group.children
                          if group.tag == "RequestedAttributes" and "Name" in child.attributes]
    return names


def _pseudonym(person: str, sp: str) -> str:
    # Like BundID's bPK2: stable for one person at one service provider, different at another.
    return "SIM-" + hashlib.sha256(f"{person}|{sp}".encode()).hexdigest()[:32]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def simulated_idps(base_url: str, data_dir: Path) -> dict[str, SimulatedIdp]:
    """BundID and Mein Unternehmenskonto, with their keys in ``data_dir`` (created once)."""
    sp_folder = data_dir / "sp"
    sp_folder.mkdir(parents=True, exist_ok=True)
    idps = {}
    for key, idp in IDENTITY_PROVIDERS.items():
        pair = KeyPair(data_dir / f"{key}.key", data_dir / f"{key}.crt")
        if not pair.key.exists():
            write_key_pair(pair, f"{idp.name} (Simulator)")
        idps[key] = SimulatedIdp(idp, base_url, pair.key, pair.cert, sp_folder)
    return idps
