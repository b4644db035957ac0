"""A town's OZG statistics and council report on its host: /verwaltung/statistik (roles tenant_admin
and team_lead) — figures per period, CSV and XLSX downloads of every table, the report as page and
PDF, and the outlook the town writes for it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from amtsweg.admin.statistics_forms import OutlookForm, selection_errors
from amtsweg.auth.access import TEAM_LEAD, TENANT_ADMIN, roles_required
from amtsweg.clock import today_in_germany
from amtsweg.reports import charts, periods, queries, report, services, tables
from amtsweg.reports.periods import InvalidSelection
from amtsweg.sites import restrict_to
from amtsweg.tenancy import current_tenant
from amtsweg.web import attachment, render_error

blueprint = Blueprint("town_statistics", __name__, template_folder="templates", url_prefix="/verwaltung/statistik")
restrict_to(blueprint, "tenant")
STAFF = (TENANT_ADMIN, TEAM_LEAD)


def _selection() -> queries.Selection:
    """The page's selection from the query string; raises InvalidSelection."""
    args = request.args
    return queries.parse_selection(args.get(periods.START_FIELD), args.get(periods.END_FIELD),
                                   args.get(queries.PROCESS_FIELD), today_in_germany())


def _period_only() -> periods.Period:
    args = request.args
    return periods.parse_period(args.get(periods.START_FIELD), args.get(periods.END_FIELD), today_in_germany())


def _downloads(selection: queries.Selection, table_id: str) -> list[tuple[str, str]]:
    return [(kind.upper(), url_for(".export", table_id=table_id, kind=kind, **selection.query()))
            for kind in tables.EXPORTS]


@blueprint.route("")
@roles_required(*STAFF)
def index() -> tuple[str, int] | str:
    today = today_in_germany()
    process = request.args.get(queries.PROCESS_FIELD, "")[:80]
    context: dict[str, Any] = {
        "presets": [(preset.label, url_for(".index", **preset.period.query(), leistung=process or None))
                    for preset in periods.presets(today)],
        "choices": queries.process_choices(),
        "values": {name: request.args.get(name, "")[:80] for name in
                   (periods.START_FIELD, periods.END_FIELD, queries.PROCESS_FIELD)},
    }
    try:
        selection = _selection()
    except InvalidSelection as error:
        return render_template("statistics/town.html", errors=selection_errors(error), **context), 400
    stats = queries.town_statistics(selection, today)
    context["values"] = {periods.START_FIELD: selection.period.start.isoformat(),
                         periods.END_FIELD: selection.period.end.isoformat(),
                         queries.PROCESS_FIELD: selection.process or ""}
    return render_template(
        "statistics/town.html", errors={}, stats=stats, selection=selection, tables=tables.town_tables(stats),
        charts=charts.town_charts(stats), downloads=lambda table_id: _downloads(selection, table_id),
        process_title=tables.localized(dict(context["choices"]).get(selection.process)) or selection.process,
        **context,
    )


@blueprint.route("/export/<table_id>.<any(csv, xlsx):kind>")
@roles_required(*STAFF)
def export(table_id: str, kind: str) -> Response | tuple[str, int]:
    try:
        selection = _selection()
    except InvalidSelection as error:
        return render_error(400, str(error) if not error.problems else "; ".join(p.message for p in error.problems))
    found = tables.town_tables(queries.town_statistics(selection, today_in_germany())).get(table_id)
    if found is None:
        abort(404)
    export = tables.EXPORTS[kind]
    period = selection.period
    name = f"{table_id}-{current_tenant().slug}-{period.start.isoformat()}-{period.end.isoformat()}.{kind}"
    return attachment(export.write(found), export.content_type, name)


def _report() -> report.CouncilReport:
    return report.council_report(_period_only(), today_in_germany())


def _refused(error: InvalidSelection) -> tuple[str, int]:
    return render_error(400, "; ".join(problem.message for problem in error.problems) or str(error))


@blueprint.route("/bericht")
@roles_required(*STAFF)
def report_page() -> str | tuple[str, int]:
    try:
        return report.render(_report())
    except InvalidSelection as error:
        return _refused(error)


@blueprint.route("/bericht.pdf")
@roles_required(*STAFF)
def report_pdf() -> Response | tuple[str, int]:
    try:
        council_report = _report()
    except InvalidSelection as error:
        return _refused(error)
    return attachment(report.report_pdf(council_report), "application/pdf", report.filename(council_report))


@blueprint.route("/ausblick", methods=["GET", "POST"])
@roles_required(*STAFF)
def outlook() -> Any:
    try:
        period = _period_only()
    except InvalidSelection as error:
        return _refused(error)
    saved = queries.outlook(period)
    form = OutlookForm(data={"ausblick": saved.text if saved else ""})
    if form.validate_on_submit():
        try:
            services.save_outlook(period, form.ausblick.data or "", actor=current_user.label)
        except services.OutlookRefused as error:
            form.ausblick.errors = [problem.message for problem in error.problems]
        else:
            flash(gettext("Der Ausblick wurde gespeichert."), "success")
            return redirect(url_for(".report_page", **period.query()))
    return render_template("statistics/outlook.html", form=form, period=period, saved=saved)
