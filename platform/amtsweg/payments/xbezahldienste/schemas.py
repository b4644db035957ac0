"""The wire format of XBezahldienste 1.0.0 (FITKO / IT-Planungsrat), field by field.

Requests are built strictly (lengths and patterns of the specification, so that an order we would
send wrongly fails here, with a clear error, and not at the provider). Answers are read leniently
except for what we act on: the transaction id (it goes into a URL), the status and the redirect URL.

Amounts are euros as JSON numbers with two decimals; we keep integer cents and convert at the edge.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PlainSerializer, field_validator
from pydantic.alias_generators import to_camel

# The specification's patterns (identifiers, the short booking text, longer free texts), with ``\w``
# read as providers written in Java or JavaScript read it: ASCII letters, digits and "_" only.
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
PURPOSE_PATTERN = r"^[A-Za-z0-9_\s-]+$"
TEXT_PATTERN = r"^[A-Za-z0-9_\s\-,.\u00C0-\u017F]+$"
MAX_AMOUNT = Decimal("999999")

Id36 = Annotated[str, Field(min_length=1, max_length=36, pattern=ID_PATTERN)]
Text250 = Annotated[str, Field(min_length=1, max_length=250, pattern=TEXT_PATTERN)]
# Decimal in Python, a JSON number on the wire (two decimals stay exact: float's repr round-trips them).
Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]
STATUSES = ("INITIAL", "PAYED", "FAILED", "CANCELED")
PAYMENT_METHODS = ("GIROPAY", "PAYDIRECT", "CREDITCARD", "PAYPAL", "OTHER")
# functionalCode of a problem+json answer (NO_VALID_ORIGINATOR_OR_DESTINATION is the deprecated name).
FUNCTIONAL_CODES = (
    "NO_VALID_ORIGINATOR_OR_DESTINATION", "NO_VALID_ORIGINATOR_OR_ENDPOINT", "PAYMENT_EXISTS", "CALCULATION_ERROR",
    "BOOKING_DATA_MISSING", "VALIDATION_ERROR", "UNSPECIFIED", "FORBIDDEN",
)


def euros(cents: int) -> Decimal:
    """Cents as the decimal euro amount XBezahldienste sends."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def cents_of(amount: Decimal) -> int:
    """A decimal euro amount of XBezahldienste in cents."""
    return int((amount * 100).to_integral_value())


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class _Answer(BaseModel):
    # Providers may add fields; we read what we need.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Address(_Wire):
    street: Text250 | None = None
    house_number: Annotated[str, Field(max_length=20, pattern=ID_PATTERN)] | None = None
    address_line: Annotated[list[Text250], Field(max_length=9)] | None = None
    postal_code: Annotated[str, Field(max_length=10, pattern=ID_PATTERN)] | None = None
    city: Text250 | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None


class Requestor(_Wire):
    name: Text250 | None = None
    first_name: Text250 | None = None
    gender: Literal["M", "F", "D"] | None = None
    is_organization: bool | None = None
    organization_name: Text250 | None = None
    address: Address | None = None


class PaymentItem(_Wire):
    id: Id36
    reference: Id36 | None = None
    description: Text250 | None = None
    tax_rate: Annotated[Decimal, Field(ge=0, le=100), PlainSerializer(float, return_type=float, when_used="json")]
    quantity: Annotated[int, Field(ge=1, le=999999)] = 1
    total_net_amount: Money
    total_tax_amount: Money
    single_net_amount: Money | None = None
    single_tax_amount: Money | None = None
    # Key-value pairs for booking at the provider or in the cash office's systems.
    booking_data: dict[Annotated[str, Field(min_length=1, max_length=36)], Text250] = {}


class PaymentRequest(_Wire):
    request_id: Id36
    request_timestamp: datetime
    currency: Literal["EUR"] = "EUR"
    gros_amount: Money
    purpose: Annotated[str, Field(min_length=1, max_length=27, pattern=PURPOSE_PATTERN)]
    description: Text250 | None = None
    redirect_url: Annotated[str, Field(min_length=1, max_length=2082, pattern=r"^https?://")]
    items: Annotated[list[PaymentItem], Field(min_length=1, max_length=99)]
    requestor: Requestor | None = None


class PaymentInformation(_Answer):
    transaction_url: str | None = None
    transaction_redirect_url: Annotated[str, Field(max_length=2082, pattern=r"^https?://\S+$")] | None = None
    # Goes into the status query's path: only the identifier characters of the specification.
    transaction_id: Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
    transaction_reference: Annotated[str, Field(max_length=64)] | None = None
    transaction_timestamp: str | None = None
    payment_method: str | None = None
    payment_method_detail: Annotated[str, Field(max_length=250)] | None = None
    status: str
    status_detail: Annotated[str, Field(max_length=250)] | None = None


class EchoedItem(_Answer):
    total_net_amount: Decimal = Decimal(0)
    total_tax_amount: Decimal = Decimal(0)


class EchoedRequest(_Answer):
    """The order as the provider stored it (part of every PaymentTransaction)."""

    request_id: str | None = None
    gros_amount: Decimal | None = None


class PaymentTransaction(_Answer):
    payment_information: PaymentInformation
    payment_request: EchoedRequest | None = None


class SystemResponse(_Answer):
    """problem+json: the error answer, and the answer of the configuration status query."""

    type: str | None = None
    status: int | None = None
    title: str | None = None
    detail: str | None = Field(default=None, validation_alias=AliasChoices("detail", "functionalText"))
    functional_code: str | None = None

    @field_validator("detail", "title")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        # Shown to operators and stored: never the provider's whole page.
        return value[:500] if value else value
