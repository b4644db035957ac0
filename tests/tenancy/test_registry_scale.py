"""The town registry stays small with many towns: a host is resolved with one indexed lookup into a
bounded cache, never by loading every town, and a change of the towns reaches every process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from amtsweg.extensions import db
from amtsweg.tenancy.models import Tenant
from amtsweg.tenancy.resolution import TenantDirectory
from conftest import add_towns, host_client, loaded_towns, recorded_statements
from sqlalchemy import update


@pytest.fixture
def many_towns(app):
    return add_towns(app)


def test_resolving_a_host_loads_only_that_town_with_one_lookup(app, many_towns):
    client = host_client(app, "gemeinde-0042.localhost")
    with loaded_towns() as loaded, recorded_statements(app) as statements:
        response = client.get("/")
    assert response.status_code == 200
    assert "Gemeinde 0042" in response.get_data(as_text=True)
    assert loaded == ["gemeinde-0042"]
    tenant_reads = [s for s in statements if "FROM tenant" in s]
    # The change check (newest updated_at) and the lookup by slug.
    assert len(tenant_reads) == 2, tenant_reads
    assert all("WHERE" in s or "max(" in s for s in tenant_reads), tenant_reads


def test_a_resolved_host_is_served_from_the_cache_without_reading_towns(app, many_towns):
    client = host_client(app, "gemeinde-0007.localhost")
    client.get("/")
    with loaded_towns() as loaded, recorded_statements(app) as statements:
        assert client.get("/").status_code == 200
    assert loaded == []
    assert not [s for s in statements if "FROM tenant " in s and "max(" not in s]


def test_an_unknown_host_is_looked_up_once_and_still_a_404(app, many_towns):
    client = host_client(app, "gibt-es-nicht.localhost")
    assert client.get("/").status_code == 404
    with recorded_statements(app) as statements:
        assert client.get("/").status_code == 404
    assert not [s for s in statements if "FROM tenant " in s and "max(" not in s]


def test_the_cache_keeps_a_bounded_number_of_hosts(app, many_towns):
    small = TenantDirectory(size=8)
    with app.test_request_context():
        for slug in many_towns[:50]:
            assert small.resolve(f"{slug}.localhost", "localhost").tenant.slug == slug
        assert small.cached_hosts() == 8


def test_a_changed_town_is_seen_by_another_process_without_a_full_reload(app):
    other_process = TenantDirectory(check_seconds=0)
    with app.test_request_context():
        assert other_process.resolve("usingen.localhost", "localhost").tenant.name == "Usingen"
        db.session.execute(update(Tenant).where(Tenant.slug == "usingen").values(
            name="Usingen (neu)", updated_at=datetime.now(UTC) + timedelta(seconds=1)))
        db.session.commit()
        with loaded_towns() as loaded:
            assert other_process.resolve("usingen.localhost", "localhost").tenant.name == "Usingen (neu)"
        assert loaded == ["usingen"]


def test_a_deactivated_town_is_a_404_at_once_in_the_syncing_process(app, tmp_path):
    import shutil

    from amtsweg.tenancy.services import sync_tenants

    client = host_client(app, "schmitten.localhost")
    assert client.get("/").status_code == 200
    folders = tmp_path / "tenants"
    shutil.copytree(app.config["TENANTS_DIR"], folders, ignore=shutil.ignore_patterns("schmitten"))
    with app.app_context():
        sync_tenants(folders)
    assert client.get("/").status_code == 404


def test_an_alias_resolves_with_one_indexed_lookup(app, tmp_path):
    import shutil

    from amtsweg.tenancy.services import sync_tenants

    folders = tmp_path / "tenants"
    shutil.copytree(app.config["TENANTS_DIR"], folders)
    toml = folders / "usingen" / "tenant.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("aliases = []", 'aliases = ["rathaus-usingen.example"]'),
                    encoding="utf-8")
    with app.app_context():
        sync_tenants(folders)
    with loaded_towns() as loaded:
        response = app.test_client().get("/", headers={"Host": "rathaus-usingen.example"})
    assert response.status_code == 200
    assert "Stadt Usingen" in response.get_data(as_text=True)
    assert loaded == ["usingen"]
