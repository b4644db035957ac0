"""Zahlung im Rathaus: the fee is paid in person (cash or card); the cash office books it by hand."""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import lazy_gettext
from pydantic import Field

from amtsweg.payments.base import Checkout, Health, PaymentOrder, PaymentProvider, ProviderSettings, register


class TownHallSettings(ProviderSettings):
    # Where to pay, e.g. "Stadtkasse im Rathaus, Zimmer 3"; empty: the town hall's address
    place: Annotated[str, Field(max_length=200)] = ""


@register("rathaus")
class TownHallProvider(PaymentProvider):
    settings_model = TownHallSettings
    label = lazy_gettext("Zahlung im Rathaus")
    settings: TownHallSettings

    def start(self, order: PaymentOrder) -> Checkout:
        return Checkout(redirect_url=None)

    def health(self) -> Health:
        return Health(True, "payment at the town hall: no connection needed")

    def instructions(self, order: PaymentOrder) -> dict[str, Any]:
        return {"place": self.settings.place, "amount_cents": order.amount_cents, "kassenzeichen": order.kassenzeichen}
