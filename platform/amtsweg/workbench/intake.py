"""Multichannel intake: a clerk records an application received by phone, post or in person.

It runs the citizen's form engine (the same definitions, parsing, conditions and validation) on one
page with every step and records the answers through the submission core
(:func:`amtsweg.cases.services.submit`); the case keeps the channel it came through.
"""

from __future__ import annotations

import copy
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from amtsweg.cases.states import CHANNEL_LABELS
from amtsweg.cases.uploads import store_uploads as store_step_uploads
from amtsweg.documents.models import Document
from amtsweg.documents.services import delete_document
from amtsweg.processes.queries import EnabledProcess

# The channels a clerk records (online applications arrive by themselves).
CHANNELS = {key: label for key, label in CHANNEL_LABELS.items() if key != "online"}


def store_uploads(
    offered: EnabledProcess, answers: dict[str, Any], files: MultiDict[str, FileStorage],
) -> tuple[dict[str, Any], list[Document], dict[str, str]]:
    """Scanned paper documents sent with the intake page, checked and stored like a citizen's
    uploads (same limits, same messages). Returns the answers with their entries (``answers``
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
