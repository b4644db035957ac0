"""Reference numbers and double submissions under real concurrency on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from amtsweg.cases import drafts
from amtsweg.cases.assessment import assess
from amtsweg.cases.models import Case, Draft
from amtsweg.cases.references import next_reference
from amtsweg.extensions import db
from amtsweg.processes.queries import enabled_process
from amtsweg.processes.sample_answers import valid_answers
from amtsweg.tenancy import tenant_context
from conftest import tenant_info
from sqlalchemy import select

pytestmark = pytest.mark.postgres
THREADS = 8


def _in_threads(target, count: int) -> list:
    """Run ``target(i)`` in ``count`` threads started together; any thread's exception fails the test."""
    results: list = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results.append(target(index))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return results


def test_parallel_transactions_get_gap_free_unique_numbers(pg_app):
    town = tenant_info(pg_app, "usingen")

    def take(index: int) -> str | None:
        with pg_app.app_context(), tenant_context(town):
            reference = next_reference(2026)
            if index == 0:
                # A failed submission gives its number back.
                db.session.rollback()
                return None
            db.session.commit()
            return reference

    numbers = sorted(r for r in _in_threads(take, THREADS) if r)
    assert numbers == [f"{town.reference_prefix}-2026-{n:06d}" for n in range(1, THREADS)]
    with pg_app.app_context(), tenant_context(tenant_info(pg_app, "schmitten")):
        assert next_reference(2026).endswith("-2026-000001")
        db.session.rollback()


def test_the_same_review_form_sent_in_parallel_makes_one_case(pg_app):
    town = tenant_info(pg_app, "usingen")
    with pg_app.app_context(), tenant_context(town):
        offered = enabled_process("hundesteuer-anmelden")
        draft, _ = drafts.start_draft(offered)
        drafts.save_step(draft, offered, valid_answers(offered.definition), completed_steps=3)
        draft_id = draft.id

    def send(index: int) -> str:
        with pg_app.test_request_context(), tenant_context(town):
            offered = enabled_process("hundesteuer-anmelden")
            draft = db.session.get(Draft, draft_id)
            if draft is None:
                return "already submitted"
            submission = drafts.submit_draft(draft, assess(offered, draft.answers), "de")
            return submission.case.reference

    references = _in_threads(send, 4)
    with pg_app.app_context(), tenant_context(town):
        cases = db.session.scalars(select(Case)).all()
    assert len(cases) == 1
    assert cases[0].reference.endswith("-000001")
    assert set(references) - {"already submitted"} == {cases[0].reference}
