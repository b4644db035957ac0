"""The retention run on PostgreSQL as production runs it: the app role under row-level security and
the append-only audit log, which once refused every deletion. Tests of the SQLite module that
delete cases, run here on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from archive.test_retention import (  # noqa: F401 - collected here, with this module's app
    test_another_towns_cases_are_untouched,
    test_running_the_job_twice_changes_nothing,
)
from conftest import postgres_app
from flask import Flask


@pytest.fixture
def app(postgres_server, tmp_path) -> Iterator[Flask]:
    with postgres_app(postgres_server, tmp_path) as application:
        yield application
