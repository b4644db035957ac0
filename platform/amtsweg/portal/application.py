"""The online application: start, one page per step, review, submission and confirmation.

Every page works without JavaScript: conditions are evaluated on the server when a step is sent,
groups grow and shrink with submit buttons (``aktion``), uploads go with the step's form.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from amtsweg.auth.citizens import citizen_provider, current_citizen, prefill_answers
from amtsweg.auth.identity import current_identity, login_prefill, require_level
from amtsweg.auth.trust import trust_level
from amtsweg.cases import drafts
from amtsweg.cases.assessment import applicant_of, assess
from amtsweg.cases.models import Draft
from amtsweg.cases.queries import case_by_idempotency_key, draft_by_token
from amtsweg.cases.services import Identification
from amtsweg.cases.uploads import store_uploads
from amtsweg.documents.services import delete_document
from amtsweg.forms import inputs
from amtsweg.forms.base import page_locale
from amtsweg.forms.conditions import field_states, page_conditions
from amtsweg.forms.display import answer_sections
from amtsweg.forms.fields.email import is_email
from amtsweg.forms.form import Step
from amtsweg.forms.prefill import Prefilled, login_keys, origins, with_locked
from amtsweg.forms.validation import validate_answers
from amtsweg.processes.queries import EnabledProcess, digital_process_or_404
from amtsweg.sites import restrict_to
from amtsweg.web import choose_language, too_large_message

blueprint = Blueprint("application", __name__, url_prefix="/antrag", template_folder="templates")
restrict_to(blueprint, "tenant")

SESSION_DRAFTS = "antraege"
SESSION_RECEIPT = "eingang"


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


def _for_organisations(offered: EnabledProcess) -> bool:
    """Whether only an organisation's login may apply: the service is for organisations and the town's
    login can log one in (Mein Unternehmenskonto). Where it cannot, the form stays open and the
    organisation's details are typed in."""
    provider = citizen_provider()
    return offered.organisation_account and provider is not None and provider.logs_in_organisations


def _login_needed(offered: EnabledProcess) -> Response | None:
    """The way to a login when the service asks for a trust level this login does not reach (or no login);
    the login comes back to the page asked for, or after a form sent to the start page."""
    organisation = _for_organisations(offered)
    if offered.trust_level is None and not organisation:
        return None
    back = None if request.method == "GET" else url_for("application.start", slug=offered.process.slug)
    response: Response | None = require_level(offered.trust_level or 1, next_path=back, organisation=organisation,
                                              attributes=_login_keys(offered))
    return response


def _login_keys(offered: EnabledProcess) -> set[str]:
    """The login attributes the service's form takes over (all a login for it asks for, with identification)."""
    return login_keys(offered.definition.form, _for_organisations(offered))


def _prefilled(offered: EnabledProcess) -> dict[str, Prefilled]:
    return login_prefill(offered.definition.form)


def _draft_for(offered: EnabledProcess) -> Draft:
    slug = offered.process.slug
    if (login := _login_needed(offered)) is not None:
        # Also for a draft started before a logout or picked up by its link.
        raise _Restart(login)
    draft = _session_draft(slug)
    if draft is None:
        flash(gettext("Ihr Antrag wurde nicht gefunden oder ist abgelaufen. Bitte beginnen Sie neu."), "warning")
        raise _Restart(redirect(url_for("application.start", slug=slug)))
    return draft


def _steps(offered: EnabledProcess) -> list[Step]:
    assert offered.definition.form is not None
    return offered.definition.form.steps


def _continue_url(offered: EnabledProcess, draft: Draft) -> str:
    """Where a citizen picks the draft up again: the first unfinished step, or the review."""
    done = drafts.progress(draft, offered)
    if done >= len(_steps(offered)):
        return url_for("application.review", slug=offered.process.slug)
    return url_for("application.step", slug=offered.process.slug, number=done + 1)


@blueprint.route("/<slug>/")
def start(slug: str) -> str:
    offered = digital_process_or_404(slug)
    draft = _session_draft(slug)
    identity = current_identity()
    organisation = _for_organisations(offered)
    level = trust_level(offered.trust_level or 1) if offered.trust_level or organisation else None
    provider = citizen_provider()
    return render_template(
        "application/start.html", offered=offered, definition=offered.definition, draft=draft,
        continue_url=_continue_url(offered, draft) if draft else None, steps=_steps(offered),
        fees=offered.fees(), citizen=current_citizen(),
        citizen_login=provider is not None, required_level=level,
        requested=provider.requested(_login_keys(offered), organisation) if provider else None,
        for_organisations=organisation,
        level_reached=level is None or (identity is not None and identity.meets(level.number, organisation)),
        prefilled=_prefilled(offered),
    )


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Response:
    """Files too large for one request: back to the page with a message, not a bare error page."""
    flash(too_large_message(), "error")
    rule = request.url_rule
    if rule is not None and "GET" in (rule.methods or ()):
        return redirect(request.path, 303)
    return redirect(url_for("portal.index"), 303)


@blueprint.route("/<slug>/starten", methods=["POST"])
def begin(slug: str) -> Response:
    offered = digital_process_or_404(slug)
    if (login := _login_needed(offered)) is not None:
        return login
    citizen = current_citizen()
    answers = prefill_answers(offered.definition, citizen) if citizen else {}
    answers.update({field_id: prefilled.value for field_id, prefilled in _prefilled(offered).items()})
    _, token = drafts.start_draft(offered, answers or None)
    _remember(slug, token)
    return redirect(url_for("application.step", slug=slug, number=1))


@blueprint.route("/<slug>/fortsetzen/<token>")
def resume(slug: str, token: str) -> Response | tuple[str, int]:
    offered = digital_process_or_404(slug)
    if (login := _login_needed(offered)) is not None:
        return login
    draft = draft_by_token(token, slug)
    if draft is None:
        return render_template("application/expired.html", definition=offered.definition, slug=slug), 404
    _remember(slug, token)
    return redirect(_continue_url(offered, draft))


def _render_step(offered: EnabledProcess, draft: Draft, number: int, answers: dict[str, Any],
                 errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    assert offered.definition.form is not None
    step = _steps(offered)[number - 1]
    prefilled = _prefilled(offered)
    answers = with_locked(answers, prefilled)
    states = {s.path: s for s in field_states(offered.definition.form, answers)}
    return render_template(
        "application/step.html", offered=offered, definition=offered.definition, step=step,
        number=number, total=len(_steps(offered)), answers=answers, errors=errors, states=states,
        prefilled=prefilled, identity=current_identity(),
        draft=draft, conditions=page_conditions(offered.definition.form, step.fields, answers,
                                                locked={field_id for field_id, p in prefilled.items() if p.locked}),
    ), status


def _flash_changed() -> None:
    flash(gettext("Das Antragsformular wurde inzwischen geändert. Bitte prüfen Sie Ihre Angaben noch einmal."),
          "warning")


@blueprint.route("/<slug>/schritt/<int:number>", methods=["GET", "POST"])
def step(slug: str, number: int) -> Response | tuple[str, int]:
    offered = digital_process_or_404(slug)
    draft = _draft_for(offered)
    steps = _steps(offered)
    if not 1 <= number <= len(steps):
        abort(404)
    done = drafts.progress(draft, offered)
    if number > done + 1:
        # Steps are answered in order; a later one cannot be opened (or sent) before.
        return redirect(url_for("application.step", slug=slug, number=done + 1))
    current = steps[number - 1]
    answers = dict(draft.answers)
    if request.method == "GET":
        if not drafts.is_current(draft, offered):
            # The draft moves onto the new version with the step the citizen sends next.
            _flash_changed()
        return _render_step(offered, draft, number, inputs.with_initial_answers(current, answers), {})

    kept = {k: v for k, v in draft.answers.items() if k not in inputs.step_field_ids(current)}
    # What the page sent for a locked field does not count: the login's value stands.
    answers = with_locked({**kept, **inputs.parse_step(current, request.form, draft.answers)}, _prefilled(offered))
    assert offered.definition.form is not None
    stored, upload_errors = store_uploads(offered.definition.form, current, answers, request.files, draft_id=draft.id)
    action = request.form.get("aktion", "weiter")
    if action.startswith("sprache:"):
        # Switching the language keeps what was typed on the page, unchecked, as "save" does.
        if not choose_language(action.partition(":")[2]):
            abort(400)
        drafts.save_step(draft, offered, answers, done)
        return redirect(url_for("application.step", slug=slug, number=number))
    if action not in ("weiter", "speichern"):
        try:
            removed = inputs.apply_action(current, answers, action)
        except inputs.UnknownAction:
            for document in stored:
                delete_document(document)
            abort(400)
        drafts.save_step(draft, offered, answers, min(done, number - 1), discarded=removed)
        return redirect(url_for("application.step", slug=slug, number=number))
    if action == "speichern":
        drafts.save_step(draft, offered, answers, done)
        return redirect(url_for("application.save_for_later", slug=slug))
    errors = {**inputs.errors_of_step(current, validate_answers(offered.definition, answers)), **upload_errors}
    if errors:
        drafts.save_step(draft, offered, answers, min(done, number - 1))
        return _render_step(offered, draft, number, answers, errors)
    drafts.save_step(draft, offered, answers, max(done, number))
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
        if not is_email(email):
            error = gettext("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")
        else:
            drafts.send_resume_link(draft, offered, session[SESSION_DRAFTS][slug], email, page_locale())
            return render_template("application/saved.html", definition=offered.definition, email=email,
                                   draft=draft, continue_url=_continue_url(offered, draft))
    return render_template("application/save.html", definition=offered.definition, error=error, slug=slug,
                           email=request.form.get("email", applicant_of(offered.definition, draft.answers)[1]),
                           continue_url=_continue_url(offered, draft))


def _review_context(offered: EnabledProcess, draft: Draft) -> dict[str, Any]:
    answers = with_locked(draft.answers, _prefilled(offered))
    assessment = assess(offered, answers)
    return {"definition": offered.definition,
            "sections": answer_sections(offered.definition, answers, page_locale()),
            "fees": assessment.fees, "fee_unknown": bool(assessment.fee_problem), "draft": draft}


@blueprint.route("/<slug>/pruefen")
def review(slug: str) -> Response | str:
    offered = digital_process_or_404(slug)
    draft = _draft_for(offered)
    done = drafts.progress(draft, offered)
    if done < len(_steps(offered)):
        return redirect(url_for("application.step", slug=slug, number=done + 1))
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
    if not drafts.is_current(draft, offered):
        # Step 1 says why and moves the draft onto the new version when it is sent.
        return redirect(url_for("application.step", slug=slug, number=1))
    prefilled = _prefilled(offered)
    assessment = assess(offered, with_locked(draft.answers, prefilled))
    if assessment.errors:
        first = next(iter(assessment.errors)).split(".", 1)[0]
        number = next(i for i, s in enumerate(_steps(offered), 1) if first in inputs.step_field_ids(s))
        drafts.save_step(draft, offered, draft.answers, number - 1)
        flash(gettext("Bitte vervollständigen Sie Ihre Angaben."), "error")
        return redirect(url_for("application.step", slug=slug, number=number))
    citizen = current_citizen()
    identity = current_identity()
    identification = Identification(identity.level.number, identity.source.key,
                                    origins(assessment.answers, prefilled)) \
        if identity is not None and identity.level is not None else None
    try:
        submission = drafts.submit_draft(draft, assessment, page_locale(), citizen.id if citizen else None,
                                         identification)
    except drafts.DefinitionChanged:
        return redirect(url_for("application.step", slug=slug, number=1))
    if submission.status_token is not None:
        session[SESSION_RECEIPT] = {"slug": slug, "reference": submission.case.reference,
                                    "token": submission.status_token,
                                    "mailed": bool(submission.case.applicant_email),
                                    # The pay step right after submitting (payment policy optional or
                                    # before_processing): the amount, and whether the case waits for it.
                                    "fee_due_cents": submission.case.fee_cents
                                    if submission.case.payment_requested_at else 0,
                                    "waits_for_payment": submission.case.status == "awaiting_payment"}
    _forget(slug)
    return redirect(url_for("application.confirmation", slug=slug))


@blueprint.route("/<slug>/eingang")
def confirmation(slug: str) -> str:
    offered = digital_process_or_404(slug)
    receipt = session.get(SESSION_RECEIPT)
    if not isinstance(receipt, dict) or receipt.get("slug") != slug:
        abort(404)
    return render_template("application/confirmation.html", definition=offered.definition,
                           reference=receipt["reference"], token=receipt["token"],
                           mailed=receipt.get("mailed", False), fee_due_cents=receipt.get("fee_due_cents", 0),
                           waits_for_payment=receipt.get("waits_for_payment", False))
