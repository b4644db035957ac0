"""Towns (tenants): configuration, host resolution, the current tenant and query scoping."""

from amtsweg.tenancy.context import (
    TenantContextMissing,
    all_tenants_context,
    current_tenant,
    current_tenant_or_none,
    tenant_context,
)
from amtsweg.tenancy.models import Tenant, TenantInfo
from amtsweg.tenancy.scoping import TenantOwned

__all__ = [
    "Tenant",
    "TenantContextMissing",
    "TenantInfo",
    "TenantOwned",
    "all_tenants_context",
    "current_tenant",
    "current_tenant_or_none",
    "tenant_context",
]
