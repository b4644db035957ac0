"""Fee lines of an application. Money is always integer cents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from amtsweg.errors import DomainError
from amtsweg.forms.conditions import LogicError, evaluate, holds, prune_hidden
from amtsweg.processes.schema import ProcessDefinition, Text


class FeeError(DomainError):
    """A fee rule gave no usable amount for the answers."""


@dataclass(frozen=True)
class FeeLine:
    id: str
    label: Text
    cents: int
    refundable: bool = False


def compute_fees(
    definition: ProcessDefinition,
    answers: dict[str, Any],
    overrides: Mapping[str, int] | None = None,
) -> list[FeeLine]:
    """The fees charged for these answers, in definition order.

    A fee is left out when its ``when`` does not hold or its amount is 0. ``overrides`` (a town's
    ``{fee_id: cents}``) replace fixed amounts; fees computed by ``amount_rule`` keep their rule.
    Answers of hidden fields are ignored, as everywhere else.
    """
    overrides = overrides or {}
    data = prune_hidden(definition.form, answers) if definition.form else dict(answers)
    lines = []
    for fee in definition.fees:
        if not holds(fee.when, data, default=True):
            continue
        if fee.amount_rule is None:
            cents = overrides.get(fee.id, fee.amount_cents)
        else:
            cents = _rule_cents(fee.id, fee.amount_rule, data)
        if cents:
            lines.append(FeeLine(fee.id, fee.label, cents, fee.refundable))
    return lines


# A case's total is a 64-bit column; no fee of a municipality comes near 10^12 €.
MAX_FEE_CENTS = 10**14


def _rule_cents(fee_id: str, rule: dict[str, Any], data: dict[str, Any]) -> int:
    try:
        value = evaluate(rule, data)
    except LogicError as exc:
        raise FeeError(f"fee '{fee_id}': {exc}") from exc
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FeeError(f"fee '{fee_id}': rule gave {value!r}, not an amount")
    try:
        # Decimal from str avoids binary float artefacts; half-up is the usual rounding for fees.
        cents = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except ArithmeticError as exc:
        raise FeeError(f"fee '{fee_id}': rule gave {value!r}, not an amount") from exc
    if cents < 0:
        raise FeeError(f"fee '{fee_id}': rule gave a negative amount ({cents} cents)")
    if cents >= MAX_FEE_CENTS:
        raise FeeError(f"fee '{fee_id}': rule gave an amount too large for any fee ({cents} cents)")
    return cents


def total_cents(lines: list[FeeLine]) -> int:
    """The fees charged: the sum of the lines that are not refundable deposits."""
    return sum(line.cents for line in lines if not line.refundable)


def deposit_cents(lines: list[FeeLine]) -> int:
    """The refundable deposits (Kaution) among the lines, paid on top of the fees."""
    return sum(line.cents for line in lines if line.refundable)


def invalid_overrides(definition: ProcessDefinition, overrides: Mapping[str, Any]) -> list[str]:
    """Problems of a town's fee overrides (for checking tenant settings)."""
    fixed = {fee.id for fee in definition.fees if fee.amount_rule is None}
    problems = []
    for fee_id, cents in overrides.items():
        if fee_id not in {fee.id for fee in definition.fees}:
            problems.append(f"unknown fee '{fee_id}'")
        elif fee_id not in fixed:
            problems.append(f"fee '{fee_id}' is computed by a rule and cannot be overridden")
        elif isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
            problems.append(f"fee '{fee_id}': amount must be a non-negative number of cents")
    return problems

