"""The current town's service provider as seen from this request: its addresses and its keys.

The entity ID and endpoints always use the town's own host ``<slug>.<BASE_DOMAIN>`` (with the
request's scheme and port), never an alias, so each town is registered once with each IdP; the login
page sends visitors of an alias there first.
"""

from __future__ import annotations

from flask import current_app, request, url_for

from amtsweg.auth.saml.keys import key_folder, load_sp_keys
from amtsweg.auth.saml.protocol import SpEndpoints, SpIdentity
from amtsweg.tenancy.context import current_tenant


def town_origin() -> str:
    """``scheme://<slug>.<BASE_DOMAIN>[:port]`` of the current town, port as in this request."""
    _, colon, port = request.host.rpartition(":")
    suffix = f":{port}" if colon and port.isdigit() else ""
    return f"{request.scheme}://{current_tenant().slug}.{current_app.config['BASE_DOMAIN']}{suffix}"


def on_town_host() -> bool:
    """Whether this request came to the town's own host (not an alias)."""
    return request.host_url.rstrip("/") == town_origin()


def sp_identity() -> SpIdentity:
    """Raises KeysMissing (a SamlUnavailable) when the town's key files are not there."""
    tenant = current_tenant()
    origin = town_origin()
    endpoints = SpEndpoints(
        entity_id=origin + url_for("auth.saml.metadata"),
        acs=origin + url_for("auth.saml.acs"),
        slo=origin + url_for("auth.saml.slo"),
    )
    contact = tenant.contact
    return SpIdentity(endpoints, load_sp_keys(key_folder(tenant.slug)), tenant.official_name,
                      contact.get("website", ""), contact.get("email", ""))
