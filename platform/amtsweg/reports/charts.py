"""Charts as plain geometry, drawn as SVG by the template macro ``reports/_chart.html`` on the page
and in the PDF: no script, a title and description for screen readers, the numbers in a table
beside every chart (the chart repeats them for the eye)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext, ngettext

from amtsweg.cases.states import CHANNEL_LABELS
from amtsweg.formatting import format_month, format_number, format_percent
from amtsweg.reports import units
from amtsweg.reports.facts import ONLINE
from amtsweg.reports.maturity import HIGHEST_DERIVED
from amtsweg.reports.queries import TownRow, TownStatistics
from amtsweg.reports.tables import age_label, level_label

# Dark enough against white for text and for shapes beside each other (WCAG 1.4.11: 3:1).
PALETTE = ("#1f5fa6", "#b35c00", "#2e7d32", "#7b1fa2", "#5f6b7a")
WIDTH = 640
FONT_SIZE = 12


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    height: float
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    width: float = WIDTH


def _nice_maximum(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _number(value: float, locale: str | None) -> str:
    return format_number(round(value, 1) if value % 1 else int(value), locale)


def stacked_columns(chart_id: str, title: str, description: str, categories: Sequence[str],
                    series: Sequence[Series], locale: str | None = None) -> Chart:
    """Columns per category with the series stacked (e.g. applications per month by channel)."""
    height, left, right, top, bottom = 300.0, 48.0, 8.0, 12.0, 64.0
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    maximum = _nice_maximum(max(totals, default=0))
    chart = Chart(chart_id, title, description, height,
                  legend=[(s.name, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series)])
    for step in range(5):
        value = maximum * step / 4
        y = top + plot_height - plot_height * step / 4
        chart.lines.append(Line(left, y, WIDTH - right, y))
        chart.labels.append(Label(left - 6, y + FONT_SIZE / 3, _number(value, locale), "end"))
    band = plot_width / max(len(categories), 1)
    every = max(1, math.ceil(len(categories) * 64 / plot_width))
    for index, category in enumerate(categories):
        x = left + band * index + band * 0.15
        base = top + plot_height
        for number, serie in enumerate(series):
            bar = plot_height * serie.values[index] / maximum
            if bar > 0:
                base -= bar
                chart.rects.append(Rect(x, base, band * 0.7, bar, PALETTE[number % len(PALETTE)]))
        if index % every == 0:
            chart.labels.append(Label(x + band * 0.35, top + plot_height + 18, category))
    return chart


def horizontal_bars(chart_id: str, title: str, description: str, categories: Sequence[str],
                    series: Sequence[Series], locale: str | None = None) -> Chart:
    """A bar per category with the series side by side along it (e.g. services per area: own and
    linked); each row ends with its total."""
    left, right, top, row_height = 220.0, 56.0, 8.0, 28.0
    height = top * 2 + row_height * len(categories)
    plot_width = WIDTH - left - right
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    maximum = max(max(totals, default=0), 1)
    chart = Chart(chart_id, title, description, height,
                  legend=[(s.name, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series)] if len(series) > 1
                  else [])
    for index, category in enumerate(categories):
        y = top + row_height * index
        chart.labels.append(Label(left - 8, y + row_height / 2 + FONT_SIZE / 3, _shortened(category), "end"))
        x = left
        for number, serie in enumerate(series):
            bar = plot_width * serie.values[index] / maximum
            if bar > 0:
                chart.rects.append(Rect(x, y + 5, bar, row_height - 10, PALETTE[number % len(PALETTE)]))
                x += bar
        chart.labels.append(Label(x + 6, y + row_height / 2 + FONT_SIZE / 3, _number(totals[index], locale), "start"))
    return chart


def _shortened(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- the statistics' charts


def town_charts(stats: TownStatistics) -> dict[str, Chart]:
    """The charts of a town's statistics, by the id of the table they draw."""
    charts = {}
    if stats.areas:
        charts["leistungen-bereiche"] = horizontal_bars(
            "chart-leistungen-bereiche", str(lazy_gettext("Online angebotene Leistungen nach Bereich")),
            str(lazy_gettext("%(services)s in %(areas)s, davon %(digital)s und %(external)s.",
                             services=units.services(sum(r.total for r in stats.areas)),
                             areas=units.areas(len(stats.areas)),
                             digital=units.digital_processes(sum(r.digital for r in stats.areas)),
                             external=units.linked_services(sum(r.external for r in stats.areas)))),
            [r.label for r in stats.areas],
            [Series(str(lazy_gettext("Eigene digitale Verfahren")), [r.digital for r in stats.areas]),
             Series(str(lazy_gettext("Verlinkte Dienste")), [r.external for r in stats.areas])],
        )
    if stats.has_cases:
        channels = list(stats.months[0].by_channel)
        total = sum(r.total for r in stats.months)
        online = sum(r.by_channel.get(ONLINE, 0) for r in stats.months)
        charts["antraege-monat"] = stacked_columns(
            "chart-antraege-monat", str(lazy_gettext("Eingegangene Anträge je Monat und Zugangsweg")),
            ngettext("%(count)s Antrag von %(first)s bis %(last)s, davon %(online)s online (%(share)s).",
                     "%(count)s Anträge von %(first)s bis %(last)s, davon %(online)s online (%(share)s).",
                     total, count=format_number(total), online=format_number(online),
                     share=format_percent(online / total),
                     first=format_month(stats.months[0].year, stats.months[0].month),
                     last=format_month(stats.months[-1].year, stats.months[-1].month)),
            [format_month(r.year, r.month, short=True) for r in stats.months],
            [Series(str(CHANNEL_LABELS.get(c, c)), [r.by_channel[c] for r in stats.months]) for c in channels],
        )
    open_total = sum(r.count for r in stats.ages)
    if open_total:
        charts["offene-vorgaenge"] = horizontal_bars(
            "chart-offene-vorgaenge", str(lazy_gettext("Offene Vorgänge nach Alter")),
            ngettext("%(count)s offener Vorgang, davon %(old)s seit mehr als %(days)s.",
                     "%(count)s offene Vorgänge, davon %(old)s seit mehr als %(days)s.",
                     open_total, count=format_number(open_total), old=format_number(stats.ages[-1].count),
                     days=units.days(stats.ages[-1].low - 1)),
            [age_label(r) for r in stats.ages], [Series("", [r.count for r in stats.ages])],
        )
    rated = [r for r in stats.levels if r.count or (r.level is not None and r.level <= HIGHEST_DERIVED)]
    if any(r.count for r in rated):
        digital = [r for r in stats.levels if r.level is not None]
        charts["reifegrad"] = horizontal_bars(
            "chart-reifegrad", str(lazy_gettext("Reifegrad der online angebotenen Leistungen")),
            str(lazy_gettext("Von %(digital)d eigenen digitalen Verfahren erreichen %(top)d Reifegrad 3.",
                             digital=sum(r.count for r in digital),
                             top=next((r.count for r in digital if r.level == HIGHEST_DERIVED), 0))),
            [level_label(r.level) for r in rated], [Series("", [r.count for r in rated])],
        )
    return charts


def comparison_charts(rows: Sequence[TownRow], names: dict[int, str]) -> dict[str, Chart]:
    """The cross-town charts, by the id of the table they draw."""
    if not rows:
        return {}
    return {
        "kommunen": horizontal_bars(
            "chart-kommunen", str(lazy_gettext("Anträge je Kommune nach Zugangsweg")),
            ngettext("%(count)s Antrag in %(towns)s, davon %(online)s online.",
                     "%(count)s Anträge in %(towns)s, davon %(online)s online.",
                     sum(r.cases for r in rows), count=format_number(sum(r.cases for r in rows)),
                     towns=units.towns(len(rows)),
                     online=format_number(sum(r.online for r in rows))),
            [names[r.town_id] for r in rows],
            [Series(str(CHANNEL_LABELS[ONLINE]), [r.online for r in rows]),
             Series(str(lazy_gettext("Telefon, Post, vor Ort")), [r.cases - r.online for r in rows])],
        ),
        "kommunen-bereiche": horizontal_bars(
            "chart-kommunen-bereiche", str(lazy_gettext("Online angebotene Leistungen je Kommune")),
            str(lazy_gettext("Eigene digitale Verfahren und verlinkte Dienste je Kommune.")),
            [names[r.town_id] for r in rows],
            [Series(str(lazy_gettext("Eigene digitale Verfahren")), [r.digital for r in rows]),
             Series(str(lazy_gettext("Verlinkte Dienste")), [r.external for r in rows])],
        ),
    }
