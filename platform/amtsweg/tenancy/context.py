"""The current tenant: set once per request from the host, or by ``tenant_context`` in jobs and CLI.

A context variable (not flask.g) so that jobs and CLI commands use the same mechanism and threads
never see each other's tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from amtsweg.tenancy.models import TenantInfo


class TenantContextMissing(RuntimeError):
    """Tenant-owned data was queried without a tenant context (fail closed)."""


_current: ContextVar[TenantInfo | None] = ContextVar("amtsweg_tenant", default=None)
_all_tenants: ContextVar[bool] = ContextVar("amtsweg_all_tenants", default=False)


def current_tenant_or_none() -> TenantInfo | None:
    """The current town, or None outside a town's request or context."""
    return _current.get()


def current_tenant() -> TenantInfo:
    """The current town; raises TenantContextMissing outside one (fail closed)."""
    tenant = _current.get()
    if tenant is None:
        raise TenantContextMissing("no tenant context is active")
    return tenant


def all_tenants_active() -> bool:
    """Whether an explicit all-towns context is active (cross-town jobs and reports)."""
    return _all_tenants.get()


def _apply_to_open_transaction() -> None:
    # Imported late: scoping imports this module.
    from amtsweg.tenancy.rls import apply_to_current_session

    apply_to_current_session()


@contextmanager
def _scope(tenant: TenantInfo | None, all_tenants: bool) -> Iterator[None]:
    token, all_token = _current.set(tenant), _all_tenants.set(all_tenants)
    _apply_to_open_transaction()
    try:
        yield
    finally:
        _all_tenants.reset(all_token)
        _current.reset(token)
        _apply_to_open_transaction()


@contextmanager
def tenant_context(tenant: TenantInfo | None) -> Iterator[TenantInfo | None]:
    """Run the block as ``tenant`` (None: as no tenant); restores the previous context afterwards."""
    with _scope(tenant, all_tenants=False):
        yield tenant


@contextmanager
def all_tenants_context() -> Iterator[None]:
    """Cross-town work (platform administration, sweeps over every town): no tenant filter.

    Only faces that have checked the platform_admin role, and scheduled jobs, may use it.
    """
    with _scope(None, all_tenants=True):
        yield


def set_request_tenant(tenant: TenantInfo | None) -> None:
    """Set the tenant for the rest of this request (reset by ``clear_request_tenant``)."""
    _current.set(tenant)
    _all_tenants.set(False)
    _apply_to_open_transaction()


def clear_request_tenant() -> None:
    """Forget the request's town when the request ends."""
    _current.set(None)
    _all_tenants.set(False)
