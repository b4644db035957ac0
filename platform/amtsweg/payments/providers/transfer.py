"""Überweisung mit Kassenzeichen: the citizen transfers the fee; the cash office books it by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from flask_babel import lazy_gettext
from pydantic import Field, field_validator
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from amtsweg.payments.base import Checkout, Health, PaymentOrder, PaymentProvider, ProviderSettings, register


class TransferSettings(ProviderSettings):
    # Kontoinhaber, e.g. "Stadtkasse Usingen"
    recipient: Annotated[str, Field(min_length=1, max_length=70)]
    iban: str
    bic: Annotated[str, Field(pattern=r"^([A-Z0-9]{8}|[A-Z0-9]{11})?$")] = ""
    bank: Annotated[str, Field(max_length=70)] = ""
    # Days the citizen has to pay (Zahlungsfrist)
    due_days: Annotated[int, Field(ge=1, le=90)] = 14

    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str) -> str:
        try:
            return IBAN(value).compact
        except SchwiftyException as exc:
            raise ValueError(f"'{value}' is not a valid IBAN ({exc})") from exc


@register("ueberweisung")
class TransferProvider(PaymentProvider):
    settings_model = TransferSettings
    label = lazy_gettext("Überweisung mit Kassenzeichen")
    settings: TransferSettings

    def start(self, order: PaymentOrder) -> Checkout:
        return Checkout(redirect_url=None)

    def health(self) -> Health:
        return Health(True, "bank transfer: no connection needed")

    def instructions(self, order: PaymentOrder) -> dict[str, Any]:
        return {
            "recipient": self.settings.recipient,
            "iban": IBAN(self.settings.iban).formatted,
            "bic": self.settings.bic,
            "bank": self.settings.bank,
            "amount_cents": order.amount_cents,
            "kassenzeichen": order.kassenzeichen,
            "due_on": order.created_on + timedelta(days=self.settings.due_days),
        }
