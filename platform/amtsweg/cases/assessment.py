"""What a process version says about a set of answers before they become a case: what is missing
or wrong, what is kept, and the fees they cost. Computed once per request and handed to
:func:`amtsweg.cases.services.submit` (the review page shows the same fees it charges)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from amtsweg.forms.conditions import prune_hidden
from amtsweg.forms.fields.email import EmailField
from amtsweg.forms.validation import validate_answers
from amtsweg.processes.fees import FeeError, FeeLine, compute_fees, deposit_cents, total_cents
from amtsweg.processes.queries import EnabledProcess
from amtsweg.processes.schema import ProcessDefinition


@dataclass(frozen=True)
class Assessment:
    """``errors`` maps field paths to messages (empty: the answers can be submitted); ``answers``
    are the ones a case keeps (hidden fields left out). A failing fee rule leaves ``fees`` empty
    and says why in ``fee_problem``: the application is not lost for it, the office sets the fee."""

    offered: EnabledProcess
    answers: dict[str, Any]
    errors: dict[str, str]
    fees: list[FeeLine]
    fee_problem: str = ""

    @property
    def fee_cents(self) -> int:
        return total_cents(self.fees)

    @property
    def deposit_cents(self) -> int:
        return deposit_cents(self.fees)


def assess(offered: EnabledProcess, answers: dict[str, Any]) -> Assessment:
    """Validate ``answers`` against the town's current version of the process and price them."""
    definition = offered.definition
    kept = prune_hidden(definition.form, answers) if definition.form else {}
    try:
        fees, problem = compute_fees(definition, kept, offered.fee_overrides), ""
    except FeeError as exc:
        fees, problem = [], str(exc)
    return Assessment(offered, kept, validate_answers(definition, answers), fees, problem)


def applicant_of(definition: ProcessDefinition, answers: dict[str, Any]) -> tuple[str, str]:
    """The applicant's name and e-mail address as the form's fields give them ('' when missing)."""
    names = {"given-name": "", "family-name": "", "name": "", "organization": ""}
    email = ""
    if definition.form is not None:
        for fld in definition.form.top_fields():
            value = answers.get(fld.id)
            if not isinstance(value, str):
                continue
            autocomplete = getattr(fld, "autocomplete", None)
            if autocomplete in names and not names[autocomplete]:
                names[autocomplete] = value.strip()
            if isinstance(fld, EmailField) and not email:
                email = value.strip()
    full = " ".join(part for part in (names["given-name"], names["family-name"]) if part)
    return (full or names["name"] or names["organization"])[:200], email[:254]
