"""The council report "Bericht zur Umsetzung des Onlinezugangsgesetzes": the town's figures of one
period as a Vorlage for its council — as a printable page and as a tagged PDF (PDF/UA-1) in the
town's branding, both from one template (``reports/council_report.html``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, render_template
from flask_babel import get_locale, lazy_gettext
from flask_babel.speaklater import LazyString

from amtsweg.reports import charts, maturity, queries, tables
from amtsweg.reports.models import ReportOutlook
from amtsweg.reports.queries import Selection, TownStatistics
from amtsweg.tenancy.branding import logo_file
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


def _logo_data_uri(town: TenantInfo) -> str:
    """The logo inline, so that the page and the PDF need no further request or file access."""
    path = logo_file(town, Path(current_app.config["TENANTS_DIR"]))
    if not path.is_file():
        return ""
    kind = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def council_report(period: queries.Period, today: date) -> CouncilReport:
    """The current town's report for ``period`` from live data (all processes)."""
    town = current_tenant()
    stats = queries.town_statistics(Selection(period), today)
    return CouncilReport(
        town=town, stats=stats, tables=tables.town_tables(stats), charts=charts.town_charts(stats),
        outlook=queries.outlook(period),
        council=str(COUNCILS.get(town.settings.get("municipality_type", ""), DEFAULT_COUNCIL)),
        logo=_logo_data_uri(town),
    )


def render(report: CouncilReport, for_pdf: bool = False) -> str:
    """The report as an HTML document (with the page's tools unless ``for_pdf``)."""
    return render_template("reports/council_report.html", report=report, for_pdf=for_pdf,
                           criteria=maturity.CRITERIA, highest_derived=maturity.HIGHEST_DERIVED,
                           locale=str(get_locale() or "de"))


def report_pdf(report: CouncilReport) -> bytes:
    """The report as a tagged PDF (PDF/UA-1: structure, language and title for screen readers)."""
    from weasyprint import CSS, HTML  # imported on use: loading WeasyPrint takes a moment

    branding = report.town.branding
    primary = branding.get("primary_color", "#1b3a5c")
    accent = branding.get("accent_color", primary)
    colours = CSS(string=f":root {{ --town-primary: {primary}; --town-accent: {accent}; }}")
    return HTML(string=render(report, for_pdf=True)).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET)), colours], pdf_variant="pdf/ua-1")


def filename(report: CouncilReport) -> str:
    """The PDF's download name."""
    return f"OZG-Bericht-{report.town.slug}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.pdf"
