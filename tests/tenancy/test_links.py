"""Links that leave the app (mails, jobs, PDFs, exports): one helper over the URL map, on the town's
primary host, with the configured scheme and port."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from amtsweg.settings import REPOSITORY_ROOT
from amtsweg.tenancy.config import load_all
from amtsweg.tenancy.links import external_url
from conftest import tenant_info


def test_outside_a_request_a_link_has_the_configured_port(app):
    usingen = tenant_info(app, "usingen")
    app.config["EXTERNAL_PORT"] = 5000
    with app.app_context():
        assert external_url(usingen, "status.show", token="abc") == "http://usingen.localhost:5000/vorgang/abc"
        assert external_url(usingen, "contracts.detail", contract_id=7) == (
            "http://usingen.localhost:5000/sachbearbeitung/vertraege/7")


def test_without_a_configured_port_a_request_keeps_its_own(app):
    usingen = tenant_info(app, "usingen")
    with app.test_request_context("/", base_url="http://schmitten.localhost:8123/"):
        assert external_url(usingen, "portal.index") == "http://usingen.localhost:8123/"
    with app.app_context():
        assert external_url(usingen, "portal.index") == "http://usingen.localhost/"


def test_the_scheme_is_configured_and_its_default_port_left_out(app):
    usingen = tenant_info(app, "usingen")
    app.config.update(PREFERRED_URL_SCHEME="https", EXTERNAL_PORT=443)
    with app.app_context():
        assert external_url(usingen, "status.show", token="t") == "https://usingen.localhost/vorgang/t"


def test_a_towns_primary_host_is_used_for_its_links(app):
    town = dataclasses.replace(tenant_info(app, "usingen"), aliases=("rathaus.usingen.example",),
                               settings={"primary_host": "rathaus.usingen.example"})
    with app.app_context():
        assert external_url(town, "status.show", token="t") == "http://rathaus.usingen.example/vorgang/t"


def test_a_primary_host_must_be_one_of_the_aliases(tmp_path: Path):
    tenants = tmp_path / "tenants"
    shutil.copytree(REPOSITORY_ROOT / "tenants", tenants)
    toml = tenants / "usingen" / "tenant.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "aliases = []", 'aliases = ["rathaus.usingen.example"]\nprimary_host = "www.usingen.example"'),
        encoding="utf-8")
    _, problems = load_all(tenants)
    assert [p.message for p in problems] == ["primary_host 'www.usingen.example' must be one of the aliases"]


DOMAIN = ["archive", "audit", "cases", "contracts", "documents", "forms", "notifications", "processes", "demo.py"]


@pytest.mark.parametrize("module", DOMAIN)
def test_no_domain_module_writes_a_path_of_the_pages(module):
    root = REPOSITORY_ROOT / "platform" / "amtsweg" / module
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "/vorgang/" not in text and "/sachbearbeitung/" not in text, path
