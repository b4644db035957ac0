"""A town's own process settings on its host: /verwaltung/leistungen (role tenant_admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from amtsweg.admin.process_forms import ToggleForm, overrides_form
from amtsweg.auth.access import TENANT_ADMIN, roles_required
from amtsweg.processes import queries, services
from amtsweg.processes.loader import from_storable
from amtsweg.processes.schema import AREAS
from amtsweg.sites import restrict_to

blueprint = Blueprint("town_processes", __name__, template_folder="templates", url_prefix="/verwaltung/leistungen")
restrict_to(blueprint, "tenant")

# The status filter's values in the query string.
OFFER_STATES = {"angeboten": True, "nicht-angeboten": False}


def _definition(slug: str) -> Any:
    process = queries.process_by_slug(slug)
    version = queries.current_version(process) if process else None
    if version is None:
        abort(404)
    return from_storable(version.definition)


@blueprint.route("")
@roles_required(TENANT_ADMIN)
def index() -> str:
    search = request.args.get("suche", "").strip()[:100]
    area = request.args.get("bereich", "")
    status = request.args.get("status", "")
    rows = queries.town_enablements(search or None, area if area in AREAS else None,
                                    OFFER_STATES.get(status), locale=str(get_locale()))
    return render_template("town_admin/processes.html", rows=rows, areas=AREAS, search=search,
                           selected={"bereich": area, "status": status},
                           statuses={"angeboten": _l("angeboten"), "nicht-angeboten": _l("nicht angeboten")})


@blueprint.route("/<slug>/freischaltung", methods=["POST"])
@roles_required(TENANT_ADMIN)
def toggle(slug: str) -> Any:
    form = ToggleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_enabled(slug, form.enabled.data == "1", actor=current_user.label)
    except services.UnknownProcess:
        abort(404)
    flash(gettext("Die Einstellung wurde gespeichert."), "success")
    return redirect(url_for(".index", _anchor=f"p-{slug}"))


@blueprint.route("/<slug>", methods=["GET", "POST"])
@roles_required(TENANT_ADMIN)
def edit(slug: str) -> Any:
    definition = _definition(slug)
    form = overrides_form(definition, queries.town_overrides(slug))
    if form.validate_on_submit():
        services.set_overrides(slug, form.overrides(), actor=current_user.label)
        flash(gettext("Die Anpassungen wurden gespeichert."), "success")
        return redirect(url_for(".edit", slug=slug))
    return render_template("town_admin/process_edit.html", definition=definition, form=form)
