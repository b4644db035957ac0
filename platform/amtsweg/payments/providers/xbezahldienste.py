"""Online payment through the town's XBezahldienste provider (epay21, pmPayment, ePayBL, GiroCheckout …)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

import requests
from flask import current_app
from flask_babel import lazy_gettext
from pydantic import Field, field_validator, model_validator

from amtsweg.payments.base import (
    CANCELLED,
    FAILED,
    OPEN,
    PAID,
    Checkout,
    Health,
    PaymentOrder,
    PaymentProvider,
    ProviderError,
    ProviderMisconfigured,
    ProviderSettings,
    ProviderUnavailable,
    RemoteStatus,
    register,
)
from amtsweg.payments.xbezahldienste.auth import AUTH_PROFILES, authenticated_session
from amtsweg.payments.xbezahldienste.client import XBezahldiensteClient
from amtsweg.payments.xbezahldienste.schemas import (
    ID_PATTERN,
    PaymentInformation,
    PaymentItem,
    PaymentRequest,
    PaymentTransaction,
    Requestor,
    cents_of,
    euros,
)

# The provider's states onto ours; any other value is an answer we cannot act on.
STATUS_MAP = {"INITIAL": OPEN, "PAYED": PAID, "FAILED": FAILED, "CANCELED": CANCELLED}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_NOT_IN_TEXT = re.compile(r"[^A-Za-z0-9_\s\-,.\u00C0-\u017F]+")


def _connection_url(value: str) -> str:
    """https, or http to this machine only (a local simulator or a connector on the same host)."""
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return value
    raise ValueError(f"'{value}' is not an https URL (http is allowed only for {', '.join(LOOPBACK_HOSTS)})")


class XBezahldiensteSettings(ProviderSettings):
    # Empty: the town has no contract yet; online payment is not offered (development uses the simulator).
    base_url: str = ""
    originator_id: Annotated[str, Field(min_length=1, max_length=36, pattern=ID_PATTERN)]
    endpoint_id: Annotated[str, Field(min_length=1, max_length=36, pattern=ID_PATTERN)]
    profile: str = "basic"
    # basic: the user name (default: originator_id); oauth2: client, token endpoint and scope
    username: str = ""
    client_id: str = ""
    token_url: str = ""
    scope: str = ""
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 3

    @field_validator("base_url", "token_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _connection_url(value.rstrip("/"))

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in AUTH_PROFILES:
            raise ValueError(f"unknown profile '{value}' (allowed: {', '.join(AUTH_PROFILES)})")
        return value

    @model_validator(mode="after")
    def _profile_settings(self) -> XBezahldiensteSettings:
        missing = [key for key in AUTH_PROFILES[self.profile].required_settings if not getattr(self, key)]
        if missing:
            raise ValueError(f"profile '{self.profile}' needs {', '.join(missing)}")
        return self


def _text(value: str, limit: int) -> str | None:
    """A free text reduced to the characters XBezahldienste allows (None when nothing is left)."""
    cleaned = " ".join(_NOT_IN_TEXT.sub(" ", value).split())[:limit].strip()
    return cleaned or None


@register("xbezahldienste")
class XBezahldiensteProvider(PaymentProvider):
    settings_model = XBezahldiensteSettings
    online = True
    label = lazy_gettext("Online bezahlen")
    settings: XBezahldiensteSettings

    def _client(self) -> XBezahldiensteClient:
        settings = self.settings
        timeout = (settings.connect_timeout_seconds, settings.timeout_seconds)
        simulator = current_app.config["PAYMENT_SIMULATOR_URL"]
        if simulator:
            # Development: every town talks to the local simulator, which asks for no credentials.
            return XBezahldiensteClient(simulator, settings.originator_id, settings.endpoint_id,
                                        requests.Session(), timeout)
        if not settings.base_url:
            raise ProviderMisconfigured("no base_url: the town's online payment is not connected")
        profile, session = authenticated_session(settings, self.town_slug)
        return XBezahldiensteClient(settings.base_url, settings.originator_id, settings.endpoint_id, session,
                                    timeout, profile)

    def available(self) -> bool:
        return bool(self.settings.base_url or current_app.config["PAYMENT_SIMULATOR_URL"])

    def request_of(self, order: PaymentOrder) -> PaymentRequest:
        """The PaymentRequest of an order (fee lines without VAT: administrative fees carry none)."""
        items = [
            PaymentItem(
                id=line.id[:36], reference=line.kassenzeichen, description=_text(line.label, 250),
                tax_rate=Decimal(0), quantity=1, total_net_amount=euros(line.cents), total_tax_amount=euros(0),
                single_net_amount=euros(line.cents), single_tax_amount=euros(0),
                booking_data={key: value for key, value in (
                    ("kassenzeichen", line.kassenzeichen), ("haushaltsstelle", line.haushaltsstelle),
                    ("produkt", line.produkt)) if value},
            )
            for line in order.lines
        ]
        payer = _text(order.payer.name, 250)
        return PaymentRequest(
            request_id=order.request_id, request_timestamp=datetime.now(UTC), currency="EUR",
            gros_amount=euros(order.amount_cents), purpose=order.purpose, description=_text(order.description, 250),
            redirect_url=order.return_url, items=items, requestor=Requestor(name=payer) if payer else None,
        )

    def start(self, order: PaymentOrder) -> Checkout:
        transaction = self._client().create(self.request_of(order))
        information = self._checked(order, transaction)
        if not information.transaction_redirect_url:
            raise ProviderUnavailable("the new transaction has no transactionRedirectUrl")
        return Checkout(information.transaction_redirect_url, information.transaction_id,
                        information.transaction_reference or "")

    def poll(self, order: PaymentOrder) -> RemoteStatus | None:
        if not order.transaction_id:
            return None
        information = self._checked(order, self._client().transaction(order.transaction_id))
        status = STATUS_MAP.get(information.status)
        if status is None:
            raise ProviderUnavailable(f"unknown status '{information.status[:40]}'", code="UNKNOWN_STATUS")
        return RemoteStatus(status, information.status, information.transaction_reference or "",
                            (information.payment_method or "")[:30], information.status_detail or "")

    def _checked(self, order: PaymentOrder, transaction: PaymentTransaction) -> PaymentInformation:
        """The answer must be about this order: a transaction of another order (or town) is nonsense."""
        information, echoed = transaction.payment_information, transaction.payment_request
        if order.transaction_id and information.transaction_id != order.transaction_id:
            raise ProviderUnavailable("the answer is about another transaction", code="MISMATCH")
        if echoed is not None:
            if echoed.request_id is not None and echoed.request_id != order.request_id:
                raise ProviderUnavailable("the answer is about another request", code="MISMATCH")
            if echoed.gros_amount is not None and cents_of(echoed.gros_amount) != order.amount_cents:
                raise ProviderUnavailable("the answer names another amount", code="MISMATCH")
        return information

    def health(self) -> Health:
        try:
            answer = self._client().status()
        except ProviderError as exc:
            return Health(False, str(exc))
        return Health(True, answer.detail or answer.title or "OK")
