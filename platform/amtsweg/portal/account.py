"""The citizen account pages on a town host: login with the state account (OIDC or SAML, as the
town chooses), "my applications", opening one of them, logout. Every page is a 404 where no citizen
login is configured."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from amtsweg.auth import oidc
from amtsweg.auth.citizen_login import CitizenLoginProvider, OidcCitizenLogin
from amtsweg.auth.citizens import (
    citizen_provider,
    current_citizen,
    end_citizen_session,
    sign_in_citizen,
    start_citizen_session,
)
from amtsweg.auth.identity import current_identity
from amtsweg.auth.models import CitizenAccount
from amtsweg.cases.queries import cases_of_citizen
from amtsweg.cases.tokens import account_status_token
from amtsweg.cases.workflow import definition_of
from amtsweg.forms.base import localized
from amtsweg.portal.status import STATUS_TEXT
from amtsweg.sites import restrict_to
from amtsweg.web import leave_after_form, safe_next_path

blueprint = Blueprint("account", __name__, url_prefix="/buergerkonto", template_folder="templates")
restrict_to(blueprint, "tenant")


@blueprint.before_request
def _only_when_configured() -> None:
    if citizen_provider() is None:
        abort(404)


@blueprint.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _provider() -> CitizenLoginProvider:
    provider = citizen_provider()
    assert provider is not None  # checked before every request of this blueprint
    return provider


def _refused(refusal: oidc.LoginRefused) -> tuple[str, int]:
    return render_template("login_refused.html", message=refusal.message, back_url=url_for("account.index"),
                           back_label=gettext("Zurück zum Bürgerkonto")), refusal.status


def _logged_in() -> CitizenAccount:
    account = current_citizen()
    if account is None:
        abort(404)
    return account


@blueprint.route("/anmelden")
def login() -> Any:
    weiter = safe_next_path(request.args.get("weiter") or url_for("account.index"))
    provider = _provider()
    # A service's start page names the attributes its form takes over; the login asks only for those.
    angaben = request.args.get("angaben")
    attributes = angaben.split(",") if angaben is not None else None
    try:
        return redirect(provider.login_url(weiter, attributes=attributes)
                        or provider.login_url(weiter, organisation=True, attributes=attributes) or weiter)
    except oidc.LoginRefused as refusal:
        return _refused(refusal)


@blueprint.route("/rueckruf")
def callback() -> Any:
    provider = _provider()
    if not isinstance(provider, OidcCitizenLogin):
        abort(404)
    try:
        claims, next_path = oidc.complete_claims(provider.config, request.args.to_dict())
    except oidc.LoginRefused as refusal:
        return _refused(refusal)
    start_citizen_session(sign_in_citizen(provider.config.issuer, claims))
    return redirect(next_path)


@blueprint.route("/")
def index() -> str:
    account = current_citizen()
    if account is None:
        return render_template("buergerkonto/login.html")
    entries = [(case, definition_of(case)[1]) for case in cases_of_citizen(account.id)]
    return render_template("buergerkonto/index.html", account=account, identity=current_identity(), entries=entries,
                           status_text=STATUS_TEXT, localized=localized)


@blueprint.route("/vorgang/<reference>")
def open_case(reference: str) -> Response:
    """Open one of the account's applications on its status page (with a fresh link)."""
    account = _logged_in()
    case = next((c for c in cases_of_citizen(account.id) if c.reference == reference), None)
    if case is None:
        abort(404)
    return redirect(url_for("status.show", token=account_status_token(case)))


@blueprint.route("/abmelden", methods=["POST"])
def logout() -> Response:
    home = url_for("portal.index", _external=True)
    target = _provider().log_out(home)
    end_citizen_session()
    return leave_after_form(target or home)
