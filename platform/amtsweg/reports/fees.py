"""Where the fee figures come from: a registered source, so that the payments module can report
the money actually collected online (``register``); until one is registered the figures are the
fees set on the applications submitted online, read from the case facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext
from sqlalchemy import extract, func, select

from amtsweg.extensions import db
from amtsweg.reports.facts import ONLINE, WITHDRAWN
from amtsweg.reports.models import CaseFact
from amtsweg.reports.periods import Period


@dataclass(frozen=True)
class FeeMonth:
    year: int
    month: int
    # Payments (or fee-bearing applications) and their sum in cents.
    count: int
    cents: int


class FeeSource(Protocol):
    """What the statistics ask about money; every method reads the current town."""

    @property
    def basis(self) -> str:
        """One sentence saying what the figures are (shown under the table and in the report)."""

    def collected(self, period: Period, process: str | None) -> list[FeeMonth]:
        """The fees per month of ``period`` (of one process if given), months without any left out."""

    def pays_online(self, process: str) -> bool:
        """Whether the town takes this process's fees online (a maturity criterion)."""


class FeesOfOnlineApplications:
    """The fees set on applications submitted online in the period (withdrawn ones left out)."""

    @property
    def basis(self) -> str:
        return str(lazy_gettext(
            "Festgesetzte Gebühren der online gestellten Anträge (ohne zurückgezogene), nach Eingangsmonat. "
            "Eingegangene Zahlungen zeigt die Statistik, sobald das Zahlungsmodul angeschlossen ist."))

    def collected(self, period: Period, process: str | None) -> list[FeeMonth]:
        year, month = extract("year", CaseFact.submitted_on), extract("month", CaseFact.submitted_on)
        statement = (
            select(year, month, func.count(), func.sum(CaseFact.fee_cents))
            .where(CaseFact.submitted_on.between(period.start, period.end), CaseFact.channel == ONLINE,
                   CaseFact.fee_cents > 0, CaseFact.outcome.is_distinct_from(WITHDRAWN))
            .group_by(year, month).order_by(year, month)
        )
        if process is not None:
            statement = statement.where(CaseFact.process_slug == process)
        return [FeeMonth(int(y), int(m), int(n), int(cents or 0)) for y, m, n, cents in db.session.execute(statement)]

    def pays_online(self, process: str) -> bool:
        return False


_source: list[FeeSource] = [FeesOfOnlineApplications()]


def register(source: FeeSource) -> None:
    """Use ``source`` for the fee figures and the payment criterion from now on (create_app)."""
    _source[0] = source


def source() -> FeeSource:
    """The fee source in use."""
    return _source[0]
