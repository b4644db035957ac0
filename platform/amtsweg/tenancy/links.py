"""Links to a town's pages that leave the page being served: in mails, jobs, PDFs and exports.

Built from Flask's URL map (so a path is written in one place, its route), on the town's primary
host, with the configured scheme and port. Inside a request without a configured port, the
request's own port is kept, so the links of a development server on port 5000 work.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request

from amtsweg.tenancy.models import TenantInfo

DEFAULT_PORTS = {"http": "80", "https": "443"}


def primary_host(tenant: TenantInfo) -> str:
    """The host name the town's links use: ``primary_host`` from tenant.toml, else its subdomain."""
    return tenant.primary_host or f"{tenant.slug}.{current_app.config['BASE_DOMAIN']}"


def _port(scheme: str) -> str:
    configured = int(current_app.config["EXTERNAL_PORT"] or 0)
    port = str(configured) if configured else (request.host.partition(":")[2] if has_request_context() else "")
    return "" if port == DEFAULT_PORTS.get(scheme) else port


def external_url(tenant: TenantInfo, endpoint: str, **values: Any) -> str:
    """The absolute address of ``endpoint`` (with ``values`` as for ``url_for``) on the town's host."""
    config = current_app.config
    scheme = config["PREFERRED_URL_SCHEME"]
    port = _port(scheme)
    host = f"{primary_host(tenant)}:{port}" if port else primary_host(tenant)
    adapter = current_app.url_map.bind(host, script_name=config["APPLICATION_ROOT"], url_scheme=scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
