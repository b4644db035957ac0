"""A service that asks for a trust level: the start page says which login it needs, the application
starts only after such a login, the case keeps how well the applicant was identified for the clerk,
and a town may raise the level of the library but not lower it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from amtsweg.cases.models import Case, Draft
from amtsweg.extensions import db
from amtsweg.processes import queries, services
from amtsweg.processes.loader import load_library
from amtsweg.tenancy import all_tenants_context, tenant_context
from auth.saml_flow import SAML_TOWN, register_towns, saml_login
from cases.applying import SLUG, csrf_of, fill_all_steps, start, submit
from conftest import tenant_info, town_client
from flask import Flask
from sqlalchemy import func, select
from support.logins import login_as

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


def _ask_for_level(app: Flask, town: str, level: int) -> None:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        services.set_overrides(SLUG, {**queries.town_overrides(SLUG), "trust_level": level}, actor="test")


@pytest.fixture
def substanziell(app: Flask, saml_simulator) -> Flask:
    """Neu-Anspach (SAML login) asks for "substanziell" (level 3) before the dog-tax application."""
    register_towns(app, saml_simulator, SAML_TOWN)
    _ask_for_level(app, SAML_TOWN, 3)
    return app


def _drafts(app: Flask) -> int:
    with app.app_context(), all_tenants_context():
        return db.session.scalar(select(func.count()).select_from(Draft))


def test_the_start_page_says_which_login_the_service_needs_and_offers_it(substanziell):
    page = town_client(substanziell, SAML_TOWN).get(f"/antrag/{SLUG}/").get_data(as_text=True)
    assert "Anmeldung nötig" in page
    assert "mindestens mit dem Vertrauensniveau „substanziell“" in page
    assert "ELSTER-Zertifikat" in page
    assert "Anmelden und Antrag starten" in page
    assert "Ihre Anmeldung erfüllt das." not in page


def test_the_start_page_says_it_in_english_too(substanziell):
    client = town_client(substanziell, SAML_TOWN)
    client.get("/sprache/en")
    page = client.get(f"/antrag/{SLUG}/").get_data(as_text=True)
    assert "Login required" in page
    assert "at least at the trust level “substantial”" in page
    assert "Log in and start the application" in page


def test_starting_without_a_login_leads_to_the_login_for_the_level_and_stores_nothing(substanziell):
    response = start(town_client(substanziell, SAML_TOWN))
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/anmelden/saml/"
    # The login asks for the attributes the dog-tax form takes over (identification is added by the login).
    assert parse_qs(target.query) == {"konto": ["bundid"], "niveau": ["3"], "weiter": [f"/antrag/{SLUG}/"],
                                      "angaben": ["birth_date,street_address,postal_code,locality,country,email"]}
    assert _drafts(substanziell) == 0


def test_a_weaker_login_cannot_start_the_application_and_a_substanziell_one_can(substanziell):
    client = town_client(substanziell, SAML_TOWN)
    saml_login(substanziell, client, "lena-konto", niveau=1)
    refused = start(client)
    assert refused.status_code == 302 and "niveau=3" in refused.headers["Location"]
    assert _drafts(substanziell) == 0

    done = saml_login(substanziell, client, "max-elster", niveau=3, weiter=f"/antrag/{SLUG}/")
    assert done.headers["Location"] == f"/antrag/{SLUG}/"
    page = client.get(f"/antrag/{SLUG}/").get_data(as_text=True)
    assert "Ihre Anmeldung erfüllt das." in page and "Antrag starten" in page
    begun = client.post(f"/antrag/{SLUG}/starten", data={"csrf_token": csrf_of(page)})
    assert begun.headers["Location"] == f"/antrag/{SLUG}/schritt/1"
    assert "Angaben" in client.get(f"/antrag/{SLUG}/schritt/1").get_data(as_text=True)
    assert _drafts(substanziell) == 1


def _clerk_sees(app: Flask, town: str) -> str:
    """The identity line of the town's only case on the clerk's case page."""
    with app.app_context(), all_tenants_context():
        case = db.session.scalars(select(Case)).one()
    clerk = town_client(app, town)
    login_as(clerk, "clerk")
    page = clerk.get(f"/sachbearbeitung/vorgang/{case.reference}").get_data(as_text=True)
    return page.split('id="identitaet">', 1)[1].split("</dd>", 1)[0]


def test_the_case_keeps_how_the_applicant_was_identified_and_the_clerk_sees_it(substanziell):
    client = town_client(substanziell, SAML_TOWN)
    saml_login(substanziell, client, "max-elster", niveau=3, weiter=f"/antrag/{SLUG}/")
    fill_all_steps(client)
    assert submit(client).status_code == 302
    with substanziell.app_context(), all_tenants_context():
        case = db.session.scalars(select(Case)).one()
        assert (case.identity_level, case.identity_source) == (3, "elster")
    assert _clerk_sees(substanziell, SAML_TOWN) == \
        "Identität geprüft: ELSTER-Zertifikat, Vertrauensniveau „substanziell“"


def test_a_case_without_a_login_is_shown_to_the_clerk_as_not_verified(app):
    client = town_client(app, "usingen")
    fill_all_steps(client)
    assert submit(client).status_code == 302
    assert _clerk_sees(app, "usingen") == "nicht geprüft (ohne Anmeldung mit Vertrauensniveau)"


def test_a_town_whose_login_names_no_level_explains_that_it_cannot_offer_the_service_online(app):
    _ask_for_level(app, "usingen", 3)
    response = start(town_client(app, "usingen"))
    assert response.status_code == 403
    assert "Vertrauensniveau „substanziell“ nötig" in response.get_data(as_text=True)
    assert _drafts(app) == 0


def test_another_towns_level_does_not_apply_here(substanziell):
    response = start(town_client(substanziell, "usingen"))
    assert response.headers["Location"] == f"/antrag/{SLUG}/schritt/1"


@pytest.mark.parametrize(
    ("library_level", "override", "message"),
    [
        (None, 2, "must be one of 1, 3, 4"),
        (None, True, "must be one of 1, 3, 4"),
        (4, 3, "must not be below the process's trust level 4"),
    ],
)
def test_a_town_may_raise_the_level_but_not_lower_it_or_name_an_unknown_one(library_level, override, message):
    definition = load_library(LIBRARY).processes[SLUG].definition.model_copy(update={"trust_level": library_level})
    assert services.override_problems(definition, {"trust_level": override}) == [("trust_level", message)]
    assert services.override_problems(definition, {"trust_level": 4}) == []
