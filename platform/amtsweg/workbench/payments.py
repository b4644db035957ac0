"""The cash office (Stadtkasse/Gemeindekasse): the town's payments with filters and totals, one
payment with its history, booking received money by hand, refunds, asking the provider again, and
the booking export. Role ``cash_office``; another town's payment is a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from amtsweg.auth.access import CASH_OFFICE, roles_required
from amtsweg.clock import today_in_germany
from amtsweg.forms.fields.money import parse_money
from amtsweg.payments import exporting, queries, services
from amtsweg.payments.base import FINAL_STATUSES, PAID, STATUSES
from amtsweg.payments.config import town_payments
from amtsweg.payments.models import Payment
from amtsweg.payments.states import (
    STATUS_LABELS,
    amount,
    method_label,
    paid_with_label,
    source_label,
    status_label,
)
from amtsweg.tenancy import current_tenant
from amtsweg.web import attachment, small_int

blueprint = Blueprint("payments", __name__, url_prefix="/zahlungen", template_folder="templates")
PAYMENT = "/<int:payment_id>"


def _day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if date.min < day < date.max else None


def _arg(args: MultiDict[str, str], name: str, limit: int) -> str:
    # PostgreSQL refuses NUL characters in text; nobody searches for them.
    return args.get(name, "").replace("\x00", "")[:limit]


def _filter(args: MultiDict[str, str]) -> queries.PaymentFilter:
    status = args.get("status", "")
    return queries.PaymentFilter(
        status=status if status in STATUSES else "", method=_arg(args, "zahlungsart", 30),
        process=_arg(args, "leistung", 80), search=_arg(args, "suche", 100),
        since=_day(args.get("von", "")), until=_day(args.get("bis", "")),
    )


def _payment_or_404(payment_id: int) -> Payment:
    # Scoped to the current town: another town's id is simply not found.
    payment = queries.payment_by_id(payment_id)
    if payment is None:
        abort(404)
    return payment


def _page_context() -> dict[str, Any]:
    return {"money": amount, "method_label": method_label, "status_label": status_label,
            "paid_with_label": paid_with_label, "source_label": source_label, "titles": queries.process_titles()}


@blueprint.route("/")
@roles_required(CASH_OFFICE)
def index() -> str:
    selected = _filter(request.args)
    return render_template(
        "cash_office/index.html", page=queries.payment_page(selected, small_int(request.args.get("vor", ""))),
        totals=queries.totals(selected), args=request.args, statuses=STATUS_LABELS,
        methods=town_payments(current_tenant()).methods, today=today_in_germany(), **_page_context(),
    )


@blueprint.route(PAYMENT)
@roles_required(CASH_OFFICE)
def detail(payment_id: int) -> str:
    payment = _payment_or_404(payment_id)
    return render_template(
        "cash_office/detail.html", payment=payment, history=queries.history(payment), today=today_in_germany(),
        can_mark_paid=payment.status not in FINAL_STATUSES, can_refund=payment.status == PAID,
        refundable=payment.amount_cents - payment.refunded_cents, online=services.how_to_pay(payment).online,
        **_page_context(),
    )


def _back(payment: Payment) -> Response:
    return redirect(url_for("workbench.payments.detail", payment_id=payment.id), 303)  # type: ignore[return-value]


@blueprint.route(f"{PAYMENT}/bezahlt", methods=["POST"])
@roles_required(CASH_OFFICE)
def mark_paid(payment_id: int) -> Response:
    payment = _payment_or_404(payment_id)
    paid_on = _day(request.form.get("eingang", ""))
    if paid_on is None:
        flash(gettext("Bitte geben Sie das Datum des Zahlungseingangs an."), "error")
        return _back(payment)
    try:
        services.mark_paid_by_hand(payment, current_user.label, paid_on, request.form.get("vermerk", "")[:500])
    except services.CashOfficeInputInvalid as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Zahlung als eingegangen gebucht."), "success")
    return _back(payment)


@blueprint.route(f"{PAYMENT}/erstattung", methods=["POST"])
@roles_required(CASH_OFFICE)
def refund(payment_id: int) -> Response:
    payment = _payment_or_404(payment_id)
    cents = parse_money(request.form.get("betrag", "")[:30])
    if not isinstance(cents, int):
        flash(gettext("Bitte geben Sie den Betrag in Euro an, zum Beispiel 12,50."), "error")
        return _back(payment)
    try:
        services.record_refund(payment, current_user.label, cents, request.form.get("grund", "")[:500])
    except services.CashOfficeInputInvalid as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Erstattung von %(amount)s vermerkt.", amount=amount(cents)), "success")
    return _back(payment)


@blueprint.route(f"{PAYMENT}/pruefen", methods=["POST"])
@roles_required(CASH_OFFICE)
def check(payment_id: int) -> Response:
    payment = _payment_or_404(payment_id)
    result = services.settle(payment, source="check")
    if result.problem:
        flash(gettext("Der Zahlungsdienst hat nicht verwertbar geantwortet. Es wurde nichts geändert."), "error")
    else:
        flash(gettext("Stand beim Zahlungsdienst: %(status)s", status=status_label(result.status)), "info")
    return _back(payment)


@blueprint.route("/buchungen.csv")
@roles_required(CASH_OFFICE)
def export() -> Response:
    first = _day(request.args.get("von", "")) or today_in_germany()
    last = _day(request.args.get("bis", "")) or first
    if last < first:
        first, last = last, first
    name = f"buchungen-{current_tenant().slug}-{first:%Y-%m-%d}" + (f"-bis-{last:%Y-%m-%d}" if last != first else "")
    return attachment(exporting.to_csv(queries.booking_rows(first, last)), "text/csv; charset=utf-8", f"{name}.csv")
