"""Reading and validating ``tenants/<slug>/tenant.toml``.

Errors name the file, the key and the problem; a folder with any error is never synced.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from amtsweg.errors import Problem
from amtsweg.settings import DEFAULTS
from amtsweg.tenancy import aktenplan
from amtsweg.tenancy.branding import contrast_ratio

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
HOST_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Branding(_Strict):
    primary_color: HexColor
    primary_text_color: HexColor = "#ffffff"
    accent_color: HexColor
    logo: str = "logo.svg"

    @model_validator(mode="after")
    def _readable(self) -> Branding:
        ratio = contrast_ratio(self.primary_color, self.primary_text_color)
        if ratio < 4.5:
            raise ValueError(
                f"primary_color {self.primary_color} and primary_text_color {self.primary_text_color} "
                f"have a contrast of {ratio:.2f}:1, at least 4.5:1 is needed (WCAG 1.4.3)"
            )
        accent = contrast_ratio(self.accent_color, "#ffffff")
        if accent < 3:
            raise ValueError(
                f"accent_color {self.accent_color} has a contrast of {accent:.2f}:1 against white, "
                "at least 3:1 is needed (WCAG 1.4.11)"
            )
        return self


class Contact(_Strict):
    placeholder: bool = False
    authority: str
    street: str
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: str
    phone: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: str = Field(pattern=r"^https://")


class OpeningHours(_Strict):
    days: str
    hours: str


class MailSender(_Strict):
    sender_name: str
    sender_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SSO(_Strict):
    issuer: str = ""
    client_id: str = ""
    # Maps values of the groups claim to platform roles; empty = the platform default mapping.
    role_mapping: dict[str, list[str]] = Field(default_factory=dict)


class AktenplanSettings(_Strict):
    # process slug → unit of the town's Aktenplan, where the unit named in the definition does not fit
    processes: dict[str, str] = Field(default_factory=dict)


# How citizens and businesses log in on a town's host: the state account's OpenID Connect bridge
# (settings CITIZEN_OIDC_*) or SAML 2.0 with BundID and Mein Unternehmenskonto (settings SAML_*).
CitizenLoginKind = Literal["oidc", "saml"]
# The SAML identity providers a town can register its service provider with.
SamlIdpKey = Literal["bundid", "muk"]


class CitizenLogin(_Strict):
    provider: CitizenLoginKind = "oidc"
    # With SAML: where the town registered its service provider (BundID for people, Mein
    # Unternehmenskonto for organisations).
    saml_idps: list[SamlIdpKey] = ["bundid"]
    # BundID's OnlineServiceId of the town's portal, shown by BundID during login; empty = not sent.
    online_service_id: str = Field(default="", max_length=100)

    @model_validator(mode="after")
    def _idps_once_each(self) -> CitizenLogin:
        if not self.saml_idps:
            raise ValueError("saml_idps must name at least one identity provider")
        if len(set(self.saml_idps)) != len(self.saml_idps):
            raise ValueError("saml_idps lists an identity provider twice")
        return self


class TenantConfig(_Strict):
    slug: str = Field(pattern=SLUG_PATTERN, max_length=63)
    name: str = Field(min_length=1, max_length=120)
    official_name: str = Field(min_length=1, max_length=200)
    municipality_type: Literal["Stadt", "Gemeinde"]
    district: str
    state: str
    reference_prefix: str = Field(pattern=r"^[A-Z]{2,4}$")
    aliases: list[str] = Field(default_factory=list)
    # The host of links sent out (mails, PDFs, exports): one of the aliases; empty = the subdomain.
    primary_host: str = ""
    default_locale: Literal["de", "en"] = "de"
    branding: Branding
    contact: Contact
    opening_hours: list[OpeningHours] = Field(default_factory=list)
    mail: MailSender
    sso: SSO = Field(default_factory=SSO)
    citizen_login: CitizenLogin = Field(default_factory=CitizenLogin)
    # Process enablement and overrides; validated by the process library when it syncs.
    processes: dict[str, Any] = Field(default_factory=dict)
    aktenplan: AktenplanSettings = Field(default_factory=AktenplanSettings)
    # The town's file plan (its own aktenplan.yaml or the shared default), set by the loader.
    _plan: dict[str, Any] = PrivateAttr(default_factory=dict)
    # Fees and payment; validated by the payments module (a check passed to load_all).
    payments: dict[str, Any] = Field(default_factory=dict)

    @field_validator("aliases")
    @classmethod
    def _aliases_are_hosts(cls, aliases: list[str]) -> list[str]:
        for alias in aliases:
            if not HOST_PATTERN.match(alias):
                raise ValueError(f"'{alias}' is not a lower-case host name")
        return aliases

    @model_validator(mode="after")
    def _primary_host_is_an_alias(self) -> TenantConfig:
        if self.primary_host and self.primary_host not in self.aliases:
            raise ValueError(f"primary_host '{self.primary_host}' must be one of the aliases")
        return self

    def settings(self) -> dict[str, Any]:
        """What the Tenant row keeps beside its columns (the Aktenplan with the town's mapping)."""
        settings = self.model_dump(
            include={
                "municipality_type", "district", "state", "default_locale", "primary_host", "branding",
                "contact", "opening_hours", "mail", "sso", "citizen_login", "processes", "payments",
            }
        )
        settings["aktenplan"] = {**self._plan, "processes": dict(self.aktenplan.processes)}
        return settings

    def content_hash(self) -> str:
        content = {**self.model_dump(), "aktenplan_units": self._plan}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _problems_from_validation(file: str, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(file)"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(key, message, file=file))
    return problems


def _town_plan(
    folder: Path, config: TenantConfig, default: aktenplan.Aktenplan | None, default_file: str
) -> list[Problem]:
    """Attach the town's Aktenplan (its own file or the default) and check its process mapping."""
    own = folder / aktenplan.TOWN_FILE
    if own.exists():
        source = f"{folder.name}/{aktenplan.TOWN_FILE}"
        plan, problems = aktenplan.load(own, source)
    else:
        # Problems of the default are reported once, by load_all.
        source, plan, problems = default_file, default, []
    if plan is None:
        return problems
    file = f"{folder.name}/tenant.toml"
    for slug, number in config.aktenplan.processes.items():
        unit = plan.unit(number)
        if unit is None:
            problems.append(Problem(f"aktenplan.processes.{slug}", f"unit '{number}' is not in {source}",
                                    file=file))
        elif not unit.fileable:
            problems.append(Problem(
                f"aktenplan.processes.{slug}",
                f"unit '{number}' of {source} has no retention or archive hint, cases cannot be filed there",
                file=file,
            ))
    config._plan = {"file": source, **plan.to_settings()}
    return problems


def load_tenant_config(
    folder: Path, default_plan: aktenplan.Aktenplan | None = None, default_plan_file: str = ""
) -> tuple[TenantConfig | None, list[Problem]]:
    """Read one town folder; returns the config or the list of problems."""
    path = folder / "tenant.toml"
    file = f"{folder.name}/tenant.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem("(file)", "file is missing", file=file)]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem("(syntax)", str(exc), file=file)]
    try:
        config = TenantConfig.model_validate(raw)
    except ValidationError as exc:
        return None, _problems_from_validation(file, exc)
    problems = []
    if config.slug != folder.name:
        problems.append(Problem("slug", f"'{config.slug}' must equal the folder name '{folder.name}'", file=file))
    if not (folder / config.branding.logo).is_file():
        problems.append(Problem("branding.logo", f"file '{config.branding.logo}' not found", file=file))
    for page in ("impressum", "datenschutz", "barrierefreiheit"):
        if not (folder / "pages" / f"{page}.md").is_file():
            problems.append(Problem("pages", f"pages/{page}.md is missing", file=file))
    problems += _town_plan(folder, config, default_plan, default_plan_file)
    return (None, problems) if problems else (config, [])


# A check of one town's sections that belong to a domain module (e.g. ``[payments]``).
SectionCheck = Callable[[TenantConfig], list[Problem]]


def load_all(
    tenants_dir: Path, checks: Iterable[SectionCheck] = (), *, processes_dir: Path | None = None
) -> tuple[list[TenantConfig], list[Problem]]:
    """Read every town folder with its Aktenplan (the default one from ``processes_dir``, by
    default the repository's library); cross-checks unique prefixes and hosts, and runs ``checks``
    on each town."""
    library = processes_dir or Path(DEFAULTS["PROCESSES_DIR"])
    default_file = f"{library.name}/{aktenplan.DEFAULT_FILE}"
    default_plan, problems = aktenplan.load(aktenplan.default_path(library), default_file)
    configs: list[TenantConfig] = []
    for folder in sorted(p for p in tenants_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        config, folder_problems = load_tenant_config(folder, default_plan, default_file)
        problems.extend(folder_problems)
        if config:
            configs.append(config)
    checks = tuple(checks)
    for config in configs:
        for check in checks:
            problems.extend(check(config))
    seen_prefix: dict[str, str] = {}
    seen_alias: dict[str, str] = {}
    # (issuer, group) → town: with one identity provider for several towns, a group may grant roles
    # in one town only, or a clerk of one town would be a clerk of the other.
    seen_group: dict[tuple[str, str], str] = {}
    for config in configs:
        file = f"{config.slug}/tenant.toml"
        for group in config.sso.role_mapping:
            key = (config.sso.issuer.rstrip("/"), group)
            if config.sso.issuer and key in seen_group:
                problems.append(Problem(
                    "sso.role_mapping",
                    f"group '{group}' already grants roles in {seen_group[key]}, which uses the same issuer; "
                    f"name the town in the group, e.g. '{config.slug}/{group}'",
                    file=file,
                ))
            seen_group[key] = config.slug
    for config in configs:
        file = f"{config.slug}/tenant.toml"
        if config.reference_prefix in seen_prefix:
            problems.append(Problem(
                "reference_prefix",
                f"'{config.reference_prefix}' is already used by {seen_prefix[config.reference_prefix]}",
                file=file,
            ))
        seen_prefix[config.reference_prefix] = config.slug
        for alias in config.aliases:
            if alias in seen_alias:
                problems.append(Problem("aliases", f"'{alias}' is already used by {seen_alias[alias]}", file=file))
            seen_alias[alias] = config.slug
    return configs, problems
