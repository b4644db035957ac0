"""The town's catalogue of services ("Digitales Rathaus"): areas, search and one page per service."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import get_locale

from amtsweg.processes import queries
from amtsweg.processes.schema import AREAS
from amtsweg.sites import restrict_to

blueprint = Blueprint("catalogue", __name__, template_folder="templates")
restrict_to(blueprint, "tenant")


@blueprint.route("/leistungen")
def index() -> str:
    search = request.args.get("suche", "").strip()[:100]
    area = request.args.get("bereich") or None
    if area is not None and area not in AREAS:
        abort(404)
    result = queries.catalogue(search or None, area, locale=str(get_locale()))
    return render_template(
        "catalogue/index.html", catalogue=result, search=search, area=area, area_labels=AREAS,
        # One url_for for the links to the services rather than one per entry (a slug needs no quoting).
        service_link=url_for("catalogue.service", slug=""),
    )


@blueprint.route("/leistungen/<slug>")
def service(slug: str) -> str:
    offered = queries.enabled_process(slug)
    if offered is None:
        abort(404)
    return render_template(
        "catalogue/service.html", offered=offered, definition=offered.definition,
        area_label=AREAS[offered.definition.category],
    )
