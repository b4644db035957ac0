"""The page of one payment behind the secret token of its return address: where the provider sends
the citizen back (it only reads: the return proves nothing), asking the provider for the status
(a POST), what a transfer or town-hall payment needs, and trying again after a cancelled or failed
payment. Only the token counts; whatever else the return address carries is ignored."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale

from amtsweg.payments import services
from amtsweg.payments.states import amount, method_label, status_label, status_tone
from amtsweg.sites import restrict_to

blueprint = Blueprint("payment", __name__, url_prefix="/zahlung", template_folder="templates")
restrict_to(blueprint, "tenant")


@blueprint.get("/<token>")
def show(token: str) -> Any:
    outcome = services.payment_page(token)
    if outcome is None:
        abort(404)
    return render_template(
        "payment/show.html", token=token, payment=outcome.payment, status=outcome.status,
        answered=outcome.answered, how=services.how_to_pay(outcome.payment), money=amount,
        method_label=method_label, status_label=status_label, status_tone=status_tone, locale=str(get_locale()),
    )


@blueprint.post("/<token>/pruefen")
def check(token: str) -> Any:
    """"Zahlungsstatus prüfen": the provider is asked and its answer booked, then the page shows it."""
    if services.check_payment(token) is None:
        abort(404)
    return redirect(url_for("payment.show", token=token), 303)


@blueprint.post("/<token>/erneut")
def retry(token: str) -> Any:
    try:
        started = services.retry_payment(token, request.form.get("zahlungsart", "")[:30], "payment.show")
    except services.PaymentNotPossible as exc:
        flash(str(exc), "error")
        return redirect(url_for("payment.show", token=token), 303)
    if started is None:
        abort(404)
    if started.redirect_url:
        # A page that forwards, not a redirect: the form's Content-Security-Policy (form-action
        # 'self') would stop a redirect to the provider's host.
        return render_template("payment/forward.html", url=started.redirect_url)
    return redirect(url_for("payment.show", token=started.token), 303)
