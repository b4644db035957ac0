"""Staff accounts for administrators: the town's accounts on its host (/verwaltung/benutzer, role
tenant_admin) and the cross-town administrators on the admin host (/benutzer). Each list can end
all sessions of an account, on every device, e.g. after a lost laptop or a change of job."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from amtsweg.auth import queries
from amtsweg.auth.access import TENANT_ADMIN, platform_admin_required, roles_required
from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.roles import ROLE_LABELS
from amtsweg.auth.services import end_all_sessions
from amtsweg.sites import restrict_to

town_blueprint = Blueprint("town_accounts", __name__, template_folder="templates", url_prefix="/verwaltung/benutzer")
restrict_to(town_blueprint, "tenant")
platform_blueprint = Blueprint("platform_accounts", __name__, template_folder="templates", url_prefix="/benutzer")
restrict_to(platform_blueprint, "admin")


def _list(accounts: list[Any], end_endpoint: str, heading: str) -> str:
    return render_template("accounts/list.html", accounts=accounts, end_endpoint=end_endpoint, heading=heading,
                           role_labels=ROLE_LABELS)


class EndSessionsForm(FlaskForm):
    """Only the CSRF token: one click ends the sessions."""


def _end(account: User | PlatformUser | None, list_endpoint: str) -> Any:
    if account is None:
        abort(404)
    if not EndSessionsForm().validate_on_submit():
        abort(400)
    end_all_sessions(account, current_user.label)
    flash(gettext("Alle Sitzungen von %(name)s wurden beendet.", name=account.label), "success")
    return redirect(url_for(list_endpoint))


@town_blueprint.route("")
@roles_required(TENANT_ADMIN)
def town_index() -> str:
    return _list(queries.town_users(), "town_accounts.end_town_sessions", gettext("Benutzerkonten der Kommune"))


@town_blueprint.route("/<int:user_id>/sitzungen-beenden", methods=["POST"])
@roles_required(TENANT_ADMIN)
def end_town_sessions(user_id: int) -> Any:
    return _end(queries.town_user(user_id), "town_accounts.town_index")


@platform_blueprint.route("")
@platform_admin_required
def platform_index() -> str:
    return _list(queries.platform_users(), "platform_accounts.end_platform_sessions",
                 gettext("Konten der Verbundverwaltung"))


@platform_blueprint.route("/<int:user_id>/sitzungen-beenden", methods=["POST"])
@platform_admin_required
def end_platform_sessions(user_id: int) -> Any:
    return _end(queries.platform_user(user_id), "platform_accounts.platform_index")
