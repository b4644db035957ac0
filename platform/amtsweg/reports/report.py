"""The council report "Bericht zur Umsetzung des Onlinezugangsgesetzes": the town's figures of one
period as a Vorlage for its council — as a printable page and as a tagged PDF (PDF/UA-1) in the
town's branding, both from one template (``reports/council_report.html``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import render_template
from flask_babel import get_locale, lazy_gettext
from flask_babel.speaklater import LazyString

from amtsweg.pdf import render_pdf
from amtsweg.reports import charts, maturity, queries, tables, units
from amtsweg.reports.models import ReportOutlook
from amtsweg.reports.queries import Selection, TownStatistics
from amtsweg.tenancy.assets import logo_data_uri
from amtsweg.tenancy.context import current_tenant
from amtsweg.tenancy.models import TenantInfo

# The same stylesheet the printable page links (/static/css/statistics.css).
STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "css" / "statistics.css"
# The body a Hessian municipality's report goes to (HGO: towns have a Stadtverordnetenversammlung,
# other municipalities a Gemeindevertretung).
COUNCILS: dict[str, LazyString] = {
    "Stadt": lazy_gettext("Stadtverordnetenversammlung"),
    "Gemeinde": lazy_gettext("Gemeindevertretung"),
}
DEFAULT_COUNCIL = lazy_gettext("Gemeindevertretung")


@dataclass(frozen=True)
class CouncilReport:
    town: TenantInfo
    stats: TownStatistics
    tables: dict[str, tables.Table]
    charts: dict[str, charts.Chart]
    outlook: ReportOutlook | None
    council: str
    logo: str

    @property
    def period(self) -> queries.Period:
        return self.stats.selection.period

    @property
    def title(self) -> str:
        return str(lazy_gettext("Bericht zur Umsetzung des Onlinezugangsgesetzes"))

    @property
    def outlook_paragraphs(self) -> list[str]:
        text = self.outlook.text if self.outlook is not None else ""
        return [part.strip() for part in text.split("\n\n") if part.strip()]


def council_report(period: queries.Period, today: date) -> CouncilReport:
    """The current town's report for ``period`` from live data (all processes)."""
    town = current_tenant()
    stats = queries.town_statistics(Selection(period), today)
    return CouncilReport(
        town=town, stats=stats, tables=tables.town_tables(stats), charts=charts.town_charts(stats),
        outlook=queries.outlook(period),
        council=str(COUNCILS.get(town.settings.get("municipality_type", ""), DEFAULT_COUNCIL)),
        # Inline, so that the page and the PDF need no further request or file access.
        logo=logo_data_uri(town),
    )


def render(report: CouncilReport, for_pdf: bool = False) -> str:
    """The report as an HTML document (with the page's tools unless ``for_pdf``)."""
    return render_template("reports/council_report.html", report=report, for_pdf=for_pdf,
                           criteria=maturity.CRITERIA, highest_derived=maturity.HIGHEST_DERIVED, days=units.days,
                           locale=str(get_locale() or "de"))


def report_pdf(report: CouncilReport) -> bytes:
    """The report as a tagged PDF (PDF/UA-1: structure, language and title for screen readers)."""
    return render_pdf(render(report, for_pdf=True), [STYLESHEET])


def filename(report: CouncilReport) -> str:
    """The PDF's download name."""
    return f"OZG-Bericht-{report.town.slug}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.pdf"
