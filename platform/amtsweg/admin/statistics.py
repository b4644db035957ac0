"""The towns side by side: /statistik on the admin host (platform administrators), a page of towns
at a time, with CSV and XLSX downloads of its tables."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.wrappers import Response

from amtsweg.admin.statistics_forms import selection_errors
from amtsweg.auth.access import platform_admin_required
from amtsweg.clock import today_in_germany
from amtsweg.reports import charts, periods, queries, tables
from amtsweg.reports.periods import InvalidSelection
from amtsweg.sites import restrict_to
from amtsweg.tenancy.queries import TownPage, town_page
from amtsweg.web import attachment, render_error, small_int

blueprint = Blueprint("statistics", __name__, template_folder="templates", url_prefix="/statistik")
restrict_to(blueprint, "admin")
# Towns per page: the tables show them side by side.
TOWNS_PER_PAGE = 10
SEARCH_FIELD = "kommunen"
PAGE_FIELD = "seite"


def _kept(arguments: dict[str, str]) -> dict[str, Any]:
    """The query arguments to carry over into a link (those with a value)."""
    return {name: value for name, value in arguments.items() if value}


def _period() -> periods.Period:
    return periods.parse_period(request.args.get(periods.START_FIELD), request.args.get(periods.END_FIELD),
                                today_in_germany())


def _towns() -> tuple[str, TownPage]:
    search = request.args.get(SEARCH_FIELD, "").strip()[:100]
    return search, town_page(search, small_int(request.args.get(PAGE_FIELD, "")) or 1, TOWNS_PER_PAGE)


def _tables(period: periods.Period, towns: TownPage) -> tuple[list[queries.TownRow], dict[str, tables.Table]]:
    rows = queries.town_comparison(period, towns.towns, today_in_germany())
    return rows, tables.comparison_tables(rows, towns.towns)


@blueprint.route("")
@platform_admin_required
def index() -> Any:
    today = today_in_germany()
    search, towns = _towns()
    keep: dict[str, Any] = {SEARCH_FIELD: search, PAGE_FIELD: str(towns.page) if towns.page > 1 else ""}
    context: dict[str, Any] = {
        "presets": [(preset.label, url_for(".index", **preset.period.query(),
                                           **_kept({SEARCH_FIELD: search})))
                    for preset in periods.presets(today)],
        "search": search, "towns": towns, "keep": keep,
        "values": {name: request.args.get(name, "")[:40] for name in (periods.START_FIELD, periods.END_FIELD)},
    }
    try:
        period = _period()
    except InvalidSelection as error:
        return render_template("statistics/cross_town.html", errors=selection_errors(error), **context), 400
    rows, found = _tables(period, towns)
    context["values"] = {periods.START_FIELD: period.start.isoformat(), periods.END_FIELD: period.end.isoformat()}

    def downloads(table_id: str) -> list[tuple[str, str]]:
        return [(kind.upper(), url_for(".export", table_id=table_id, kind=kind, **period.query(), **_kept(keep)))
                for kind in tables.EXPORTS]

    return render_template(
        "statistics/cross_town.html", errors={}, period=period, tables=found, downloads=downloads,
        charts=charts.comparison_charts(rows, {town.id: town.name for town in towns.towns}), **context,
    )


@blueprint.route("/export/<table_id>.<any(csv, xlsx):kind>")
@platform_admin_required
def export(table_id: str, kind: str) -> Response | tuple[str, int]:
    try:
        period = _period()
    except InvalidSelection as error:
        return render_error(400, "; ".join(problem.message for problem in error.problems) or str(error))
    _, towns = _towns()
    found = _tables(period, towns)[1].get(table_id)
    if found is None:
        abort(404)
    export = tables.EXPORTS[kind]
    return attachment(export.write(found), export.content_type,
                      f"{table_id}-{period.start.isoformat()}-{period.end.isoformat()}.{kind}")
