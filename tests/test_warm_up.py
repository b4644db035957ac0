"""The warm-up in the process that forks gunicorn's workers: a worker's first citizen pages compile no
template and parse no process definition (a worker replaced after ``max_requests`` starts warm)."""

from __future__ import annotations

import gc
import runpy
from types import SimpleNamespace
from typing import Any

import pytest
from amtsweg import warm_up
from amtsweg.processes import loader, queries
from amtsweg.processes.schema import ProcessDefinition
from amtsweg.settings import REPOSITORY_ROOT
from conftest import town_client

FIRST_PAGES = ("/", "/leistungen", "/leistungen?suche=hund", "/leistungen/hundesteuer-anmelden",
               "/antrag/hundesteuer-anmelden/")


@pytest.fixture
def cold_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as a fresh one: no parsed definition and no folded catalogue entry."""
    monkeypatch.setattr(loader, "_definitions", type(loader._definitions)(maxsize=loader.DEFINITIONS_KEPT))
    monkeypatch.setattr(queries, "_listed", type(queries._listed)(maxsize=2048))


def _first_pages_work(app: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The templates compiled and definitions parsed while the first citizen pages are served."""
    work: dict[str, list[str]] = {"compiled": [], "parsed": []}
    environment = app.tenant_environments.shared
    compile_template = environment.compile

    def compile_counted(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        work["compiled"].append(str(name))
        return compile_template(source, name, *args, **kwargs)

    validate = ProcessDefinition.model_validate

    def validate_counted(data: Any, *args: Any, **kwargs: Any) -> ProcessDefinition:
        work["parsed"].append(str(data.get("id")))
        return validate(data, *args, **kwargs)

    monkeypatch.setattr(environment, "compile", compile_counted)
    monkeypatch.setattr(ProcessDefinition, "model_validate", validate_counted)
    client = town_client(app, "usingen")
    for path in FIRST_PAGES:
        assert client.get(path).status_code == 200, path
    return work


def test_without_the_warm_up_the_first_pages_compile_templates_and_parse_definitions(app, cold_caches, monkeypatch):
    work = _first_pages_work(app, monkeypatch)

    assert "base.html" in work["compiled"] and "catalogue/index.html" in work["compiled"]
    assert work["parsed"]


def test_after_the_warm_up_the_first_pages_compile_no_template_and_parse_no_definition(app, cold_caches, monkeypatch):
    warm_up(app)

    work = _first_pages_work(app, monkeypatch)

    assert work == {"compiled": [], "parsed": []}


def test_gunicorns_master_warms_the_app_and_keeps_what_it_loaded_out_of_the_collectors_scans(app, cold_caches,
                                                                                            monkeypatch):
    settings = runpy.run_path(str(REPOSITORY_ROOT / "config" / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        settings["when_ready"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)))
        # Frozen objects are skipped by every collection in the workers (no walk over shared memory).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

    assert _first_pages_work(app, monkeypatch) == {"compiled": [], "parsed": []}
