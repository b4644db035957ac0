"""Every action the code records is named in words in the audit log (one registry of labels)."""

from __future__ import annotations

import re
from pathlib import Path

import amtsweg
from amtsweg.audit.labels import ACTION_LABELS, action_label
from flask_babel import force_locale

SOURCE = Path(amtsweg.__file__).parent
# The action argument of record(actor, "…", …) and note_access(case, actor, "…"), also as "a" if x else "b".
RECORDED = re.compile(
    r'(?:\brecord\([^,"]+,|note_access\([^,]+,[^,]+,)\s*"([a-z_.0-9]+)"(?:\s+if [^"]+else\s+"([a-z_.0-9]+)")?'
)


def _recorded_actions() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        for match in RECORDED.finditer(path.read_text(encoding="utf-8")):
            found.update(action for action in match.groups() if action)
    return found


def test_every_recorded_action_has_a_label():
    actions = _recorded_actions()
    assert {"case.viewed", "case.transition", "user.logged_in", "contract.imported"} <= actions
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_an_action_label_reads_in_german_and_english(app):
    with app.test_request_context():
        with force_locale("de"):
            assert action_label("case.viewed") == "Vorgang geöffnet"
        with force_locale("en"):
            assert action_label("case.viewed") == "Case opened"
            assert action_label("something.new") == "something.new"
