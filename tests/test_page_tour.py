"""Every page of the tour, checked in the suite for what a person would notice (``make tour`` does the
same with screenshots, in both languages at both widths).

The app gets the demo data of Usingen; the tour's plan (tour/plan.py) then applies, sends, decides,
imports and publishes through the real pages in Chromium. Every page is loaded once in German at
desktop width and gets the quick checks of its text (status, empty values, Python reprs, template
syntax, UTC times, language, images, browser errors); axe-core runs on one page of each template,
role and state (``tour.plan.representative``), English and the phone width (with its overflow
check) on the plan's subset. ``make tour`` runs every check on every page in both languages and
widths. Each page-check pair is one test: a finding fails it, unless tour/known.py lists the pair
with its defect of issue 11 — then the test is an expected failure, and an XPASS says the entry
can go.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from amtsweg.auth.citizens import SECRET_VARIABLE
from amtsweg.demo import seed_town
from amtsweg.tenancy import tenant_context
from conftest import app_on_copy
from support.browser import live_server
from support.oidc_provider import OidcProvider, citizen_client, default_clients, default_users
from support.services import unavailable

from tour.browse import DESKTOP_WIDTH, PHONE_WIDTH, Target, Tour
from tour.checks import PAGE_CHECKS, PDF_CHECKS, VISIT_FAILED, Finding
from tour.known import KNOWN, known_for
from tour.plan import (
    ROLES,
    SKIPPED,
    TOWN,
    Setup,
    Visit,
    build_plan,
    covered_endpoints,
    needs,
    representative,
    town_info,
)
from tour.walk import walk

PLAN = build_plan()
VISITS = [item for item in PLAN if isinstance(item, Visit)]
REPRESENTATIVE = representative(PLAN)
# The checks that take long (axe-core) or need the phone width, and the visits that get them.
SLOW_CHECKS = {"axe": lambda visit: visit.name in REPRESENTATIVE, "overflow": lambda visit: visit.subset}
# Downloads are checked for their status; PDFs also by the PDF checks.
DOWNLOAD_CHECKS = {"pdf": ["status", *PDF_CHECKS], "file": ["status"]}


def combinations(visit: Visit) -> list[tuple[str, list[int]]]:
    """German at desktop width for every page; English and the phone for the subset."""
    widths = [DESKTOP_WIDTH, PHONE_WIDTH] if visit.subset and visit.kind == "page" else [DESKTOP_WIDTH]
    languages = [language for language in ("de", "en") if language in visit.languages]
    return [(language, widths) for language in (languages if visit.subset else languages[:1])]


def thorough(visit: Visit, language: str, width: int) -> bool:
    """axe-core on the representative pages, once per language (at desktop width)."""
    return SLOW_CHECKS["axe"](visit) and width == DESKTOP_WIDTH


def checks_of(visit: Visit) -> list[str]:
    checks = DOWNLOAD_CHECKS.get(visit.kind) or [
        check for check in PAGE_CHECKS if check not in SLOW_CHECKS or SLOW_CHECKS[check](visit)]
    return [VISIT_FAILED, *checks]


class KnownFinding(AssertionError):
    """Findings that tour/known.py lists: the pair is an expected failure."""


def pair_param(visit: Visit | Setup, check: str) -> Any:
    # An entry about one language marks only the pairs whose visit the suite loads in that language.
    languages = {language for language, _ in combinations(visit)} if isinstance(visit, Visit) else set()
    entries = [entry for entry in KNOWN
               if entry.covers(visit.name, check) and entry.language in (None, *languages)]
    marks = [pytest.mark.xfail(strict=False, raises=KnownFinding,
                               reason="; ".join(f"issue 11 #{e.defect}: {e.why}" for e in entries))] if entries else []
    return pytest.param(visit, check, marks=marks, id=f"{visit.name}:{check}")


@pytest.fixture(scope="module")
def citizen_provider() -> Iterator[OidcProvider | None]:
    """The state account's provider for the citizen account pages; without it those pages are
    skipped locally (on CI a missing provider fails them)."""
    node = shutil.which("node")
    provider = OidcProvider(node, [*default_clients(), citizen_client()], default_users()) if node else None
    if provider is None or not provider.installed:
        yield None
        return
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def tour_result(chromium: Any, migrated_database: Path | str, tmp_path_factory: pytest.TempPathFactory,
                citizen_provider: OidcProvider | None,
                request: pytest.FixtureRequest) -> Iterator[dict[tuple[str, str], list[Finding]]]:
    """The whole plan walked once; the findings by (visit, check)."""
    folder = tmp_path_factory.mktemp("tour")
    client = citizen_client()
    overrides = {}
    if citizen_provider is not None:
        overrides = {"CITIZEN_OIDC_ISSUER": citizen_provider.issuer, "CITIZEN_OIDC_CLIENT_ID": client.client_id}
    with app_on_copy(migrated_database, folder, request, **overrides) as app:
        with app.app_context(), tenant_context(town_info(app, TOWN)):
            seed_town()
        with pytest.MonkeyPatch.context() as patch, live_server(app) as live:
            patch.setenv(SECRET_VARIABLE, client.client_secret)
            tour = Tour(chromium, Target(live.port, app, Path(app.instance_path) / "mail"), ROLES,
                        capabilities={"citizen_login"} if citizen_provider else set(), thorough=thorough)
            if citizen_provider is not None:
                tour.facts["oidc:password"] = citizen_provider.password
            try:
                result = walk(PLAN, tour, combinations)
            finally:
                tour.close()
    by_pair: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_pair[(finding.page, finding.check)].append(finding)
    by_pair[("", "unavailable")] = [Finding(name, "", 0, "unavailable", "") for name in result.unavailable]
    yield by_pair


def describe(findings: list[Finding]) -> str:
    return "\n".join(finding.line() for finding in findings)


@pytest.mark.browser
@pytest.mark.parametrize(("visit", "check"), [pair_param(visit, check) for visit in VISITS
                                              for check in checks_of(visit)])
def test_page_shows_nothing_a_person_would_notice(tour_result, visit: Visit, check: str):
    if any(f.page == visit.name for f in tour_result[("", "unavailable")]):
        unavailable(f"{visit.name} needs {needs(visit)}: the npm package oidc-provider is not installed")
    findings = tour_result.get((visit.name, check), [])
    new = [finding for finding in findings if known_for(finding) is None]
    assert not new, "new findings (fix them, or list them in tour/known.py with their defect):\n" + describe(new)
    if findings:
        raise KnownFinding(describe(findings))


@pytest.mark.browser
@pytest.mark.parametrize(("step", "check"), [pair_param(item, VISIT_FAILED) for item in PLAN
                                             if isinstance(item, Setup)])
def test_every_step_of_the_tour_succeeds(tour_result, step: Setup, check: str):
    failures = tour_result.get((step.name, check), [])
    new = [finding for finding in failures if known_for(finding) is None]
    assert not new, describe(new)
    if failures:
        raise KnownFinding(describe(failures))


def test_every_route_is_visited_or_skipped_with_a_reason(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = covered_endpoints(PLAN)
    assert endpoints - covered - set(SKIPPED) == set(), "routes neither visited by tour/plan.py nor in SKIPPED"
    assert covered & set(SKIPPED) == set(), "skipped routes that the tour visits after all"
    assert set(SKIPPED) <= endpoints, "SKIPPED names routes that no longer exist"
    assert covered <= endpoints, "the plan names routes that do not exist"
    assert all(reason.strip() for reason in SKIPPED.values())


def test_visit_names_are_unique_and_fit_in_a_file_name():
    names = [item.name for item in PLAN]
    assert len(names) == len(set(names))
    assert all(name.replace("-", "").replace("_", "").isalnum() for name in names)


def test_every_known_finding_names_a_visit_a_check_and_a_defect():
    # One test over all entries: pytest would skip a test parametrized over an empty list.
    for entry in KNOWN:
        assert any(entry.covers(item.name, entry.check) for item in PLAN), f"no visit or step matches {entry}"
        assert entry.check in {VISIT_FAILED, *PAGE_CHECKS, *PDF_CHECKS}, entry
        assert 0 <= entry.defect <= 22 and entry.why, entry


def test_the_role_of_every_visit_exists():
    assert {item.role for item in PLAN} <= set(ROLES)
