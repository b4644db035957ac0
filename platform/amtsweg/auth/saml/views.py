"""The SAML endpoints of a town that logs citizens in with BundID / Mein Unternehmenskonto.

``/anmelden/saml/metadata.xml`` the service provider's metadata (its entity ID);
``/anmelden/saml/`` explains the login (trust level, attributes sent) and starts it (POST);
``/anmelden/saml/acs`` receives the IdP's response (POST, no session: browsers do not send the
session cookie with the IdP's cross-site POST); ``/anmelden/saml/ergebnis`` then finishes the login
in the browser's session or explains the refusal; ``/anmelden/saml/slo`` receives the IdP's
LogoutResponse. Every page is a 404 on towns that do not use SAML.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from amtsweg.auth.citizen_login import SamlCitizenLogin, town_citizen_login
from amtsweg.auth.citizens import citizen_login_token, start_citizen_session
from amtsweg.auth.models import CitizenAccount
from amtsweg.auth.oidc import FLOW_MAX_AGE
from amtsweg.auth.saml import SamlUnavailable, protocol, services
from amtsweg.auth.saml.idps import IDENTITY_PROVIDERS, IdentityProvider
from amtsweg.auth.saml.metadata import metadata_cache
from amtsweg.auth.saml.protocol import ResponseRefused
from amtsweg.auth.saml.queries import active_login, pending_login
from amtsweg.auth.saml.site import on_town_host, sp_identity, town_origin
from amtsweg.auth.trust import LEVEL_NUMBERS, TrustLevel, trust_level
from amtsweg.extensions import csrf, db
from amtsweg.security import CONTENT_SECURITY_POLICY
from amtsweg.tenancy.context import current_tenant
from amtsweg.web import render_error, safe_next_path, small_int

blueprint = Blueprint("saml", __name__, url_prefix="/anmelden/saml")
FLOW_KEY = "saml_flow"
INCOMPLETE = "unvollstaendig"
UNAVAILABLE = "nicht-verfuegbar"

LOG_IN_AGAIN = lazy_gettext("Bitte melden Sie sich noch einmal an.")
START_AGAIN = lazy_gettext("Bitte starten Sie die Anmeldung neu.")


@dataclass(frozen=True)
class Refusal:
    """Why a login was refused and what the person can do about it (None: nothing to add)."""

    reason: LazyString
    advice: LazyString | None = LOG_IN_AGAIN
    status: int = 400

    def message(self, values: dict[str, str]) -> str:
        return " ".join(str(part) for part in (self.reason, self.advice) if part) % values


REFUSALS: dict[str, Refusal] = {
    protocol.INVALID: Refusal(lazy_gettext(
        "Die Anmeldebestätigung konnte nicht geprüft werden: Signatur oder Verschlüsselung sind ungültig. Aus "
        "Sicherheitsgründen wurde die Anmeldung abgebrochen.")),
    protocol.EXPIRED: Refusal(lazy_gettext("Die Anmeldebestätigung ist abgelaufen.")),
    protocol.UNKNOWN_REQUEST: Refusal(lazy_gettext(
        "Diese Anmeldebestätigung gehört zu keiner offenen Anmeldung: Sie wurde schon verwendet oder ist nicht für "
        "diese Sitzung bestimmt."), START_AGAIN),
    protocol.WRONG_AUDIENCE: Refusal(lazy_gettext(
        "Die Anmeldebestätigung ist für einen anderen Dienst ausgestellt und gilt hier nicht.")),
    protocol.IDP_REFUSED: Refusal(lazy_gettext(
        "Der Anmeldedienst hat die Anmeldung abgelehnt oder sie wurde abgebrochen."), None),
    protocol.LEVEL_TOO_LOW: Refusal(lazy_gettext(
        "Für diese Anmeldung ist mindestens das Vertrauensniveau „%(needed)s“ nötig, bestätigt wurde nur "
        "„%(reached)s“."), lazy_gettext(
        "Bitte melden Sie sich mit einem passenden Verfahren an, zum Beispiel mit dem Online-Ausweis."), 403),
    protocol.MISSING_ATTRIBUTE: Refusal(lazy_gettext(
        "Der Anmeldedienst hat nicht alle nötigen Angaben übermittelt, es fehlt: %(missing)s."), lazy_gettext(
        "Bitte geben Sie diese Angaben bei der Anmeldung frei und melden Sie sich noch einmal an.")),
    INCOMPLETE: Refusal(lazy_gettext(
        "Die Anmeldung konnte nicht abgeschlossen werden, vielleicht war sie zu lange offen."), START_AGAIN),
    UNAVAILABLE: Refusal(lazy_gettext("Die Anmeldung ist zurzeit nicht möglich."),
                         lazy_gettext("Bitte versuchen Sie es später noch einmal."), 503),
}


def _login() -> SamlCitizenLogin:
    provider = town_citizen_login()
    if not isinstance(provider, SamlCitizenLogin):
        abort(404)
    return provider


@blueprint.before_request
def _only_saml_towns() -> None:
    _login()


@blueprint.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(code: str, *, idp: IdentityProvider | None = None, level: TrustLevel | None = None,
             params: dict[str, str] | None = None, weiter: str | None = None,
             requested: Iterable[str] | None = None) -> tuple[str, int]:
    refusal = REFUSALS[code]
    params = params or {}
    idp = idp or _login().idps[0]
    reached = small_int(params.get("erreicht", ""))
    message = refusal.message({
        "needed": (level or trust_level(1)).name,
        "reached": trust_level(reached).name if reached in LEVEL_NUMBERS else "?",
        "missing": ", ".join(idp.labels(key for key in params.get("fehlt", "").split(",")
                                          if key in idp.keys)) or "?",
    })
    back = url_for(".login", konto=idp.key, niveau=level.number if level else None,
                   angaben=",".join(requested) if requested is not None else None, weiter=weiter)
    return render_template("login_refused.html", message=message, back_url=back,
                           back_label=gettext("Noch einmal anmelden")), refusal.status


def _unavailable(exc: Exception, idp: IdentityProvider | None = None) -> tuple[str, int]:
    current_app.logger.error("SAML login unavailable: %s", exc)
    return _refused(UNAVAILABLE, idp=idp)


def _idp(value: str | None) -> IdentityProvider:
    login = _login()
    idp = IDENTITY_PROVIDERS.get(value or login.idps[0].key)
    if idp is None or idp not in login.idps:
        abort(404)
    return idp


def _level(value: str | None) -> TrustLevel:
    number = small_int(value or "1")
    if number not in LEVEL_NUMBERS:
        abort(make_response(render_error(400, gettext(
            "Dieses Vertrauensniveau gibt es nicht. Möglich sind 1 (niedrig), 3 (substanziell) und 4 (hoch)."))))
    return trust_level(number)


def _requested(idp: IdentityProvider, value: str | None) -> dict[str, bool]:
    """The attributes to ask for: a service's (``angaben``, keys of the IdP's attributes) with what
    identification needs, or, for a login not made for a service, all."""
    if value is None:
        return idp.default_request()
    keys = {key for key in value.split(",") if key}
    if unknown := sorted(keys - idp.keys):
        abort(make_response(render_error(400, gettext(
            "Diese Angaben kann %(idp)s nicht übermitteln: %(keys)s. Bitte starten Sie die Anmeldung auf der "
            "Seite des Antrags neu.", idp=idp.name, keys=", ".join(unknown)))))
    return idp.request_for(keys)


@blueprint.route("/metadata.xml")
def metadata() -> Any:
    """The town's service provider metadata (its entity ID is this address)."""
    try:
        xml = protocol.sp_metadata(sp_identity())
    except SamlUnavailable as exc:
        return _unavailable(exc)
    return Response(xml, mimetype="application/samlmetadata+xml")


@blueprint.route("/")
def login() -> Any:
    """What the login asks for, and why; the button starts it."""
    if not on_town_host():
        return redirect(town_origin() + request.full_path.rstrip("?"))
    idp, level = _idp(request.args.get("konto")), _level(request.args.get("niveau"))
    try:
        idp_metadata = metadata_cache.get(idp)
    except SamlUnavailable as exc:
        return _unavailable(exc, idp)
    wanted = _requested(idp, request.args.get("angaben"))
    page = render_template(
        "saml/login.html", idp=idp, level=level, weiter=safe_next_path(request.args.get("weiter")),
        attributes=[(idp.attribute(key), required) for key, required in wanted.items()], angaben=",".join(wanted),
    )
    response = make_response(page)
    # The form's POST is answered with a redirect to the IdP, which the form-action rule must allow.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {idp_metadata.sso_origin}")
    return response


@blueprint.route("/", methods=["POST"])
def start() -> Any:
    """Record the pending login and send the browser to the IdP with the signed AuthnRequest."""
    idp, level = _idp(request.form.get("konto")), _level(request.form.get("niveau"))
    tenant = current_tenant()
    display = {"OrganizationDisplayName": tenant.official_name, "Lang": "de",
               "OnlineServiceId": (tenant.settings.get("citizen_login") or {}).get("online_service_id", "")}
    try:
        begun = services.begin_login(sp_identity(), idp, level, safe_next_path(request.form.get("weiter")),
                                     _requested(idp, request.form.get("angaben")), display=display)
    except SamlUnavailable as exc:
        return _unavailable(exc, idp)
    session[FLOW_KEY] = {"token": begun.token, "started_at": int(time.time())}
    return redirect(begun.url, 303)


@blueprint.route("/acs", methods=["POST"])
@csrf.exempt  # The IdP's signed response is the proof; the browser's session is not available here.
def acs() -> Response:
    """The IdP's response: verified and recorded here, finished by /ergebnis in the browser's session."""
    try:
        services.complete_login(sp_identity(), request.form.get("SAMLResponse", ""))
    except ResponseRefused as refusal:
        return redirect(url_for(".result") + "?" + urlencode({"fehler": refusal.code, **refusal.params}), 303)
    except SamlUnavailable as exc:
        current_app.logger.error("SAML response not checked: %s", exc)
        return redirect(url_for(".result", fehler=UNAVAILABLE), 303)
    return redirect(url_for(".result"), 303)


@blueprint.route("/ergebnis")
def result() -> Any:
    """Finish the login this browser started, or explain why it was refused."""
    flow = session.pop(FLOW_KEY, None)
    token = flow.get("token") if isinstance(flow, dict) and time.time() - flow.get("started_at", 0) <= FLOW_MAX_AGE \
        else None
    code = request.args.get("fehler")
    if code:
        pending = pending_login(token) if token else None
        idp = IDENTITY_PROVIDERS.get(pending.idp) if pending else None
        level = trust_level(pending.minimum_level) if pending else None
        return _refused(code if code in REFUSALS else INCOMPLETE, idp=idp, level=level, params=request.args.to_dict(),
                        weiter=pending.next_path if pending else None,
                        requested=pending.requested if pending else None)
    login = active_login(token) if token else None
    account = db.session.get(CitizenAccount, login.account_id) if login and login.account_id else None
    if login is None or account is None:
        return _refused(INCOMPLETE)
    previous = citizen_login_token()
    if previous and previous != token:
        # A new login replaces the browser's earlier one: a copy of the old cookie must not outlive it.
        services.end_login(previous)
    start_citizen_session(account, token)
    return redirect(safe_next_path(login.next_path))


@blueprint.route("/slo", methods=["POST"])
@csrf.exempt  # As the assertion consumer: the IdP's signed message comes without the session.
def slo() -> Response:
    """The IdP's answer to our LogoutRequest; the platform session ended before it was sent."""
    saml_response = request.form.get("SAMLResponse", "")
    if saml_response:
        for idp in _login().idps:
            try:
                issuer = protocol.logout_response_issuer(sp_identity(), metadata_cache.get(idp), saml_response)
            except SamlUnavailable as exc:
                current_app.logger.warning("SAML LogoutResponse not checked: %s", exc)
                continue
            if issuer:
                current_app.logger.info("SAML single logout confirmed by %s", issuer)
                break
    return redirect(url_for("portal.index"), 303)
