"""The town's catalogue of services ("Digitales Rathaus"): areas, search and one page per service."""

from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import Blueprint, abort, current_app, get_template_attribute, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from amtsweg.processes import queries
from amtsweg.processes.schema import AREAS
from amtsweg.sites import restrict_to

blueprint = Blueprint("catalogue", __name__, template_folder="templates")
restrict_to(blueprint, "tenant")


# The list of entries as HTML, by the town's templates, the processes' versions in their order, the
# language and the links' prefix: nothing else changes what the list shows, so each is rendered once.
_entries_html: LRUCache[tuple[object, ...], Markup] = LRUCache(maxsize=2048)
_entries_lock = threading.Lock()


def _entries(entries: list[queries.CatalogueEntry], locale: str, service_link: str) -> Markup:
    key = (current_app.jinja_env, tuple(entry.revision for entry in entries), locale, service_link)
    with _entries_lock:
        html = _entries_html.get(key)
    if html is None:
        macro = get_template_attribute("catalogue/_entry.html", "entry")
        html = Markup("").join(macro(entry, locale, service_link) for entry in entries)
        with _entries_lock:
            _entries_html[key] = html
    return html


@blueprint.route("/leistungen")
def index() -> str:
    search = request.args.get("suche", "").strip()[:100]
    area = request.args.get("bereich") or None
    if area is not None and area not in AREAS:
        abort(404)
    locale = str(get_locale())
    result = queries.catalogue(search or None, area, locale=locale)
    return render_template(
        "catalogue/index.html", catalogue=result, search=search, area=area, area_labels=AREAS,
        # One url_for for the links to the services rather than one per entry.
        entries_html=_entries(result.entries, locale, url_for("catalogue.service", slug="")),
    )


@blueprint.route("/leistungen/<slug>")
def service(slug: str) -> str:
    offered = queries.offered_process(slug)
    if offered is None:
        abort(404)
    return render_template(
        "catalogue/service.html", offered=offered, definition=offered.definition,
        area_label=AREAS[offered.definition.category],
    )
