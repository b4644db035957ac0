"""Settings: defaults, AMTSWEG_* overrides and the production safety checks."""

import pytest
from amtsweg import create_app
from amtsweg.settings import DEFAULTS, ConfigurationError, environment_overrides


def test_environment_variables_override_settings_with_the_defaults_type():
    overrides = environment_overrides(
        {"AMTSWEG_MAX_CONTENT_LENGTH": "1024", "AMTSWEG_LANGUAGES": "de,en", "AMTSWEG_SESSION_COOKIE_SECURE": "yes",
         "DATABASE_URL": "postgresql+psycopg://u@h/db"},
        DEFAULTS,
    )
    assert overrides == {
        "MAX_CONTENT_LENGTH": 1024,
        "LANGUAGES": ["de", "en"],
        "SESSION_COOKIE_SECURE": True,
        "DATABASE_URL": "postgresql+psycopg://u@h/db",
    }


def test_an_unreadable_boolean_setting_names_the_variable():
    with pytest.raises(RuntimeError, match="AMTSWEG_ALLOW_SQLITE_IN_PRODUCTION"):
        environment_overrides({"AMTSWEG_ALLOW_SQLITE_IN_PRODUCTION": "vielleicht"}, DEFAULTS)


def _production(tmp_path, **overrides):
    config = {
        "ENV": "production",
        "INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "postgresql+psycopg://app@127.0.0.1/amtsweg",
        "OPS_DATABASE_URL": "postgresql+psycopg://ops@127.0.0.1/amtsweg",
        "CLAMD_ADDRESS": "/run/clamav/clamd.ctl",
        "BASE_DOMAIN": "amtsweg.example",
        "TRUSTED_HOSTS": [".amtsweg.example", "amtsweg.example"],
    }
    config.update(overrides)
    return create_app(config)


def test_production_starts_with_safe_settings(tmp_path):
    app = _production(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_DOMAIN"] is None
    assert app.config["PERMANENT_SESSION_LIFETIME"] <= 12 * 3600


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"SECRET_KEY": DEFAULTS["SECRET_KEY"]}, "SECRET_KEY"),
        ({"DATABASE_URL": ""}, "SQLite"),
        ({"TRUSTED_HOSTS": []}, "TRUSTED_HOSTS"),
        ({"BASE_DOMAIN": "localhost"}, "BASE_DOMAIN"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(tmp_path, overrides, problem):
    with pytest.raises(ConfigurationError, match=problem):
        _production(tmp_path, **overrides)


def test_production_allows_sqlite_only_when_explicitly_allowed(tmp_path):
    app = _production(tmp_path, DATABASE_URL="", ALLOW_SQLITE_IN_PRODUCTION=True)
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_production_on_postgresql_refuses_to_start_without_the_role_for_cross_town_work(tmp_path):
    with pytest.raises(ConfigurationError, match="OPS_DATABASE_URL"):
        _production(tmp_path, OPS_DATABASE_URL="")


def test_production_refuses_to_start_without_a_virus_scanner_unless_waived(tmp_path):
    with pytest.raises(ConfigurationError, match="CLAMD_ADDRESS is not set, so uploads would not be scanned"):
        _production(tmp_path, CLAMD_ADDRESS="")
    app = _production(tmp_path, CLAMD_ADDRESS="", ALLOW_UNSCANNED_UPLOADS=True)
    assert app.config["CLAMD_ADDRESS"] == ""


def test_the_scanner_waiver_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AMTSWEG_ALLOW_UNSCANNED_UPLOADS", "true")
    assert _production(tmp_path, CLAMD_ADDRESS="").config["ALLOW_UNSCANNED_UPLOADS"] is True
