"""SAML logins of a town (pending and active) and the assertions already used (replay protection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from amtsweg.clock import utcnow
from amtsweg.extensions import Model
from amtsweg.tenancy.scoping import TenantOwned


class CitizenLogin(TenantOwned, Model):
    """One login through a SAML identity provider, from the request to the end of the session.

    Created pending when the login starts (with the AuthnRequest's ID and the hash of a secret the
    browser keeps in its session); completed once by the assertion consumer; deleted at logout and
    when it expires. It holds only what the session needs: the level, the identity source and the
    attributes the IdP confirmed.
    """

    __tablename__ = "citizen_login"
    __table_args__ = (UniqueConstraint("tenant_id", "request_id"), UniqueConstraint("tenant_id", "token_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    idp: Mapped[str] = mapped_column(String(20), nullable=False)
    minimum_level: Mapped[int] = mapped_column(Integer, nullable=False)
    # {attribute key: required} as asked of the IdP.
    requested: Mapped[dict[str, bool]] = mapped_column(JSON, nullable=False, default=dict)
    next_path: Mapped[str] = mapped_column(String(2000), nullable=False, default="/")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    account_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("citizen_account.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    # The IdP's NameID (text, format, qualifiers) and session index, for single logout.
    name_id: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    session_index: Mapped[str] = mapped_column(String(255), nullable=False, default="")


class SeenAssertion(Model):
    """An assertion ID already accepted, kept until the assertion expires: a replay is refused by
    every worker, whichever town's host it is sent to."""

    __tablename__ = "saml_seen_assertion"
    __table_args__ = (UniqueConstraint("issuer", "assertion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500), nullable=False)
    assertion_id: Mapped[str] = mapped_column(String(255), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
