"""The maturity of an offered service on the federal OZG maturity model (Reifegradmodell 2.0),
derived from what the service does on this platform.

The model (in force since July 2025, replacing version 1.1 of June 2020) rates a service from 0
(only offline) to 7 (end to end digital) against 13 criteria; levels 0–3 describe the online
application service the citizen uses, levels 4–6 the process- and data-centred work inside the
administration, 7 the complete end-to-end digitalisation (sources in docs/reports.md). This module
rates the part the platform can see — the citizen's side, levels 0 to 3 — with one criterion per
capability, each tied to the level that needs it; a service reaches the highest level whose
criteria (and those of every level below) are met or not needed. Levels 4 to 7 depend on specialist
procedures, registers (once only, NOOTS), e-files and payment systems inside the administration and
are not derived here. A linked external service runs at its provider, which rates it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from amtsweg.forms.fields.file import FileField
from amtsweg.processes.schema import ProcessDefinition, TemplateAction

HIGHEST_DERIVED = 3
LEVELS = tuple(range(8))
LEVEL_NAMES: dict[int, LazyString] = {
    0: lazy_gettext("nur offline"),
    1: lazy_gettext("Informationen online"),
    2: lazy_gettext("Online-Formular, Nachweise nicht vollständig online"),
    3: lazy_gettext("Online-Antrag mit allen Nachweisen, Identifizierung, Bezahlung und Bescheid"),
    4: lazy_gettext("durchgängige Bearbeitung in der Verwaltung (nicht abgeleitet)"),
    5: lazy_gettext("durchgängige Bearbeitung in der Verwaltung (nicht abgeleitet)"),
    6: lazy_gettext("Basiskomponenten und Registeranbindung (nicht abgeleitet)"),
    7: lazy_gettext("vollständig Ende-zu-Ende digital (nicht abgeleitet)"),
}
# Letters that do not carry a notice (receipts, reminders) do not make one digital.
NOTICE_ACTIONS = frozenset({"create_letter", "notify_citizen"})


class Verdict(enum.Enum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_NEEDED = "not_needed"


VERDICT_LABELS = {
    Verdict.MET: lazy_gettext("erfüllt"),
    Verdict.NOT_MET: lazy_gettext("nicht erfüllt"),
    Verdict.NOT_NEEDED: lazy_gettext("nicht nötig"),
}


@dataclass(frozen=True)
class Capabilities:
    """What a digital service does here, read from its definition (and the payment set-up)."""

    online_form: bool
    needs_proofs: bool
    takes_uploads: bool
    has_fees: bool
    pays_online: bool
    sends_notice: bool
    identity_level: int | None


def _needed_if(needed: bool, met: bool) -> Verdict:
    if not needed:
        return Verdict.NOT_NEEDED
    return Verdict.MET if met else Verdict.NOT_MET


@dataclass(frozen=True)
class Criterion:
    key: str
    name: LazyString
    question: LazyString
    level: int
    verdict: Callable[[Capabilities], Verdict]


CRITERIA = (
    Criterion("information", lazy_gettext("Information"),
              lazy_gettext("Ist die Leistung online beschrieben (Voraussetzungen, Unterlagen, Gebühren)?"), 1,
              lambda c: Verdict.MET),
    Criterion("online_form", lazy_gettext("Online-Antrag"),
              lazy_gettext("Lässt sich der Antrag online ausfüllen und absenden?"), 2,
              lambda c: Verdict.MET if c.online_form else Verdict.NOT_MET),
    Criterion("proofs", lazy_gettext("Nachweise"),
              lazy_gettext("Lassen sich alle nötigen Nachweise mit dem Antrag hochladen?"), 3,
              lambda c: _needed_if(c.needs_proofs, c.takes_uploads)),
    Criterion("identification", lazy_gettext("Identifizierung"),
              lazy_gettext("Meldet sich die antragstellende Person auf dem nötigen Vertrauensniveau an?"), 3,
              lambda c: _needed_if(c.identity_level is not None, True)),
    Criterion("payment", lazy_gettext("Bezahlung"),
              lazy_gettext("Lassen sich die Gebühren online bezahlen?"), 3,
              lambda c: _needed_if(c.has_fees, c.pays_online)),
    Criterion("notice", lazy_gettext("Bescheid"),
              lazy_gettext("Erhält die antragstellende Person Bescheid oder Antwort digital?"), 3,
              lambda c: Verdict.MET if c.sends_notice else Verdict.NOT_MET),
    Criterion("status", lazy_gettext("Bearbeitungsstand"),
              lazy_gettext("Lässt sich der Stand der Bearbeitung online verfolgen?"), 3,
              lambda c: Verdict.MET if c.online_form else Verdict.NOT_MET),
)


@dataclass(frozen=True)
class Rating:
    """A service's derived level and each criterion's verdict; ``level`` is None for an external
    service (its provider rates it)."""

    level: int | None
    verdicts: tuple[Verdict, ...]


def capabilities(definition: ProcessDefinition, pays_online: bool) -> Capabilities:
    """What the digital service of ``definition`` does on this platform."""
    fields = list(definition.form.top_fields()) if definition.form else []
    uploads = any(isinstance(f, FileField) for field in fields for f in (field, *field.item_fields))
    actions = [action for transition in (definition.workflow.transitions if definition.workflow else [])
               for action in transition.actions]
    # The trust level a service asks for, once definitions can name one (None: no identification).
    identity_level = getattr(definition, "identity_level", None)
    return Capabilities(
        online_form=definition.form is not None,
        needs_proofs=bool(definition.required_documents),
        takes_uploads=uploads,
        has_fees=bool(definition.fees),
        pays_online=pays_online,
        sends_notice=any(isinstance(a, TemplateAction) and a.type in NOTICE_ACTIONS for a in actions),
        identity_level=identity_level if isinstance(identity_level, int) else None,
    )


def rate(definition: ProcessDefinition, pays_online: bool) -> Rating:
    """The rating of an offered service (see the module's description)."""
    if definition.kind != "digital":
        return Rating(None, ())
    verdicts = tuple(criterion.verdict(capabilities(definition, pays_online)) for criterion in CRITERIA)
    failed = [c.level for c, v in zip(CRITERIA, verdicts, strict=True) if v is Verdict.NOT_MET]
    level = min(failed) - 1 if failed else HIGHEST_DERIVED
    return Rating(level, verdicts)
