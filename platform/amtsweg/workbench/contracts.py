"""The town's contract database in the clerk workbench: list, search, dashboard, edit, documents,
export, import with preview and the personal calendar feed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import NotFound
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField  # type: ignore[attr-defined]  # not in the stubs yet
from wtforms.validators import DataRequired, Length, Optional

from amtsweg.auth.access import CONTRACTS_EDITOR, CONTRACTS_VIEWER, roles_required
from amtsweg.clock import today_in_germany
from amtsweg.contracts import calendar, exporting, importing, queries, services
from amtsweg.contracts.models import CONTRACT_TYPES, STATUSES, VALUE_INTERVALS, Contract
from amtsweg.contracts.services import ContractInput, ContractInvalid
from amtsweg.documents.services import UploadRejected
from amtsweg.documents.storage import get_storage
from amtsweg.errors import Problem
from amtsweg.formatting import format_amount
from amtsweg.sites import restrict_to
from amtsweg.tenancy.context import current_tenant
from amtsweg.tenancy.links import external_url
from amtsweg.web import attachment, small_int

blueprint = Blueprint("contracts", __name__, url_prefix="/sachbearbeitung/vertraege", template_folder="templates")
restrict_to(blueprint, "tenant")

PER_PAGE = 25
EXPORT_LIMIT = 10000
DASHBOARD_DAYS = 90
READERS = (CONTRACTS_VIEWER, CONTRACTS_EDITOR)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIRED = _l("Bitte ausfüllen.")


def _options(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _person_choices() -> list[SelectChoice]:
    return [SelectChoice("", gettext("– niemand –"))] + [
        SelectChoice(str(user.id), f"{user.label} ({user.email})" if user.email else user.label)
        for user in queries.town_users()
    ]


# Form fields holding the contract attribute of the same name as it is (text is only trimmed).
SAME_NAMED = (
    "number",
    "title",
    "contract_type",
    "status",
    "partner_name",
    "partner_address",
    "partner_contact",
    "department",
    "subject",
    "starts_on",
    "ends_on",
    "minimum_term",
    "notice_period",
    "renewal_period",
    "value_interval",
    "cost_centre",
    "notes",
)


class ContractForm(FlaskForm):
    number = StringField(
        _l("Vertragsnummer"),
        validators=[Optional(), Length(max=20)],
        description=_l("Leer lassen, um die nächste Nummer (V-Jahr-0001) zu vergeben."),
    )
    title = StringField(_l("Titel"), validators=[DataRequired(REQUIRED), Length(max=200)])
    contract_type = SelectField(_l("Vertragsart"), choices=_options(CONTRACT_TYPES))
    status = SelectField(_l("Status"), choices=_options(STATUSES), default="aktiv")
    partner_name = StringField(_l("Vertragspartner"), validators=[DataRequired(REQUIRED), Length(max=200)])
    partner_address = TextAreaField(_l("Anschrift des Partners"), validators=[Length(max=1000)])
    partner_contact = StringField(_l("Ansprechperson des Partners"), validators=[Length(max=300)])
    department = StringField(_l("Fachbereich"), validators=[Length(max=120)])
    responsible_id = SelectField(_l("Verantwortlich"), choices=[])
    deputy_id = SelectField(_l("Vertretung"), choices=[])
    subject = TextAreaField(_l("Vertragsgegenstand"), validators=[Length(max=5000)])
    starts_on = DateField(_l("Beginn"), validators=[DataRequired(_l("Bitte ein Datum angeben."))])
    ends_on = DateField(_l("Ende"), validators=[Optional()], description=_l("Leer lassen bei unbefristeten Verträgen."))
    minimum_term = StringField(_l("Mindestlaufzeit"), validators=[Length(max=100)], description=_l("z. B. 24 Monate"))
    notice_period = StringField(
        _l("Kündigungsfrist"), validators=[Length(max=200)], description=_l("z. B. 3 Monate zum Jahresende")
    )
    renewal_period = StringField(
        _l("Automatische Verlängerung um"),
        validators=[Length(max=100)],
        description=_l("z. B. 12 Monate; leer lassen, wenn sich der Vertrag nicht verlängert."),
    )
    value = StringField(_l("Wert in Euro"), validators=[Length(max=30)], description=_l("z. B. 1.234,56"))
    value_interval = SelectField(_l("Wertart"), choices=_options(VALUE_INTERVALS))
    cost_centre = StringField(_l("Kostenstelle/Produkt"), validators=[Length(max=120)])
    tags = StringField(_l("Schlagwörter"), validators=[Length(max=500)], description=_l("durch Kommas getrennt"))
    notes = TextAreaField(_l("Notizen"), validators=[Length(max=10000)])

    # Service field names that the form shows under another name.
    FIELD_OF = {"value_cents": "value"}

    def offer_people(self) -> None:
        choices = _person_choices()
        self.responsible_id.choices = choices
        self.deputy_id.choices = choices

    def fill(self, contract: Contract) -> None:
        for name in SAME_NAMED:
            self[name].data = getattr(contract, name)
        self.responsible_id.data = str(contract.responsible_id or "")
        self.deputy_id.data = str(contract.deputy_id or "")
        self.value.data = "" if contract.value_cents is None else format_amount(contract.value_cents, "de")
        self.tags.data = ", ".join(contract.tags or [])

    def to_input(self) -> ContractInput | None:
        """The typed input, or None after adding an error to the amount field."""
        try:
            amount = (self.value.data or "").strip()
            value_cents = importing.parse_money(amount) if amount else None
        except ValueError as exc:
            self.value.errors = [str(exc)]
            return None
        same_named: dict[str, Any] = {}
        for name in SAME_NAMED:
            value = self[name].data
            if value is None and not isinstance(self[name], DateField):
                value = ""  # a text or choice field missing from the posted form
            same_named[name] = value.strip() if isinstance(value, str) else value
        return ContractInput(
            **same_named,
            responsible_id=int(self.responsible_id.data) if self.responsible_id.data else None,
            deputy_id=int(self.deputy_id.data) if self.deputy_id.data else None,
            value_cents=value_cents,
            tags=[tag.strip() for tag in (self.tags.data or "").split(",") if tag.strip()],
        )

    def show_problems(self, problems: list[Problem]) -> None:
        """Add the contract's problems to the fields (one message per field: the form's own first)."""
        for problem in problems:
            name = self.FIELD_OF.get(problem.path, problem.path)
            field = self._fields.get(name, self.title)
            if not field.errors:
                field.errors = [problem.message]


class DocumentForm(FlaskForm):
    title = StringField(
        _l("Bezeichnung"),
        validators=[Length(max=200)],
        description=_l("Gleiche Bezeichnung wie ein vorhandenes Dokument: neue Version davon."),
    )
    file = FileField(_l("Datei"), validators=[FileRequired(_l("Bitte eine Datei wählen."))])


class ImportForm(FlaskForm):
    file = FileField(_l("Datei (CSV oder XLSX)"), validators=[FileRequired(_l("Bitte eine Datei wählen."))])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming a preview or renewing a calendar address."""


# --- list, export, dashboard ----------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    return small_int(request.args.get(name, ""))


def _money_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    try:
        return importing.parse_money(raw) if raw else None
    except ValueError:
        return None


def _criteria() -> queries.ContractFilter:
    return queries.ContractFilter(
        text=request.args.get("q", "").strip()[:200],
        contract_type=request.args.get("art", ""),
        department=request.args.get("fachbereich", ""),
        status=request.args.get("status", ""),
        responsible_id=_int_arg("verantwortlich"),
        # More than ten years ahead is no deadline window (and would overflow the calendar).
        deadline_days=min(_int_arg("frist") or 0, 3650) or None,
        value_min_cents=_money_arg("wert_von"),
        value_max_cents=_money_arg("wert_bis"),
        sort=request.args.get("sortierung", "nummer"),
        descending=request.args.get("absteigend") == "1",
    )


def _today() -> date:
    return today_in_germany()


@blueprint.route("/")
@roles_required(*READERS)
def index() -> str:
    criteria = _criteria()
    page = max(_int_arg("seite") or 1, 1)
    contracts, total = queries.page_of(queries.filtered(criteria, _today()), page, PER_PAGE)
    args = {key: value for key, value in request.args.items() if key != "seite" and value}
    return render_template(
        "contracts/list.html",
        contracts=contracts,
        total=total,
        page=page,
        pages=max(-(-total // PER_PAGE), 1),
        criteria=criteria,
        args=args,
        types=CONTRACT_TYPES,
        statuses=STATUSES,
        sorts=queries.SORTS,
        departments=queries.departments(),
        people=queries.town_users(),
        can_edit=current_user.has_role(CONTRACTS_EDITOR),
    )


@blueprint.route("/export.<any(csv, xlsx):kind>")
@roles_required(*READERS)
def export(kind: str) -> Response:
    contracts = queries.page_of(queries.filtered(_criteria(), _today()), 1, EXPORT_LIMIT)[0]
    name = f"vertraege-{current_tenant().slug}-{_today():%Y-%m-%d}.{kind}"
    if kind == "csv":
        body, mimetype = exporting.to_csv(contracts), "text/csv; charset=utf-8"
    else:
        body, mimetype = exporting.to_xlsx(contracts), XLSX_TYPE
    return attachment(body, mimetype, name)


@blueprint.route("/fristen")
@roles_required(*READERS)
def dashboard() -> str:
    today = _today()
    return render_template(
        "contracts/dashboard.html", contracts=queries.due_soon(today, DASHBOARD_DAYS), today=today, days=DASHBOARD_DAYS
    )


# --- one contract ---------------------------------------------------------------------------------


def _contract_or_404(contract_id: int) -> Contract:
    contract = queries.find_contract(contract_id)
    if contract is None:
        raise NotFound()
    return contract


@blueprint.route("/<int:contract_id>")
@roles_required(*READERS)
def detail(contract_id: int) -> str:
    return _detail_page(_contract_or_404(contract_id), DocumentForm())


def _detail_page(contract: Contract, document_form: DocumentForm) -> str:
    return render_template(
        "contracts/detail.html",
        contract=contract,
        history=queries.history(contract.id),
        attachments=queries.documents(contract.id),
        labels=services.FIELD_LABELS,
        can_edit=current_user.has_role(CONTRACTS_EDITOR),
        document_form=document_form,
    )


def _save(form: ContractForm, contract: Contract | None) -> Any:
    if not form.is_submitted():
        return None
    # Every problem in one round: the form's own checks and the contract's rules together.
    valid = form.validate()
    data = form.to_input()
    if data is None:
        return None
    problems = services.check(data, contract_id=contract.id if contract else None)
    if problems or not valid:
        form.show_problems(problems)
        return None
    try:
        if contract is None:
            contract = services.create_contract(data, current_user, _today())
            flash(gettext("Der Vertrag %(number)s wurde angelegt.", number=contract.number), "success")
        else:
            services.update_contract(contract, data, current_user, _today())
            flash(gettext("Die Änderungen wurden gespeichert."), "success")
    except ContractInvalid as exc:
        form.show_problems(exc.problems)
        return None
    return redirect(url_for("contracts.detail", contract_id=contract.id))


@blueprint.route("/neu", methods=["GET", "POST"])
@roles_required(CONTRACTS_EDITOR)
def create() -> Any:
    form = ContractForm()
    form.offer_people()
    saved = _save(form, None)
    if saved is not None:
        return saved
    return render_template("contracts/form.html", form=form, contract=None), 400 if form.errors else 200


@blueprint.route("/<int:contract_id>/bearbeiten", methods=["GET", "POST"])
@roles_required(CONTRACTS_EDITOR)
def edit(contract_id: int) -> Any:
    contract = _contract_or_404(contract_id)
    form = ContractForm()
    form.offer_people()
    if request.method == "GET":
        form.fill(contract)
    saved = _save(form, contract)
    if saved is not None:
        return saved
    return render_template("contracts/form.html", form=form, contract=contract), 400 if form.errors else 200


@blueprint.route("/<int:contract_id>/dokumente", methods=["POST"])
@roles_required(CONTRACTS_EDITOR)
def upload(contract_id: int) -> Any:
    contract = _contract_or_404(contract_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            attached = services.add_document(
                contract,
                upload_file.stream,
                upload_file.filename or "",
                form.title.data or "",
                current_user,
                current_app.config["MAX_CONTENT_LENGTH"],
            )
        except UploadRejected as exc:
            form.file.errors = [str(exc)]
        else:
            flash(
                gettext(
                    "„%(title)s“ wurde als Version %(version)s gespeichert.",
                    title=attached.title,
                    version=attached.version,
                ),
                "success",
            )
            return redirect(url_for("contracts.detail", contract_id=contract.id, _anchor="dokumente"))
    return _detail_page(contract, form), 400


@blueprint.route("/<int:contract_id>/dokumente/<int:attachment_id>")
@roles_required(*READERS)
def download(contract_id: int, attachment_id: int) -> Response:
    contract = _contract_or_404(contract_id)
    attachment = queries.find_document(contract.id, attachment_id)
    if attachment is None or attachment.document is None:
        raise NotFound()
    document = attachment.document
    return send_file(
        get_storage().open(document.storage_key),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
    )


# --- import ---------------------------------------------------------------------------------------


@blueprint.route("/import", methods=["GET", "POST"])
@roles_required(CONTRACTS_EDITOR)
def import_upload() -> Any:
    form = ImportForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        filename = upload_file.filename or "import"
        try:
            rows = importing.rows_of(importing.read_file(filename, upload_file.read()))
        except importing.ImportFileError as exc:
            form.file.errors = [str(exc)]
        else:
            token = services.store_import(filename, rows, current_user)
            return redirect(url_for("contracts.import_preview", token=token))
    return render_template(
        "contracts/import.html", form=form, columns=list(importing.FIELDS), required=importing.REQUIRED
    ), 400 if form.errors else 200


def _preview_or_404(token: str) -> Any:
    preview = queries.find_import(token)
    if preview is None:
        raise NotFound()
    return preview


@blueprint.route("/import/<token>", methods=["GET", "POST"])
@roles_required(CONTRACTS_EDITOR)
def import_preview(token: str) -> Any:
    preview = _preview_or_404(token)
    form = ConfirmForm()
    people = queries.users_by_email()
    if form.validate_on_submit():
        try:
            inputs, unreadable = importing.inputs_of(preview.rows, people)
            contracts = services.confirm_import(preview, inputs, current_user, _today(), unreadable=unreadable,
                                                only_valid_rows=request.form.get("umfang") == "fehlerfreie")
        except ContractInvalid as exc:
            found = exc.problems
        else:
            flash(gettext("%(count)s Verträge wurden übernommen.", count=len(contracts)), "success")
            return redirect(url_for("contracts.index"))
    else:
        # Checked at every look, in the page's language; an imported file has nothing left to check.
        found = [] if preview.imported_at else importing.problems_of(preview.rows, people)
    problems = [
        {"row": p.row, "field": p.path, "label": services.field_label(p.path), "message": p.message} for p in found
    ]
    bad_rows = {problem["row"] for problem in problems}
    return render_template(
        "contracts/import_preview.html", preview=preview, problems=problems, form=form, columns=importing.FIELDS,
        bad_cells={(problem["row"], problem.get("field")) for problem in problems},
        valid_count=sum(1 for row in preview.rows if row["row"] not in bad_rows),
    )


# --- calendar feed --------------------------------------------------------------------------------


@blueprint.route("/kalender", methods=["GET", "POST"])
@roles_required(*READERS)
def calendar_settings() -> str:
    form = ConfirmForm()
    feed_url = None
    if form.validate_on_submit():
        token = services.issue_calendar_token(current_user)
        feed_url = external_url(current_tenant(), "contracts.calendar_feed", token=token)
    return render_template(
        "contracts/calendar.html",
        form=form,
        feed_url=feed_url,
        has_feed=queries.has_feed(current_user),
        contracts=queries.contracts_of(current_user),
    )


@blueprint.route("/kalender/<token>.ics")
def calendar_feed(token: str) -> Response:
    """No login (calendar programs cannot log in): the secret address is the credential."""
    user = queries.feed_owner(token)
    if user is None or not user.has_role(*READERS):
        raise NotFound()
    town = current_tenant()
    body = calendar.feed(
        queries.contracts_of(user),
        f"Vertragsfristen {town.name}",
        request.host,
        _today(),
        current_app.config["CONTRACT_REMINDER_DAYS"],
    )
    # content_type, not mimetype: Werkzeug appends a charset to a text mimetype a second time.
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, no-store"
    return response
