"""The simulator's web app: the XBezahldienste API, its token endpoint, the payment page, and a
control API for tests (``/_control/…``: accounts, switches, state, reset)."""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cryptography import x509
from flask import Flask, Response, abort, redirect, render_template, request

from simulators.xbezahldienste.validation import Invalid, check_ids, check_request

AUTH_KINDS = ("basic", "oauth2", "mtls")


class SimulatorRefused(RuntimeError):
    """The simulator must never run in production."""


@dataclass
class Account:
    """One originator (an Online-Dienst's contract) and how it authenticates."""

    originator_id: str
    auth: str = "basic"
    username: str = ""
    password: str = ""
    client_id: str = ""
    client_secret: str = ""
    # mtls: the Common Name the client certificate must carry
    certificate_cn: str = ""
    # endPointIds this originator may use; empty: any
    endpoints: list[str] = field(default_factory=list)
    required_booking_keys: list[str] = field(default_factory=list)


@dataclass
class Switches:
    """Ways to misbehave, set by tests (or a developer) through the control API."""

    down: bool = False  # every API call answers 503 with an HTML page, like a load balancer
    slow_seconds: float = 0  # every API call waits this long first
    failed_first: int = 0  # a paid transaction reports FAILED to this many status queries first
    never_return: bool = False  # after paying, the citizen is not sent back
    garbage: bool = False  # status queries answer with something that is no JSON
    status_override: str = ""  # status queries report this status word instead of the real one
    amount_override: str = ""  # status queries echo this grosAmount instead of the real one


@dataclass
class Transaction:
    transaction_id: str
    originator_id: str
    endpoint_id: str
    request: dict[str, Any]
    reference: str
    status: str = "INITIAL"
    payment_method: str = ""
    timestamp: str = ""
    failed_reports_left: int = 0
    status_queries: int = 0


class Store:
    def __init__(self, accounts: list[Account]) -> None:
        self.lock = threading.Lock()
        self.accounts = {account.originator_id: account for account in accounts}
        self.reset()

    def reset(self) -> None:
        self.transactions: dict[str, Transaction] = {}
        self.request_ids: set[tuple[str, str, str]] = set()
        self.tokens: dict[str, tuple[str, float]] = {}
        self.switches = Switches()
        self.counters = {"token_requests": 0, "api_calls": 0}


def create_app(accounts: list[Account] | None = None, *, demo: bool = False, token_seconds: int = 300,
               control_token: str = "") -> Flask:
    """The simulator. ``demo``: any originator without credentials (development's ``make run``)."""
    if os.environ.get("AMTSWEG_ENV", "").lower() == "production":
        raise SimulatorRefused("the XBezahldienste simulator does not run in production (AMTSWEG_ENV=production)")
    app = Flask(__name__)
    store = Store(accounts or [])
    app.extensions["xbezahldienste_simulator"] = store

    def problem(status: int, code: str, detail: str, title: str = "") -> Response:
        body = {"type": f"{request.host_url}fehler/{code.lower()}", "status": status,
                "title": title or {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                                   409: "Conflict"}.get(status, "Error"),
                "detail": detail, "functionalCode": code}
        return Response(json.dumps(body), status, mimetype="application/problem+json")

    def misbehave() -> Response | None:
        store.counters["api_calls"] += 1
        if store.switches.slow_seconds:
            time.sleep(store.switches.slow_seconds)
        if store.switches.down:
            return Response("<html><body><h1>503 Service Unavailable</h1></body></html>", 503, mimetype="text/html")
        return None

    def authenticated(originator_id: str, endpoint_id: str) -> Response | None:
        try:
            check_ids(originator_id, endpoint_id)
        except Invalid as exc:
            return problem(400, exc.code, exc.detail)
        if demo:
            return None
        account = store.accounts.get(originator_id)
        if account is None or (account.endpoints and endpoint_id not in account.endpoints):
            return problem(403, "NO_VALID_ORIGINATOR_OR_ENDPOINT", "Mandant nicht gefunden")
        if not _credentials_valid(account, store):
            response = problem(401, "FORBIDDEN", "Fehlende oder falsche Anmeldedaten")
            if account.auth == "oauth2":
                response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        return None

    @app.post("/paymenttransaction/<originator_id>/<endpoint_id>")
    def create_transaction(originator_id: str, endpoint_id: str) -> Response:
        refused = misbehave() or authenticated(originator_id, endpoint_id)
        if refused:
            return refused
        try:
            # Amounts as Decimal: the sum check must be exact, as a provider's is.
            body = json.loads(request.get_data(as_text=True), parse_float=Decimal)
        except ValueError:
            return problem(400, "VALIDATION_ERROR", "Der Inhalt ist kein JSON")
        account = store.accounts.get(originator_id)
        try:
            check_request(body, account.required_booking_keys if account else [])
        except Invalid as exc:
            return problem(400, exc.code, exc.detail)
        key = (originator_id, endpoint_id, body["requestId"])
        with store.lock:
            if key in store.request_ids:
                return problem(409, "PAYMENT_EXISTS", "Zu dieser requestId gibt es bereits eine Transaktion")
            store.request_ids.add(key)
            transaction = Transaction(uuid.uuid4().hex, originator_id, endpoint_id, body,
                                      f"SIM-{len(store.transactions) + 1:06d}")
            store.transactions[transaction.transaction_id] = transaction
        return _transaction_response(transaction, store)

    @app.get("/paymenttransaction/<originator_id>/<endpoint_id>/<transaction_id>")
    def get_transaction(originator_id: str, endpoint_id: str, transaction_id: str) -> Response:
        refused = misbehave() or authenticated(originator_id, endpoint_id)
        if refused:
            return refused
        transaction = store.transactions.get(transaction_id)
        if transaction is None or (transaction.originator_id, transaction.endpoint_id) != (originator_id, endpoint_id):
            return problem(404, "UNSPECIFIED", "Transaktion nicht gefunden")
        if store.switches.garbage:
            return Response("<html><body>Wartungsarbeiten</body></html>", 200, mimetype="text/html")
        with store.lock:
            transaction.status_queries += 1
            reported = transaction.status
            if transaction.status == "PAYED" and transaction.failed_reports_left > 0:
                transaction.failed_reports_left -= 1
                reported = "FAILED"
        return _transaction_response(transaction, store, reported)

    @app.get("/status/<originator_id>/<endpoint_id>")
    def configuration_status(originator_id: str, endpoint_id: str) -> Response:
        refused = misbehave() or authenticated(originator_id, endpoint_id)
        if refused:
            return refused
        body = {"status": 200, "title": "OK", "detail": "Konfiguration aktiv"}
        return Response(json.dumps(body), 200, mimetype="application/problem+json")

    @app.post("/oauth/token")
    def token() -> Response:
        store.counters["token_requests"] += 1
        client_id, secret = _client_credentials()
        if request.form.get("grant_type") != "client_credentials":
            return Response(json.dumps({"error": "unsupported_grant_type"}), 400, mimetype="application/json")
        account = next((a for a in store.accounts.values() if a.auth == "oauth2" and a.client_id == client_id), None)
        if account is None or not hmac.compare_digest(account.client_secret.encode(), secret.encode()):
            return Response(json.dumps({"error": "invalid_client"}), 401, mimetype="application/json")
        value = secrets.token_urlsafe(24)
        store.tokens[value] = (account.originator_id, time.time() + token_seconds)
        return Response(json.dumps({"access_token": value, "token_type": "Bearer", "expires_in": token_seconds}),
                        200, mimetype="application/json")

    @app.route("/bezahlen/<transaction_id>", methods=["GET", "POST"])
    def pay_page(transaction_id: str) -> Any:
        transaction = store.transactions.get(transaction_id)
        if transaction is None:
            abort(404)
        if request.method == "POST" and transaction.status == "INITIAL":
            action = request.form.get("aktion", "")
            outcome = {"bezahlen": "PAYED", "abbrechen": "CANCELED", "fehlschlagen": "FAILED"}.get(action)
            if outcome is None:
                abort(400)
            with store.lock:
                if transaction.status == "INITIAL":
                    transaction.status = outcome
                    transaction.timestamp = datetime.now(UTC).isoformat(timespec="seconds")
                    if outcome == "PAYED":
                        transaction.payment_method = "CREDITCARD"
                        transaction.failed_reports_left = store.switches.failed_first
            if not store.switches.never_return:
                return redirect(transaction.request["redirectUrl"], 303)
        return render_template("pay.html", transaction=transaction, amount=_euro(transaction.request["grosAmount"]),
                               items=[(item.get("description") or item["id"],
                                       _euro(Decimal(str(item["totalNetAmount"]))
                                             + Decimal(str(item.get("totalTaxAmount", 0)))))
                                      for item in transaction.request["items"]],
                               never_return=store.switches.never_return)

    def control_allowed() -> None:
        if control_token and not hmac.compare_digest(request.headers.get("X-Control-Token", ""), control_token):
            abort(403)

    @app.post("/_control/reset")
    def control_reset() -> Response:
        control_allowed()
        with store.lock:
            store.reset()
        return Response(status=204)

    @app.post("/_control/switches")
    def control_switches() -> Response:
        control_allowed()
        changes = request.get_json(silent=True) or {}
        unknown = sorted(set(changes) - set(asdict(store.switches)))
        if unknown:
            return Response(json.dumps({"unknown": unknown}), 400, mimetype="application/json")
        for name, value in changes.items():
            setattr(store.switches, name, value)
        return Response(json.dumps(asdict(store.switches)), 200, mimetype="application/json")

    @app.post("/_control/accounts")
    def control_accounts() -> Response:
        control_allowed()
        for entry in request.get_json(silent=True) or []:
            account = Account(**entry)
            if account.auth not in AUTH_KINDS:
                return Response(json.dumps({"unknown auth": account.auth}), 400, mimetype="application/json")
            store.accounts[account.originator_id] = account
        return Response(status=204)

    @app.get("/_control/state")
    def control_state() -> Response:
        control_allowed()
        state = {
            "transactions": [{"transactionId": t.transaction_id, "requestId": t.request["requestId"],
                              "status": t.status, "statusQueries": t.status_queries, "request": t.request}
                             for t in store.transactions.values()],
            "counters": store.counters,
            "switches": asdict(store.switches),
        }
        return Response(json.dumps(state, default=str), 200, mimetype="application/json")

    return app


def _client_credentials() -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _credentials_valid(account: Account, store: Store) -> bool:
    if account.auth == "basic":
        auth = request.authorization
        return bool(auth and auth.type == "basic" and auth.username == (account.username or account.originator_id)
                    and hmac.compare_digest((auth.password or "").encode(), account.password.encode()))
    if account.auth == "oauth2":
        header = request.headers.get("Authorization", "")
        entry = store.tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        return bool(entry and entry[0] == account.originator_id and entry[1] > time.time())
    pem = request.environ.get("SSL_CLIENT_CERT")
    if not pem:
        return False
    subject = x509.load_pem_x509_certificate(pem.encode()).subject
    names = [attribute.value for attribute in subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    return account.certificate_cn in names


def _transaction_response(transaction: Transaction, store: Store, reported: str | None = None) -> Response:
    base = request.host_url.rstrip("/")
    status = store.switches.status_override or reported or transaction.status
    information: dict[str, Any] = {
        "transactionUrl": f"{base}/paymenttransaction/{transaction.originator_id}/{transaction.endpoint_id}/"
                          f"{transaction.transaction_id}",
        "transactionId": transaction.transaction_id,
        "transactionReference": transaction.reference,
        "status": status,
    }
    if transaction.status == "INITIAL":
        information["transactionRedirectUrl"] = f"{base}/bezahlen/{transaction.transaction_id}"
    if status == "PAYED":
        information.update(paymentMethod=transaction.payment_method, transactionTimestamp=transaction.timestamp)
    echoed = dict(transaction.request)
    if store.switches.amount_override:
        echoed["grosAmount"] = float(store.switches.amount_override)
    return Response(json.dumps({"paymentInformation": information, "paymentRequest": echoed}, default=float), 200,
                    mimetype="application/json")


def _euro(amount: Any) -> str:
    cents = int((Decimal(str(amount)) * 100).to_integral_value())
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d} €"
