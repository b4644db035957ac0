"""A town's template override is used for that town only, also from Jinja's compiled-template cache."""

import shutil

import pytest
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy import tenant_context
from conftest import tenant_info, town_client
from jinja2 import TemplateNotFound


@pytest.fixture
def app_with_override(tmp_path, make_app):
    tenants = tmp_path / "tenants"
    shutil.copytree(REPOSITORY_ROOT / "tenants", tenants)
    override = tenants / "usingen" / "templates" / "portal" / "start.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "base.html" %}{% block content %}<h1>Willkommen im Usinger Land</h1>{% endblock %}',
        encoding="utf-8",
    )
    return make_app(tmp_path, TENANTS_DIR=str(tenants))


def test_override_is_used_for_its_town(app_with_override):
    page = town_client(app_with_override, "usingen").get("/").get_data(as_text=True)
    assert "Willkommen im Usinger Land" in page


def test_cached_override_is_never_served_to_another_town(app_with_override):
    usingen, schmitten = town_client(app_with_override, "usingen"), town_client(app_with_override, "schmitten")
    for _ in range(3):
        assert "Willkommen im Usinger Land" in usingen.get("/").get_data(as_text=True)
        schmitten_page = schmitten.get("/").get_data(as_text=True)
        assert "Willkommen im Usinger Land" not in schmitten_page
        assert "Digitales Rathaus Schmitten" in schmitten_page


def test_override_names_cannot_escape_the_towns_template_folder(app_with_override):
    usingen = tenant_info(app_with_override, "usingen")
    with app_with_override.app_context(), tenant_context(usingen):
        env = app_with_override.jinja_env
        assert env.get_template("portal/start.html").filename.endswith("usingen/templates/portal/start.html")
        for escaping in ("../tenant.toml", "../../schmitten/tenant.toml"):
            with pytest.raises(TemplateNotFound):
                env.get_template(escaping)


def test_a_town_without_overrides_renders_with_the_shared_templates(app_with_override):
    schmitten = tenant_info(app_with_override, "schmitten")
    with app_with_override.app_context(), tenant_context(schmitten):
        assert app_with_override.jinja_env.get_template("portal/start.html").filename.endswith(
            "portal/templates/portal/start.html"
        )
