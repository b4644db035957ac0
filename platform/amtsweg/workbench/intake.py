"""Multichannel intake: a clerk records an application received by phone, post or in person.

It runs the citizen's form engine (the same definitions, parsing, conditions, validation and
submission service) on one page with every step; the case keeps the channel it came through.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage, MultiDict

from amtsweg.cases import services
from amtsweg.cases.models import Draft
from amtsweg.documents.models import Document
from amtsweg.documents.services import delete_document
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.forms import inputs
from amtsweg.portal.application import store_uploads as store_step_uploads
from amtsweg.processes.queries import EnabledProcess
from amtsweg.processes.schema import GroupField
from amtsweg.tokens import hash_token, new_token

CHANNELS = {"phone": _l("Telefon"), "post": _l("Post"), "in_person": _l("Persönlich vor Ort")}


def _group_sizes(offered: EnabledProcess, form: MultiDict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """How many items each group had on the sent page (the page itself carries that state)."""
    assert offered.definition.form is not None
    sizes: dict[str, list[dict[str, Any]]] = {}
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


def store_uploads(
    offered: EnabledProcess, answers: dict[str, Any], files: MultiDict[str, FileStorage],
) -> tuple[dict[str, Any], list[Document], dict[str, str]]:
    """Scanned paper documents sent with the intake page, checked and stored like a citizen's
    uploads (same limits, same German messages). Returns the answers with their entries (``answers``
    stays as it is, for a page shown again), the stored documents and messages for refused files."""
    assert offered.definition.form is not None
    with_files = copy.deepcopy(answers)
    stored: list[Document] = []
    errors: dict[str, str] = {}
    for step in offered.definition.form.steps:
        documents, refused = store_step_uploads(offered.definition.form, step, with_files, files, source="clerk")
        stored += documents
        errors.update(refused)
    return with_files, stored, errors


def discard_uploads(documents: list[Document]) -> None:
    """Removes the uploads of an intake page that was not recorded, rows and contents, so that a
    refused page leaves no files behind (the clerk selects them again)."""
    for document in documents:
        delete_document(document)


def record_application(
    offered: EnabledProcess, answers: dict[str, Any], channel: str, submission_key: str, clerk: str,
    status_url_for: Any, documents: Sequence[Document] = (),
) -> services.Submission:
    """Submit the answers as a case of ``channel`` through the citizen's submission service.

    The draft only carries the answers and the stored ``documents`` into that service (which links
    them to the case) and is deleted in the same transaction; ``submission_key`` (from the intake
    page) makes a second click return the first case.
    """
    draft = Draft(
        token_hash=hash_token(new_token()), process_slug=offered.process.slug,
        process_version_id=offered.version.id, answers=answers,
        completed_steps=len(offered.definition.form.steps) if offered.definition.form else 0,
        submission_key=submission_key, expires_at=datetime.now(UTC),
    )
    keys = [document.storage_key for document in documents]
    try:
        db.session.add(draft)
        db.session.flush()
        for document in documents:
            document.draft_id = draft.id
        submission = services.submit_draft(
            draft, offered, submission_key, "de", status_url_for, channel=channel, actor=clerk,
        )
    except BaseException:
        db.session.rollback()
        _delete_contents(keys)
        raise
    if submission.status_token is None:
        # A parallel click recorded the case first; this request's document rows were rolled back.
        _delete_contents(keys)
    return submission


def _delete_contents(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        storage.delete(key)
