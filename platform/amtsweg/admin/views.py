"""Cross-town admin (admin.<base-domain> only)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from amtsweg.auth.access import platform_admin_required
from amtsweg.sites import restrict_to
from amtsweg.tenancy.queries import town_page
from amtsweg.web import small_int

blueprint = Blueprint("admin", __name__, template_folder="templates")
restrict_to(blueprint, "admin")


@blueprint.route("/uebersicht")
@platform_admin_required
def dashboard() -> str:
    search = request.args.get("kommunen", "").strip()[:100]
    towns = town_page(search, small_int(request.args.get("seite", "")) or 1)
    return render_template("admin/dashboard.html", towns=towns, town_search=search)
