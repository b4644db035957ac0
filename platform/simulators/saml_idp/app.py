"""The simulator's web pages: metadata, the login page where a test person is chosen, logout.

Under ``/<idp>/`` for each simulated IdP (``bundid``, ``muk``): ``metadata.xml``, ``sso`` (GET: the
SP's signed AuthnRequest shows the login page; POST: the chosen person's response is posted to the
SP) and ``slo``. Pending requests live in this process only: the simulator is one process.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from flask import Flask, abort, render_template, request

from simulators.saml_idp.idp import BEHAVIOURS, PendingRequest, PostMessage, SimulatedIdp, simulated_idps
from simulators.saml_idp.persons import persons_of

MAX_PENDING = 1000


def create_app(base_url: str, data_dir: Path) -> Flask:
    """The simulator's Flask app for IdPs at ``base_url``, keys and SP metadata in ``data_dir``."""
    app = Flask(__name__)
    idps = simulated_idps(base_url, data_dir)
    pending: dict[str, PendingRequest] = {}
    lock = threading.Lock()

    def simulated(idp_key: str) -> SimulatedIdp:
        if idp_key not in idps:
            abort(404)
        return idps[idp_key]

    def post(message: PostMessage, idp: SimulatedIdp) -> str:
        return render_template("post.html", message=message, idp=idp)

    def refused(idp: SimulatedIdp, text: str) -> tuple[str, int]:
        return render_template("refused.html", idp=idp, text=text), 400

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.route("/<idp_key>/metadata.xml")
    def metadata(idp_key: str) -> Any:
        return app.response_class(simulated(idp_key).metadata_xml(), mimetype="application/samlmetadata+xml")

    @app.route("/<idp_key>/sso")
    def login_page(idp_key: str) -> Any:
        idp = simulated(idp_key)
        try:
            request_ = idp.parse_login_request(request.args.to_dict())
        except Exception as exc:  # pysaml2 refuses bad requests with many exception types
            app.logger.warning("AuthnRequest refused: %s: %s", type(exc).__name__, exc)
            return refused(idp, "Die Anmeldeanfrage ist nicht signiert, fehlerhaft oder stammt von einer Stelle, "
                                "deren Metadaten der Simulator nicht kennt.")
        ticket = secrets.token_urlsafe(16)
        with lock:
            if len(pending) >= MAX_PENDING:
                pending.clear()
            pending[ticket] = request_
        return render_template("login.html", idp=idp, ticket=ticket, request=request_,
                               persons=persons_of(idp_key), behaviours=BEHAVIOURS)

    @app.route("/<idp_key>/sso", methods=["POST"])
    def respond(idp_key: str) -> Any:
        idp = simulated(idp_key)
        with lock:
            request_ = pending.pop(request.form.get("ticket", ""), None)
        if request_ is None:
            return refused(idp, "Diese Anmeldung ist nicht mehr offen. Bitte starten Sie sie beim Dienst neu.")
        if "abbrechen" in request.form:
            return post(idp.cancel(request_), idp)
        person = next((p for p in persons_of(idp_key) if p.key == request.form.get("person")), None)
        behaviour = request.form.get("verhalten", "")
        if person is None or behaviour not in BEHAVIOURS:
            return refused(idp, "Bitte wählen Sie eine Testperson aus.")
        return post(idp.respond(request_, person, behaviour), idp)

    @app.route("/<idp_key>/slo")
    def logout(idp_key: str) -> Any:
        idp = simulated(idp_key)
        try:
            return post(idp.logout(request.args.to_dict()), idp)
        except Exception as exc:  # as above
            app.logger.warning("LogoutRequest refused: %s: %s", type(exc).__name__, exc)
            return refused(idp, "Die Abmeldeanfrage ist nicht signiert oder fehlerhaft.")

    app.config["IDPS"] = idps
    return app
