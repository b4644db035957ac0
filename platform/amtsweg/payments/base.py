"""The one contract every payment provider follows, and the registry that holds them.

A provider is a class registered with ``@register("name")`` (the shape of Open Forms' payment
plugins). It gets plain data (:class:`PaymentOrder`), never ORM rows, so that it can run outside a
database transaction, and it never changes state itself: it answers, and ``payments.services``
books. The return of a citizen from a provider's page proves nothing; ``handle_return`` asks the
provider (pull model) like ``poll`` does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

# Our payment states. A provider answer is one of OPEN, PAID, FAILED, CANCELLED.
PENDING = "pending"  # stored, not yet accepted by the provider
OPEN = "open"  # the provider (or the cash office) waits for the money
PAID = "paid"
FAILED = "failed"
CANCELLED = "cancelled"
REFUNDED = "refunded"
STATUSES = (PENDING, OPEN, PAID, FAILED, CANCELLED, REFUNDED)
# No answer of a provider changes these any more; only the cash office does (refunds).
FINAL_STATUSES = (PAID, REFUNDED)


class ProviderSettings(BaseModel):
    """A provider's table in ``[payments.<name>]`` of tenant.toml (strict: unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


@dataclass(frozen=True)
class OrderLine:
    """One fee line as the provider sees it."""

    id: str
    label: str
    cents: int
    kassenzeichen: str
    haushaltsstelle: str
    produkt: str


@dataclass(frozen=True)
class Payer:
    """Who pays, as far as the application tells (providers may show or book it)."""

    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class PaymentOrder:
    """Everything a provider needs about one payment attempt."""

    payment_id: int
    request_id: str
    amount_cents: int
    currency: str
    kassenzeichen: str
    purpose: str
    description: str
    lines: tuple[OrderLine, ...]
    return_url: str
    created_on: date
    payer: Payer = field(default_factory=Payer)
    transaction_id: str | None = None


@dataclass(frozen=True)
class Checkout:
    """The provider accepted the order: where to send the citizen (None: nowhere, e.g. a transfer)."""

    redirect_url: str | None
    transaction_id: str | None = None
    reference: str = ""


@dataclass(frozen=True)
class RemoteStatus:
    """What the provider says about a payment, mapped onto our states."""

    status: str
    raw: str
    reference: str = ""
    paid_with: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str


class ProviderError(Exception):
    """A provider call that did not give a usable answer."""

    def __init__(self, message: str, *, code: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class ProviderUnavailable(ProviderError):
    """Down, too slow, or an answer that makes no sense: try again later, change nothing."""


class ProviderRefused(ProviderError):
    """The provider refused this order for good (its data is wrong): the attempt has failed."""


class PaymentExists(ProviderRefused):
    """The provider already holds an order with this request id."""


class ProviderMisconfigured(ProviderError):
    """The town's connection is wrong or incomplete (ids, credentials, certificate)."""


class PaymentProvider(ABC):
    """One way to pay. ``online`` providers send the citizen to a payment page and can be asked
    for the status; the others wait for the cash office to book the money by hand."""

    key: ClassVar[str]
    # The method's name for citizens and the cash office (a lazy gettext string).
    label: ClassVar[Any]
    settings_model: ClassVar[type[ProviderSettings]]
    online: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings, town_slug: str) -> None:
        self.settings = settings
        self.town_slug = town_slug

    def available(self) -> bool:
        """Whether citizens can use this method now (e.g. online payment needs a connection)."""
        return True

    @abstractmethod
    def start(self, order: PaymentOrder) -> Checkout:
        """Hand the order to the provider (may raise a :class:`ProviderError`)."""

    def poll(self, order: PaymentOrder) -> RemoteStatus | None:
        """The provider's current status; None when it keeps none (money is booked by hand)."""
        return None

    def handle_return(self, order: PaymentOrder) -> RemoteStatus | None:
        """The citizen came back from the provider's page. The return itself is never trusted: the
        status is asked for, as in :meth:`poll`."""
        return self.poll(order)

    @abstractmethod
    def health(self) -> Health:
        """Whether the town's configuration works (for operators and the cash office)."""

    def instructions(self, order: PaymentOrder) -> dict[str, Any]:
        """What the citizen needs to pay without a redirect (bank details, place); empty for online."""
        return {}


PROVIDERS: dict[str, type[PaymentProvider]] = {}
P = TypeVar("P", bound=type[PaymentProvider])


def register(key: str) -> Callable[[P], P]:
    """Class decorator: make a provider available under ``key`` (the name used in tenant.toml)."""

    def add(cls: P) -> P:
        if key in PROVIDERS and PROVIDERS[key] is not cls:
            raise ValueError(f"payment provider '{key}' is already registered")
        cls.key = key
        PROVIDERS[key] = cls
        return cls

    return add
