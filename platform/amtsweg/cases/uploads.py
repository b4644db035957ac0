"""Files sent with a form page, stored as documents and recorded in the answers: the citizen's
form steps and the clerk's intake share it."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from amtsweg.documents.models import Document
from amtsweg.documents.services import UploadRejected, store_upload
from amtsweg.forms import inputs
from amtsweg.forms.form import Form, Step


def store_uploads(
    form: Form, step: Step, answers: dict[str, Any], files: MultiDict[str, FileStorage], *,
    draft_id: int | None = None, source: str = "citizen",
) -> tuple[list[Document], dict[str, str]]:
    """Checks and stores the files sent for ``step``'s visible file fields and adds their entries to
    ``answers``; returns the stored documents (flushed, not committed) and messages per field path
    for refused ones."""
    errors: dict[str, str] = {}
    stored = []
    for pending in inputs.pending_uploads(form, step, answers, files):
        for upload in pending.files:
            if pending.full():
                errors[pending.path] = pending.field.too_many_message()
                break
            try:
                document = store_upload(
                    upload.stream, upload.filename or "", accept=pending.field.accept,
                    max_bytes=pending.field.max_size_mb * 1024 * 1024, draft_id=draft_id, source=source,
                )
            except UploadRejected as exc:
                errors[pending.path] = str(exc)
                continue
            stored.append(document)
            pending.entries.append({"document": document.id, "name": document.filename, "size": document.size,
                                    "sha256": document.sha256})
        inputs.keep_uploads(step, answers, pending)
    return stored, errors
