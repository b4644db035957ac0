"""Configuring the SAML login: the choice in tenant.toml (checked by `flask tenants sync`), pinned IdP
metadata, production refusing the simulator, trust levels as data, and the `flask saml` commands."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import get_args

import pytest
import requests
from amtsweg import create_app
from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS
from amtsweg.auth.saml.metadata import MetadataUnavailable, parse_pinned
from amtsweg.auth.trust import LEVELS, level_of_class_ref, source_of_proved_by, trust_level
from amtsweg.settings import REPOSITORY_ROOT, ConfigurationError
from amtsweg.tenancy.config import SamlIdpKey, load_all
from defusedxml import ElementTree

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


@pytest.fixture
def tenants_copy(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REPOSITORY_ROOT / "tenants", target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --------------------------------------------------------------------------- tenant.toml


def test_the_towns_choose_their_citizen_login():
    configs = {config.slug: config for config in load_all(REPOSITORY_ROOT / "tenants")[0]}
    assert configs["neu-anspach"].citizen_login.provider == "saml"
    assert configs["neu-anspach"].citizen_login.saml_idps == ["bundid", "muk"]
    assert configs["usingen"].citizen_login.provider == "oidc"


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('provider = "saml"', 'provider = "ldap"', "citizen_login.provider: Input should be 'oidc' or 'saml'"),
    ('saml_idps = ["bundid", "muk"]', 'saml_idps = ["bundid", "elster"]',
     "citizen_login.saml_idps.1: Input should be 'bundid' or 'muk'"),
    ('saml_idps = ["bundid", "muk"]', 'saml_idps = ["muk", "muk"]',
     "citizen_login: saml_idps lists an identity provider twice"),
    ('saml_idps = ["bundid", "muk"]', "saml_idps = []", "citizen_login: saml_idps must name at least one"),
    ('saml_idps = ["bundid", "muk"]', 'saml_idp = ["bundid"]',
     "citizen_login.saml_idp: Extra inputs are not permitted"),
])
def test_sync_refuses_a_wrong_citizen_login_choice_with_file_and_key(app, tenants_copy, old, new, problem):
    _replace(tenants_copy / "neu-anspach" / "tenant.toml", old, new)
    app.config["TENANTS_DIR"] = str(tenants_copy)
    result = app.test_cli_runner().invoke(args=["tenants", "sync"])
    assert result.exit_code != 0
    assert f"neu-anspach/tenant.toml: {problem}" in result.output


def test_every_idp_a_town_can_choose_is_known():
    assert set(get_args(SamlIdpKey)) == set(IDENTITY_PROVIDERS)


# --------------------------------------------------------------------------- trust levels and sources


def test_class_references_map_to_the_three_levels_and_never_round_up():
    assert [level.number for level in LEVELS] == [1, 3, 4]
    assert level_of_class_ref("STORK-QAA-Level-4").number == 4
    assert level_of_class_ref("http://eidas.europa.eu/LoA/substantial").number == 3
    assert level_of_class_ref(" http://eidas.europa.eu/LoA/low ").number == 1
    assert level_of_class_ref("STORK-QAA-Level-2").number == 1
    assert level_of_class_ref("urn:oasis:names:tc:SAML:2.0:ac:classes:Password") is None
    assert str(trust_level(3).name) == "substanziell"
    with pytest.raises(ValueError, match="no trust level 2"):
        trust_level(2)


def test_the_identity_source_comes_from_assertion_proved_by():
    assert source_of_proved_by("eID").key == "eid" and source_of_proved_by("eID").from_id_document
    assert source_of_proved_by("Elster").key == "elster" and not source_of_proved_by("Elster").from_id_document
    assert source_of_proved_by("Benutzername").key == "username"
    assert source_of_proved_by("Brieftaube").key == "unknown"


# --------------------------------------------------------------------------- pinned metadata


def test_metadata_is_used_only_with_every_signing_certificate_pinned(saml_simulator):
    xml = requests.get(f"{saml_simulator.base_url}/bundid/metadata.xml", timeout=10).text
    pin = saml_simulator.fingerprint("bundid")
    metadata = parse_pinned(xml, [":".join(pin[i:i + 2] for i in range(0, len(pin), 2)).upper()],
                            allow_simulator=True)
    assert metadata.entity_id == "urn:amtsweg:simulator:bundid"
    assert metadata.sso_url == f"{saml_simulator.base_url}/bundid/sso"
    with pytest.raises(MetadataUnavailable, match="not pinned"):
        parse_pinned(xml, ["ab" * 32], allow_simulator=True)
    # A second signing certificate slipped into the document is not pinned either.
    muk = requests.get(f"{saml_simulator.base_url}/muk/metadata.xml", timeout=10).text
    muk_key = ElementTree.tostring(ElementTree.fromstring(muk).find(f"{MD}IDPSSODescriptor/{MD}KeyDescriptor"),
                                   encoding="unicode")
    injected = xml.replace("<ns0:KeyDescriptor", muk_key + "<ns0:KeyDescriptor", 1)
    assert injected.count("X509Certificate>") == xml.count("X509Certificate>") + 2
    with pytest.raises(MetadataUnavailable, match="not pinned"):
        parse_pinned(injected, [pin], allow_simulator=True)


def test_production_never_trusts_the_simulator(saml_simulator):
    xml = requests.get(f"{saml_simulator.base_url}/bundid/metadata.xml", timeout=10).text
    with pytest.raises(MetadataUnavailable, match="never used in production"):
        parse_pinned(xml, [saml_simulator.fingerprint("bundid")], allow_simulator=False)


EXPIRED = ('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x" '
           'validUntil="2001-01-01T00:00:00Z"><md:IDPSSODescriptor '
           'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>')


@pytest.mark.parametrize(("xml", "problem"), [
    ("<<", "not valid SAML metadata"),
    ("<kein/>", "exactly one identity provider, found 0"),
    (EXPIRED, "exactly one identity provider, found 0"),
], ids=["not-xml", "no-idp", "expired"])
def test_metadata_without_a_valid_identity_provider_is_refused(xml, problem):
    with pytest.raises(MetadataUnavailable, match=problem):
        parse_pinned(xml, ["ab" * 32], allow_simulator=True)


def _production(tmp_path: Path, **overrides):
    config = {
        "ENV": "production", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "postgresql+psycopg://app@127.0.0.1/amtsweg", "BASE_DOMAIN": "amtsweg.example",
        "OPS_DATABASE_URL": "postgresql+psycopg://ops@127.0.0.1/amtsweg", "CLAMD_ADDRESS": "/run/clamav/clamd.ctl",
        "TRUSTED_HOSTS": [".amtsweg.example", "amtsweg.example"],
    }
    return create_app({**config, **overrides})


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"SAML_BUNDID_METADATA": "http://127.0.0.1:5001/bundid/metadata.xml", "SAML_BUNDID_FINGERPRINTS": ["ab"]},
     "local SAML simulator or plain HTTP"),
    ({"SAML_MUK_METADATA": "https://localhost/muk/metadata.xml", "SAML_MUK_FINGERPRINTS": ["ab"]},
     "local SAML simulator or plain HTTP"),
    ({"SAML_BUNDID_METADATA": "https://idp.example/metadata.xml"}, "SAML_BUNDID_FINGERPRINTS is empty"),
])
def test_production_refuses_simulator_or_unpinned_idp_settings(tmp_path, overrides, problem):
    with pytest.raises(ConfigurationError, match=problem):
        _production(tmp_path, **overrides)


def test_production_accepts_pinned_idp_metadata_over_https_or_from_a_file(tmp_path):
    app = _production(tmp_path, SAML_BUNDID_METADATA="https://idp.example/metadata.xml",
                      SAML_BUNDID_FINGERPRINTS=["ab" * 32], SAML_MUK_METADATA="/etc/amtsweg/muk-metadata.xml",
                      SAML_MUK_FINGERPRINTS=["cd" * 32])
    assert app.config["SAML_BUNDID_FINGERPRINTS"] == ["ab" * 32]


# --------------------------------------------------------------------------- flask saml


def test_flask_saml_keys_creates_missing_keys_of_the_saml_towns_only(app, tmp_path):
    app.config["SAML_KEY_DIR"] = str(tmp_path / "keys")
    result = app.test_cli_runner().invoke(args=["saml", "keys"])
    assert result.exit_code == 0, result.output
    assert "neu-anspach: created signing.key, signing.crt, encryption.key, encryption.crt" in result.output
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["glashuetten", "graevenwiesbach", "neu-anspach"]
    assert ((tmp_path / "keys" / "neu-anspach" / "signing.key").stat().st_mode & 0o077) == 0
    again = app.test_cli_runner().invoke(args=["saml", "keys", "neu-anspach"])
    assert again.output.strip() == "neu-anspach: keys present"
    refused = app.test_cli_runner().invoke(args=["saml", "keys", "usingen"])
    assert refused.exit_code != 0 and "not an active town using SAML: usingen" in refused.output


def test_flask_saml_metadata_writes_each_towns_metadata_for_registration(app, tmp_path, saml_keys):
    app.config["SAML_KEY_DIR"] = str(saml_keys)
    result = app.test_cli_runner().invoke(args=["saml", "metadata", "--port", "5000", "--out", str(tmp_path / "md")])
    assert result.exit_code == 0, result.output
    root = ElementTree.parse(tmp_path / "md" / "graevenwiesbach.xml").getroot()
    assert root.get("entityID") == "http://graevenwiesbach.localhost:5000/anmelden/saml/metadata.xml"
    app.config["SAML_KEY_DIR"] = str(tmp_path / "empty")
    missing = app.test_cli_runner().invoke(args=["saml", "metadata", "--out", str(tmp_path / "md")])
    assert missing.exit_code != 0 and "flask saml keys" in missing.output
