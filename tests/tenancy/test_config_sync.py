"""tenant.toml: validation errors name file, key and problem; sync is idempotent and all-or-nothing."""

import shutil
from pathlib import Path

import pytest
from amtsweg.extensions import db
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy.config import load_all
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.services import TenantConfigError, sync_tenants
from sqlalchemy import select

REAL_TENANTS = REPOSITORY_ROOT / "tenants"


@pytest.fixture
def tenants_copy(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REAL_TENANTS, target)
    return target


def test_the_five_towns_are_valid_and_distinct():
    configs, problems = load_all(REAL_TENANTS)
    assert problems == []
    assert {c.slug: c.reference_prefix for c in configs} == {
        "neu-anspach": "NA", "usingen": "US", "graevenwiesbach": "GW", "schmitten": "SC", "glashuetten": "GL",
    }
    assert {c.municipality_type for c in configs if c.slug in ("neu-anspach", "usingen")} == {"Stadt"}
    assert all(c.district == "Hochtaunuskreis" and c.state == "Hessen" for c in configs)
    assert len({c.branding.primary_color for c in configs}) == 5


def test_unverified_contact_data_is_marked_as_placeholder():
    configs, _ = load_all(REAL_TENANTS)
    for config in configs:
        text = (REAL_TENANTS / config.slug / "tenant.toml").read_text(encoding="utf-8")
        if config.contact.placeholder:
            assert "PLACEHOLDER" in text.upper() or "PLATZHALTER" in text.upper()


def test_sync_is_idempotent_and_reports_what_changed(app, tenants_copy):
    with app.app_context():
        report = sync_tenants(tenants_copy)
        assert report.created == [] and report.updated == []
        assert sorted(report.unchanged) == ["glashuetten", "graevenwiesbach", "neu-anspach", "schmitten", "usingen"]
        toml = tenants_copy / "usingen" / "tenant.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('name = "Usingen"', 'name = "Usingen (Taunus)"'),
                        encoding="utf-8")
        report = sync_tenants(tenants_copy)
        assert report.updated == ["usingen"]
        assert db.session.scalar(select(Tenant.name).filter_by(slug="usingen")) == "Usingen (Taunus)"


def test_a_malformed_file_names_file_key_and_problem_and_changes_nothing(app, tenants_copy):
    toml = tenants_copy / "schmitten" / "tenant.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('reference_prefix = "SC"', 'reference_prefix = "sc1"'),
                    encoding="utf-8")
    other = tenants_copy / "usingen" / "tenant.toml"
    other.write_text(other.read_text(encoding="utf-8").replace('name = "Usingen"', 'name = "Geändert"'),
                     encoding="utf-8")
    with app.app_context():
        with pytest.raises(TenantConfigError) as raised:
            sync_tenants(tenants_copy)
        messages = [str(p) for p in raised.value.problems]
        assert any(m.startswith("schmitten/tenant.toml: reference_prefix:") for m in messages), messages
        assert db.session.scalar(select(Tenant.name).filter_by(slug="usingen")) == "Usingen"


def test_toml_syntax_errors_and_low_contrast_colours_are_reported(tenants_copy):
    (tenants_copy / "usingen" / "tenant.toml").write_text('slug = "usingen"\nname = ', encoding="utf-8")
    toml = tenants_copy / "glashuetten" / "tenant.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("primary_color = ")
    end = text.index("\n", start)
    toml.write_text(text[:start] + 'primary_color = "#f0f0f0"' + text[end:], encoding="utf-8")
    _, problems = load_all(tenants_copy)
    rendered = [str(p) for p in problems]
    assert any(r.startswith("usingen/tenant.toml: (syntax):") for r in rendered), rendered
    assert any(r.startswith("glashuetten/tenant.toml: branding:") and "contrast" in r for r in rendered), rendered


def test_cli_sync_lists_every_problem_and_exits_non_zero(app, tenants_copy):
    (tenants_copy / "usingen" / "pages" / "impressum.md").unlink()
    app.config["TENANTS_DIR"] = str(tenants_copy)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "sync"])
    assert result.exit_code != 0
    assert "usingen/tenant.toml: pages: pages/impressum.md is missing" in result.output


def test_cli_list_shows_towns_with_hosts(app):
    result = app.test_cli_runner().invoke(args=["tenants", "list"])
    assert result.exit_code == 0
    assert "usingen.localhost" in result.output
    assert "Gemeinde Glashütten" in result.output


def test_a_removed_town_folder_deactivates_the_town_and_its_host_is_404(app, tenants_copy):
    shutil.rmtree(tenants_copy / "glashuetten")
    with app.app_context():
        report = sync_tenants(tenants_copy)
    assert report.deactivated == ["glashuetten"]
    assert app.test_client().get("/", headers={"Host": "glashuetten.localhost"}).status_code == 404
