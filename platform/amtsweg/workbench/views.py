"""Clerk pages: queue (filters, assignment), case page (answers, documents, messages, internal notes,
timeline, actions), the audit log, intake of applications received by phone, post or in person."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from amtsweg.audit.labels import action_label, object_label
from amtsweg.auth.access import CASH_OFFICE, CLERK, TEAM_LEAD, roles_required
from amtsweg.auth.models import User
from amtsweg.auth.queries import staff_member, town_staff
from amtsweg.auth.trust import identity_source, trust_level
from amtsweg.cases import casework as services
from amtsweg.cases import services as case_services
from amtsweg.cases.assessment import assess
from amtsweg.cases.history import case_history
from amtsweg.cases.models import Case
from amtsweg.cases.queries import (
    NEWEST,
    SORTS,
    AuditFilter,
    QueueFilter,
    audit_page,
    case_by_idempotency_key,
    case_by_reference,
    document_of_case,
    documents_of_case,
    messages_of_case,
    notes_of_case,
    queue_page,
)
from amtsweg.cases.receipts import receipt_content, receipt_filename
from amtsweg.cases.states import CHANNEL_LABELS
from amtsweg.cases.workflow import (
    Actor,
    IllegalTransition,
    available_transitions,
    case_is_overdue,
    definition_of,
    message_prompt,
    needs_confirmation,
    perform,
    step_tone,
    transition_for,
)
from amtsweg.clock import today_in_germany
from amtsweg.documents.records import vorgang_of_case
from amtsweg.documents.storage import get_storage
from amtsweg.extensions import db
from amtsweg.forms import inputs
from amtsweg.forms.base import localized
from amtsweg.forms.conditions import field_states, page_conditions
from amtsweg.forms.display import answer_sections
from amtsweg.payments.models import Payment
from amtsweg.payments.queries import latest_attempt
from amtsweg.payments.states import method_label, status_tone
from amtsweg.payments.states import status_label as payment_status_label
from amtsweg.processes.queries import EnabledProcess, catalogue, digital_process_or_404
from amtsweg.processes.schema import AREAS, Transition
from amtsweg.sites import restrict_to
from amtsweg.tokens import new_token
from amtsweg.web import attachment, small_int
from amtsweg.workbench import intake
from amtsweg.workbench.audit_details import detail_entries
from amtsweg.workbench.eakte import blueprint as eakte_blueprint
from amtsweg.workbench.payments import blueprint as payments_blueprint

blueprint = Blueprint("workbench", __name__, url_prefix="/sachbearbeitung", template_folder="templates")
restrict_to(blueprint, "tenant")
blueprint.register_blueprint(payments_blueprint)
blueprint.register_blueprint(eakte_blueprint)
STAFF = (CLERK, TEAM_LEAD)


def _actor() -> Actor:
    return Actor(current_user.label, tuple(current_user.roles), current_user.email)


def _case_or_404(reference: str) -> Case:
    # The ORM restricts the query to the current town: another town's reference is simply not found.
    case = case_by_reference(reference)
    if case is None:
        abort(404)
    return case


def _day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    # The filters add a day to the end of a range: the last day of the calendar is no filter.
    return day if date.min < day < date.max else None


def _queue_filter(args: MultiDict[str, str]) -> QueueFilter:
    """The queue's filter from the query string; "zustaendig" is "ich", "niemand" or an account id."""
    assigned = args.get("zustaendig", "")
    sort = args.get("sortierung", NEWEST)
    return QueueFilter(
        status=args.get("status", ""), process=args.get("leistung", ""), channel=args.get("kanal", ""),
        search=args.get("suche", "")[:100], overdue=args.get("ueberfaellig") == "1",
        area=args.get("bereich", ""),
        assignee_id=current_user.id if assigned == "ich" else small_int(assigned),
        unassigned=assigned == "niemand",
        submitted_from=_day(args.get("von", "")), submitted_until=_day(args.get("bis", "")),
        sort=sort if sort in SORTS else NEWEST,
        before_id=small_int(args.get("vor", "")),
    )


@blueprint.route("/")
@roles_required(*STAFF)
def queue() -> str:
    today = today_in_germany()
    staff = town_staff()
    selected = _queue_filter(request.args)
    services_offered = [entry for entry in catalogue(locale=str(get_locale())).entries if entry.kind == "digital"]
    page = queue_page(selected, today)
    return render_template(
        "workbench/queue.html", page=page, today=today, selected=selected,
        # What the rows repeat is worked out once per page: each service's title in the page's
        # language, and the links to the cases (one url_for; a reference needs no quoting).
        service_titles={slug: localized(title) or slug for slug, title in page.titles.items()},
        case_link=url_for("workbench.case_page", reference=""),
        args=request.args, staff=staff, names={u.id: u.label for u in staff}, areas=AREAS,
        services_offered=services_offered, channels=CHANNEL_LABELS, overdue=case_is_overdue,
        is_team_lead=current_user.has_role(TEAM_LEAD), more_filters=_has_more_filters(request.args),
        filtering=any(value for name, value in request.args.items() if name not in ("sortierung", "vor")),
    )


def _has_more_filters(args: MultiDict[str, str]) -> bool:
    """Whether a filter of the folded part of the filter bar is set (it is then shown open)."""
    return any(args.get(name) for name in ("bereich", "kanal", "von", "bis", "ueberfaellig"))


@blueprint.route("/zuweisen", methods=["POST"])
@roles_required(TEAM_LEAD)
def bulk_assign() -> Any:
    references = request.form.getlist("vorgang")[:500]
    assignee = _assignee_from_form()
    cases = list(db.session.scalars(select(Case).where(Case.reference.in_(references)))) if references else []
    if not cases:
        flash(gettext("Bitte wählen Sie mindestens einen Vorgang aus."), "error")
        return redirect(url_for("workbench.queue"), 303)
    changed = services.assign(cases, assignee, current_user._get_current_object())
    flash(gettext("%(count)d Vorgänge zugewiesen.", count=changed), "success")
    return redirect(url_for("workbench.queue"), 303)


def _assignee_from_form() -> User | None:
    """The account chosen in the form ("" releases the case); an unknown or foreign id is a 404."""
    chosen = request.form.get("bearbeiter", "")
    if not chosen:
        return None
    user = staff_member(small_int(chosen) or 0)
    if user is None:
        abort(404)
    return user


@blueprint.route("/vorgang/<reference>")
@roles_required(*STAFF)
def case_page(reference: str) -> str:
    case = _case_or_404(reference)
    _, definition = definition_of(case)
    case_services.note_access(case, current_user.label, "case.viewed")
    return render_template(
        "workbench/case.html",
        case=case,
        definition=definition,
        sections=answer_sections(definition, case.answers, str(get_locale()), case.identity_answers),
        documents=documents_of_case(case),
        vorgang=vorgang_of_case(case.id),
        messages=messages_of_case(case),
        history=case_history(case, small_int(request.args.get("verlauf_vor", ""))),
        steps=[_StepView(t) for t in available_transitions(definition, case.status, current_user.roles)],
        notes=notes_of_case(case),
        staff=town_staff(),
        assignee=db.session.get(User, case.assignee_id) if case.assignee_id else None,
        is_team_lead=current_user.has_role(TEAM_LEAD),
        overdue=case_is_overdue(case),
        payment=_PaymentView.of(latest_attempt(case.id)),
        identification=(identity_source(case.identity_source or "").label, trust_level(case.identity_level).name)
        if case.identity_level else None,
    )


class _PaymentView:
    """The case's newest payment attempt as the overview shows it; the cash office gets its page."""

    def __init__(self, payment: Payment) -> None:
        self.amount_cents = payment.amount_cents
        self.status = payment_status_label(payment.status)
        self.tone = status_tone(payment.status)
        self.method = method_label(payment.method)
        self.paid_at = payment.paid_at
        self.url = (url_for("workbench.payments.detail", payment_id=payment.id)
                    if current_user.has_role(CASH_OFFICE) else None)

    @classmethod
    def of(cls, payment: Payment | None) -> _PaymentView | None:
        return cls(payment) if payment is not None else None


class _StepView:
    """A workflow step as the case page offers it: button, its look, the text field's label."""

    def __init__(self, transition: Transition) -> None:
        self.id = transition.id
        self.label = localized(transition.label)
        self.tone = step_tone(transition)
        self.prompt = message_prompt(transition)
        self.confirm = needs_confirmation(transition)


@blueprint.route("/vorgang/<reference>/schritt/<transition_id>/bestaetigen", methods=["POST"])
@roles_required(*STAFF)
def confirm_transition(reference: str, transition_id: str) -> Any:
    """A page that asks once more before a step that decides or ends the case (no change here)."""
    case = _case_or_404(reference)
    _, definition = definition_of(case)
    try:
        chosen = transition_for(definition, case.status, current_user.roles, transition_id)
    except IllegalTransition as refused:
        flash(str(refused), "error")
        return redirect(url_for("workbench.case_page", reference=reference), 303)
    return render_template("workbench/confirm.html", case=case, definition=definition, step=_StepView(chosen),
                           message=request.form.get("nachricht", "")[:10000])


@blueprint.route("/vorgang/<reference>/uebernehmen", methods=["POST"])
@roles_required(*STAFF)
def claim(reference: str) -> Any:
    case = _case_or_404(reference)
    try:
        services.claim(case, current_user._get_current_object())
    except services.NotAllowed:
        flash(gettext("Der Vorgang ist bereits einer anderen Person zugewiesen. Nur die Teamleitung kann ihn "
                      "neu zuweisen."), "error")
        return redirect(url_for("workbench.case_page", reference=reference), 303)
    flash(gettext("Sie bearbeiten jetzt diesen Vorgang."), "success")
    return redirect(url_for("workbench.case_page", reference=reference), 303)


@blueprint.route("/vorgang/<reference>/zuweisen", methods=["POST"])
@roles_required(TEAM_LEAD)
def assign(reference: str) -> Any:
    case = _case_or_404(reference)
    services.assign([case], _assignee_from_form(), current_user._get_current_object())
    flash(gettext("Zuständigkeit gespeichert."), "success")
    return redirect(url_for("workbench.case_page", reference=reference), 303)


@blueprint.route("/vorgang/<reference>/notiz", methods=["POST"])
@roles_required(*STAFF)
def add_note(reference: str) -> Any:
    case = _case_or_404(reference)
    try:
        services.add_note(case, current_user._get_current_object(), request.form.get("notiz", ""))
    except ValueError:
        flash(gettext("Bitte geben Sie einen Text für die Notiz ein."), "error")
    else:
        flash(gettext("Notiz gespeichert."), "success")
    return redirect(url_for("workbench.case_page", reference=reference) + "#notizen", 303)


@blueprint.route("/protokoll")
@roles_required(TEAM_LEAD)
def audit_log() -> str:
    args = request.args
    selected = AuditFilter(
        reference=args.get("aktenzeichen", "")[:20], actor=args.get("person", "")[:200],
        since=_day(args.get("von", "")), until=_day(args.get("bis", "")), before_id=small_int(args.get("vor", "")),
    )
    return render_template("workbench/audit_log.html", page=audit_page(selected), args=args,
                           action_label=action_label, object_label=object_label, detail_entries=detail_entries)


@blueprint.route("/vorgang/<reference>/schritt/<transition_id>", methods=["POST"])
@roles_required(*STAFF)
def transition(reference: str, transition_id: str) -> Any:
    case = _case_or_404(reference)
    try:
        done = perform(case, transition_id, _actor(), request.form.get("nachricht", "")[:10000])
    except IllegalTransition as refused:
        flash(str(refused), "error")
        return redirect(url_for("workbench.case_page", reference=reference)), 303
    flash(gettext("Ausgeführt: %(label)s", label=localized(done.label)), "success")
    return redirect(url_for("workbench.case_page", reference=reference), 303)


@blueprint.route("/vorgang/<reference>/dokument/<int:document_id>")
@roles_required(*STAFF)
def document(reference: str, document_id: int) -> Response:
    case = _case_or_404(reference)
    stored = document_of_case(case, document_id)
    if stored is None:
        abort(404)
    case_services.note_access(case, current_user.label, "document.downloaded", document=stored.id)
    with get_storage().open(stored.storage_key) as handle:
        return attachment(handle.read(), stored.content_type, stored.filename)


def _render_intake(offered: EnabledProcess, answers: dict[str, Any], errors: dict[str, str], channel: str,
                   submission_key: str, status: int = 200) -> tuple[str, int]:
    assert offered.definition.form is not None
    states = {s.path: s for s in field_states(offered.definition.form, answers)}
    return render_template(
        "workbench/intake.html", offered=offered, definition=offered.definition, answers=answers, errors=errors,
        states=states, channels=intake.CHANNELS, channel=channel, submission_key=submission_key,
        conditions=page_conditions(offered.definition.form, list(offered.definition.form.top_fields()), answers),
    ), status


@blueprint.route("/erfassen/")
@roles_required(*STAFF)
def intake_index() -> str:
    """The town's online services, each to be recorded for an application received another way."""
    services_offered = [entry for entry in catalogue().entries if entry.kind == "digital"]
    return render_template("workbench/intake_index.html", entries=services_offered)


@blueprint.route("/erfassen/<slug>", methods=["GET", "POST"])
@roles_required(*STAFF)
def record_application(slug: str) -> Any:
    """One page with every step of the process's form; the clerk types in what arrived on paper."""
    offered = digital_process_or_404(slug)
    assert offered.definition.form is not None
    if request.method == "GET":
        return _render_intake(offered, inputs.parse_form(offered.definition.form, MultiDict()), {}, "", new_token())
    submission_key = request.form.get("einreichung", "")[:64] or new_token()
    existing = case_by_idempotency_key(submission_key)
    if existing is not None:
        return redirect(url_for("workbench.case_page", reference=existing.reference), 303)
    answers = inputs.parse_form(offered.definition.form, request.form)
    channel = request.form.get("kanal", "")
    action = request.form.get("aktion", "erfassen")
    if action != "erfassen":
        # "aktualisieren" only shows the fields that the answers so far make visible.
        if action != "aktualisieren":
            try:
                inputs.apply_form_action(offered.definition.form, answers, action)
            except inputs.UnknownAction:
                abort(400)
        return _render_intake(offered, answers, {}, channel, submission_key)
    recorded, documents, upload_errors = intake.store_uploads(offered, answers, request.files)
    assessment = assess(offered, recorded)
    errors = {**assessment.errors, **upload_errors}
    if channel not in intake.CHANNELS:
        errors = {"kanal": gettext("Bitte wählen Sie aus, wie der Antrag eingegangen ist."), **errors}
    if errors:
        intake.discard_uploads(documents)
        return _render_intake(offered, answers, errors, channel, submission_key, 400)
    submission = case_services.submit(assessment, documents, idempotency_key=submission_key, locale="de",
                                      channel=channel, actor=current_user.label)
    flash(gettext("Antrag erfasst: %(reference)s", reference=submission.case.reference), "success")
    return redirect(url_for("workbench.case_page", reference=submission.case.reference), 303)


@blueprint.route("/vorgang/<reference>/eingangsbestaetigung.pdf")
@roles_required(*STAFF)
def receipt(reference: str) -> Response:
    """The citizen flow's receipt, to print and hand over or post for an application taken in here."""
    case = _case_or_404(reference)
    pdf = receipt_content(case)
    case_services.note_access(case, current_user.label, "case.receipt_printed")
    return attachment(pdf, "application/pdf", receipt_filename(case))
