"""One identity provider for every town (one Keycloak or Active Directory for the cooperation):
a staff identity gets roles only in the town its groups name, and the cross-town administrator
role only on the admin host."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.oidc import secret_variable
from amtsweg.extensions import db
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy import all_tenants_context
from amtsweg.tenancy.config import load_all
from conftest import TOWNS, host_client, tenant_info, town_client
from test_oidc_login import sso_login

pytestmark = pytest.mark.oidc


@pytest.fixture
def app_overrides(oidc_provider, monkeypatch):
    # Every town and the admin host are clients of the same provider.
    for slug in [*TOWNS, "admin"]:
        monkeypatch.setenv(secret_variable(slug), f"secret-{slug}")
    return {"SSO_ISSUER_OVERRIDE": oidc_provider.issuer, "ADMIN_SSO_ISSUER": oidc_provider.issuer,
            "ADMIN_SSO_CLIENT_ID": "amtsweg-admin"}


def _accounts(app, model=User):
    with app.app_context(), all_tenants_context():
        return sorted((getattr(row, "tenant_id", None), row.subject, tuple(row.roles))
                      for row in db.session.scalars(db.select(model)))


def _town_id(app, slug: str) -> int:
    return tenant_info(app, slug).id


def test_a_usingen_clerk_is_refused_on_schmitten_and_gets_no_account_there(app):
    schmitten = town_client(app, "schmitten")
    response = sso_login(schmitten, "clerk-usingen")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "für eine andere Kommune freigeschaltet, nicht für Schmitten" in page
    assert schmitten.get("/sachbearbeitung/").status_code == 302
    assert _accounts(app) == []


def test_the_refusal_is_english_for_english_visitors(app):
    schmitten = town_client(app, "schmitten")
    schmitten.get("/sprache/en")
    response = sso_login(schmitten, "clerk-usingen")
    assert response.status_code == 403
    assert "for another town, not for Schmitten" in response.get_data(as_text=True)


def test_a_usingen_administrator_does_not_become_schmittens_administrator(app):
    usingen, schmitten = town_client(app, "usingen"), town_client(app, "schmitten")
    assert sso_login(usingen, "admin-usingen").status_code == 302
    assert usingen.get("/verwaltung/leistungen").status_code == 200
    assert sso_login(schmitten, "admin-usingen").status_code == 403
    assert schmitten.get("/verwaltung/leistungen").status_code == 302
    assert _accounts(app) == [(_town_id(app, "usingen"), "sub-admin-usingen", ("tenant_admin",))]


def test_a_person_working_for_two_towns_gets_each_towns_own_roles(app):
    usingen, schmitten = town_client(app, "usingen"), town_client(app, "schmitten")
    assert sso_login(usingen, "zwei-kommunen").status_code == 302
    assert sso_login(schmitten, "zwei-kommunen").status_code == 302
    assert usingen.get("/sachbearbeitung/").status_code == 200
    assert usingen.get("/verwaltung/leistungen").status_code == 403
    assert schmitten.get("/verwaltung/leistungen").status_code == 200
    assert schmitten.get("/sachbearbeitung/").status_code == 403
    assert _accounts(app) == sorted([(_town_id(app, "usingen"), "sub-zwei-kommunen", ("clerk",)),
                                     (_town_id(app, "schmitten"), "sub-zwei-kommunen", ("tenant_admin",))])


def test_the_cross_town_administrator_is_one_only_on_the_admin_host(app):
    usingen = town_client(app, "usingen")
    response = sso_login(usingen, "ikz-admin")
    assert response.status_code == 403 and "keine Rolle" in response.get_data(as_text=True)
    assert _accounts(app) == []
    admin = host_client(app, "admin.localhost")
    assert sso_login(admin, "ikz-admin").status_code == 302
    assert _accounts(app, PlatformUser) == [(None, "sub-ikz-admin", ("platform_admin",))]
    # A town's administrator is nobody on the admin host.
    assert sso_login(host_client(app, "admin.localhost"), "admin-usingen").status_code == 403


def test_towns_sharing_an_issuer_cannot_map_the_same_group(tmp_path: Path):
    for slug in ("usingen", "schmitten"):
        shutil.copytree(REPOSITORY_ROOT / "tenants" / slug, tmp_path / slug)
        toml = tmp_path / slug / "tenant.toml"
        text = toml.read_text(encoding="utf-8")
        start = text.index("[sso]")
        end = text.find("\n[", start + 1)
        sso = ('[sso]\nissuer = "https://idp.verbund.example"\nclient_id = "amtsweg-' + slug + '"\n'
               '[sso.role_mapping]\n"rathaus-sachbearbeitung" = ["clerk"]\n')
        toml.write_text(text[:start] + sso + (text[end:] if end != -1 else ""), encoding="utf-8")
    _, problems = load_all(tmp_path)
    assert [(p.file, p.path) for p in problems] == [("usingen/tenant.toml", "sso.role_mapping")]
    assert "already grants roles in schmitten" in problems[0].message
