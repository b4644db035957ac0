"""``[payments]`` in tenant.toml: the five towns' settings are valid, and every mistake is named by
file and key on ``flask tenants sync``, which then changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.payments.config import payment_problems, town_payments
from amtsweg.settings import REPOSITORY_ROOT, ConfigurationError
from amtsweg.tenancy.config import load_all
from amtsweg.tenancy.models import Tenant
from conftest import build_app, tenant_info
from sqlalchemy import select

REAL_TENANTS = REPOSITORY_ROOT / "tenants"


@pytest.fixture
def tenants_copy(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REAL_TENANTS, target)
    return target


def test_the_five_towns_payment_settings_are_valid_and_marked_as_placeholders():
    configs, problems = load_all(REAL_TENANTS, (payment_problems,))
    assert problems == []
    for config in configs:
        assert config.payments["methods"][0] == "xbezahldienste"
        text = (REAL_TENANTS / config.slug / "tenant.toml").read_text(encoding="utf-8")
        assert "PLACEHOLDER: the provider contract" in text


def test_the_kassenzeichen_follows_the_towns_scheme(app):
    with app.app_context():
        neu_anspach = town_payments(tenant_info(app, "neu-anspach"))
        graevenwiesbach = town_payments(tenant_info(app, "graevenwiesbach"))
    assert neu_anspach.kassenzeichen("NA", 2026, 123, "NA-2026-000123") == "NA2026000123"
    assert graevenwiesbach.kassenzeichen("GW", 2026, 7, "GW-2026-000007") == "GW-000007-2026"


def test_booking_data_falls_back_from_fee_to_process_to_town(app):
    with app.app_context():
        booking = town_payments(tenant_info(app, "usingen")).config.booking
    assert booking.for_fee("gewerbe-anmelden", "gebuehr").model_dump() == {
        "haushaltsstelle": "5411000", "produkt": "02.01.01"}
    assert booking.for_fee("hundesteuer-anmelden", "gebuehr").model_dump() == {
        "haushaltsstelle": "5411000", "produkt": "01.01.01"}


def _break(tenants: Path, town: str, old: str, new: str) -> None:
    toml = tenants / town / "tenant.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text, old
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("town", "old", "new", "expected"), [
    ("usingen", 'methods = ["xbezahldienste", "ueberweisung", "rathaus"]', 'methods = ["paypal"]',
     "usingen/tenant.toml: payments.methods: unknown method 'paypal' (allowed: rathaus, ueberweisung, "
     "xbezahldienste)"),
    ("neu-anspach", 'kassenzeichen = "{prefix}{year}{number:06d}"', 'kassenzeichen = "{prefix}/{jahr}"',
     "neu-anspach/tenant.toml: payments.kassenzeichen: '{prefix}/{jahr}' is not a usable scheme: unknown field "
     "{jahr}"),
    ("neu-anspach", 'kassenzeichen = "{prefix}{year}{number:06d}"', 'kassenzeichen = "{reference}/{year}"',
     "neu-anspach/tenant.toml: payments.kassenzeichen: '{reference}/{year}' gives 'NA-2026-000123/2026'; a "
     "Kassenzeichen must be 1 to 27 letters, digits or hyphens"),
    ("schmitten", 'base_url = ""', 'base_url = "http://epay.example/xbezahldienste"',
     "schmitten/tenant.toml: payments.xbezahldienste.base_url: 'http://epay.example/xbezahldienste' is not an "
     "https URL (http is allowed only for 127.0.0.1, localhost, ::1)"),
    ("schmitten", 'profile = "basic"', 'profile = "oauth2"',
     "schmitten/tenant.toml: payments.xbezahldienste: profile 'oauth2' needs client_id, token_url"),
    ("schmitten", 'profile = "basic"', 'profile = "kerberos"',
     "schmitten/tenant.toml: payments.xbezahldienste.profile: unknown profile 'kerberos' (allowed: basic, oauth2, "
     "mtls)"),
    ("glashuetten", 'endpoint_id = "06434003"', 'endpoint_id = "06434 003"',
     "glashuetten/tenant.toml: payments.xbezahldienste.endpoint_id: String should match pattern"),
    ("usingen", 'iban = "DE89 3704 0044 0532 0130 00"', 'iban = "DE89 3704 0044 0532 0130 01"',
     "usingen/tenant.toml: payments.ueberweisung.iban: 'DE89 3704 0044 0532 0130 01' is not a valid IBAN"),
    ("usingen", 'due_days = 14', 'due_days = 0',
     "usingen/tenant.toml: payments.ueberweisung.due_days: Input should be greater than or equal to 1"),
    ("usingen", '[payments.rathaus]', '[payments.barzahlung]',
     "usingen/tenant.toml: payments.barzahlung: unknown key (allowed: methods, kassenzeichen, booking, "
     "rathaus, ueberweisung, xbezahldienste)"),
    ("usingen", 'haushaltsstelle = "5411000"', 'haushaltsstelle = "54110;00"',
     "usingen/tenant.toml: payments.booking.haushaltsstelle: String should match pattern"),
    ("usingen", '[payments.booking.overrides."gewerbe-anmelden"]', '[payments.booking.overrides."Gewerbe!"]',
     "usingen/tenant.toml: payments.booking.overrides: 'Gewerbe!' is neither a process slug nor "
     "'<process-slug>.<fee-id>'"),
    ("usingen", 'originator_id = "amtsweg-usingen"', 'originator_id = "amtsweg-usingen"\npassword = "geheim"',
     "usingen/tenant.toml: payments.xbezahldienste.password: Extra inputs are not permitted"),
])
def test_a_mistake_in_payments_is_named_by_file_and_key_and_sync_changes_nothing(app, tenants_copy, town, old, new,
                                                                                  expected):
    _break(tenants_copy, town, old, new)
    _break(tenants_copy, "usingen", 'name = "Usingen"', 'name = "Geändert"')
    app.config["TENANTS_DIR"] = str(tenants_copy)
    result = app.test_cli_runner().invoke(args=["tenants", "sync"])
    assert result.exit_code != 0
    assert expected in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(Tenant.name).filter_by(slug="usingen")) == "Usingen"


def test_a_missing_provider_table_of_an_offered_method_is_named(tenants_copy):
    toml = tenants_copy / "neu-anspach" / "tenant.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[:text.index("[payments.ueberweisung]")], encoding="utf-8")
    _, problems = load_all(tenants_copy, (payment_problems,))
    assert [str(p) for p in problems] == [
        "neu-anspach/tenant.toml: payments.ueberweisung.recipient: Field required",
        "neu-anspach/tenant.toml: payments.ueberweisung.iban: Field required",
    ]


def test_production_refuses_the_payment_simulator(tmp_path):
    with pytest.raises(ConfigurationError, match="PAYMENT_SIMULATOR_URL"):
        build_app(tmp_path, ENV="production", SECRET_KEY="x" * 40, BASE_DOMAIN="amtsweg.example",
                  TRUSTED_HOSTS=["usingen.amtsweg.example"], PAYMENT_SIMULATOR_URL="http://127.0.0.1:5050",
                  DATABASE_URL="postgresql://app@127.0.0.1/amtsweg")
