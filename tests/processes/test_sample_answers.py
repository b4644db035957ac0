"""Generated valid answers pass the server-side validation for every shared form."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from amtsweg.forms.patterns import example_for_pattern
from amtsweg.forms.validation import validate_answers
from amtsweg.processes.loader import load_library
from amtsweg.processes.sample_answers import valid_answers

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"
_library = load_library(LIBRARY)


@pytest.mark.parametrize("slug", sorted(_library.processes))
def test_valid_answers_of_every_form_pass_validation(slug):
    definition = _library.processes[slug].definition
    today = dt.date(2026, 3, 2)
    answers = valid_answers(definition, today)
    assert validate_answers(definition, answers, today=today) == {}


@pytest.mark.parametrize("pattern", [r"^\d{5}$", r"^(HRA|HRB)\s?\d{1,6}$", r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$",
                                     r"[^@]+@[a-z]+\.de", r"^DE\d{9}$"])
def test_example_for_pattern_matches_the_pattern(pattern):
    assert re.fullmatch(pattern, example_for_pattern(pattern))
