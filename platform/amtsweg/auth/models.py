"""Staff accounts (a town's users and the cross-town administrators) and citizen accounts.

Accounts are keyed by the identity provider's (issuer, subject), never by e-mail: an address can
change owner, the pair cannot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned


class _Account(UserMixin):
    """Columns and behaviour shared by both kinds of account (a mixin, no table of its own)."""

    # Prefix of the Flask-Login id: the session says which kind of account it belongs to.
    kind: str = ""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Written into each session at login; raising it (logout, role change, an administrator) ends
    # every session of the account, copied cookies included.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def has_role(self, *roles: str) -> bool:
        """True when the account holds at least one of ``roles``."""
        return bool(set(roles) & set(self.roles or ()))

    @property
    def label(self) -> str:
        """How the account appears in audit events and the UI."""
        return self.display_name or self.subject


class User(TenantOwned, _Account, Model):
    """A member of a town's staff (clerk, team lead, town administrator, contract staff)."""

    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer", "subject"),)
    kind = "user"


class PlatformUser(_Account, Model):
    """A cross-town administrator; exists only on the admin host, belongs to no town."""

    __tablename__ = "platform_user"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)
    kind = "platform"


class CitizenAccount(TenantOwned, Model):
    """A citizen who logged in with the state account (e.g. BundID) on one town's host.

    Deliberately not a Flask-Login user: it has no roles and its session is kept apart from staff
    logins, so a citizen login can never open a staff page.
    """

    __tablename__ = "citizen_account"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    given_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    family_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    # The OIDC address claim as received (street_address, postal_code, locality, country).
    address: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class ApiToken(TenantOwned, Model):
    """A town's key for the JSON API: a name, scopes (what it may read or change), the roles it acts
    with in workflow steps, an expiry. Only a hash of the secret is stored; the key is shown once.

    Its ``id`` is random and part of the key (``amtsweg.<id>.<secret>``), so a key is found with
    one indexed lookup in its own town and is unknown in every other one.
    """

    __tablename__ = "api_token"
    # The town's id belongs to every key (docs/scaling.md); ids are random strings, not a sequence.
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    # Updated at most once a minute (every call is in the audit trail anyway).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def label(self) -> str:
        """How the key appears in audit events and on the case's timeline."""
        return f"API: {self.name}"
