"""SAML messages of a town's service provider, built and checked by pysaml2 (xmlsec1 underneath).

Requests go out with the HTTP-Redirect binding, signed (RSA-SHA256); responses come back with the
HTTP-POST binding and must carry exactly one encrypted, signed assertion. pysaml2 checks the
signatures against the pinned metadata only, decrypts, and checks times (with ``SAML_CLOCK_SKEW``),
audience, recipient and InResponseTo; :func:`verify_response` adds what pysaml2 leaves open (an
assertion in the clear, a missing audience restriction, a subject confirmation for another request,
the issuer). Every refusal raises :class:`ResponseRefused` with a code for the person and a reason
for the log.
"""

from __future__ import annotations

import base64
import binascii
import shutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from defusedxml import ElementTree
from flask import current_app
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, ExtensionElement
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import StatusError, UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef, NameID
from saml2.samlp import Extensions, RequestedAuthnContext
from saml2.validate import ResponseLifetimeExceed, ToEarly
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from amtsweg.auth.saml import SamlUnavailable
from amtsweg.auth.saml.idps import IdentityProvider
from amtsweg.auth.saml.keys import SpKeys
from amtsweg.auth.saml.metadata import IdpMetadata
from amtsweg.auth.trust import TrustLevel, level_of_class_ref

AKDB_NAMESPACE = "https://www.akdb.de/request/2018/09"
AKDB_CLASSIC_UI_NAMESPACE = "https://www.akdb.de/request/2018/09/classic-ui/v1"
SAMLP_NAMESPACE = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NAMESPACE = "urn:oasis:names:tc:SAML:2.0:assertion"
# A login response is a few kilobytes; anything far larger is refused before it is parsed.
MAX_RESPONSE_BYTES = 256 * 1024

# Refusal codes (the views explain each to the person).
INVALID = "ungueltig"
EXPIRED = "abgelaufen"
UNKNOWN_REQUEST = "unbekannt"
WRONG_AUDIENCE = "zielgruppe"
IDP_REFUSED = "abgelehnt"
LEVEL_TOO_LOW = "niveau"
MISSING_ATTRIBUTE = "angaben"


class ResponseRefused(Exception):
    """``code`` says which explanation the person gets, ``params`` fill it in; ``reason`` is for the log."""

    def __init__(self, code: str, reason: str, params: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.params = params or {}


@dataclass(frozen=True)
class SpEndpoints:
    """The town's service provider as the IdP sees it (built from the town's host by the views)."""

    entity_id: str
    acs: str
    slo: str


@dataclass(frozen=True)
class SpIdentity:
    endpoints: SpEndpoints
    keys: SpKeys
    name: str
    website: str
    email: str


@dataclass(frozen=True)
class VerifiedAssertion:
    assertion_id: str
    issuer: str
    name_id: dict[str, str]
    session_index: str
    level: TrustLevel
    # Attribute values by SAML attribute name.
    attributes: dict[str, list[str]]
    not_on_or_after: int


def xmlsec_binary() -> str:
    """The xmlsec1 program pysaml2 signs, verifies, encrypts and decrypts with."""
    path = shutil.which("xmlsec1")
    if path is None:
        raise SamlUnavailable("xmlsec1 is not installed (Debian package xmlsec1); SAML logins need it")
    return path


@lru_cache(maxsize=64)
def _sp_config(sp: SpIdentity, idp_metadata_xml: str | None, clock_skew: int) -> SPConfig:
    """pysaml2's configuration of one town's service provider, with one IdP's metadata (or none)."""
    config = SPConfig()
    config.load({
        "entityid": sp.endpoints.entity_id,
        "xmlsec_binary": xmlsec_binary(),
        "key_file": str(sp.keys.signing.key),
        "cert_file": str(sp.keys.signing.cert),
        "additional_cert_files": [str(path) for path in sp.keys.published_signing_certs],
        "encryption_keypairs": [
            {"key_file": str(pair.key), "cert_file": str(pair.cert)} for pair in sp.keys.encryption
        ],
        "metadata": {"inline": [idp_metadata_xml]} if idp_metadata_xml else {},
        "accepted_time_diff": clock_skew,
        "only_use_keys_in_metadata": True,
        "allow_unknown_attributes": True,
        "delete_tmpfiles": True,
        "organization": {"name": [(sp.name, "de")], "display_name": [(sp.name, "de")], "url": [(sp.website, "de")]},
        "contact_person": [{"contact_type": "support", "email_address": [sp.email]}] if sp.email else [],
        "service": {
            "sp": {
                "name": sp.name,
                "endpoints": {
                    "assertion_consumer_service": [(sp.endpoints.acs, BINDING_HTTP_POST)],
                    "single_logout_service": [(sp.endpoints.slo, BINDING_HTTP_POST)],
                },
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            },
        },
    })
    return config


def client(sp: SpIdentity, metadata: IdpMetadata) -> Saml2Client:
    """pysaml2's service provider for one town and one IdP."""
    # A new client per use: pysaml2 clients remember every person they saw, which would grow forever.
    return Saml2Client(config=_sp_config(sp, metadata.xml, current_app.config["SAML_CLOCK_SKEW"]))


def sp_metadata(sp: SpIdentity) -> str:
    """The SP metadata to register with BundID and Mein Unternehmenskonto (all published keys)."""
    config = _sp_config(sp, None, current_app.config["SAML_CLOCK_SKEW"])
    return create_metadata_string(None, config, valid=None).decode("utf-8")


def _akdb_request(requested: dict[str, bool], idp: IdentityProvider, display: dict[str, str]) -> ExtensionElement:
    """AKDB's ``AuthenticationRequest`` (version 2): the attributes wanted and how BundID shows the request."""
    attributes = [
        ExtensionElement("RequestedAttribute", namespace=AKDB_NAMESPACE, attributes={
            "Name": idp.attribute(key).name, "RequiredAttribute": "true" if required else "false",
        })
        for key, required in requested.items()
    ]
    ui = [
        ExtensionElement(name, namespace=AKDB_CLASSIC_UI_NAMESPACE, text=value)
        for name, value in display.items() if value
    ]
    return ExtensionElement("AuthenticationRequest", namespace=AKDB_NAMESPACE, attributes={"Version": "2"}, children=[
        ExtensionElement("RequestedAttributes", namespace=AKDB_NAMESPACE, children=attributes),
        ExtensionElement("DisplayInformation", namespace=AKDB_NAMESPACE, children=[
            ExtensionElement("Version", namespace=AKDB_CLASSIC_UI_NAMESPACE, children=ui),
        ]),
    ])


def authn_request_url(
    sp: SpIdentity, metadata: IdpMetadata, idp: IdentityProvider, minimum: TrustLevel, requested: dict[str, bool],
    display: dict[str, str],
) -> tuple[str, str]:
    """A signed AuthnRequest for at least ``minimum`` asking for ``requested`` ({attribute key: required});
    returns its ID and the IdP URL carrying it (HTTP-Redirect binding)."""
    saml_client = client(sp, metadata)
    extensions = Extensions(extension_elements=[_akdb_request(requested, idp, display)]) if idp.akdb_extension else None
    context = RequestedAuthnContext(authn_context_class_ref=[AuthnContextClassRef(text=minimum.class_ref)],
                                    comparison="minimum")
    request_id, request = saml_client.create_authn_request(
        metadata.sso_url, binding=BINDING_HTTP_POST, extensions=extensions, requested_authn_context=context,
        nameid_format=NAMEID_FORMAT_PERSISTENT, allow_create="true", sign=False,
    )
    binding = saml_client.apply_binding(BINDING_HTTP_REDIRECT, str(request), metadata.sso_url, sign=True,
                                        sigalg=SIG_RSA_SHA256)
    return request_id, dict(binding["headers"])["Location"]


def in_response_to(saml_response: str) -> str:
    """The request a (not yet verified) response answers, only to find the pending login; refuses a
    response that is not XML or carries an assertion in the clear."""
    try:
        raw = base64.b64decode(saml_response, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ResponseRefused(INVALID, f"SAMLResponse is not base64: {exc}") from exc
    if not raw or len(raw) > MAX_RESPONSE_BYTES:
        raise ResponseRefused(INVALID, f"SAMLResponse is empty or larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        root = ElementTree.fromstring(raw)
    except Exception as exc:  # defusedxml: parse errors and forbidden constructs (entities, DTDs)
        raise ResponseRefused(INVALID, f"SAMLResponse is not well-formed, safe XML: {exc}") from exc
    if root.tag != f"{{{SAMLP_NAMESPACE}}}Response":
        raise ResponseRefused(INVALID, f"SAMLResponse is a {root.tag}, not a Response")
    if root.find(f"{{{ASSERTION_NAMESPACE}}}Assertion") is not None:
        raise ResponseRefused(INVALID, "the assertion is not encrypted")
    if root.find(f"{{{ASSERTION_NAMESPACE}}}EncryptedAssertion") is None:
        raise ResponseRefused(IDP_REFUSED, "the response carries no assertion (status "
                              f"{_status_of(root)})")
    return root.get("InResponseTo", "")


def _status_of(root: Any) -> str:
    code = root.find(f"{{{SAMLP_NAMESPACE}}}Status/{{{SAMLP_NAMESPACE}}}StatusCode")
    return code.get("Value", "") if code is not None else "none"


def verify_response(sp: SpIdentity, metadata: IdpMetadata, saml_response: str, request_id: str) -> VerifiedAssertion:
    """The assertion of a response to ``request_id``, checked by pysaml2 and the rules above."""
    saml_client = client(sp, metadata)
    try:
        response = saml_client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: request_id}
        )
    except StatusError as exc:
        raise ResponseRefused(IDP_REFUSED, f"the IdP reports an error status: {exc}") from exc
    except (ResponseLifetimeExceed, ToEarly) as exc:
        raise ResponseRefused(EXPIRED, f"assertion outside its validity period: {exc}") from exc
    except UnsolicitedResponse as exc:
        raise ResponseRefused(UNKNOWN_REQUEST, f"response to a request not made here: {exc}") from exc
    except Exception as exc:  # pysaml2 signals bad signatures, keys, audiences and XML with many types
        code = WRONG_AUDIENCE if "AudienceRestriction" in str(exc) else INVALID
        raise ResponseRefused(code, f"pysaml2 refused the response: {type(exc).__name__}: {exc}") from exc
    if response is None or len(response.assertions) != 1:
        raise ResponseRefused(INVALID, "the response does not carry exactly one valid assertion")
    assertion = response.assertion
    issuers = {response.issuer(), assertion.issuer.text.strip() if assertion.issuer and assertion.issuer.text else ""}
    if issuers != {metadata.entity_id}:
        raise ResponseRefused(INVALID, f"issued by {sorted(issuers)}, expected {metadata.entity_id}")
    _check_bound_to(assertion, request_id, sp.endpoints.entity_id)
    statements = assertion.authn_statement
    class_ref = _class_ref(statements[0]) if len(statements) == 1 else ""
    level = level_of_class_ref(class_ref)
    if level is None:
        raise ResponseRefused(INVALID, f"unknown AuthnContextClassRef {class_ref!r}")
    return VerifiedAssertion(
        assertion_id=assertion.id,
        issuer=metadata.entity_id,
        name_id=_name_id_fields(response.name_id),
        session_index=statements[0].session_index or "",
        level=level,
        attributes={
            attribute.name: [value.text or "" for value in attribute.attribute_value]
            for statement in assertion.attribute_statement for attribute in statement.attribute
        },
        not_on_or_after=int(response.not_on_or_after or 0),
    )


def _check_bound_to(assertion: Any, request_id: str, entity_id: str) -> None:
    # pysaml2 compares the (unsigned) response's InResponseTo; the signed assertion must agree.
    confirmations = assertion.subject.subject_confirmation if assertion.subject else []
    if not confirmations or any(
        c.subject_confirmation_data is None or c.subject_confirmation_data.in_response_to != request_id
        for c in confirmations
    ):
        raise ResponseRefused(UNKNOWN_REQUEST, "the assertion's subject confirmation answers another request")
    restrictions = assertion.conditions.audience_restriction if assertion.conditions else []
    audiences = {audience.text.strip() for r in restrictions for audience in r.audience if audience.text}
    if entity_id not in audiences:
        raise ResponseRefused(WRONG_AUDIENCE, f"assertion for {sorted(audiences)}, not for {entity_id}")


def _class_ref(statement: Any) -> str:
    context = statement.authn_context
    if context is None or context.authn_context_class_ref is None:
        return ""
    return (context.authn_context_class_ref.text or "").strip()


def _name_id_fields(name_id: NameID | None) -> dict[str, str]:
    if name_id is None:
        return {}
    return {
        "text": (name_id.text or "").strip(),
        "format": name_id.format or "",
        "name_qualifier": name_id.name_qualifier or "",
        "sp_name_qualifier": name_id.sp_name_qualifier or "",
    }


def logout_request_url(
    sp: SpIdentity, metadata: IdpMetadata, name_id: dict[str, str], session_index: str,
) -> str | None:
    """A signed LogoutRequest for the IdP's session (HTTP-Redirect), or None when the IdP offers no logout."""
    if metadata.slo_url is None or not name_id.get("text"):
        return None
    saml_client = client(sp, metadata)
    _, request = saml_client.create_logout_request(
        metadata.slo_url, metadata.entity_id,
        name_id=NameID(text=name_id["text"], format=name_id.get("format") or None,
                       name_qualifier=name_id.get("name_qualifier") or None,
                       sp_name_qualifier=name_id.get("sp_name_qualifier") or None),
        session_indexes=[session_index] if session_index else None, sign=False,
    )
    binding = saml_client.apply_binding(BINDING_HTTP_REDIRECT, str(request), metadata.slo_url, sign=True,
                                        sigalg=SIG_RSA_SHA256)
    return dict(binding["headers"])["Location"]


def logout_response_issuer(sp: SpIdentity, metadata: IdpMetadata, saml_response: str) -> str | None:
    """The issuer of a valid LogoutResponse of this IdP (HTTP-POST), None when it does not verify."""
    try:
        response = client(sp, metadata).parse_logout_request_response(saml_response, BINDING_HTTP_POST)
    except Exception as exc:  # as above: pysaml2 has no common error type
        current_app.logger.info("SAML LogoutResponse refused: %s: %s", type(exc).__name__, exc)
        return None
    return response.issuer() if response is not None else None
