"""Multichannel intake: a clerk records an application received by phone, post or in person.

It runs the citizen's form engine (the same definitions, parsing, conditions, validation and
submission service) on one page with every step; the case keeps the channel it came through.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from amtsweg.cases import services
from amtsweg.cases.models import Draft
from amtsweg.cases.tokens import hash_token, new_token
from amtsweg.extensions import db
from amtsweg.forms import inputs
from amtsweg.processes.queries import EnabledProcess
from amtsweg.processes.schema import FileField, GroupField

CHANNELS = {"phone": _l("Telefon"), "post": _l("Post"), "in_person": _l("Persönlich vor Ort")}


def _group_sizes(offered: EnabledProcess, form: MultiDict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """How many items each group had on the sent page (the page itself carries that state)."""
    assert offered.definition.form is not None
    sizes = {}
    for fld in offered.definition.form.top_fields():
        if isinstance(fld, GroupField):
            item = re.compile(rf"^{re.escape(fld.id)}\.(\d+)\.")
            indexes = {int(m.group(1)) for key in form if (m := item.match(key))}
            if indexes:
                sizes[fld.id] = [{} for _ in range(max(indexes) + 1)]
            else:
                sizes[fld.id] = inputs.initial_items(fld, fld.required)
    return sizes


def parse_answers(offered: EnabledProcess, form: MultiDict[str, str]) -> dict[str, Any]:
    """The answers of every step from one sent intake page."""
    assert offered.definition.form is not None
    previous = _group_sizes(offered, form)
    answers: dict[str, Any] = {}
    for step in offered.definition.form.steps:
        answers.update(inputs.parse_step(step, form, previous))
    return answers


def apply_group_action(offered: EnabledProcess, answers: dict[str, Any], action: str) -> None:
    """Add or remove a group item (``hinzufuegen:<group>``, ``entfernen:<group>:<index>``)."""
    assert offered.definition.form is not None
    group_id = action.partition(":")[2].partition(":")[0]
    for step in offered.definition.form.steps:
        if any(fld.id == group_id for fld in step.fields):
            inputs.apply_action(step, answers, action)
            return
    raise inputs.UnknownAction(action)


def is_paper_field(field: Any) -> bool:
    """Uploads are not part of the intake page: paper documents stay with the clerk's files."""
    return isinstance(field, FileField)


def record_application(
    offered: EnabledProcess, answers: dict[str, Any], channel: str, submission_key: str, clerk: str,
    status_url_for: Any,
) -> services.Submission:
    """Submit the answers as a case of ``channel`` through the citizen's submission service.

    The draft only carries the answers into that service and is deleted in the same transaction;
    ``submission_key`` (from the intake page) makes a second click return the first case.
    """
    draft = Draft(
        token_hash=hash_token(new_token()), process_slug=offered.process.slug,
        process_version_id=offered.version.id, answers=answers,
        completed_steps=len(offered.definition.form.steps) if offered.definition.form else 0,
        submission_key=submission_key, expires_at=datetime.now(UTC),
    )
    db.session.add(draft)
    return services.submit_draft(draft, offered, submission_key, "de", status_url_for, channel=channel, actor=clerk)
