"""The statistics as tables: what the pages and the council report show and what CSV and XLSX
exports contain — one definition per table, so that a page, its download and the report agree.

Cells keep their values (counts, shares, days, cents, dates, months); :func:`display` formats one
for the page's language, the exports write them typed (XLSX) or formatted (CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import get_locale, lazy_gettext, ngettext
from flask_babel.speaklater import LazyString
from openpyxl import Workbook

from amtsweg.cases.states import CHANNEL_LABELS
from amtsweg.formatting import format_cents, format_date, format_month, format_number, format_percent
from amtsweg.processes.schema import AREAS, area_label
from amtsweg.reports import maturity
from amtsweg.reports.queries import AgeRow, LevelRow, TownRow, TownStatistics
from amtsweg.tenancy.models import TenantInfo
from amtsweg.text import spreadsheet_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Month:
    year: int
    month: int


@dataclass(frozen=True)
class Column:
    label: str | LazyString
    # text | count | share | days | money | date | month
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("count", "share", "days", "money")


@dataclass(frozen=True)
class Table:
    id: str
    title: str | LazyString
    columns: list[Column]
    rows: list[list[Any]]
    # Says what the figures are, under the table (and as the export's last line).
    note: str | LazyString = ""
    # Shown instead of an empty table.
    empty: str | LazyString = ""
    # The totals row, if the table has one.
    total: list[Any] | None = None
    # The first column names the row (a header cell).
    row_headers: bool = True


def localized(text: dict[str, str] | None, locale: str | None = None) -> str:
    """A title stored in German and English, in the page's language (German if missing)."""
    if not text:
        return ""
    code = locale or str(get_locale() or "de")
    return text.get(code) or text.get("de") or next(iter(text.values()), "")


def display(value: Any, kind: str, locale: str | None = None) -> str:
    """One cell as people read it; an empty value is a dash, a text (a row's name) stays as it is."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        return value
    formats: dict[str, Callable[[Any], str]] = {
        "count": lambda v: format_number(v, locale),
        "share": lambda v: format_percent(v, locale),
        "days": lambda v: format_number(round(float(v), 1), locale),
        "money": lambda v: format_cents(int(v), locale),
        "date": lambda v: format_date(v, locale),
        "month": lambda v: format_month(v.year, v.month, locale),
    }
    return formats.get(kind, str)(value)


def _channel(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def age_label(row: AgeRow) -> str:
    """An age band of open cases: '0 bis 7 Tage', 'über 90 Tage'."""
    if row.high is None:
        return ngettext("über %(num)d Tag", "über %(num)d Tage", row.low - 1)
    return ngettext("%(low)d bis %(num)d Tag", "%(low)d bis %(num)d Tage", row.high, low=row.low)


def level_label(level: int | None) -> str:
    """A maturity level with its name, or what an external service's level is."""
    if level is None:
        return str(lazy_gettext("extern (bewertet der Anbieter)"))
    return f"{level} – {maturity.LEVEL_NAMES[level]}"


# --------------------------------------------------------------------------- one town


def _services(stats: TownStatistics) -> Table:
    total = [str(lazy_gettext("Zusammen")), sum(r.digital for r in stats.areas), sum(r.external for r in stats.areas),
             sum(r.total for r in stats.areas)]
    return Table(
        "leistungen-bereiche", lazy_gettext("Online angebotene Leistungen nach Bereich"),
        [Column(lazy_gettext("Bereich")), Column(lazy_gettext("Eigene digitale Verfahren"), "count"),
         Column(lazy_gettext("Verlinkte Dienste von Land und Bund"), "count"),
         Column(lazy_gettext("Zusammen"), "count")],
        [[row.label, row.digital, row.external, row.total] for row in stats.areas],
        note=lazy_gettext("Stand: %(day)s (letzter Tag des Zeitraums).", day=format_date(stats.selection.period.end)),
        empty=lazy_gettext("Am letzten Tag des Zeitraums wurden keine Leistungen online angeboten."),
        total=total if stats.areas else None,
    )


def _new(stats: TownStatistics) -> Table:
    return Table(
        "neue-leistungen", lazy_gettext("Neue Leistungen im Zeitraum"),
        [Column(lazy_gettext("Leistung")), Column(lazy_gettext("Bereich")), Column(lazy_gettext("Art")),
         Column(lazy_gettext("Online seit"), "date")],
        [[localized(row.title), area_label(row.area), _kind(row.kind), row.since] for row in stats.new],
        empty=lazy_gettext("Im Zeitraum kamen keine Leistungen hinzu."),
    )


def _kind(kind: str) -> str:
    return str(lazy_gettext("eigenes digitales Verfahren") if kind == "digital"
               else lazy_gettext("verlinkter Dienst"))


def channels_of(stats: TownStatistics) -> list[str]:
    """The channels the month table shows: every known one and any other in the data."""
    return list(stats.months[0].by_channel) if stats.months else []


def _months(stats: TownStatistics) -> Table:
    channels = channels_of(stats)
    rows = [[Month(r.year, r.month), *(r.by_channel[c] for c in channels), r.total, r.online_share]
            for r in stats.months]
    totals = [sum(r.by_channel[c] for r in stats.months) for c in channels]
    return Table(
        "antraege-monat", lazy_gettext("Eingegangene Anträge je Monat und Zugangsweg"),
        [Column(lazy_gettext("Monat"), "month"), *(Column(_channel(c), "count") for c in channels),
         Column(lazy_gettext("Zusammen"), "count"), Column(lazy_gettext("Anteil online"), "share")],
        rows if stats.has_cases else [],
        empty=lazy_gettext("Im gewählten Zeitraum sind keine Anträge eingegangen."),
        total=[str(lazy_gettext("Zusammen")), *totals, sum(totals), _share(totals[0], sum(totals)) if totals else None]
        if stats.has_cases else None,
    )


def _channel_mix(stats: TownStatistics) -> Table:
    mix = stats.channels
    return Table(
        "zugangswege", lazy_gettext("Zugangswege im Vergleich zum Vorzeitraum"),
        [Column(lazy_gettext("Zugangsweg")), Column(lazy_gettext("Anträge"), "count"),
         Column(lazy_gettext("Anteil"), "share"), Column(lazy_gettext("Anträge im Vorzeitraum"), "count"),
         Column(lazy_gettext("Anteil im Vorzeitraum"), "share")],
        [[_channel(r.channel), r.count, mix.share(r.channel), r.previous, mix.share(r.channel, previous=True)]
         for r in mix.rows] if mix.total or mix.previous_total else [],
        note=lazy_gettext("Vorzeitraum: %(period)s.", period=mix.previous_period.label()),
        empty=lazy_gettext("Weder im Zeitraum noch im Vorzeitraum sind Anträge eingegangen."),
    )


def _processes(stats: TownStatistics) -> Table:
    channels = channels_of(stats)
    return Table(
        "antraege-leistung", lazy_gettext("Eingegangene Anträge je Leistung"),
        [Column(lazy_gettext("Leistung")), Column(lazy_gettext("Bereich")),
         *(Column(_channel(c), "count") for c in channels), Column(lazy_gettext("Zusammen"), "count"),
         Column(lazy_gettext("Anteil online"), "share")],
        [[localized(r.title), area_label(r.area), *(r.by_channel.get(c, 0) for c in channels), r.total,
          r.online_share] for r in stats.processes],
        empty=lazy_gettext("Im gewählten Zeitraum sind keine Anträge eingegangen."),
    )


def _month_processes(stats: TownStatistics) -> Table:
    return Table(
        "antraege-monat-leistung", lazy_gettext("Eingegangene Anträge je Monat und Leistung"),
        [Column(lazy_gettext("Monat"), "month"), Column(lazy_gettext("Leistung")),
         Column(lazy_gettext("Anträge"), "count")],
        [[Month(r.year, r.month), localized(r.title), r.count] for r in stats.month_processes],
        empty=lazy_gettext("Im gewählten Zeitraum sind keine Anträge eingegangen."),
    )


def _funnel(stats: TownStatistics) -> Table:
    started = sum(r.started for r in stats.funnel)
    submitted = sum(r.submitted for r in stats.funnel)
    return Table(
        "online-antraege", lazy_gettext("Begonnene und abgeschickte Online-Anträge"),
        [Column(lazy_gettext("Leistung")), Column(lazy_gettext("Begonnen"), "count"),
         Column(lazy_gettext("Abgeschickt"), "count"), Column(lazy_gettext("Anteil abgeschickt"), "share")],
        [[localized(r.title), r.started, r.submitted, r.completion] for r in stats.funnel],
        note=lazy_gettext("Online-Anträge, die im Zeitraum begonnen wurden; abgeschickt bis heute."),
        empty=lazy_gettext("Im gewählten Zeitraum wurden keine Online-Anträge begonnen."),
        total=[str(lazy_gettext("Zusammen")), started, submitted, _share(submitted, started)] if stats.funnel else None,
    )


def _drops(stats: TownStatistics) -> Table:
    def stopped_at(completed: int, step_title: dict[str, str]) -> str:
        if not step_title:
            return str(lazy_gettext("auf der Seite „Angaben prüfen“"))
        return str(lazy_gettext("Schritt %(number)d: %(title)s", number=completed + 1, title=localized(step_title)))

    return Table(
        "abbrueche", lazy_gettext("Nicht abgeschickte Online-Anträge nach Schritt"),
        [Column(lazy_gettext("Leistung")), Column(lazy_gettext("Aufgehört bei")),
         Column(lazy_gettext("Abgeschlossene Schritte"), "count"), Column(lazy_gettext("Anträge"), "count")],
        [[localized(r.title), stopped_at(r.completed_steps, r.step_title), r.completed_steps, r.count]
         for r in stats.drops],
        note=lazy_gettext("Abgebrochen oder noch in Bearbeitung; die Schritte sind die der aktuellen Fassung."),
        empty=lazy_gettext("Alle im Zeitraum begonnenen Online-Anträge wurden abgeschickt."),
    )


def _times(stats: TownStatistics) -> Table:
    total = stats.times_total
    return Table(
        "bearbeitungszeiten", lazy_gettext("Bearbeitungszeiten der im Zeitraum entschiedenen Anträge"),
        [Column(lazy_gettext("Leistung")), Column(lazy_gettext("Entschieden"), "count"),
         Column(lazy_gettext("Median (Tage)"), "days"), Column(lazy_gettext("90. Perzentil (Tage)"), "days"),
         Column(lazy_gettext("Bearbeitungsziel (Arbeitstage)"), "count"),
         Column(lazy_gettext("Innerhalb des Ziels"), "share")],
        [[localized(r.title), r.decided, r.median, r.p90, r.target_days, r.within_target] for r in stats.times],
        note=lazy_gettext("Kalendertage vom Eingang bis zur Entscheidung; „innerhalb des Ziels“: bis zum "
                          "Fälligkeitstag, der Wartezeiten auf Antragstellende berücksichtigt."),
        empty=lazy_gettext("Im gewählten Zeitraum wurde kein Antrag entschieden."),
        total=[str(lazy_gettext("Alle Leistungen")), total.decided, total.median, total.p90, None,
               total.within_target] if stats.times else None,
    )


def _ages(stats: TownStatistics) -> Table:
    return Table(
        "offene-vorgaenge", lazy_gettext("Offene Vorgänge nach Alter"),
        [Column(lazy_gettext("Seit Eingang")), Column(lazy_gettext("Offene Vorgänge"), "count")],
        [[age_label(r), r.count] for r in stats.ages],
        note=lazy_gettext("Stand: %(day)s.", day=format_date(stats.today)),
        total=[str(lazy_gettext("Zusammen")), sum(r.count for r in stats.ages)],
    )


def _fees(stats: TownStatistics) -> Table:
    return Table(
        "gebuehren", lazy_gettext("Gebühren"),
        [Column(lazy_gettext("Monat"), "month"), Column(lazy_gettext("Anträge mit Gebühr"), "count"),
         Column(lazy_gettext("Summe"), "money")],
        [[Month(r.year, r.month), r.count, r.cents] for r in stats.fee_months],
        note=stats.fee_basis,
        empty=lazy_gettext("Im gewählten Zeitraum fielen keine Gebühren an."),
        total=[str(lazy_gettext("Zusammen")), sum(r.count for r in stats.fee_months),
               sum(r.cents for r in stats.fee_months)] if stats.fee_months else None,
    )


def _levels(levels: Sequence[LevelRow]) -> Table:
    return Table(
        "reifegrad", lazy_gettext("Reifegrad der online angebotenen Leistungen"),
        [Column(lazy_gettext("Reifegrad")), Column(lazy_gettext("Leistungen"), "count")],
        [[level_label(r.level), r.count] for r in levels],
        note=lazy_gettext("OZG-Reifegradmodell 2.0: Stufen 0 bis 3 werden aus dem abgeleitet, was die Leistung "
                          "auf dieser Plattform tut; Stufen 4 bis 7 betreffen die Bearbeitung in der Verwaltung "
                          "und werden hier nicht abgeleitet."),
    )


def _ratings(stats: TownStatistics) -> Table:
    return Table(
        "reifegrad-leistungen", lazy_gettext("Reifegrad je Leistung und Kriterien"),
        [Column(lazy_gettext("Leistung")), Column(lazy_gettext("Bereich")), Column(lazy_gettext("Reifegrad")),
         *(Column(criterion.name) for criterion in maturity.CRITERIA)],
        [[localized(r.title), area_label(r.area),
          r.rating.level if r.rating.level is not None else str(lazy_gettext("extern")),
          *(str(maturity.VERDICT_LABELS[v]) for v in r.rating.verdicts or ())]
         + (["–"] * len(maturity.CRITERIA) if r.rating.level is None else [])
         for r in stats.ratings],
        empty=lazy_gettext("Am letzten Tag des Zeitraums wurden keine Leistungen online angeboten."),
    )


TOWN_TABLES: tuple[Callable[[TownStatistics], Table], ...] = (
    _services, _new, _months, _channel_mix, _processes, _month_processes, _funnel, _drops, _times, _ages, _fees,
    lambda stats: _levels(stats.levels), _ratings,
)


def town_tables(stats: TownStatistics) -> dict[str, Table]:
    """Every table of a town's statistics, by id, in the page's order."""
    tables = [build(stats) for build in TOWN_TABLES]
    return {table.id: table for table in tables}


# --------------------------------------------------------------------------- across towns


def comparison_tables(rows: Sequence[TownRow], towns: Sequence[TenantInfo]) -> dict[str, Table]:
    """The towns side by side: key figures per town, and services per area with a column per town."""
    names = {town.id: town.name for town in towns}
    key_figures = Table(
        "kommunen", lazy_gettext("Kennzahlen der Kommunen"),
        [Column(lazy_gettext("Kommune")), Column(lazy_gettext("Eigene digitale Verfahren"), "count"),
         Column(lazy_gettext("Verlinkte Dienste"), "count"), Column(lazy_gettext("Anträge"), "count"),
         Column(lazy_gettext("Anteil online"), "share"), Column(lazy_gettext("Median Bearbeitung (Tage)"), "days"),
         Column(lazy_gettext("Innerhalb des Ziels"), "share"), Column(lazy_gettext("Offene Vorgänge"), "count"),
         Column(lazy_gettext("Verfahren auf Reifegrad 3"), "share")],
        [[names[r.town_id], r.digital, r.external, r.cases, r.online_share, r.median, r.within_target, r.open_cases,
          r.level_three_share] for r in rows],
        empty=lazy_gettext("Keine Kommune gefunden."),
    )
    areas = Table(
        "kommunen-bereiche", lazy_gettext("Online angebotene Leistungen nach Bereich und Kommune"),
        [Column(lazy_gettext("Bereich")), *(Column(names[r.town_id], "count") for r in rows)],
        [[str(label), *(r.areas.get(area, 0) for r in rows)] for area, label in AREAS.items()
         if any(r.areas.get(area) for r in rows)],
        empty=lazy_gettext("Am letzten Tag des Zeitraums wurden keine Leistungen online angeboten."),
        total=[str(lazy_gettext("Zusammen")), *(r.digital + r.external for r in rows)] if rows else None,
    )
    return {table.id: table for table in (key_figures, areas)}


# --------------------------------------------------------------------------- exports


def to_csv(table: Table) -> bytes:
    """Semicolon-separated UTF-8 with BOM (German Excel opens it with umlauts and columns intact),
    values as the page shows them; the note as the last line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(column.label) for column in table.columns])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow([spreadsheet_text(display(value, column.kind))
                         for value, column in zip(row, table.columns, strict=True)])
    if table.note:
        writer.writerow([spreadsheet_text(str(table.note))])
    return buffer.getvalue().encode("utf-8-sig")


XLSX_FORMATS = {"share": "0.0%", "days": "0.0", "money": "#,##0.00 €", "date": "DD.MM.YYYY", "month": "MMMM YYYY",
                "count": "#,##0"}


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return spreadsheet_text(value)
    if kind == "money":
        return Decimal(int(value)) / 100
    if kind == "month":
        return date(value.year, value.month, 1)
    return value


def to_xlsx(table: Table) -> bytes:
    """One sheet with typed cells (numbers, shares, amounts, dates) and the note below."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    # Sheet names are at most 31 characters.
    sheet.title = table.id[:31]
    sheet.append([str(column.label) for column in table.columns])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        sheet.append([_cell(value, column.kind) for value, column in zip(row, table.columns, strict=True)])
        for cell, column in zip(sheet[sheet.max_row], table.columns, strict=True):
            if column.kind in XLSX_FORMATS and not isinstance(cell.value, str):
                cell.number_format = XLSX_FORMATS[column.kind]
    if table.note:
        sheet.append([])
        sheet.append([spreadsheet_text(str(table.note))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Export:
    content_type: str
    write: Callable[[Table], bytes]


# The download formats by file extension.
EXPORTS = {"csv": Export("text/csv; charset=utf-8", to_csv), "xlsx": Export(XLSX_TYPE, to_xlsx)}
