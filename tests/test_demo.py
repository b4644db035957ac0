"""``flask demo seed``: demo cases and contracts in every town, idempotent, never in production."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from amtsweg.audit.models import AuditEvent
from amtsweg.cases.models import Case
from amtsweg.clock import today_in_germany
from amtsweg.contracts.models import Contract
from amtsweg.documents.models import Document
from amtsweg.extensions import db
from amtsweg.notifications.models import OutboxMessage
from amtsweg.tenancy import all_tenants_context, tenant_context
from conftest import TOWNS, app_and_copy, app_on_copy, tenant_info, town_client
from flask import Flask
from sqlalchemy import func, select
from support.logins import login_as

OPEN_STATUSES = {"submitted", "in_progress", "waiting_for_citizen"}


def seed(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--port", "5000"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path | str,
                    request: pytest.FixtureRequest) -> Iterator[tuple[Path, Path | str]]:
    """The migrated test database after one ``flask demo seed`` (seeding renders letters: once per
    module): its instance folder and database."""
    folder = tmp_path_factory.mktemp("demo-db")
    with app_and_copy(migrated_database, folder, request) as (app, copy):
        seed(app)
        yield folder, copy.as_template(app)


@pytest.fixture
def seeded_app(seeded_database: tuple[Path, Path | str], tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[Flask]:
    folder, database = seeded_database
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    with app_on_copy(database, tmp_path, request) as application:
        yield application


def counts(app: Flask) -> dict[str, int]:
    with app.app_context(), all_tenants_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Case, Contract, Document, OutboxMessage, AuditEvent)}


def cases_of(app: Flask, town: str) -> list[Case]:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        cases = db.session.scalars(select(Case).order_by(Case.id)).all()
        db.session.expunge_all()
        return list(cases)


def test_seeding_twice_changes_nothing_and_says_so(seeded_app: Flask) -> None:
    before = counts(seeded_app)

    output = seed(seeded_app)

    assert counts(seeded_app) == before
    assert before["Case"] == 7 * len(TOWNS) and before["Contract"] == 4 * len(TOWNS)
    for town in TOWNS:
        assert f"demo data for {town}: already there, nothing changed" in output


def test_seeding_prints_how_to_log_in_as_each_kind_of_staff(seeded_app: Flask) -> None:
    output = seed(seeded_app)

    assert "/anmelden/entwicklung" in output
    for role in ("clerk", "team_lead", "tenant_admin", "platform_admin"):
        assert role in output
    assert "http://admin.localhost:5000/anmelden/entwicklung" in output


def test_each_town_gets_its_own_cases_in_every_state_with_its_own_reference_prefix(seeded_app: Flask) -> None:
    today = today_in_germany()
    for town in TOWNS:
        info = tenant_info(seeded_app, town)
        cases = cases_of(seeded_app, town)
        assert {case.tenant_id for case in cases} == {info.id}
        assert all(case.reference.startswith(f"{info.reference_prefix}-") for case in cases)
        assert {case.status for case in cases} == OPEN_STATUSES | {"approved", "closed"}
        assert all(case.applicant_email.endswith("@example.org") for case in cases)
        assert any(case.status in OPEN_STATUSES and case.due_date and case.due_date < today for case in cases)
        # The applicants live in their own town.
        addresses = [value for case in cases for value in case.answers.values()
                     if isinstance(value, dict) and "postal_code" in value]
        assert addresses and {address["city"] for address in addresses} == {info.contact["city"]}


def test_decided_cases_carry_their_decision_letter(seeded_app: Flask) -> None:
    with seeded_app.app_context(), tenant_context(tenant_info(seeded_app, "usingen")):
        decided = db.session.scalars(select(Case).where(Case.status.in_(("approved", "closed")))).all()
        letters = db.session.scalars(
            select(Document).where(Document.case_id.in_([case.id for case in decided]), Document.source == "system",
                                   Document.kind.is_(None))
        ).all()
    assert len(decided) == 2
    assert sorted(letter.content_type for letter in letters) == ["application/pdf"] * 2


def test_each_town_has_contracts_with_notice_deadlines_in_the_next_90_days(seeded_app: Flask) -> None:
    today = today_in_germany()
    for town in TOWNS:
        with seeded_app.app_context(), tenant_context(tenant_info(seeded_app, town)):
            due = db.session.scalars(select(Contract.next_notice_by)).all()
        assert len([day for day in due if day and 0 <= (day - today).days <= 90]) == 3


def test_demo_mails_are_written_to_the_mail_folder_and_not_sent(seeded_app: Flask) -> None:
    with seeded_app.app_context(), all_tenants_context():
        outbox = db.session.scalars(select(OutboxMessage)).all()
    assert outbox and {message.status for message in outbox} == {"delivered"}
    files = list((Path(seeded_app.config["INSTANCE_DIR"]) / "mail").glob("*.eml"))
    assert len(files) == len(outbox)
    assert all(message.payload["to"].endswith("@example.org") for message in outbox)


def test_a_clerk_of_the_development_login_sees_the_towns_open_demo_cases_in_the_queue(seeded_app: Flask) -> None:
    client = town_client(seeded_app, "schmitten")
    login_as(client, "clerk", username="sb-demo")

    page = client.get("/sachbearbeitung/").get_data(as_text=True)

    own = [case.reference for case in cases_of(seeded_app, "schmitten") if case.status in OPEN_STATUSES]
    assert len(own) == 5 and all(reference in page for reference in own)
    assert not any(case.reference in page for case in cases_of(seeded_app, "usingen"))
    other = cases_of(seeded_app, "usingen")[0].reference
    assert client.get(f"/sachbearbeitung/vorgang/{other}").status_code == 404


@pytest.mark.parametrize(("setting", "value", "reason"), [
    ("ENV", "production", "never seeded in production"),
    ("MAIL_SMTP_HOST", "smtp.example.org", "an SMTP host is configured"),
])
def test_seeding_is_refused_in_production_and_with_a_real_mail_server(
    app: Flask, setting: str, value: str, reason: str
) -> None:
    app.config[setting] = value

    result = app.test_cli_runner().invoke(args=["demo", "seed"])

    assert result.exit_code != 0 and reason in result.output
    assert counts(app)["Case"] == 0
