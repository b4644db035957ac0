"""The platform's staff roles and how identity-provider groups map onto them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

CLERK = "clerk"
TEAM_LEAD = "team_lead"
TENANT_ADMIN = "tenant_admin"
CONTRACTS_VIEWER = "contracts_viewer"
CONTRACTS_EDITOR = "contracts_editor"
PLATFORM_ADMIN = "platform_admin"

# Roles a town's account may hold; platform_admin exists only on the admin host.
TOWN_ROLES: tuple[str, ...] = (CLERK, TEAM_LEAD, TENANT_ADMIN, CONTRACTS_VIEWER, CONTRACTS_EDITOR)
PLATFORM_ROLES: tuple[str, ...] = (PLATFORM_ADMIN,)

ROLE_LABELS = {
    CLERK: "Sachbearbeitung",
    TEAM_LEAD: "Teamleitung",
    TENANT_ADMIN: "Verwaltung der Kommune",
    CONTRACTS_VIEWER: "Verträge lesen",
    CONTRACTS_EDITOR: "Verträge bearbeiten",
    PLATFORM_ADMIN: "Verwaltung des Verbunds",
}

# Values of the identity provider's ``groups`` claim → roles, unless a town configures its own.
DEFAULT_ROLE_MAPPING: dict[str, list[str]] = {
    "sachbearbeitung": [CLERK],
    "teamleitung": [TEAM_LEAD],
    "tenant_admin": [TENANT_ADMIN],
    "vertraege_lesen": [CONTRACTS_VIEWER],
    "vertraege": [CONTRACTS_EDITOR],
    "platform_admin": [PLATFORM_ADMIN],
}


def roles_from_groups(
    groups: Iterable[str], mapping: Mapping[str, Iterable[str]] | None, allowed: Iterable[str]
) -> list[str]:
    """The roles ``groups`` grant under ``mapping`` (default mapping when empty), limited to ``allowed``."""
    mapping = mapping or DEFAULT_ROLE_MAPPING
    allowed_set = set(allowed)
    granted = {role for group in groups for role in mapping.get(group, ()) if role in allowed_set}
    return sorted(granted)
