"""The Tenant table and the immutable per-request view of a town (TenantInfo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.aktenplan import TownPlan


class Tenant(Model):
    """A member town. Loaded from ``tenants/<slug>/tenant.toml`` by ``flask tenants sync``."""

    __tablename__ = "tenant"
    __table_args__ = (
        # The member list and the admin pages page through the towns by name.
        Index("ix_tenant_active_name", "active", "name"),
        # Every process notices a change of the towns by the newest updated_at (resolution.py).
        Index("ix_tenant_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    official_name: Mapped[str] = mapped_column(String(200), nullable=False)
    reference_prefix: Mapped[str] = mapped_column(String(4), unique=True, nullable=False)
    aliases: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Branding, contact, opening hours, mail sender, SSO and other keys of tenant.toml.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    config_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    def info(self) -> TenantInfo:
        return TenantInfo(
            id=self.id,
            slug=self.slug,
            name=self.name,
            official_name=self.official_name,
            reference_prefix=self.reference_prefix,
            aliases=tuple(self.aliases or ()),
            settings=dict(self.settings or {}),
        )


class TenantAlias(Model):
    """A further host name of a town (``aliases`` in tenant.toml): a row each, so that a host is
    resolved with one indexed lookup. Kept in line with ``Tenant.aliases`` by ``flask tenants sync``."""

    __tablename__ = "tenant_alias"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), nullable=False, index=True)


@dataclass(frozen=True)
class TenantInfo:
    """A town as seen by a request or job: plain data, safe to share between threads."""

    id: int
    slug: str
    name: str
    official_name: str
    reference_prefix: str
    aliases: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def branding(self) -> dict[str, Any]:
        return self.settings.get("branding", {})

    @property
    def contact(self) -> dict[str, Any]:
        return self.settings.get("contact", {})

    @property
    def opening_hours(self) -> list[dict[str, str]]:
        return self.settings.get("opening_hours", [])

    @property
    def primary_host(self) -> str:
        """The host of the town's links (one of its aliases); empty = its subdomain."""
        return self.settings.get("primary_host", "")

    @property
    def default_locale(self) -> str:
        return self.settings.get("default_locale", "de")

    @cached_property
    def aktenplan(self) -> TownPlan | None:
        """The town's file plan (None until ``flask tenants sync`` has stored one)."""
        data = self.settings.get("aktenplan")
        return TownPlan.from_settings(data) if data else None
