"""Login and logout pages on the town hosts and the admin host: SSO, development login, logout."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from amtsweg.auth import oidc
from amtsweg.auth.forms import DevelopmentLoginForm
from amtsweg.auth.roles import PLATFORM_ROLES, TOWN_ROLES
from amtsweg.auth.saml.views import blueprint as saml_blueprint
from amtsweg.auth.services import DEV_ISSUER, Identity, sign_in_platform_user, sign_in_town_user
from amtsweg.auth.sessions import end_session, establish_session
from amtsweg.web import leave_after_form, safe_next_path

blueprint = Blueprint("auth", __name__, template_folder="templates")
# The SAML citizen login (/anmelden/saml/…) shares this blueprint's host guard below.
blueprint.register_blueprint(saml_blueprint)
DEV_ENVIRONMENTS = ("development", "testing")


@blueprint.before_request
def _only_town_and_admin_hosts() -> None:
    site = g.get("site")
    if site is None or site.kind not in ("tenant", "admin"):
        raise NotFound()


def development_login_available() -> bool:
    return current_app.config["ENV"] in DEV_ENVIRONMENTS


# A town role's start page after login, in order of precedence for someone with several roles.
TOWN_START_PAGES = (
    ("clerk", "workbench.queue"),
    ("team_lead", "workbench.queue"),
    ("tenant_admin", "town_processes.index"),
    ("contracts_editor", "contracts.index"),
    ("contracts_viewer", "contracts.index"),
)


def _next_path(raw: str | None) -> str:
    """Where the page asked to go after login: a local path, or '' for the user's start page."""
    return safe_next_path(raw) if raw else ""


def _start_page(roles: list[str]) -> str:
    """The first page of a staff member: their role's work, not a page they may not see."""
    if g.site.kind == "admin":
        return url_for("admin.dashboard")
    endpoint = next((endpoint for role, endpoint in TOWN_START_PAGES if role in roles), "portal.index")
    return url_for(endpoint)


@blueprint.route("/anmelden")
def login() -> Any:
    weiter = request.args.get("weiter", "")
    provider = oidc.provider_for_site()
    if provider is not None and not development_login_available():
        return redirect(url_for("auth.sso_start", weiter=weiter or None))
    return render_template(
        "auth/login.html", sso=provider is not None, dev=development_login_available(), weiter=weiter or None
    )


@blueprint.route("/anmelden/sso")
def sso_start() -> Any:
    provider = oidc.provider_for_site()
    if provider is None:
        raise NotFound()
    try:
        url = oidc.begin(provider, url_for("auth.sso_callback", _external=True), _next_path(request.args.get("weiter")))
    except oidc.LoginRefused as refusal:
        return _refused(refusal)
    return redirect(url)


@blueprint.route("/anmelden/rueckruf")
def sso_callback() -> Any:
    provider = oidc.provider_for_site()
    if provider is None:
        raise NotFound()
    try:
        identity, next_path = oidc.complete(provider, request.args.to_dict())
    except oidc.LoginRefused as refusal:
        return _refused(refusal)
    return _sign_in(identity, "oidc", next_path)


def _refused(refusal: oidc.LoginRefused) -> tuple[str, int]:
    return render_template("login_refused.html", message=refusal.message, back_url=url_for("auth.login"),
                           back_label=gettext("Zur Anmeldung")), refusal.status


def _sign_in(identity: Identity, via: str, next_path: str) -> Any:
    account = sign_in_platform_user(identity) if g.site.kind == "admin" else sign_in_town_user(identity)
    if not account.is_active:
        return _refused(oidc.LoginRefused(gettext("Ihr Konto ist gesperrt. Wenden Sie sich an Ihre Verwaltung."), 403))
    establish_session(account, via)
    return redirect(next_path or _start_page(list(account.roles)))


@blueprint.route("/anmelden/entwicklung", methods=["GET", "POST"])
def development_login() -> Any:
    """Log in as any user with any roles; a 404 outside development and testing."""
    if not development_login_available():
        raise NotFound()
    form = DevelopmentLoginForm()
    form.offer_roles(PLATFORM_ROLES if g.site.kind == "admin" else TOWN_ROLES)
    if form.validate_on_submit():
        username = form.username.data or ""
        roles = list(form.roles.data or [])
        identity = Identity(DEV_ISSUER, username, f"{username}@entwicklung.invalid", username, roles)
        return _sign_in(identity, "dev", _next_path(request.args.get("weiter")))
    status = 400 if form.errors else 200
    return render_template("auth/dev_login.html", form=form), status


@blueprint.route("/abmelden", methods=["POST"])
def logout() -> Response:
    via = end_session()
    home = url_for("portal.index", _external=True)
    provider = oidc.provider_for_site() if via == "oidc" else None
    target = oidc.end_session_url(provider, home) if provider else None
    return leave_after_form(target or home)
