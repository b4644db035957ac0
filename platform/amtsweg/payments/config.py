"""``[payments]`` of tenant.toml: how a town takes its fees.

```toml
[payments]
methods = ["xbezahldienste", "ueberweisung", "rathaus"]   # offered, in this order; [] = none
kassenzeichen = "{prefix}{year}{number:06d}"               # from the case's reference number

[payments.booking]                                          # Haushaltsstelle/Produkt of every fee …
haushaltsstelle = "1.1.1.01.432100"
produkt = "1.1.1.01"
[payments.booking.overrides."gewerbe-anmelden"]             # … of one process, or one of its fees
produkt = "1.2.2.01"                                        #    ("gewerbe-anmelden.gebuehr")

[payments.xbezahldienste]                                   # one table per provider (its own keys)
profile = "basic"
base_url = "https://…"
originator_id = "…"
endpoint_id = "…"
```

Checked by ``flask tenants sync`` (each problem named by file and key; nothing is synced while one
remains) and read again at run time from the synced settings.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from amtsweg.errors import Problem
from amtsweg.payments.base import ProviderSettings
from amtsweg.payments.providers import PROVIDERS, PaymentProvider
from amtsweg.tenancy.config import TenantConfig
from amtsweg.tenancy.models import TenantInfo

# What a Kassenzeichen may be made of, with example values for checking a town's scheme.
KASSENZEICHEN_FIELDS = {"reference": "NA-2026-000123", "prefix": "NA", "year": 2026, "number": 123}
# It is also the booking text (``purpose``) of an online payment: at most 27 characters.
KASSENZEICHEN = re.compile(r"^[A-Za-z0-9-]{1,27}$")
BookingCode = Annotated[str, Field(max_length=36, pattern=r"^[A-Za-z0-9./ -]*$")]
OVERRIDE_KEY = re.compile(r"^[a-z0-9-]+(\.[a-z0-9_]+)?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Booking(_Strict):
    haushaltsstelle: BookingCode = ""
    produkt: BookingCode = ""


class BookingTable(Booking):
    # "<process-slug>" or "<process-slug>.<fee-id>" → its Haushaltsstelle/Produkt
    overrides: dict[str, Booking] = Field(default_factory=dict)

    @field_validator("overrides")
    @classmethod
    def _keys(cls, overrides: dict[str, Booking]) -> dict[str, Booking]:
        for key in overrides:
            if not OVERRIDE_KEY.match(key):
                raise ValueError(f"'{key}' is neither a process slug nor '<process-slug>.<fee-id>'")
        return overrides

    def for_fee(self, process_slug: str, fee_id: str) -> Booking:
        """The most specific value of each field: the fee's, the process's, the town's."""
        candidates = [self.overrides.get(f"{process_slug}.{fee_id}"), self.overrides.get(process_slug), self]
        values = {name: next((getattr(c, name) for c in candidates if c is not None and getattr(c, name)), "")
                  for name in Booking.model_fields}
        return Booking(**values)


def _kassenzeichen_scheme(scheme: str) -> str:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(scheme) if name is not None}
        unknown = sorted(names - set(KASSENZEICHEN_FIELDS))
        if unknown:
            raise ValueError(f"unknown field {{{unknown[0]}}} (allowed: "
                             f"{', '.join('{' + f + '}' for f in KASSENZEICHEN_FIELDS)})")
        example = scheme.format(**KASSENZEICHEN_FIELDS)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValueError(f"'{scheme}' is not a usable scheme: {exc}") from exc
    if not KASSENZEICHEN.match(example):
        raise ValueError(f"'{scheme}' gives '{example}'; a Kassenzeichen must be 1 to 27 letters, digits or hyphens")
    return scheme


class PaymentsConfig(_Strict):
    """The keys of ``[payments]`` itself; the provider tables are checked by their providers."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, frozen=True)

    methods: list[str] = Field(default_factory=list)
    kassenzeichen: str = "{reference}"
    booking: BookingTable = Field(default_factory=BookingTable)

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, methods: list[str]) -> list[str]:
        for method in methods:
            if method not in PROVIDERS:
                raise ValueError(f"unknown method '{method}' (allowed: {', '.join(sorted(PROVIDERS))})")
        if len(set(methods)) != len(methods):
            raise ValueError("a method is listed twice")
        return methods

    @field_validator("kassenzeichen")
    @classmethod
    def _scheme(cls, scheme: str) -> str:
        return _kassenzeichen_scheme(scheme)


@dataclass(frozen=True)
class TownPayments:
    """A town's validated payment settings."""

    config: PaymentsConfig
    providers: Mapping[str, ProviderSettings]

    @property
    def methods(self) -> list[str]:
        return list(self.config.methods)

    def provider(self, method: str, town_slug: str) -> PaymentProvider:
        """The provider of a method the town has settings for (KeyError for any other)."""
        return PROVIDERS[method](self.providers[method], town_slug)

    def offered(self, town_slug: str) -> list[str]:
        """The methods citizens can choose now, in the town's order."""
        return [method for method in self.config.methods if self.provider(method, town_slug).available()]

    def kassenzeichen(self, prefix: str, year: int, number: int, reference: str) -> str:
        return self.config.kassenzeichen.format(prefix=prefix, year=year, number=number, reference=reference)


class PaymentSettingsInvalid(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


def _problems(prefix: str, error: ValidationError) -> list[tuple[str, str]]:
    return [(".".join([prefix, *(str(part) for part in item["loc"])]), item["msg"].removeprefix("Value error, "))
            for item in error.errors()]


def parse(raw: Mapping[str, Any]) -> TownPayments:
    """Validate ``[payments]``; raises :class:`PaymentSettingsInvalid` with every (key, problem)."""
    try:
        config = PaymentsConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise PaymentSettingsInvalid(_problems("payments", exc)) from exc
    problems: list[tuple[str, str]] = []
    providers: dict[str, ProviderSettings] = {}
    tables = dict(config.model_extra or {})
    for name in tables:
        if name not in PROVIDERS:
            problems.append((f"payments.{name}", f"unknown key (allowed: methods, kassenzeichen, booking, "
                                                  f"{', '.join(sorted(PROVIDERS))})"))
    for name, provider in PROVIDERS.items():
        table = tables.get(name)
        if table is None:
            table = {}
            if name not in config.methods:
                continue
        if not isinstance(table, Mapping):
            problems.append((f"payments.{name}", "must be a table"))
            continue
        try:
            providers[name] = provider.settings_model.model_validate(dict(table))
        except ValidationError as exc:
            problems += _problems(f"payments.{name}", exc)
    if problems:
        raise PaymentSettingsInvalid(problems)
    return TownPayments(config, providers)


def payment_problems(config: TenantConfig) -> list[Problem]:
    """Problems of one town's ``[payments]`` (for ``flask tenants sync``)."""
    try:
        parse(config.payments)
    except PaymentSettingsInvalid as exc:
        return [Problem(key, message, file=f"{config.slug}/tenant.toml") for key, message in exc.problems]
    return []


@lru_cache(maxsize=64)
def _parsed(raw: str) -> TownPayments:
    return parse(json.loads(raw))


def town_payments(tenant: TenantInfo) -> TownPayments:
    """The town's payment settings as synced from tenant.toml."""
    return _parsed(json.dumps(tenant.settings.get("payments", {}), sort_keys=True))
