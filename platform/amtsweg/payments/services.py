"""State changes of payments. Every public function is its own transaction (or, for
:func:`request_payment`, none); calls to a provider happen between transactions, never inside one.

A state change is one conditional ``UPDATE … WHERE status = <seen> AND status NOT IN (<final>)``
(Open Forms' shape): of any number of concurrent settles — returns, reconciliation runs, the cash
office — exactly one changes the row and books; the others see zero rows and change nothing.

For the case flow (round two of the payment work):

* :func:`request_payment` — what the workflow's ``request_payment`` action and the submission call:
  checks that the town can take the fee and returns what to tell the citizen (writes nothing).
* :func:`start_payment` — the citizen chose a method: returns where to send them.
* :func:`payment_page` — the citizen came back from the provider: what is booked (reads only).
* :func:`check_payment` — the citizen asks for the status: the provider is asked, its answer booked.
* :func:`settle` / :func:`reconcile` — ask the provider and book.
* :func:`on_status_change` — register a listener that runs inside the transaction of every change
  (the case flow moves a case out of "awaiting_payment" there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError

from amtsweg.audit.services import record
from amtsweg.cases.models import Case
from amtsweg.cases.references import parse_reference
from amtsweg.clock import TOWN_TIME, as_utc, in_town_time, today_in_germany
from amtsweg.errors import DomainError
from amtsweg.extensions import db
from amtsweg.formatting import format_cents
from amtsweg.notifications.mail import town_context
from amtsweg.payments.base import (
    CANCELLED,
    FAILED,
    FINAL_STATUSES,
    OPEN,
    PAID,
    PENDING,
    REFUNDED,
    OrderLine,
    Payer,
    PaymentExists,
    PaymentOrder,
    PaymentProvider,
    ProviderError,
    ProviderMisconfigured,
    ProviderRefused,
    ProviderUnavailable,
    RemoteStatus,
)
from amtsweg.payments.config import TownPayments, town_payments
from amtsweg.payments.models import Payment, PaymentEvent
from amtsweg.payments.providers import PROVIDERS
from amtsweg.payments.queries import (
    due_for_check,
    latest_attempt,
    payment_by_token,
    stale_starts,
    to_reconcile,
)
from amtsweg.payments.receipts import file_payment_receipt
from amtsweg.processes.fees import FeeLine
from amtsweg.processes.schema import Text
from amtsweg.tenancy import current_tenant
from amtsweg.tokens import hash_token, new_token

log = logging.getLogger(__name__)
SYSTEM = "system"
# How often a status change is retried when another process changed the row in between.
CAS_ATTEMPTS = 3


class PaymentNotPossible(DomainError):
    """The payment cannot be started now; the message says why in the citizen's words (it stays lazy,
    translated where it is shown: the refusal may arise in a job). ``detail`` is for the log."""

    default_message = lazy_gettext("Die Zahlung ist gerade nicht möglich.")

    def __init__(self, detail: str = "") -> None:
        super().__init__()
        self.detail = detail


class NothingToPay(PaymentNotPossible):
    default_message = lazy_gettext("Für diesen Antrag ist keine Gebühr zu zahlen.")


class MethodNotOffered(PaymentNotPossible):
    default_message = lazy_gettext("Diese Zahlungsart bietet Ihre Kommune nicht an. Bitte wählen Sie eine andere.")


class AlreadyPaid(PaymentNotPossible):
    default_message = lazy_gettext("Die Gebühr ist bereits bezahlt.")


class OnlinePaymentOpen(PaymentNotPossible):
    default_message = lazy_gettext("Sie haben bereits eine Online-Zahlung begonnen. Bitte schließen Sie sie ab "
                                   "oder brechen Sie sie auf der Seite des Zahlungsdienstes ab, bevor Sie eine "
                                   "andere Zahlungsart wählen.")


class ProviderBusy(PaymentNotPossible):
    default_message = lazy_gettext("Ihre Zahlung wird gerade eingerichtet. Bitte versuchen Sie es in einem Moment "
                                   "erneut.")


class ProviderDown(PaymentNotPossible):
    default_message = lazy_gettext("Der Zahlungsdienst ist gerade nicht erreichbar. Es wurde nichts abgebucht. "
                                   "Bitte versuchen Sie es in einigen Minuten erneut oder wählen Sie eine andere "
                                   "Zahlungsart.")


class OnlinePaymentUnavailable(PaymentNotPossible):
    default_message = lazy_gettext("Die Online-Zahlung ist für diesen Antrag gerade nicht möglich. Es wurde "
                                   "nichts abgebucht. Bitte wählen Sie eine andere Zahlungsart oder wenden Sie "
                                   "sich an Ihre Kommune.")


class CashOfficeInputInvalid(DomainError):
    """A cash office entry that cannot be booked; the message is for the person who typed it."""


# --------------------------------------------------------------------------- listeners

StatusListener = Callable[[Payment, str, str], None]
_listeners: list[StatusListener] = []


def on_status_change(listener: StatusListener) -> StatusListener:
    """Register ``listener(payment, old_status, new_status)``; it runs inside the transaction of the
    change (before its commit), once per change, whoever made it."""
    _listeners.append(listener)
    return listener


# --------------------------------------------------------------------------- demand


@dataclass(frozen=True)
class PaymentDemand:
    """What a case owes and how the town takes it (for the pay link's mail and the status page)."""

    lines: tuple[OrderLine, ...]
    amount_cents: int
    kassenzeichen: str
    methods: tuple[str, ...]

    @property
    def amount(self) -> str:
        return format_cents(self.amount_cents)


def fee_lines_of(case: Case) -> list[FeeLine]:
    """The fee lines kept on the case (set at submission, or later with the decision)."""
    return [FeeLine(line["id"], Text.model_validate(line["label"]), int(line["cents"])) for line in case.fees]


def _kassenzeichen(town: TownPayments, case: Case) -> str:
    prefix, year, number = parse_reference(case.reference)
    return town.kassenzeichen(prefix, year, number, case.reference)


def _order_lines(town: TownPayments, case: Case, lines: Sequence[FeeLine]) -> tuple[OrderLine, ...]:
    kassenzeichen = _kassenzeichen(town, case)
    result = []
    for line in lines:
        booking = town.config.booking.for_fee(case.process_slug, line.id)
        result.append(OrderLine(line.id, line.label.de, line.cents, kassenzeichen, booking.haushaltsstelle,
                                booking.produkt))
    return tuple(result)


def request_payment(case: Case, lines: Sequence[FeeLine]) -> PaymentDemand:
    """The fee the case owes, with its Kassenzeichen and booking data and the methods the town offers.
    Writes nothing: the caller (submission, workflow action) records the fee on the case in its own
    transaction and sends the pay link. Raises :class:`NothingToPay` or :class:`MethodNotOffered`."""
    tenant = current_tenant()
    town = town_payments(tenant)
    order_lines = _order_lines(town, case, lines)
    amount = sum(line.cents for line in order_lines)
    if amount <= 0:
        raise NothingToPay()
    methods = town.offered(tenant.slug)
    if not methods:
        raise MethodNotOffered("the town offers no payment method")
    return PaymentDemand(order_lines, amount, _kassenzeichen(town, case), tuple(methods))


# --------------------------------------------------------------------------- start


@dataclass(frozen=True)
class Started:
    """A started payment: the provider's page to send the citizen to, or (transfer, town hall: None)
    the token of our own page that shows how to pay. ``token`` is set whenever a new one was issued."""

    payment: Payment
    redirect_url: str | None
    token: str | None = None


def return_url(endpoint: str, token: str) -> str:
    """The external address of ``endpoint`` with ``token`` on the current town's host."""
    if has_request_context():
        return url_for(endpoint, token=token, _external=True)
    # Outside a request (a job): the town's own host, as in its mails.
    base = urlsplit(town_context(current_tenant())["town_url"])
    return current_app.url_map.bind(base.netloc, url_scheme=base.scheme).build(
        endpoint, {"token": token}, force_external=True)


def order_of(payment: Payment, return_url: str = "") -> PaymentOrder:
    """Plain data of a payment for its provider."""
    lines = tuple(OrderLine(line["id"], line["label"]["de"], line["cents"], line["kassenzeichen"],
                            line["haushaltsstelle"], line["produkt"]) for line in payment.lines)
    labels = ", ".join(line.label for line in lines)
    case = db.session.get(Case, payment.case_id) if payment.case_id else None
    return PaymentOrder(
        payment_id=payment.id, request_id=payment.request_id, amount_cents=payment.amount_cents,
        currency=payment.currency, kassenzeichen=payment.kassenzeichen, purpose=payment.kassenzeichen,
        description=f"{payment.case_reference} {labels}", lines=lines, return_url=return_url,
        created_on=in_town_time(payment.created_at).date(),
        payer=Payer(case.applicant_name, case.applicant_email) if case else Payer(),
        transaction_id=payment.transaction_id,
    )


def _online(payment: Payment) -> bool:
    """An online payment the provider knows (so it can be asked about)."""
    provider = PROVIDERS.get(payment.method)
    return bool(provider and provider.online and payment.transaction_id)


def provider_of(payment: Payment) -> PaymentProvider:
    """The provider of a payment, with the town's current settings for it."""
    tenant = current_tenant()
    town = town_payments(tenant)
    if payment.method not in town.providers:
        raise ProviderMisconfigured(f"the town has no settings for '{payment.method}' any more")
    return town.provider(payment.method, tenant.slug)


def _new_attempt(case: Case, lines: tuple[OrderLine, ...], english: dict[str, str], method: str,
                 number: int) -> tuple[Payment, str]:
    token = new_token()
    payment = Payment(
        case_id=case.id, case_reference=case.reference, process_slug=case.process_slug, attempt=number,
        request_id=f"{case.reference}-{number}", method=method, status=PENDING,
        amount_cents=sum(line.cents for line in lines), currency="EUR",
        lines=[{"id": line.id, "label": {"de": line.label, "en": english.get(line.id) or line.label},
                "cents": line.cents, "kassenzeichen": line.kassenzeichen, "haushaltsstelle": line.haushaltsstelle,
                "produkt": line.produkt} for line in lines],
        kassenzeichen=lines[0].kassenzeichen, return_token_hash=hash_token(token),
    )
    db.session.add(payment)
    db.session.flush()
    _event(payment, "start", "", PENDING, SYSTEM)
    record(SYSTEM, "payment.created", "payment", payment.id, case=case.reference, attempt=number, method=method,
           amount_cents=payment.amount_cents)
    return payment, token


class _AttemptLost(Exception):
    """The provider holds this attempt's request id, but its transaction is unknown to us."""


def start_payment(case: Case, lines: Sequence[FeeLine] | None, return_endpoint: str,
                  method: str | None = None) -> Started:
    """Start (or continue) paying the case's fee with ``method`` (default: the town's first).

    ``lines`` default to the fee kept on the case. The citizen returns to ``return_endpoint`` (a view
    taking ``token``). An open attempt is continued (two tabs, a reload: one payment); an attempt
    whose start did not finish is started again under the same request id; after a cancelled or
    failed attempt a new one begins. Raises a :class:`PaymentNotPossible`.
    """
    tenant = current_tenant()
    town = town_payments(tenant)
    offered = town.offered(tenant.slug)
    method = method or (offered[0] if offered else "")
    if method not in offered:
        raise MethodNotOffered(method)
    fee_lines = fee_lines_of(case) if lines is None else list(lines)
    order_lines = _order_lines(town, case, fee_lines)
    if sum(line.cents for line in order_lines) <= 0:
        raise NothingToPay()
    english = {line.id: line.label.en for line in fee_lines}
    provider = town.provider(method, tenant.slug)
    for _ in range(CAS_ATTEMPTS):
        latest = latest_attempt(case.id)
        if latest is not None and latest.status == OPEN and _online(latest):
            # The citizen may have paid meanwhile: ask before showing the same page again.
            settle(latest, source="start")
            db.session.refresh(latest)
        if latest is not None and latest.status in FINAL_STATUSES:
            raise AlreadyPaid()
        if latest is not None and latest.status == OPEN and _online(latest):
            if latest.method != method:
                raise OnlinePaymentOpen()
            return Started(latest, latest.redirect_url)
        if latest is not None and latest.status == OPEN and latest.method == method:
            # A transfer or town-hall payment already waits: a fresh link to its instructions.
            token = new_token()
            latest.return_token_hash = hash_token(token)
            db.session.commit()
            return Started(latest, None, token)
        if latest is not None and latest.status == PENDING and latest.method == method:
            payment, token = latest, new_token()
            # Started again under the same request id, with a fresh return token (the old one never
            # reached the citizen: the provider's page was not handed out).
            payment.return_token_hash = hash_token(token)
            db.session.commit()
        else:
            try:
                if latest is not None and latest.status in (PENDING, OPEN):
                    _change(latest, CANCELLED, "start", SYSTEM, note=f"replaced by a payment with {method}")
                payment, token = _new_attempt(case, order_lines, english, method,
                                              (latest.attempt if latest else 0) + 1)
                db.session.commit()
            except IntegrityError:
                # Another request created this attempt at the same moment: continue with theirs.
                db.session.rollback()
                continue
        try:
            return _hand_over(payment, provider, return_url(return_endpoint, token), token)
        except _AttemptLost:
            continue
    raise ProviderBusy("the attempt kept changing")


def _hand_over(payment: Payment, provider: PaymentProvider, return_url: str, token: str) -> Started:
    order = order_of(payment, return_url)
    payment_id, created_at = payment.id, payment.created_at
    db.session.commit()  # no transaction is held while the provider is called
    try:
        checkout = provider.start(order)
    except PaymentExists as exc:
        return _after_payment_exists(payment_id, created_at, provider, exc, token)
    except ProviderRefused as exc:
        _fail_start(payment_id, exc)
        log.error("payment %s refused by %s: %s %s", order.request_id, provider.key, exc.code, exc.detail)
        raise OnlinePaymentUnavailable(exc.code) from exc
    except ProviderMisconfigured as exc:
        _note_problem(payment_id, exc)
        log.error("payment %s: the %s connection of %s is misconfigured: %s", order.request_id, provider.key,
                  provider.town_slug, exc)
        raise OnlinePaymentUnavailable(str(exc)) from exc
    except ProviderUnavailable as exc:
        _note_problem(payment_id, exc)
        log.warning("payment %s: %s unavailable: %s", order.request_id, provider.key, exc)
        raise ProviderDown(str(exc)) from exc
    stored_payment = db.session.get(Payment, payment_id)
    assert stored_payment is not None
    payment = stored_payment
    if checkout.transaction_id is None:
        # Transfer, town hall: the money is awaited; nobody is sent anywhere.
        _change(payment, OPEN, "start", SYSTEM)
        db.session.commit()
        return Started(payment, None, token)
    # A parallel start of the same attempt may have stored its transaction already: then that one counts.
    if payment.status in (PENDING, FAILED) and payment.transaction_id is None:
        stored = _change(payment, OPEN, "start", SYSTEM, where=(Payment.transaction_id.is_(None),), values={
            "transaction_id": checkout.transaction_id, "redirect_url": checkout.redirect_url,
            "transaction_reference": checkout.reference[:64], "error_code": "", "error_detail": ""})
        if stored:
            db.session.commit()
        else:
            db.session.rollback()
    db.session.refresh(payment)
    return Started(payment, payment.redirect_url, token)


def _after_payment_exists(payment_id: int, created_at: datetime, provider: PaymentProvider,
                          exc: PaymentExists, token: str) -> Started:
    """The provider already has this request id. Either a parallel start of the same attempt is about
    to store the transaction (wait for it), or the answer to an earlier start was lost: then this
    attempt cannot be continued (its transaction id is unknown to us) and a new attempt takes over."""
    db.session.expire_all()
    payment = db.session.get(Payment, payment_id)
    assert payment is not None
    if payment.status == OPEN and payment.redirect_url:
        return Started(payment, payment.redirect_url, token)
    # Longer than a parallel start can take (its connect and read timeouts).
    settings = provider.settings
    grace = timedelta(seconds=getattr(settings, "timeout_seconds", 10)
                      + getattr(settings, "connect_timeout_seconds", 3))
    if datetime.now(UTC) - as_utc(created_at) < grace:
        raise ProviderBusy(exc.code)
    _fail_start(payment_id, exc)
    raise _AttemptLost()


def _fail_start(payment_id: int, exc: ProviderError) -> None:
    payment = db.session.get(Payment, payment_id)
    assert payment is not None
    payment.error_code, payment.error_detail = exc.code[:40], (exc.detail or str(exc))[:500]
    if payment.status == PENDING:
        _change(payment, FAILED, "start", SYSTEM, note=exc.code)
    db.session.commit()


def _note_problem(payment_id: int, exc: ProviderError) -> None:
    """Keep the last problem on the payment without changing its state."""
    db.session.execute(
        update(Payment).where(Payment.id == payment_id)
        .values(error_code=(exc.code or type(exc).__name__)[:40], error_detail=(exc.detail or str(exc))[:500],
                checked_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --------------------------------------------------------------------------- settle


@dataclass(frozen=True)
class Settled:
    status: str
    changed: bool
    problem: str = ""


@dataclass(frozen=True)
class ReturnOutcome:
    """What the payment's page tells the citizen: the booked state, and whether the last question
    to the provider was answered (``answered`` False: it could not be asked the last time)."""

    payment: Payment
    status: str
    answered: bool


def payment_page(token: str) -> ReturnOutcome | None:
    """The payment behind ``token`` as booked (None: no such payment here). Reads only: this is the
    provider's return, a GET, and the return proves nothing; the provider's status is asked by
    :func:`check_payment` (the citizen's button), the provider's notification or reconciliation."""
    payment = payment_by_token(token)
    if payment is None:
        return None
    return ReturnOutcome(payment, payment.status, not (_online(payment) and payment.error_code))


def check_payment(token: str) -> Settled | None:
    """The citizen asks "Zahlungsstatus prüfen": the provider is asked and its answer booked (once,
    however often it is asked). None: no such payment here."""
    payment = payment_by_token(token)
    if payment is None:
        return None
    return settle(payment, source="return")


@dataclass(frozen=True)
class HowToPay:
    """A payment's page: the methods the citizen may switch to, and (transfer, town hall) what to do."""

    methods: list[str]
    instructions: dict[str, Any]
    online: bool


def how_to_pay(payment: Payment) -> HowToPay:
    """The methods the citizen may switch to and what a transfer or town-hall payment needs."""
    tenant = current_tenant()
    town = town_payments(tenant)
    methods = town.offered(tenant.slug)
    try:
        provider = provider_of(payment)
    except ProviderError:
        return HowToPay(methods, {}, False)
    return HowToPay(methods, provider.instructions(order_of(payment)), provider.online)


def retry_payment(token: str, method: str, return_endpoint: str) -> Started | None:
    """The citizen tries again from the page of a cancelled or failed payment (or picks another
    method): a new attempt over the same fee lines. None: no such payment here."""
    payment = payment_by_token(token)
    if payment is None:
        return None
    case = db.session.get(Case, payment.case_id) if payment.case_id else None
    if case is None:
        raise PaymentNotPossible("the case no longer exists")
    lines = [FeeLine(line["id"], Text(de=line["label"]["de"], en=line["label"]["en"]), line["cents"])
             for line in payment.lines]
    return start_payment(case, lines, return_endpoint, method or payment.method)


def settle(payment: Payment, source: str = "reconcile") -> Settled:
    """Ask the provider about ``payment`` and book what it says (once, however often it is called)."""
    if payment.status in FINAL_STATUSES or not _online(payment):
        return Settled(payment.status, False)
    try:
        provider = provider_of(payment)
    except ProviderError as exc:
        _note_problem(payment.id, exc)
        return Settled(payment.status, False, str(exc))
    order = order_of(payment)
    payment_id = payment.id
    db.session.commit()  # no transaction is held while the provider is called
    try:
        remote = provider.handle_return(order) if source == "return" else provider.poll(order)
    except ProviderError as exc:
        _note_problem(payment_id, exc)
        log.warning("payment %s: status query failed: %s", order.request_id, exc)
        return Settled(payment.status, False, str(exc))
    if remote is None:
        return Settled(payment.status, False)
    return _book(payment_id, remote, source)


def _book(payment_id: int, remote: RemoteStatus, source: str) -> Settled:
    seen = ""
    for _ in range(CAS_ATTEMPTS):
        db.session.expire_all()
        payment = db.session.get(Payment, payment_id)
        assert payment is not None
        now, seen = datetime.now(UTC), payment.status
        if payment.status in FINAL_STATUSES:
            db.session.rollback()
            return Settled(payment.status, False)
        if payment.status == remote.status:
            payment.checked_at, payment.provider_status = now, remote.raw[:40]
            payment.error_code, payment.error_detail = "", ""
            db.session.commit()
            return Settled(payment.status, False)
        if _change(payment, remote.status, source, SYSTEM, remote=remote):
            db.session.commit()
            return Settled(remote.status, True)
        db.session.rollback()
    return Settled(seen, False, "the payment kept changing")


def _change(payment: Payment, new: str, source: str, actor: str, *, remote: RemoteStatus | None = None,
            note: str = "", paid_at: datetime | None = None, values: dict[str, Any] | None = None,
            where: tuple[Any, ...] = ()) -> bool:
    """The one way a payment's state changes: a compare-and-set on the state read (and ``where``),
    never out of a final one, writing ``values`` with it. Adds the history row and the audit event
    and runs the listeners; the caller commits."""
    old = payment.status
    now = datetime.now(UTC)
    values = {**(values or {}), "status": new, "updated_at": now}
    if remote is not None:
        values.update(provider_status=remote.raw[:40], checked_at=now, error_code="", error_detail="")
        if remote.reference:
            values["transaction_reference"] = remote.reference[:64]
        if remote.paid_with:
            values["paid_with"] = remote.paid_with[:30]
    if new == PAID:
        values["paid_at"] = paid_at or now
    changed = cast(CursorResult[Any], db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == old, Payment.status.not_in(FINAL_STATUSES), *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )).rowcount
    if not changed:
        return False
    db.session.refresh(payment)
    _event(payment, source, old, new, actor, provider_status=remote.raw if remote else "",
           amount_cents=payment.amount_cents if new == PAID else 0, note=note or (remote.detail if remote else ""))
    record(actor, f"payment.{new}", "payment", payment.id, case=payment.case_reference, source=source,
           previous=old, amount_cents=payment.amount_cents)
    if new == PAID:
        file_payment_receipt(payment)
    for listener in _listeners:
        listener(payment, old, new)
    return True


def _event(payment: Payment, source: str, old: str, new: str, actor: str, *, provider_status: str = "",
           amount_cents: int = 0, note: str = "") -> None:
    db.session.add(PaymentEvent(payment_id=payment.id, source=source, from_status=old, to_status=new,
                                provider_status=provider_status[:40], amount_cents=amount_cents, actor=actor[:200],
                                note=note[:500]))


# --------------------------------------------------------------------------- reconciliation


@dataclass
class Reconciled:
    checked: int = 0
    changed: int = 0
    failed_checks: int = 0
    abandoned: int = 0


def reconcile(now: datetime | None = None) -> Reconciled:
    """Ask the provider about every online payment of the current town that is not final (and young
    enough to change), book what it says, and give up starts that never reached the provider."""
    now = now or datetime.now(UTC)
    online = [name for name, provider in PROVIDERS.items() if provider.online]
    result = Reconciled()
    window = timedelta(days=current_app.config["PAYMENT_RECONCILE_DAYS"])
    for payment in to_reconcile(online, now - window):
        if not due_for_check(payment, now):
            continue
        settled = settle(payment, source="reconcile")
        result.checked += 1
        result.changed += settled.changed
        result.failed_checks += bool(settled.problem)
    abandon_before = now - timedelta(minutes=current_app.config["PAYMENT_START_ABANDON_MINUTES"])
    for payment in stale_starts(online, abandon_before):
        if _change(payment, FAILED, "reconcile", SYSTEM, note="the start never reached the provider"):
            result.abandoned += 1
        db.session.commit()
    db.session.commit()
    return result


# --------------------------------------------------------------------------- cash office


def _booked_at(day: date) -> datetime:
    """When money booked by hand for ``day`` counts as received: now if today, else noon that day."""
    if day == today_in_germany():
        return datetime.now(UTC)
    return datetime.combine(day, time(12), TOWN_TIME).astimezone(UTC)


def _typed(text: str) -> str:
    """A text typed by a person, as it can be stored (PostgreSQL refuses NUL characters)."""
    return text.replace("\x00", "").strip()[:500]


def mark_paid_by_hand(payment: Payment, actor: str, paid_on: date, note: str) -> None:
    """The cash office saw the money (a transfer on the bank statement, cash at the town hall)."""
    note = _typed(note)
    if paid_on > today_in_germany():
        raise CashOfficeInputInvalid(lazy_gettext("Das Zahlungsdatum darf nicht in der Zukunft liegen."))
    if payment.status in FINAL_STATUSES:
        raise CashOfficeInputInvalid(lazy_gettext("Diese Zahlung ist bereits gebucht."))
    if not _change(payment, PAID, "manual", actor, note=note[:500] or "marked paid by hand",
                   paid_at=_booked_at(paid_on)):
        db.session.rollback()
        raise CashOfficeInputInvalid(lazy_gettext("Die Zahlung wurde gerade anderweitig geändert. Bitte "
                                                  "prüfen Sie den aktuellen Stand."))
    record(actor, "payment.marked_paid_by_hand", "payment", payment.id, case=payment.case_reference,
           paid_on=paid_on.isoformat(), note=note[:500])
    db.session.commit()


def record_refund(payment: Payment, actor: str, cents: int, reason: str) -> None:
    """Record money paid back (in full or in part) to the citizen."""
    reason = _typed(reason)
    if payment.status != PAID:
        raise CashOfficeInputInvalid(lazy_gettext("Erstatten lässt sich nur eine bezahlte Zahlung."))
    if not reason:
        raise CashOfficeInputInvalid(lazy_gettext("Bitte geben Sie den Grund der Erstattung an."))
    refundable = payment.amount_cents - payment.refunded_cents
    if not 0 < cents <= refundable:
        raise CashOfficeInputInvalid(lazy_gettext(
            "Der Betrag muss größer als 0 und höchstens %(amount)s sein.", amount=format_cents(refundable)))
    refunded = payment.refunded_cents + cents
    new = REFUNDED if refunded == payment.amount_cents else PAID
    # Compare-and-set on the refunded sum: two clicks on "Erstatten" book one refund.
    changed = cast(CursorResult[Any], db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == PAID, Payment.refunded_cents == payment.refunded_cents)
        .values(refunded_cents=refunded, status=new, updated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )).rowcount
    if not changed:
        db.session.rollback()
        raise CashOfficeInputInvalid(lazy_gettext("Die Zahlung wurde gerade anderweitig geändert. Bitte "
                                                  "prüfen Sie den aktuellen Stand."))
    _event(payment, "refund", PAID, new, actor, amount_cents=cents, note=reason[:500])
    record(actor, "payment.refunded", "payment", payment.id, case=payment.case_reference, amount_cents=cents,
           reason=reason[:500])
    db.session.commit()
    db.session.refresh(payment)
