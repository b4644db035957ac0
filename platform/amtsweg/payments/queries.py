"""Reading payments: by return token, per case, for reconciliation and for the cash office."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select

from amtsweg.clock import TOWN_TIME, as_utc, in_town_time
from amtsweg.extensions import db
from amtsweg.payments.base import CANCELLED, FAILED, OPEN, PENDING, STATUSES
from amtsweg.payments.models import Payment, PaymentEvent
from amtsweg.processes.models import Process
from amtsweg.tokens import hash_token


def payment_by_token(token: str) -> Payment | None:
    """The current town's payment whose return address carries ``token`` (another town's: None)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Payment).where(Payment.return_token_hash == hash_token(token)))


def payment_by_id(payment_id: int) -> Payment | None:
    """The current town's payment with this id (another town's: None)."""
    return db.session.scalar(select(Payment).where(Payment.id == payment_id))


def latest_attempt(case_id: int) -> Payment | None:
    """The case's newest payment attempt, if any."""
    return db.session.scalar(select(Payment).where(Payment.case_id == case_id).order_by(Payment.attempt.desc()))


def payments_of_case(case_id: int) -> list[Payment]:
    """Every payment attempt of the case, oldest first."""
    return list(db.session.scalars(select(Payment).where(Payment.case_id == case_id).order_by(Payment.attempt)))


def history(payment: Payment) -> list[PaymentEvent]:
    """The payment's changes, oldest first."""
    return list(db.session.scalars(
        select(PaymentEvent).where(PaymentEvent.payment_id == payment.id).order_by(PaymentEvent.id)))


def due_for_check(payment: Payment, now: datetime) -> bool:
    """Whether reconciliation asks the provider about ``payment`` now. Open payments every run; a
    failed or cancelled one (which a provider rarely turns into paid) less often the older it is."""
    if payment.status == OPEN or payment.checked_at is None:
        return True
    age = now - as_utc(payment.created_at)
    interval = timedelta(0) if age < timedelta(hours=1) else timedelta(hours=1) if age < timedelta(days=1) \
        else timedelta(days=1)
    return now - as_utc(payment.checked_at) >= interval


def to_reconcile(online_methods: Sequence[str], since: datetime, limit: int = 500) -> list[Payment]:
    """The current town's online payments that are not final, have a transaction, and are younger
    than ``since``; least recently checked first."""
    return list(db.session.scalars(
        select(Payment)
        .where(Payment.method.in_(online_methods), Payment.status.in_((OPEN, FAILED, CANCELLED)),
               Payment.transaction_id.is_not(None), Payment.created_at >= since)
        .order_by(Payment.checked_at.is_not(None), Payment.checked_at, Payment.id)
        .limit(limit)
    ))


def stale_starts(online_methods: Sequence[str], before: datetime) -> list[Payment]:
    """Online payments whose start never reached the provider (no transaction) before ``before``."""
    return list(db.session.scalars(
        select(Payment).where(Payment.method.in_(online_methods), Payment.status == PENDING,
                              Payment.transaction_id.is_(None), Payment.created_at < before)
    ))


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds of the German calendar days ``first`` … ``last`` (the cash office's days)."""
    start = datetime.combine(first, time.min, TOWN_TIME).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, TOWN_TIME).astimezone(UTC)
    return start, end


# --------------------------------------------------------------------------- cash office


@dataclass(frozen=True)
class PaymentFilter:
    status: str = ""
    method: str = ""
    process: str = ""
    search: str = ""
    # Days (German time) of the payment: when it was paid, or created if not paid.
    since: date | None = None
    until: date | None = None


def _filtered(selected: PaymentFilter) -> Select[tuple[Payment]]:
    query = select(Payment)
    if selected.status in STATUSES:
        query = query.where(Payment.status == selected.status)
    if selected.method:
        query = query.where(Payment.method == selected.method)
    if selected.process:
        query = query.where(Payment.process_slug == selected.process)
    if selected.search:
        needle = f"%{selected.search.strip()}%"
        query = query.where(or_(Payment.case_reference.ilike(needle), Payment.kassenzeichen.ilike(needle),
                                Payment.transaction_id.ilike(needle)))
    if selected.since or selected.until:
        start, end = day_bounds(selected.since or date(2000, 1, 1), selected.until or date(2999, 12, 31))
        moment = func.coalesce(Payment.paid_at, Payment.created_at)
        query = query.where(moment >= start, moment < end)
    return query


@dataclass(frozen=True)
class PaymentPage:
    payments: list[Payment]
    next_before_id: int | None


def payment_page(selected: PaymentFilter, before_id: int | None = None, size: int = 50) -> PaymentPage:
    """One page of the filtered payments, newest first, continuing below ``before_id``."""
    query = _filtered(selected).order_by(Payment.id.desc()).limit(size + 1)
    if before_id is not None:
        query = query.where(Payment.id < before_id)
    rows = list(db.session.scalars(query))
    return PaymentPage(rows[:size], rows[size - 1].id if len(rows) > size else None)


@dataclass(frozen=True)
class Total:
    key: date | str  # the day, the month (its first day) or the process slug
    count: int
    cents: int


@dataclass(frozen=True)
class Totals:
    """Money received (paid minus refunded) of the filtered payments, by day, month and process."""

    by_day: list[Total]
    by_month: list[Total]
    by_process: list[Total]
    cents: int
    count: int


def totals(selected: PaymentFilter) -> Totals:
    """Money received of the filtered payments, per day, month and process."""
    received = _filtered(selected).where(Payment.paid_at.is_not(None)).with_only_columns(
        Payment.paid_at, Payment.process_slug, Payment.amount_cents, Payment.refunded_cents)
    days: dict[date, list[int]] = {}
    months: dict[date, list[int]] = {}
    processes: dict[str, list[int]] = {}
    for paid_at, process, amount, refunded in db.session.execute(received):
        day = in_town_time(paid_at).date()
        for entry in (days.setdefault(day, [0, 0]), months.setdefault(day.replace(day=1), [0, 0]),
                      processes.setdefault(process, [0, 0])):
            entry[0] += 1
            entry[1] += amount - refunded

    def listed(bucket: dict[Any, list[int]], newest_first: bool) -> list[Total]:
        return [Total(key, count, cents) for key, (count, cents) in sorted(bucket.items(), reverse=newest_first)]

    return Totals(listed(days, True), listed(months, True), listed(processes, False),
                  sum(v[1] for v in days.values()), sum(v[0] for v in days.values()))


@dataclass(frozen=True)
class BookingRow:
    """One line of the booking export: a fee line received, or a refund (negative)."""

    booked_on: date
    kassenzeichen: str
    haushaltsstelle: str
    produkt: str
    cents: int
    reference: str
    method: str
    transaction_id: str
    text: str


def booking_rows(first: date, last: date) -> list[BookingRow]:
    """Every fee line paid and every refund recorded on the days ``first`` … ``last`` (German time)."""
    start, end = day_bounds(first, last)
    rows: list[BookingRow] = []
    for payment in db.session.scalars(
        select(Payment).where(Payment.paid_at >= start, Payment.paid_at < end).order_by(Payment.paid_at, Payment.id)
    ):
        day = in_town_time(payment.paid_at).date()  # type: ignore[arg-type]
        rows += [
            BookingRow(day, line["kassenzeichen"], line["haushaltsstelle"], line["produkt"], line["cents"],
                       payment.case_reference, payment.method, payment.transaction_id or "", line["label"]["de"])
            for line in payment.lines
        ]
    refunds = db.session.execute(
        select(PaymentEvent, Payment).join(Payment, Payment.id == PaymentEvent.payment_id)
        .where(PaymentEvent.source == "refund", PaymentEvent.occurred_at >= start, PaymentEvent.occurred_at < end)
        .order_by(PaymentEvent.occurred_at, PaymentEvent.id)
    )
    for event, payment in refunds:
        first_line = payment.lines[0] if payment.lines else {"haushaltsstelle": "", "produkt": ""}
        rows.append(BookingRow(
            in_town_time(event.occurred_at).date(), payment.kassenzeichen,
            first_line["haushaltsstelle"], first_line["produkt"], -event.amount_cents, payment.case_reference,
            payment.method, payment.transaction_id or "", f"Erstattung: {event.note}"[:200],
        ))
    return rows


def process_titles() -> dict[str, dict[str, str]]:
    """The title ({de, en}) of every process of the library, by slug (for lists of payments)."""
    return dict(db.session.execute(select(Process.slug, Process.title)).tuples().all())
