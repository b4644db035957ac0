"""The online application: start, one page per step, review, submission and confirmation.

Every page works without JavaScript: conditions are evaluated on the server when a step is sent,
groups grow and shrink with submit buttons (``aktion``), uploads go with the step's form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Response

from amtsweg.auth.citizens import citizen_provider, current_citizen, prefill_answers
from amtsweg.cases import services
from amtsweg.cases.models import Draft
from amtsweg.cases.queries import case_by_idempotency_key, draft_by_token
from amtsweg.documents.models import Document
from amtsweg.documents.services import UploadRejected, store_upload
from amtsweg.formatting import format_cents
from amtsweg.forms import inputs
from amtsweg.forms.display import answer_sections
from amtsweg.forms.validation import EMAIL_RE, validate_answers
from amtsweg.processes.conditions import field_states, prune_hidden
from amtsweg.processes.fees import FeeError, compute_fees, total_cents
from amtsweg.processes.queries import EnabledProcess, digital_process_or_404
from amtsweg.processes.schema import AnyField, Form, Step
from amtsweg.sites import restrict_to

blueprint = Blueprint("application", __name__, url_prefix="/antrag", template_folder="templates")
restrict_to(blueprint, "tenant")

SESSION_DRAFTS = "antraege"
SESSION_RECEIPT = "eingang"


def _locale() -> str:
    return str(get_locale() or "de")


def localized(text: Any) -> str:
    """A definition's text (``{de, en}``) in the page's language, German when missing."""
    if text is None:
        return ""
    values = text if isinstance(text, dict) else text.model_dump()
    return values.get(_locale()) or values.get("de", "")


def option_pairs(fld: Any) -> list[tuple[str, str]]:
    return [(option.value, localized(option.label)) for option in fld.options]


@blueprint.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"localized": localized, "field_id": inputs.field_id, "option_pairs": option_pairs}


def _session_draft(slug: str) -> Draft | None:
    token = session.get(SESSION_DRAFTS, {}).get(slug)
    return draft_by_token(token, slug) if isinstance(token, str) else None


def _remember(slug: str, token: str) -> None:
    drafts = dict(session.get(SESSION_DRAFTS, {}))
    drafts[slug] = token
    session[SESSION_DRAFTS] = drafts


def _forget(slug: str) -> None:
    drafts = dict(session.get(SESSION_DRAFTS, {}))
    drafts.pop(slug, None)
    session[SESSION_DRAFTS] = drafts


class _Restart(Exception):
    """The citizen has to go elsewhere first (no draft, or the form changed)."""

    def __init__(self, response: Response) -> None:
        self.response = response


@blueprint.errorhandler(_Restart)
def _restart(error: _Restart) -> Response:
    return error.response


def _draft_for(offered: EnabledProcess) -> Draft:
    slug = offered.process.slug
    draft = _session_draft(slug)
    if draft is None:
        flash(gettext("Ihr Antrag wurde nicht gefunden oder ist abgelaufen. Bitte beginnen Sie neu."), "warning")
        raise _Restart(redirect(url_for("application.start", slug=slug)))
    if draft.process_version_id != offered.version.id:
        services.rebase_draft(draft, offered)
        flash(gettext("Das Antragsformular wurde inzwischen geändert. Bitte prüfen Sie Ihre Angaben noch einmal."),
              "warning")
        raise _Restart(redirect(url_for("application.step", slug=slug, number=1)))
    return draft


def _steps(offered: EnabledProcess) -> list[Step]:
    assert offered.definition.form is not None
    return offered.definition.form.steps


def _continue_url(offered: EnabledProcess, draft: Draft) -> str:
    """Where a citizen picks the draft up again: the first unfinished step, or the review."""
    if draft.completed_steps >= len(_steps(offered)):
        return url_for("application.review", slug=offered.process.slug)
    return url_for("application.step", slug=offered.process.slug, number=draft.completed_steps + 1)


@blueprint.route("/<slug>/")
def start(slug: str) -> str:
    offered = digital_process_or_404(slug)
    draft = _session_draft(slug)
    return render_template(
        "application/start.html", offered=offered, definition=offered.definition, draft=draft,
        continue_url=_continue_url(offered, draft) if draft else None, steps=_steps(offered),
        fees=offered.fees(), format_cents=format_cents, citizen=current_citizen(),
        citizen_login=citizen_provider() is not None,
    )


@blueprint.route("/<slug>/starten", methods=["POST"])
def begin(slug: str) -> Response:
    offered = digital_process_or_404(slug)
    citizen = current_citizen()
    _, token = services.start_draft(offered, prefill_answers(offered.definition, citizen) if citizen else None)
    _remember(slug, token)
    return redirect(url_for("application.step", slug=slug, number=1))


@blueprint.route("/<slug>/fortsetzen/<token>")
def resume(slug: str, token: str) -> Response | tuple[str, int]:
    offered = digital_process_or_404(slug)
    draft = draft_by_token(token, slug)
    if draft is None:
        return render_template("application/expired.html", definition=offered.definition, slug=slug), 404
    _remember(slug, token)
    return redirect(_continue_url(offered, draft))


# Field types whose typed text becomes another JSON type in the answers (see forms.inputs).
_CONVERTED_TYPES = frozenset({"yesno", "number", "money", "date", "iban", "address"})


def _var_names(rule: Any) -> Iterable[str]:
    """The top-level answer ids a JSON Logic rule reads (``var`` and ``missing`` names)."""
    if isinstance(rule, list):
        for item in rule:
            yield from _var_names(item)
    elif isinstance(rule, dict):
        for operator, args in rule.items():
            names = args if isinstance(args, list) else [args]
            if operator in ("var", "missing", "missing_some"):
                listed = names[1] if operator == "missing_some" and len(names) > 1 else names
                for name in listed if isinstance(listed, list) else [listed]:
                    if isinstance(name, str) and name:
                        yield name.split(".", 1)[0]
            yield from _var_names(args)


def condition_context(form: Form, fields: list[AnyField], answers: dict[str, Any]) -> dict[str, Any] | None:
    """What the page's script needs to evaluate the ``show_if`` rules of ``fields`` as the server
    does: the types whose text it converts (``group.sub`` inside groups) and the answers of fields
    on other pages that the rules read (hidden ones left out). None when nothing is conditional."""
    rules, types = [], {}
    for fld in fields:
        for sub in [fld, *getattr(fld, "fields", [])]:
            if sub.show_if is not None:
                rules.append(sub.show_if)
            if sub.type in _CONVERTED_TYPES:
                types[fld.id if sub is fld else f"{fld.id}.{sub.id}"] = sub.type
    if not rules:
        return None
    on_page = {fld.id for fld in fields}
    read = set(_var_names(rules)) - on_page
    outside = {key: value for key, value in prune_hidden(form, answers).items() if key in read}
    return {"types": types, "answers": outside}


def _render_step(offered: EnabledProcess, draft: Draft, number: int, answers: dict[str, Any],
                 errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    assert offered.definition.form is not None
    step = _steps(offered)[number - 1]
    states = {s.path: s for s in field_states(offered.definition.form, answers)}
    return render_template(
        "application/step.html", offered=offered, definition=offered.definition, step=step,
        number=number, total=len(_steps(offered)), answers=answers, errors=errors, states=states,
        inputs=inputs, draft=draft, conditions=condition_context(offered.definition.form, step.fields, answers),
    ), status


def store_uploads(
    form: Form, step: Step, answers: dict[str, Any], files: MultiDict[str, FileStorage], *,
    draft_id: int | None = None, source: str = "citizen",
) -> tuple[list[Document], dict[str, str]]:
    """Checks and stores the files sent for ``step``'s visible file fields and adds their entries to
    ``answers``; returns the stored documents (flushed, not committed) and German messages per
    field path for refused ones. The citizen's form and the clerk's intake share it."""
    errors: dict[str, str] = {}
    visible = {s.path for s in field_states(form, answers)}
    stored = []
    for path, fld in inputs.file_fields(step, answers):
        uploads = [f for f in files.getlist(path) if isinstance(f, FileStorage) and f.filename]
        if not uploads or path not in visible:
            continue
        entries = list(inputs.get_path(answers, path) or [])
        for upload in uploads:
            if len(entries) >= fld.max_files:
                errors[path] = gettext("Bitte laden Sie höchstens %(count)d Datei(en) hoch.", count=fld.max_files)
                break
            try:
                document = store_upload(
                    upload.stream, upload.filename or "", accept=fld.accept,
                    max_bytes=fld.max_size_mb * 1024 * 1024, draft_id=draft_id, source=source,
                )
            except UploadRejected as exc:
                errors[path] = str(exc)
                continue
            stored.append(document)
            entries.append({"document": document.id, "name": document.filename, "size": document.size,
                            "sha256": document.sha256})
        if entries:
            inputs.set_path(answers, step, path, entries)
    return stored, errors


def _store_uploads(offered: EnabledProcess, draft: Draft, step: Step, answers: dict[str, Any]) -> dict[str, str]:
    """Stores the files sent with a step for the draft; returns messages for refused ones."""
    assert offered.definition.form is not None
    stored, errors = store_uploads(offered.definition.form, step, answers, request.files, draft_id=draft.id)
    if stored:
        services.add_uploads(draft, answers, stored)
    return errors


@blueprint.route("/<slug>/schritt/<int:number>", methods=["GET", "POST"])
def step(slug: str, number: int) -> Response | tuple[str, int]:
    offered = digital_process_or_404(slug)
    draft = _draft_for(offered)
    steps = _steps(offered)
    if not 1 <= number <= len(steps):
        abort(404)
    if number > draft.completed_steps + 1:
        # Steps are answered in order; a later one cannot be opened (or sent) before.
        return redirect(url_for("application.step", slug=slug, number=draft.completed_steps + 1))
    current = steps[number - 1]
    answers = dict(draft.answers)
    if request.method == "GET":
        for fld in current.fields:
            if fld.type == "group" and fld.id not in answers:
                answers[fld.id] = inputs.initial_items(fld, fld.required)
        return _render_step(offered, draft, number, answers, {})

    kept = {k: v for k, v in draft.answers.items() if k not in inputs.step_field_ids(current)}
    answers = {**kept, **inputs.parse_step(current, request.form, draft.answers)}
    upload_errors = _store_uploads(offered, draft, current, answers)
    action = request.form.get("aktion", "weiter")
    if action not in ("weiter", "speichern"):
        try:
            removed = inputs.apply_action(current, answers, action)
        except inputs.UnknownAction:
            abort(400)
        if removed:
            services.discard_document(draft, removed, answers)
        services.save_answers(draft, answers, min(draft.completed_steps, number - 1))
        return redirect(url_for("application.step", slug=slug, number=number))
    if action == "speichern":
        services.save_answers(draft, answers)
        return redirect(url_for("application.save_for_later", slug=slug))
    errors = {**inputs.errors_of_step(current, validate_answers(offered.definition, answers)), **upload_errors}
    if errors:
        services.save_answers(draft, answers, min(draft.completed_steps, number - 1))
        return _render_step(offered, draft, number, answers, errors)
    services.save_answers(draft, answers, max(draft.completed_steps, number))
    if number == len(steps):
        return redirect(url_for("application.review", slug=slug))
    return redirect(url_for("application.step", slug=slug, number=number + 1))


@blueprint.route("/<slug>/speichern", methods=["GET", "POST"])
def save_for_later(slug: str) -> Response | str:
    offered = digital_process_or_404(slug)
    draft = _draft_for(offered)
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        if not EMAIL_RE.match(email) or len(email) > 254:
            error = gettext("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")
        else:
            token = session[SESSION_DRAFTS][slug]
            link = url_for("application.resume", slug=slug, token=token, _external=True)
            title = offered.definition.title.en if _locale() == "en" else offered.definition.title.de
            services.send_resume_link(draft, email, link, title, _locale())
            return render_template("application/saved.html", definition=offered.definition, email=email,
                                   draft=draft, continue_url=_continue_url(offered, draft))
    return render_template("application/save.html", definition=offered.definition, error=error, slug=slug,
                           email=request.form.get("email", ""), continue_url=_continue_url(offered, draft))


def _review_context(offered: EnabledProcess, draft: Draft) -> dict[str, Any]:
    fee_unknown = False
    try:
        fees = compute_fees(offered.definition, draft.answers, offered.fee_overrides)
    except FeeError:
        fees, fee_unknown = [], True
    return {"definition": offered.definition, "sections": answer_sections(offered.definition, draft.answers, _locale()),
            "fees": fees, "fee_total": total_cents(fees), "fee_unknown": fee_unknown, "format_cents": format_cents,
            "draft": draft}


@blueprint.route("/<slug>/pruefen")
def review(slug: str) -> Response | str:
    offered = digital_process_or_404(slug)
    draft = _draft_for(offered)
    if draft.completed_steps < len(_steps(offered)):
        return redirect(url_for("application.step", slug=slug, number=draft.completed_steps + 1))
    return render_template("application/review.html", errors={}, **_review_context(offered, draft))


@blueprint.route("/<slug>/absenden", methods=["POST"])
def submit(slug: str) -> Response | tuple[str, int]:
    offered = digital_process_or_404(slug)
    key = request.form.get("einreichung", "")
    existing = case_by_idempotency_key(key) if key else None
    if existing is not None:
        # Sent twice (double click, reload, back button): the first submission stands.
        return redirect(url_for("application.confirmation", slug=slug))
    draft = _draft_for(offered)
    if key != draft.submission_key:
        abort(400)
    errors = {}
    if not request.form.get("datenschutz"):
        errors["datenschutz"] = gettext("Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben.")
    if not request.form.get("wahrheit"):
        errors["wahrheit"] = gettext("Bitte versichern Sie, dass Ihre Angaben richtig und vollständig sind.")
    if errors:
        return render_template("application/review.html", errors=errors, **_review_context(offered, draft)), 200
    citizen = current_citizen()
    try:
        submission = services.submit_draft(
            draft, offered, key, _locale(),
            status_url_for=lambda token: url_for("status.show", token=token, _external=True),
            citizen_account_id=citizen.id if citizen else None,
        )
    except services.DefinitionChanged:
        services.rebase_draft(draft, offered)
        flash(gettext("Das Antragsformular wurde inzwischen geändert. Bitte prüfen Sie Ihre Angaben noch einmal."),
              "warning")
        return redirect(url_for("application.step", slug=slug, number=1))
    except services.AnswersIncomplete as exc:
        first = next(iter(exc.errors)).split(".", 1)[0]
        number = next(i for i, s in enumerate(_steps(offered), 1) if first in inputs.step_field_ids(s))
        services.save_answers(draft, draft.answers, number - 1)
        flash(gettext("Bitte vervollständigen Sie Ihre Angaben."), "error")
        return redirect(url_for("application.step", slug=slug, number=number))
    if submission.status_token is not None:
        session[SESSION_RECEIPT] = {"slug": slug, "reference": submission.case.reference,
                                    "token": submission.status_token}
    _forget(slug)
    return redirect(url_for("application.confirmation", slug=slug))


@blueprint.route("/<slug>/eingang")
def confirmation(slug: str) -> str:
    offered = digital_process_or_404(slug)
    receipt = session.get(SESSION_RECEIPT)
    if not isinstance(receipt, dict) or receipt.get("slug") != slug:
        abort(404)
    return render_template("application/confirmation.html", definition=offered.definition,
                           reference=receipt["reference"], token=receipt["token"])
