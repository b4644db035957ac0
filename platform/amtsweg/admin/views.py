"""Cross-town admin (admin.<base-domain> only)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from amtsweg.auth.access import platform_admin_required
from amtsweg.sites import restrict_to
from amtsweg.tenancy.resolution import directory

blueprint = Blueprint("admin", __name__, template_folder="templates")
restrict_to(blueprint, "admin")


@blueprint.route("/uebersicht")
@platform_admin_required
def dashboard() -> str:
    return render_template("admin/dashboard.html", towns=directory.tenants(g.base_domain))
