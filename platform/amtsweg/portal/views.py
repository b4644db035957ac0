"""Citizen pages: start page, legal pages, the town's design tokens and logo."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import bleach
import markdown
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from amtsweg.cases.queries import MOST_USED_LIMIT, most_used_services
from amtsweg.i18n import select_locale
from amtsweg.processes import queries
from amtsweg.sites import restrict_to
from amtsweg.tenancy import current_tenant
from amtsweg.tenancy.assets import logo_file
from amtsweg.tenancy.queries import town_page
from amtsweg.web import small_int

blueprint = Blueprint("portal", __name__, template_folder="templates")
restrict_to(blueprint, "tenant", exempt=lambda: request.endpoint == "portal.index")

LEGAL_PAGES = {"impressum": "Impressum", "datenschutz": "Datenschutz", "barrierefreiheit": "Barrierefreiheit"}
# The platform's texts of the legal pages in languages a town gives none in, filled with its details.
PLATFORM_LEGAL_TEXTS = Path(__file__).parent / "templates" / "portal" / "legal"
_ALLOWED_TAGS = [*bleach.sanitizer.ALLOWED_TAGS, "p", "h2", "h3", "h4", "ul", "ol", "li", "br", "hr", "table",
                 "thead", "tbody", "tr", "th", "td", "address"]


def _tenant_folder() -> Path:
    return Path(current_app.config["TENANTS_DIR"]) / current_tenant().slug


@blueprint.route("/")
def index() -> str | Response | WerkzeugResponse:
    site = g.site
    if site.kind == "admin":
        return redirect(url_for("admin.dashboard"))
    if site.kind == "base":
        search = request.args.get("suche", "").strip()[:100]
        towns = town_page(search, small_int(request.args.get("seite", "")) or 1)
        port = request.host.partition(":")[2]
        return render_template("portal/member_towns.html", towns=towns, search=search, port=port)
    # The most used services that the town still offers, in order of use; the areas to browse.
    catalogue = queries.catalogue(locale=select_locale())
    offered = {entry.slug: entry for entry in catalogue.entries}
    most_used = [offered[slug] for slug in most_used_services(limit=MOST_USED_LIMIT * 2) if slug in offered]
    return render_template("portal/start.html", most_used=most_used[:MOST_USED_LIMIT], areas=catalogue.areas)


@lru_cache(maxsize=64)
def _markdown_page(path: Path, modified: float) -> Markup:
    """Rendered and sanitised page; ``modified`` is part of the key so an edited file is re-read."""
    return _markdown(path.read_text(encoding="utf-8"))


def _markdown(source: str) -> Markup:
    return Markup(bleach.clean(markdown.markdown(source, extensions=["tables"]), tags=_ALLOWED_TAGS))


@blueprint.route("/<any(impressum, datenschutz, barrierefreiheit):page>")
def legal_page(page: str) -> str:
    """The town's own text in the page's language (``<page>.<language>.md``, ``<page>.md`` in German);
    where the town gives none in that language, the platform's text filled with the town's details
    (``templates/portal/legal/<page>.<language>.md``); else the town's German text, marked as German."""
    folder = _tenant_folder() / "pages"
    locale = select_locale()
    own = next((path for path in (folder / f"{page}.{locale}.md", folder / f"{page}.md")
                if path.is_file() and (locale == "de" or path.name != f"{page}.md")), None)
    if own is not None:
        body, language = _markdown_page(own, own.stat().st_mtime), None
    elif (PLATFORM_LEGAL_TEXTS / f"{page}.{locale}.md").is_file():
        text = render_template(f"portal/legal/{page}.{locale}.md", tenant=current_tenant())
        body, language = _markdown(text), None
    else:
        german = folder / f"{page}.md"
        body, language = _markdown_page(german, german.stat().st_mtime), "de"
    return render_template("portal/legal_page.html", title=LEGAL_PAGES[page], body=body, body_language=language)


@blueprint.route("/design.css")
def design_tokens() -> Response:
    """The town's colours as CSS custom properties over the KERN design tokens."""
    branding = current_tenant().branding
    css = render_template("portal/design.css", branding=branding)
    response = Response(css, mimetype="text/css")
    response.cache_control.max_age = 300
    return response


@blueprint.route("/logo.svg")
def logo() -> Response:
    path = logo_file(current_tenant())
    if path is None:
        abort(404)
    response = Response(path.read_bytes(), mimetype="image/svg+xml")
    # An SVG opened directly must not run script, whatever it contains.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.cache_control.max_age = 3600
    return response
