"""Working-day deadlines (Hessian holidays, pauses) and the workflow's transition rules."""

from __future__ import annotations

from datetime import date

import pytest
from amtsweg.cases.deadlines import add_working_days, due_date, is_overdue, working_days_between
from amtsweg.cases.workflow import IllegalTransition, available_transitions, transition_for
from amtsweg.processes.loader import load_library
from amtsweg.settings import REPOSITORY_ROOT


def test_weekends_do_not_count():
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday


def test_easter_and_hessian_corpus_christi_do_not_count():
    # Good Friday 3 April and Easter Monday 6 April 2026 are holidays everywhere.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    # Corpus Christi (4 June 2026) is a holiday in Hessen.
    assert add_working_days(date(2026, 6, 3), 1) == date(2026, 6, 5)


def test_pauses_move_the_due_date_by_their_working_days():
    plain = due_date(date(2026, 3, 2), 10)
    assert plain == date(2026, 3, 16)
    paused = due_date(date(2026, 3, 2), 10, [(date(2026, 3, 4), date(2026, 3, 11))])
    assert working_days_between(date(2026, 3, 4), date(2026, 3, 11)) == 5
    assert paused == add_working_days(plain, 5)
    assert due_date(date(2026, 3, 2), 10, [(date(2026, 3, 4), None)], today=date(2026, 3, 5)) == date(2026, 3, 17)


def test_overdue_only_after_the_due_date():
    assert not is_overdue(date(2026, 3, 16), today=date(2026, 3, 16))
    assert is_overdue(date(2026, 3, 16), today=date(2026, 3, 17))
    assert not is_overdue(None)


@pytest.fixture(scope="module")
def definition():
    return load_library(REPOSITORY_ROOT / "shared_processes").processes["hundesteuer-anmelden"].definition


def test_transitions_depend_on_state_and_role(definition):
    assert [t.id for t in available_transitions(definition, "in_progress", ["clerk"])] == [
        "request_information", "approve", "reject"]
    assert available_transitions(definition, "in_progress", ["contracts_editor"]) == []
    assert available_transitions(definition, "closed", ["clerk", "team_lead"]) == []


def test_a_transition_from_the_wrong_state_is_illegal(definition):
    assert transition_for(definition, "submitted", ["clerk"], "start").to == "in_progress"
    with pytest.raises(IllegalTransition):
        transition_for(definition, "submitted", ["clerk"], "approve")
    with pytest.raises(IllegalTransition):
        transition_for(definition, "submitted", ["tenant_admin"], "start")
