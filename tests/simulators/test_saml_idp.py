"""The local SAML identity provider itself: never in production, only signed requests of registered
service providers, test persons at levels 1, 3 and 4 and an organisation."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests
from auth.saml_flow import SAML_TOWN, register_towns, start_login
from conftest import town_client
from support.saml_idp import REPOSITORY_ROOT


@pytest.fixture
def app_overrides(saml_simulator, saml_keys):
    return {**saml_simulator.app_settings(), "SAML_KEY_DIR": str(saml_keys)}


def _simulator(tmp_path, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulators.saml_idp", *arguments, "--data-dir", str(tmp_path)],
        cwd=REPOSITORY_ROOT, env={**os.environ, **environment}, capture_output=True, text=True, timeout=60,
        check=False,
    )


def test_the_simulator_refuses_to_start_in_production(tmp_path):
    result = _simulator(tmp_path, "serve", "--port", "0", AMTSWEG_ENV="production")
    assert result.returncode != 0
    assert "never runs in production" in result.stderr


def test_the_simulator_listens_on_loopback_only(tmp_path):
    result = _simulator(tmp_path, "serve", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode != 0 and "only listens on a loopback address" in result.stderr


def test_the_simulator_prints_the_settings_that_trust_it(tmp_path):
    result = _simulator(tmp_path, "settings", "--port", "5001")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["AMTSWEG_SAML_BUNDID_METADATA"] == "http://127.0.0.1:5001/bundid/metadata.xml"
    assert len(lines["AMTSWEG_SAML_MUK_FINGERPRINTS"]) == 64


def test_the_login_page_offers_persons_at_each_level(app, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN)
    page = requests.get(start_login(town_client(app, SAML_TOWN), niveau=3), timeout=10).text
    assert "Vertrauensniveau hoch" in page and "Vertrauensniveau substanziell" in page
    assert "Vertrauensniveau niedrig) – unter dem angeforderten Niveau" in page
    assert "mindestens Vertrauensniveau 3" in page
    organisation = requests.get(start_login(town_client(app, SAML_TOWN), konto="muk"), timeout=10).text
    assert "Beispiel Bau GmbH" in organisation and "Erika" not in organisation


def test_an_unsigned_or_unknown_request_is_refused(app, saml_simulator):
    register_towns(app, saml_simulator, SAML_TOWN)
    url = start_login(town_client(app, SAML_TOWN))
    unsigned = requests.get(url.split("&SigAlg=")[0], timeout=10)
    assert unsigned.status_code == 400 and "nicht signiert" in unsigned.text
    # No test registers Grävenwiesbach's metadata with the (session-wide) simulator.
    unknown = requests.get(start_login(town_client(app, "graevenwiesbach")), timeout=10)
    assert unknown.status_code == 400 and "Anfrage abgelehnt" in unknown.text
