"""``flask processes validate`` and ``flask processes sync``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "shared_processes"


@pytest.fixture
def broken_library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY, root)
    path = root / "hundesteuer-anmelden" / "process.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: digital", "kind: analog", 1), encoding="utf-8")
    return root


def test_validate_lists_every_definition_with_kind_and_area(app):
    result = app.test_cli_runner().invoke(args=["processes", "validate"])
    lines = dict(re.findall(r"^(\S+)\s+(digital|external)\s+\S+$", result.output, re.MULTILINE))
    summary = re.search(r"(\d+) digital, (\d+) external, (\d+) error", result.output)
    assert "hundesteuer-anmelden" in lines and lines["kfz-zulassung"] == "external"
    assert int(summary.group(1)) >= 67 and int(summary.group(2)) >= 15
    assert result.exit_code == (1 if int(summary.group(3)) else 0), result.output


def test_validate_names_file_and_path_of_each_error_and_exits_1(app, broken_library):
    app.config["PROCESSES_DIR"] = str(broken_library)
    result = app.test_cli_runner().invoke(args=["processes", "validate"])
    assert result.exit_code == 1
    line = next(number for number, row in enumerate(
        (broken_library / "hundesteuer-anmelden" / "process.yaml").read_text(encoding="utf-8").splitlines(), 1)
        if row.startswith("kind:"))
    assert f"error: hundesteuer-anmelden/process.yaml: row {line}: kind: unknown kind 'analog'" in result.output


def test_sync_reports_unchanged_definitions(app):
    result = app.test_cli_runner().invoke(args=["processes", "sync"])
    assert result.exit_code == 0, result.output
    assert re.search(r"unchanged: \d{2,}", result.output)
    assert "created:" not in result.output


def test_sync_of_a_broken_library_stops_and_lists_the_errors(app, broken_library):
    app.config["PROCESSES_DIR"] = str(broken_library)
    result = app.test_cli_runner().invoke(args=["processes", "sync"])
    assert result.exit_code != 0
    assert re.search(r"hundesteuer-anmelden/process.yaml: row \d+: kind", result.output)
    assert "nothing was changed" in result.output
