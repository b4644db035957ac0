"""Reminders before notice deadlines: through the real scheduler and job path, exactly once per
contract, deadline and lead time, to the responsible person and the deputy."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from amtsweg.clock import today_in_germany
from amtsweg.contracts import services
from amtsweg.contracts.models import Contract, ContractReminder
from amtsweg.extensions import db
from amtsweg.jobs import schedule
from amtsweg.notifications import mail
from amtsweg.notifications.models import OutboxMessage
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from contract_support import create_contract, logged_in, user_id, usingen_editor
from dateutil.relativedelta import relativedelta
from rq import Queue
from rq.serializers import JSONSerializer
from support.app_worker import APP_WORKER_COMMAND, service_settings, worker_environment

RESPONSIBLE, DEPUTY = "vertrag-u@entwicklung.invalid", "vertretung@entwicklung.invalid"


def _daily_jobs() -> list[schedule.PeriodicJob]:
    return [job for job in schedule.discover() if job.name == "contracts.daily"]


def _contract_due_in_about_20_days(app, client_for) -> int:
    """A fixed-term contract whose notice ("3 Monate zum Vertragsende") must arrive in about 20 days."""
    editor = usingen_editor(client_for)
    logged_in(client_for, "usingen", "contracts_viewer", username="vertretung")
    today = today_in_germany()
    return create_contract(
        editor,
        title="Wartung Aufzug",
        starts_on=(today - timedelta(days=400)).isoformat(),
        ends_on=(today + timedelta(days=20) + relativedelta(months=3)).isoformat(),
        minimum_term="",
        renewal_period="",
        notice_period="3 Monate zum Vertragsende",
        responsible_id=str(user_id(app, "vertrag-u")),
        deputy_id=str(user_id(app, "vertretung")),
    )


def _state(app) -> tuple[list[tuple[int, date, int]], list[tuple[str, dict[str, Any]]]]:
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        reminders = [(r.contract_id, r.notice_by, r.lead_days) for r in db.session.scalars(db.select(ContractReminder))]
        mails = [
            (m.payload["to"], m.payload["context"])
            for m in db.session.scalars(
                db.select(OutboxMessage).where(OutboxMessage.payload["template"].as_string() == "vertrag_frist")
            )
        ]
    return reminders, sorted(mails, key=lambda mail: mail[0])


def test_the_daily_job_run_twice_reminds_responsible_and_deputy_exactly_once(app, client_for):
    contract_id = _contract_due_in_about_20_days(app, client_for)
    now = datetime.now(UTC)
    # Two schedulers (e.g. after a restart) both run the job for the same day.
    for _ in range(2):
        assert schedule.Scheduler(app, _daily_jobs()).tick(now) != []

    reminders, mails = _state(app)
    [(reminded_contract, notice_by, lead)] = reminders
    assert reminded_contract == contract_id and lead == 30
    assert 8 <= (notice_by - today_in_germany()).days <= 30
    assert [to for to, _ in mails] == [RESPONSIBLE, DEPUTY]
    context = mails[0][1]
    assert context["title"] == "Wartung Aufzug" and context["notice_by"] == notice_by.strftime("%d.%m.%Y")
    assert context["url"].endswith(f"/sachbearbeitung/vertraege/{contract_id}")


def test_a_reminder_is_sent_in_german_and_its_english_version_renders_the_same_context(app, client_for):
    # Clerk accounts carry no language, so the reminder is German; the English version is there
    # for towns and accounts that will have one.
    _contract_due_in_about_20_days(app, client_for)
    assert schedule.Scheduler(app, _daily_jobs()).tick(datetime.now(UTC)) != []

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        message = db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.payload["template"].as_string() == "vertrag_frist")
        ).first()
        payload = message.payload
        german = mail.render(tenant_info(app, "usingen"), "vertrag_frist", payload["context"], payload["locale"])
        english = mail.render(tenant_info(app, "usingen"), "vertrag_frist", payload["context"], "en")

    assert payload["locale"] == "de"
    assert german.subject.startswith("Kündigungsfrist in ")
    context = payload["context"]
    assert english.subject == f"Notice deadline in {context['days_left']} days: {context['number']} Wartung Aufzug"
    assert f"by {context['notice_by']} at the latest" in english.text and context["url"] in english.text
    assert english.html is not None and 'lang="en"' in english.html and "View the contract" in english.html


def test_each_lead_time_reminds_once_and_a_late_contract_gets_only_the_most_urgent(app, client_for):
    contract_id = _contract_due_in_about_20_days(app, client_for)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        notice_by = db.session.get(Contract, contract_id).next_notice_by

        def run(day: date) -> int:
            return services.send_due_reminders(day, [90, 30, 7])

        assert run(notice_by - timedelta(days=91)) == 0
        assert run(notice_by - timedelta(days=90)) == 1
        assert run(notice_by - timedelta(days=89)) == 0
        assert run(notice_by - timedelta(days=5)) == 1  # 30 days was skipped by the job; 7 is due now
        assert run(notice_by - timedelta(days=4)) == 0
        leads = sorted(db.session.scalars(db.select(ContractReminder.lead_days)).all())
    assert leads == [7, 90]


def test_the_lead_times_are_a_setting(app, client_for):
    _contract_due_in_about_20_days(app, client_for)
    app.config["CONTRACT_REMINDER_DAYS"] = [10]
    schedule.Scheduler(app, _daily_jobs()).tick(datetime.now(UTC))
    assert _state(app) == ([], [])


def test_terminated_contracts_and_contracts_without_people_are_not_reminded(app, client_for):
    editor = usingen_editor(client_for)
    today = today_in_germany()
    common = {
        "starts_on": (today - timedelta(days=400)).isoformat(),
        "minimum_term": "",
        "renewal_period": "",
        "notice_period": "3 Monate zum Vertragsende",
        "ends_on": (today + timedelta(days=20) + relativedelta(months=3)).isoformat(),
    }
    create_contract(
        editor, title="Gekündigt", status="gekuendigt", responsible_id=str(user_id(app, "vertrag-u")), **common
    )
    create_contract(editor, title="Niemand zuständig", **common)
    schedule.Scheduler(app, _daily_jobs()).tick(datetime.now(UTC))
    assert _state(app) == ([], [])


@pytest.mark.redis
class TestWithRqWorker:
    @pytest.fixture
    def app_overrides(self, redis_server: Any, smtp_server: Any) -> dict[str, Any]:
        return service_settings(redis_server, smtp_server)

    def test_a_real_worker_running_the_job_twice_sends_each_reminder_once(
        self, app, client_for, redis_server, smtp_server, tmp_path: Path
    ):
        _contract_due_in_about_20_days(app, client_for)
        [job_id] = schedule.Scheduler(app, _daily_jobs()).tick(datetime.now(UTC))
        queue = Queue("default", connection=redis_server.client(), serializer=JSONSerializer)
        [job] = [job for job in queue.get_jobs() if job.id == job_id]
        # RQ is at-least-once: a second copy of the same run waits on the queue too.
        queue.enqueue_call(job.func_name, args=job.args, job_id="duplicate-contracts-daily")
        env = worker_environment(app.config, tmp_path)
        worker = redis_server.start_rq_worker(env, ["default", "mail"], command=APP_WORKER_COMMAND)
        worker.wait_until_listening()
        try:
            messages = smtp_server.wait_for(2, timeout=30)
            deadline = time.monotonic() + 10
            while (queue.count or queue.started_job_registry.count) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)
        finally:
            worker.kill()
        assert len(smtp_server.received) == 2
        assert sorted(message["To"] for message in messages) == [RESPONSIBLE, DEPUTY]
        assert all(message["Subject"].startswith("Kündigungsfrist in ") for message in messages)
        assert "Wartung Aufzug" in messages[0]["Subject"]
        reminders, mails = _state(app)
        assert len(reminders) == 1 and len(mails) == 2
