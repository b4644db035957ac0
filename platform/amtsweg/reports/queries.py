"""The statistics of the current town (or of a page of towns) for a period, computed by SQL aggregates
over the fact tables: no statement reads the cases one by one, and the number of statements does
not grow with the number of cases.

Percentiles use PostgreSQL's ``percentile_cont``; other databases (SQLite) compute the same
continuous percentile with window functions (row number and count per group, then the two
neighbouring values interpolated), also in one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext
from sqlalchemy import Integer, Select, and_, case, cast, exists, extract, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from amtsweg.audit.models import AuditEvent
from amtsweg.errors import Problem
from amtsweg.extensions import db
from amtsweg.processes.loader import stored_definition
from amtsweg.processes.models import Process, ProcessEnablement, ProcessVersion
from amtsweg.processes.schema import AREAS, ProcessDefinition
from amtsweg.reports import fees, maturity
from amtsweg.reports.facts import ONLINE
from amtsweg.reports.models import ApplicationStart, CaseFact, ReportOutlook, ServiceOffer
from amtsweg.reports.periods import InvalidSelection, Period, parse_period
from amtsweg.tenancy.context import all_tenants_context, current_tenant, tenant_context
from amtsweg.tenancy.models import TenantInfo

PROCESS_FIELD = "leistung"
# The audit action of an import of earlier figures (services.import_history).
HISTORY_IMPORTED = "reports.history_imported"
# The channels a case can come through, in the order the statistics show them.
CHANNELS = ("online", "phone", "post", "in_person")
FRACTIONS = (0.5, 0.9)
# Open cases by days since submission: (upper bound in days, or None for "older").
AGE_BANDS: tuple[int | None, ...] = (7, 30, 90, None)


@dataclass(frozen=True)
class Selection:
    """What a statistics page shows: a period, optionally one process of the library."""

    period: Period
    process: str | None = None

    def query(self) -> dict[str, Any]:
        """The selection as the query arguments of a link."""
        return {**self.period.query(), **({PROCESS_FIELD: self.process} if self.process else {})}


def parse_selection(start: str | None, end: str | None, process: str | None, today: date) -> Selection:
    """The selection of a statistics form; raises :class:`InvalidSelection` with every fault."""
    problems: list[Problem] = []
    try:
        period = parse_period(start, end, today)
    except InvalidSelection as error:
        problems += error.problems
    slug = (process or "").strip()[:80] or None
    if slug is not None and db.session.scalar(select(Process.id).where(Process.slug == slug)) is None:
        problems.append(Problem(PROCESS_FIELD, str(lazy_gettext(
            "Die Leistung „%(slug)s“ gibt es in der Bibliothek nicht. Bitte wählen Sie eine aus der Liste.",
            slug=slug))))
    if problems:
        raise InvalidSelection(problems=problems)
    return Selection(period, slug)


# --------------------------------------------------------------------------- decisions: counts and percentiles


@dataclass(frozen=True)
class Decisions:
    """Decisions of a group: how many, the share decided by the due date (of those with one), and
    the continuous median and 90th percentile (as ``percentile_cont``) of their processing days."""

    decided: int
    within_target: float | None
    median: float | None
    p90: float | None


def _decisions_postgresql(values: Any, groups: Sequence[Any]) -> Select[Any]:
    return select(*groups, func.count(), func.avg(values.c.within),
                  *(func.percentile_cont(p).within_group(values.c.value) for p in FRACTIONS)).group_by(*groups)


def _decisions_by_window(values: Any, groups: Sequence[Any]) -> Select[Any]:
    names = [group.name for group in groups]
    ranked = select(
        *groups, values.c.value, values.c.within,
        (func.row_number().over(partition_by=groups, order_by=values.c.value) - 1).label("i"),
        func.count().over(partition_by=groups).label("n"),
    ).subquery()
    ranked_groups = [ranked.c[name] for name in names]
    columns = []
    for fraction in FRACTIONS:
        position = (ranked.c.n - 1) * fraction
        # The cast truncates, which is the floor of a non-negative position.
        below = cast(position, Integer)
        low = func.max(case((ranked.c.i == below, ranked.c.value)))
        high = func.coalesce(func.max(case((ranked.c.i == below + 1, ranked.c.value))), low)
        columns.append(low + (high - low) * func.max(position - below))
    return select(*ranked_groups, func.count(), func.avg(ranked.c.within), *columns).group_by(*ranked_groups)


# Other databases (SQLite) compute the same continuous percentile with window functions.
DECISIONS: dict[str, Callable[[Any, Sequence[Any]], Select[Any]]] = {"postgresql": _decisions_postgresql}


def decisions(conditions: Sequence[ColumnElement[bool]], groups: Sequence[Any]) -> dict[tuple[Any, ...], Decisions]:
    """The decisions among the facts meeting ``conditions`` per group of ``groups`` (columns of
    CaseFact), keyed by the groups' values: one statement."""
    values = select(
        *(group.label(f"g{index}") for index, group in enumerate(groups)),
        CaseFact.processing_days.label("value"),
        case((CaseFact.within_target.is_(True), 1.0), (CaseFact.within_target.is_(False), 0.0)).label("within"),
    ).where(*conditions, CaseFact.processing_days.is_not(None)).subquery()
    build = DECISIONS.get(db.session.get_bind().dialect.name, _decisions_by_window)
    found = {}
    for row in db.session.execute(build(values, [values.c[f"g{index}"] for index in range(len(groups))])):
        key, (decided, within, *quantiles) = tuple(row[:len(groups)]), row[len(groups):]
        median, p90 = (None if value is None else float(value) for value in quantiles)
        found[key] = Decisions(decided, None if within is None else float(within), median, p90)
    return found


def _towns(column: Any, towns: Sequence[int] | None) -> list[ColumnElement[bool]]:
    """The condition of a comparison's towns (None: the current town, which the scoping selects)."""
    return [] if towns is None else [column.in_(towns)]


# --------------------------------------------------------------------------- services on offer


def _offered_on(day: date) -> ColumnElement[bool]:
    return and_(ServiceOffer.offered_from <= day,
                or_(ServiceOffer.offered_until.is_(None), ServiceOffer.offered_until > day))


@dataclass(frozen=True)
class AreaRow:
    area: str
    label: str
    digital: int
    external: int

    @property
    def total(self) -> int:
        return self.digital + self.external


@dataclass(frozen=True)
class Offered:
    """A service a town offered on a day."""

    slug: str
    title: dict[str, str]
    area: str
    kind: str


def offered_services(day: date, towns: Sequence[int] | None = None) -> dict[int, list[Offered]]:
    """The services each town (the current one, or ``towns``) offered on ``day``, by town, in the
    library's order (area, slug): one statement."""
    offers = select(ServiceOffer.tenant_id, ServiceOffer.process_id).where(
        _offered_on(day), *_towns(ServiceOffer.tenant_id, towns)).distinct().subquery()
    found: dict[int, list[Offered]] = {}
    for town, *values in db.session.execute(
        select(offers.c.tenant_id, Process.slug, Process.title, Process.category, Process.kind)
        .join(Process, Process.id == offers.c.process_id)
        .order_by(offers.c.tenant_id, Process.category, Process.slug)
    ):
        found.setdefault(town, []).append(Offered(*values))
    return found


def services_by_area(offered: Sequence[Offered]) -> list[AreaRow]:
    """The offered services per area, own digital processes and links to external services
    counted apart, in the library's order of areas."""
    counts: dict[tuple[str, str], int] = {}
    for service in offered:
        kind = "digital" if service.kind == "digital" else "external"
        counts[(service.area, kind)] = counts.get((service.area, kind), 0) + 1
    return [AreaRow(area, str(label), counts.get((area, "digital"), 0), counts.get((area, "external"), 0))
            for area, label in AREAS.items() if counts.get((area, "digital")) or counts.get((area, "external"))]


@dataclass(frozen=True)
class NewService:
    slug: str
    title: dict[str, str]
    area: str
    kind: str
    since: date


def new_services(period: Period) -> list[NewService]:
    """Services offered on the period's last day that were not offered the day before it began."""
    earlier = aliased(ServiceOffer)
    before = period.start - timedelta(days=1)
    rows = db.session.execute(
        select(Process.slug, Process.title, Process.category, Process.kind, ServiceOffer.offered_from)
        .join(ServiceOffer, ServiceOffer.process_id == Process.id)
        .where(_offered_on(period.end), ServiceOffer.offered_from >= period.start,
               ~exists().where(earlier.process_id == ServiceOffer.process_id,
                               earlier.tenant_id == ServiceOffer.tenant_id, earlier.offered_from <= before,
                               or_(earlier.offered_until.is_(None), earlier.offered_until > before)))
        .order_by(ServiceOffer.offered_from, Process.slug)
    )
    return [NewService(slug, title, area, kind, since) for slug, title, area, kind, since in rows]


# --------------------------------------------------------------------------- cases


def _of_process(selection: Selection, slug_column: Any) -> list[ColumnElement[bool]]:
    """The condition of the selected process, if one is selected."""
    return [] if selection.process is None else [slug_column == selection.process]


def _in_period(selection: Selection, day_column: Any, slug_column: Any) -> list[ColumnElement[bool]]:
    """Rows whose ``day_column`` falls in the selected period, of the selected process."""
    return [day_column.between(selection.period.start, selection.period.end), *_of_process(selection, slug_column)]


def _cases_in(selection: Selection, day_column: Any) -> list[ColumnElement[bool]]:
    return _in_period(selection, day_column, CaseFact.process_slug)


def _grouped(conditions: Sequence[ColumnElement[bool]], groups: Sequence[Any],
             aggregates: Sequence[Any] = (func.count(),)) -> Sequence[Any]:
    """One row per group of the rows meeting ``conditions``: the group's values, then the aggregates."""
    return db.session.execute(select(*groups, *aggregates).where(*conditions).group_by(*groups)).all()


def months_of(period: Period) -> list[tuple[int, int]]:
    """Every (year, month) the period touches, in order."""
    months = []
    current = period.start.replace(day=1)
    while current <= period.end:
        months.append((current.year, current.month))
        current += relativedelta(months=1)
    return months


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())

    @property
    def online_share(self) -> float | None:
        return self.by_channel.get(ONLINE, 0) / self.total if self.total else None


# One row per month, process and channel received in the selection: (year, month, slug, channel, count).
Received = Sequence[tuple[int, int, str, str, int]]


def received(selection: Selection) -> Received:
    """Applications received in the selection per month, process and channel: one statement, from
    which the tables by month, by process and by both are summed."""
    year, month = extract("year", CaseFact.submitted_on), extract("month", CaseFact.submitted_on)
    return [(int(y), int(m), slug, channel, count) for y, m, slug, channel, count in _grouped(
        _cases_in(selection, CaseFact.submitted_on), (year, month, CaseFact.process_slug, CaseFact.channel))]


def cases_by_month(selection: Selection, rows: Received) -> list[MonthRow]:
    """Applications received per month and channel (every month of the period, empty ones too)."""
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for y, m, _, channel, count in rows:
        by_channel = counts.setdefault((y, m), {})
        by_channel[channel] = by_channel.get(channel, 0) + count
    channels = _channels(channel for by_channel in counts.values() for channel in by_channel)
    return [MonthRow(y, m, {channel: counts.get((y, m), {}).get(channel, 0) for channel in channels})
            for y, m in months_of(selection.period)]


def _channels(seen: Iterable[str]) -> list[str]:
    """The known channels in their order, then any other found in the data."""
    return [*CHANNELS, *sorted(set(seen) - set(CHANNELS))]


@dataclass(frozen=True)
class ProcessRow:
    slug: str
    title: dict[str, str]
    area: str
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())

    @property
    def online_share(self) -> float | None:
        return self.by_channel.get(ONLINE, 0) / self.total if self.total else None


# The title and area of processes by slug.
Titles = dict[str, tuple[dict[str, str], str]]


def _titles(slugs: Iterable[str]) -> Titles:
    wanted = set(slugs)
    if not wanted:
        return {}
    return {slug: (title, area) for slug, title, area in db.session.execute(
        select(Process.slug, Process.title, Process.category).where(Process.slug.in_(wanted)))}


def cases_by_process(rows: Received, titles: Titles) -> list[ProcessRow]:
    """Applications received per process and channel, the most frequent first."""
    counts: dict[str, dict[str, int]] = {}
    for _, _, slug, channel, count in rows:
        by_channel = counts.setdefault(slug, {})
        by_channel[channel] = by_channel.get(channel, 0) + count
    channels = _channels(channel for by_channel in counts.values() for channel in by_channel)
    result = [ProcessRow(slug, *titles.get(slug, ({"de": slug}, "")),
                         {channel: by_channel.get(channel, 0) for channel in channels})
              for slug, by_channel in counts.items()]
    return sorted(result, key=lambda row: (-row.total, row.slug))


@dataclass(frozen=True)
class MonthProcessRow:
    year: int
    month: int
    slug: str
    title: dict[str, str]
    count: int


def cases_by_month_and_process(rows: Received, titles: Titles) -> list[MonthProcessRow]:
    """Applications received per month and process (months and processes without any left out),
    the most frequent of a month first."""
    counts: dict[tuple[int, int, str], int] = {}
    for y, m, slug, _, count in rows:
        counts[(y, m, slug)] = counts.get((y, m, slug), 0) + count
    return [MonthProcessRow(y, m, slug, titles.get(slug, ({"de": slug}, ""))[0], count)
            for (y, m, slug), count in sorted(counts.items(), key=lambda item: (*item[0][:2], -item[1], item[0][2]))]


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    count: int
    previous: int


@dataclass(frozen=True)
class ChannelMix:
    rows: list[ChannelRow]
    previous_period: Period

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    @property
    def previous_total(self) -> int:
        return sum(row.previous for row in self.rows)

    def share(self, channel: str, previous: bool = False) -> float | None:
        total = self.previous_total if previous else self.total
        counts = {row.channel: row.previous if previous else row.count for row in self.rows}
        return counts.get(channel, 0) / total if total else None


def channel_mix(selection: Selection, towns: Sequence[int] | None = None) -> dict[int, ChannelMix]:
    """Applications per channel in the period and in the period of the same length before it, by
    town (the current one, or ``towns``): one statement."""
    earlier = selection.period.previous()
    in_period = CaseFact.submitted_on.between(selection.period.start, selection.period.end)
    counts: dict[int, dict[str, tuple[int, int]]] = {}
    for town, channel, now, before in _grouped(
        [CaseFact.submitted_on.between(earlier.start, selection.period.end),
         *_of_process(selection, CaseFact.process_slug), *_towns(CaseFact.tenant_id, towns)],
        (CaseFact.tenant_id, CaseFact.channel), (func.count().filter(in_period), func.count().filter(~in_period)),
    ):
        counts.setdefault(town, {})[channel] = (now, before)
    return {town: ChannelMix([ChannelRow(c, *by_channel.get(c, (0, 0))) for c in _channels(by_channel)], earlier)
            for town, by_channel in counts.items()}


def no_channels(selection: Selection) -> ChannelMix:
    """The channel mix of a town without applications in either period."""
    return ChannelMix([ChannelRow(c, 0, 0) for c in CHANNELS], selection.period.previous())


# --------------------------------------------------------------------------- applications started online


@dataclass(frozen=True)
class FunnelRow:
    slug: str
    title: dict[str, str]
    started: int
    submitted: int

    @property
    def completion(self) -> float | None:
        return self.submitted / self.started if self.started else None


@dataclass(frozen=True)
class DropRow:
    slug: str
    title: dict[str, str]
    # Steps completed before the citizen stopped; ``step_title`` of the step they stopped at ("" on
    # the check page after the last step).
    completed_steps: int
    step_title: dict[str, str]
    count: int


def _citizens_starts(selection: Selection) -> list[ColumnElement[bool]]:
    return [*_in_period(selection, ApplicationStart.started_on, ApplicationStart.process_slug),
            or_(ApplicationStart.channel.is_(None), ApplicationStart.channel == ONLINE)]


# Online applications started in the selection: (slug, furthest step, started, submitted).
Starts = Sequence[tuple[str, int, int, int]]


def starts(selection: Selection) -> Starts:
    """Online applications started in the period per process and furthest step, and how many of
    them were submitted: one statement for the funnel and the drop-off."""
    return [(slug, step, started, submitted) for slug, step, started, submitted in db.session.execute(
        select(ApplicationStart.process_slug, ApplicationStart.furthest_step, func.count(),
               func.count(ApplicationStart.submitted_on))
        .where(*_citizens_starts(selection))
        .group_by(ApplicationStart.process_slug, ApplicationStart.furthest_step)
        .order_by(ApplicationStart.process_slug, ApplicationStart.furthest_step))]


def applications(rows: Starts, titles: Titles) -> list[FunnelRow]:
    """Online applications started per process and how many of them were submitted."""
    counts: dict[str, tuple[int, int]] = {}
    for slug, _, started, submitted in rows:
        before = counts.get(slug, (0, 0))
        counts[slug] = (before[0] + started, before[1] + submitted)
    result = [FunnelRow(slug, titles.get(slug, ({"de": slug}, ""))[0], started, submitted)
              for slug, (started, submitted) in counts.items()]
    return sorted(result, key=lambda row: (-row.started, row.slug))


def drop_off(rows: Starts, definitions: dict[str, ProcessDefinition]) -> list[DropRow]:
    """Online applications not submitted, per process and the step the citizen stopped at
    (abandoned or still being filled in)."""
    result = []
    for slug, completed, started, submitted in rows:
        if started == submitted:
            continue
        definition = definitions.get(slug)
        steps = definition.form.steps if definition is not None and definition.form is not None else []
        step_title = steps[completed].title.model_dump() if completed < len(steps) else {}
        title = definition.title.model_dump() if definition is not None else {"de": slug}
        result.append(DropRow(slug, title, completed, step_title, started - submitted))
    return result


# --------------------------------------------------------------------------- processing times


@dataclass(frozen=True)
class TimeRow:
    """Decisions in the period: how many, the median and 90th percentile of calendar days from
    submission to decision, and the share decided by the due date (of those with one)."""

    slug: str | None
    title: dict[str, str]
    decided: int
    median: float | None
    p90: float | None
    within_target: float | None
    target_days: int | None


NO_DECISIONS = Decisions(0, None, None, None)


def decided_in(selection: Selection) -> list[ColumnElement[bool]]:
    """The facts of cases decided (or closed) in the selection."""
    return _cases_in(selection, CaseFact.finished_on)


def processing_times(total: Decisions, by_process: dict[tuple[Any, ...], Decisions],
                     definitions: dict[str, ProcessDefinition]) -> tuple[TimeRow, list[TimeRow]]:
    """All decisions of the period together, and per process (the most decided first)."""
    overrides = _processing_day_overrides(slug for (slug,) in by_process)
    rows = []
    for (slug,), figures in by_process.items():
        definition = definitions.get(slug)
        rows.append(TimeRow(
            slug, definition.title.model_dump() if definition else {"de": slug}, figures.decided, figures.median,
            figures.p90, figures.within_target, overrides.get(slug, definition.processing_days if definition else None),
        ))
    rows.sort(key=lambda row: (-row.decided, row.slug or ""))
    return TimeRow(None, {}, total.decided, total.median, total.p90, total.within_target, None), rows


def _processing_day_overrides(slugs: Iterable[str]) -> dict[str, int]:
    wanted = set(slugs)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Process.slug, ProcessEnablement.overrides)
        .join(ProcessEnablement, ProcessEnablement.process_id == Process.id).where(Process.slug.in_(wanted)))
    return {slug: int(overrides["processing_days"]) for slug, overrides in rows
            if isinstance(overrides, dict) and isinstance(overrides.get("processing_days"), int)}


@dataclass(frozen=True)
class AgeRow:
    # Days since submission: from ``low`` to ``high`` (None: and older).
    low: int
    high: int | None
    count: int


def _age_bounds() -> list[tuple[int, int | None]]:
    bounds: list[tuple[int, int | None]] = []
    low = 0
    for high in AGE_BANDS:
        bounds.append((low, high))
        low = (high or 0) + 1
    return bounds


def open_cases_by_age(selection: Selection, today: date,
                      towns: Sequence[int] | None = None) -> dict[int, list[AgeRow]]:
    """Cases not finished today, by days since submission (every band, empty ones too), by town
    (the current one, or ``towns``; a town without open cases is left out): one statement."""
    bounds = _age_bounds()
    band = case(*((CaseFact.submitted_on >= today - timedelta(days=high), index)
                  for index, (_, high) in enumerate(bounds) if high is not None), else_=len(bounds) - 1)
    counts: dict[int, dict[int, int]] = {}
    for town, index, count in _grouped(
        [CaseFact.finished_on.is_(None), *_of_process(selection, CaseFact.process_slug),
         *_towns(CaseFact.tenant_id, towns)], (CaseFact.tenant_id, band)):
        counts.setdefault(town, {})[index] = count
    return {town: age_rows(by_band) for town, by_band in counts.items()}


def age_rows(counts: dict[int, int]) -> list[AgeRow]:
    """The age bands with the counts of ``counts`` (by band index; missing bands are empty)."""
    return [AgeRow(low, high, counts.get(index, 0)) for index, (low, high) in enumerate(_age_bounds())]


# --------------------------------------------------------------------------- definitions and maturity


def current_definitions(slugs: Iterable[str]) -> dict[str, ProcessDefinition]:
    """The current definitions of these processes: one statement for their versions, one more
    for the definitions not parsed by this process yet."""
    wanted = set(slugs)
    if not wanted:
        return {}
    versions = db.session.execute(
        select(Process.slug, ProcessVersion.id, ProcessVersion.version)
        .join(ProcessVersion, ProcessVersion.id == Process.current_version_id).where(Process.slug.in_(wanted))
    ).all()
    return _parsed(versions)


def _parsed(versions: Sequence[Any]) -> dict[str, ProcessDefinition]:
    loaded: dict[int, dict[str, Any]] = {}

    def load(version_id: int) -> dict[str, Any]:
        if not loaded:
            # The first definition not in the cache loads every one of the list in one statement.
            loaded.update(db.session.execute(
                select(ProcessVersion.id, ProcessVersion.definition)
                .where(ProcessVersion.id.in_([row[1] for row in versions]))).tuples().all())
        return loaded[version_id]

    def loader(version_id: int) -> Callable[[], dict[str, Any]]:
        return lambda: load(version_id)

    return {slug: stored_definition(version, loader(version_id)) for slug, version_id, version in versions}


@dataclass(frozen=True)
class ServiceRating:
    slug: str
    title: dict[str, str]
    area: str
    kind: str
    rating: maturity.Rating


def definitions_of(offered: Sequence[Offered], others: Iterable[str] = ()) -> dict[str, ProcessDefinition]:
    """The current definitions of the offered services and of the processes ``others`` (facts of
    processes perhaps no longer offered): see :func:`current_definitions`."""
    return current_definitions([*(service.slug for service in offered), *others])


def service_ratings(offered: Sequence[Offered], definitions: dict[str, ProcessDefinition]) -> list[ServiceRating]:
    """The maturity of each offered service, as its current definition and the current town's
    payment set-up make it."""
    source = fees.source()
    return [ServiceRating(service.slug, service.title, service.area, service.kind,
                          maturity.rate(definitions[service.slug],
                                        service.kind == "digital" and source.pays_online(service.slug)))
            for service in offered if service.slug in definitions]


@dataclass(frozen=True)
class LevelRow:
    level: int | None
    count: int


def maturity_distribution(ratings: Sequence[ServiceRating]) -> list[LevelRow]:
    """How many offered services reach each level (0–7), and how many are external (None)."""
    counts: dict[int | None, int] = {}
    for rating in ratings:
        counts[rating.rating.level] = counts.get(rating.rating.level, 0) + 1
    return [*(LevelRow(level, counts.get(level, 0)) for level in maturity.LEVELS), LevelRow(None, counts.get(None, 0))]


# --------------------------------------------------------------------------- the outlook


def history_imported() -> bool:
    """Whether the current town has imported figures from before the platform."""
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == HISTORY_IMPORTED).limit(1)) is not None


def outlook(period: Period) -> ReportOutlook | None:
    """The outlook the current town wrote for this period's report, if any."""
    return db.session.scalar(select(ReportOutlook).where(
        ReportOutlook.period_start == period.start, ReportOutlook.period_end == period.end))


# --------------------------------------------------------------------------- one town


@dataclass(frozen=True)
class TownStatistics:
    selection: Selection
    today: date
    areas: list[AreaRow]
    new: list[NewService]
    months: list[MonthRow]
    processes: list[ProcessRow]
    month_processes: list[MonthProcessRow]
    channels: ChannelMix
    funnel: list[FunnelRow]
    drops: list[DropRow]
    times_total: TimeRow
    times: list[TimeRow]
    ages: list[AgeRow]
    fee_months: list[fees.FeeMonth]
    fee_basis: str
    ratings: list[ServiceRating]
    levels: list[LevelRow]

    @property
    def has_cases(self) -> bool:
        return any(row.total for row in self.months)


def town_statistics(selection: Selection, today: date) -> TownStatistics:
    """Every figure of the current town's statistics page and council report: a fixed number of
    statements, whatever the number of cases, processes and services."""
    town = current_tenant().id
    offered = offered_services(selection.period.end).get(town, [])
    rows = received(selection)
    started = starts(selection)
    decided = decided_in(selection)
    by_process = decisions(decided, (CaseFact.process_slug,))
    total = decisions(decided, ()).get((), NO_DECISIONS)
    definitions = definitions_of(offered, [*(slug for (slug,) in by_process), *(row[0] for row in started)])
    titles = _titles([*(row[2] for row in rows), *(row[0] for row in started)])
    times_total, times = processing_times(total, by_process, definitions)
    ratings = service_ratings(offered, definitions)
    source = fees.source()
    return TownStatistics(
        selection=selection, today=today,
        areas=services_by_area(offered), new=new_services(selection.period),
        months=cases_by_month(selection, rows), processes=cases_by_process(rows, titles),
        month_processes=cases_by_month_and_process(rows, titles),
        channels=channel_mix(selection).get(town) or no_channels(selection),
        funnel=applications(started, titles), drops=drop_off(started, definitions), times_total=times_total,
        times=times, ages=open_cases_by_age(selection, today).get(town) or age_rows({}),
        fee_months=source.collected(selection.period, selection.process), fee_basis=source.basis,
        ratings=ratings, levels=maturity_distribution(ratings),
    )


def process_choices() -> list[tuple[str, dict[str, str]]]:
    """The processes a statistics page can be narrowed to: those the town offers or has facts of."""
    # One index probe per process of the library (ix_case_fact_tenant_process), not a DISTINCT over
    # every fact of the town.
    return [(slug, title) for slug, title in db.session.execute(
        select(Process.slug, Process.title)
        .where(or_(exists().where(CaseFact.process_slug == Process.slug),
                   exists().where(ServiceOffer.process_id == Process.id)))
        .order_by(Process.slug))]


# --------------------------------------------------------------------------- across towns


@dataclass(frozen=True)
class TownRow:
    town_id: int
    digital: int
    external: int
    cases: int
    online: int
    median: float | None
    within_target: float | None
    open_cases: int
    level_three: int
    areas: dict[str, int]

    @property
    def online_share(self) -> float | None:
        return self.online / self.cases if self.cases else None

    @property
    def level_three_share(self) -> float | None:
        return self.level_three / self.digital if self.digital else None


def town_comparison(period: Period, towns: Sequence[TenantInfo], today: date) -> list[TownRow]:
    """The key figures of these towns side by side (for the platform administration), from the same
    aggregates as each town's statistics grouped by town: a fixed number of statements, whatever
    the number of towns and cases."""
    if not towns:
        return []
    ids = [town.id for town in towns]
    selection = Selection(period)
    with all_tenants_context():
        offered = offered_services(period.end, ids)
        definitions = definitions_of([service for services in offered.values() for service in services])
        channels = channel_mix(selection, ids)
        decided = decisions([*decided_in(selection), CaseFact.tenant_id.in_(ids)], (CaseFact.tenant_id,))
        ages = open_cases_by_age(selection, today, ids)
    rows = []
    for town in towns:
        services = offered.get(town.id, [])
        # Each town's payment set-up decides the payment criterion of its services.
        with tenant_context(town):
            ratings = service_ratings(services, definitions)
        areas = services_by_area(services)
        mix = channels.get(town.id) or no_channels(selection)
        figures = decided.get((town.id,), NO_DECISIONS)
        digital = sum(1 for service in services if service.kind == "digital")
        rows.append(TownRow(
            town.id, digital, len(services) - digital, mix.total,
            next((row.count for row in mix.rows if row.channel == ONLINE), 0), figures.median,
            figures.within_target, sum(age.count for age in ages.get(town.id, [])),
            sum(1 for rating in ratings if rating.rating.level == maturity.HIGHEST_DERIVED),
            {area.area: area.total for area in areas},
        ))
    return rows
