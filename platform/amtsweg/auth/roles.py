"""The platform's staff roles and how identity-provider groups map onto them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext

CLERK = "clerk"
TEAM_LEAD = "team_lead"
TENANT_ADMIN = "tenant_admin"
CONTRACTS_VIEWER = "contracts_viewer"
CONTRACTS_EDITOR = "contracts_editor"
CASH_OFFICE = "cash_office"
PLATFORM_ADMIN = "platform_admin"

# Roles a town's account may hold; platform_admin exists only on the admin host.
TOWN_ROLES: tuple[str, ...] = (CLERK, TEAM_LEAD, TENANT_ADMIN, CONTRACTS_VIEWER, CONTRACTS_EDITOR, CASH_OFFICE)
PLATFORM_ROLES: tuple[str, ...] = (PLATFORM_ADMIN,)

ROLE_LABELS = {
    CLERK: lazy_gettext("Sachbearbeitung"),
    TEAM_LEAD: lazy_gettext("Teamleitung"),
    TENANT_ADMIN: lazy_gettext("Verwaltung der Kommune"),
    CONTRACTS_VIEWER: lazy_gettext("Verträge lesen"),
    CONTRACTS_EDITOR: lazy_gettext("Verträge bearbeiten"),
    CASH_OFFICE: lazy_gettext("Kasse"),
    PLATFORM_ADMIN: lazy_gettext("Verwaltung des Verbunds"),
}

# Groups (values of the identity provider's ``groups`` claim) of a town's staff, before the town's
# slug: ``usingen/sachbearbeitung``. The towns of a cooperation usually share one identity provider,
# so a group name without the town would make a clerk of one town a clerk of every town.
TOWN_GROUPS: dict[str, list[str]] = {
    "sachbearbeitung": [CLERK],
    "teamleitung": [TEAM_LEAD],
    "tenant_admin": [TENANT_ADMIN],
    "vertraege_lesen": [CONTRACTS_VIEWER],
    "vertraege": [CONTRACTS_EDITOR],
    "kasse": [CASH_OFFICE],
}
# Groups of the cross-town administrators, accepted only on the admin host.
PLATFORM_GROUPS: dict[str, list[str]] = {"platform_admin": [PLATFORM_ADMIN]}
TOWN_GROUP_SEPARATOR = "/"


def town_role_mapping(slug: str) -> dict[str, list[str]]:
    """The default groups of the town ``slug``: ``<slug>/<group>`` for each of :data:`TOWN_GROUPS`."""
    return {f"{slug}{TOWN_GROUP_SEPARATOR}{group}": roles for group, roles in TOWN_GROUPS.items()}


def roles_from_groups(groups: Iterable[str], mapping: Mapping[str, Iterable[str]], allowed: Iterable[str]) -> list[str]:
    """The roles ``groups`` grant under ``mapping``, limited to ``allowed``."""
    allowed_set = set(allowed)
    granted = {role for group in groups for role in mapping.get(group, ()) if role in allowed_set}
    return sorted(granted)


def other_towns_groups(groups: Iterable[str], slug: str) -> list[str]:
    """The groups that name another town (``<other-slug>/…``) — why a login on ``slug`` found no role."""
    own = f"{slug}{TOWN_GROUP_SEPARATOR}"
    return [group for group in groups if TOWN_GROUP_SEPARATOR in group and not group.startswith(own)]
