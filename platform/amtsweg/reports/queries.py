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
from sqlalchemy import Integer, Select, and_, case, cast, exists, extract, func, literal, or_, select
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
from amtsweg.tenancy.context import all_tenants_context, tenant_context
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


# --------------------------------------------------------------------------- percentiles


def _percentiles_postgresql(values: Any, fractions: Sequence[float]) -> Select[Any]:
    return select(values.c.grp, *(func.percentile_cont(p).within_group(values.c.value) for p in fractions)) \
        .group_by(values.c.grp)


def _percentiles_by_window(values: Any, fractions: Sequence[float]) -> Select[Any]:
    ranked = select(
        values.c.grp, values.c.value,
        (func.row_number().over(partition_by=values.c.grp, order_by=values.c.value) - 1).label("i"),
        func.count().over(partition_by=values.c.grp).label("n"),
    ).subquery()
    columns = []
    for fraction in fractions:
        position = (ranked.c.n - 1) * fraction
        # The cast truncates, which is the floor of a non-negative position.
        below = cast(position, Integer)
        low = func.max(case((ranked.c.i == below, ranked.c.value)))
        high = func.coalesce(func.max(case((ranked.c.i == below + 1, ranked.c.value))), low)
        columns.append(low + (high - low) * func.max(position - below))
    return select(ranked.c.grp, *columns).group_by(ranked.c.grp)


PERCENTILES: dict[str, Callable[[Any, Sequence[float]], Select[Any]]] = {"postgresql": _percentiles_postgresql}


def percentiles(values: Select[Any], fractions: Sequence[float] = FRACTIONS) -> dict[Any, tuple[float, ...]]:
    """Continuous percentiles (as ``percentile_cont``) of ``values`` — a select of the columns
    ``grp`` and ``value`` — per group: one statement."""
    subquery = values.subquery()
    build = PERCENTILES.get(db.session.get_bind().dialect.name, _percentiles_by_window)
    return {row[0]: tuple(float(v) for v in row[1:]) for row in db.session.execute(build(subquery, fractions))}


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


def services_by_area(period: Period) -> list[AreaRow]:
    """The services offered on the period's last day per area, own digital processes and links to
    external services counted apart, in the library's order of areas."""
    counts: dict[tuple[str, str], int] = {
        (area, kind): count for area, kind, count in db.session.execute(
            select(Process.category, Process.kind, func.count(func.distinct(Process.id)))
            .join(ServiceOffer, ServiceOffer.process_id == Process.id)
            .where(_offered_on(period.end)).group_by(Process.category, Process.kind))
    }
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


def cases_by_month(selection: Selection) -> list[MonthRow]:
    """Applications received per month and channel (every month of the period, empty ones too)."""
    year, month = extract("year", CaseFact.submitted_on), extract("month", CaseFact.submitted_on)
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for y, m, channel, count in _grouped(_cases_in(selection, CaseFact.submitted_on), (year, month, CaseFact.channel)):
        counts.setdefault((int(y), int(m)), {})[channel] = count
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


def _titles(slugs: Iterable[str]) -> dict[str, tuple[dict[str, str], str]]:
    wanted = set(slugs)
    if not wanted:
        return {}
    return {slug: (title, area) for slug, title, area in db.session.execute(
        select(Process.slug, Process.title, Process.category).where(Process.slug.in_(wanted)))}


def cases_by_process(selection: Selection) -> list[ProcessRow]:
    """Applications received per process and channel, the most frequent first."""
    counts: dict[str, dict[str, int]] = {}
    for slug, channel, count in _grouped(_cases_in(selection, CaseFact.submitted_on),
                                         (CaseFact.process_slug, CaseFact.channel)):
        counts.setdefault(slug, {})[channel] = count
    titles = _titles(counts)
    channels = _channels(channel for by_channel in counts.values() for channel in by_channel)
    rows = [ProcessRow(slug, *titles.get(slug, ({"de": slug}, "")),
                       {channel: by_channel.get(channel, 0) for channel in channels})
            for slug, by_channel in counts.items()]
    return sorted(rows, key=lambda row: (-row.total, row.slug))


@dataclass(frozen=True)
class MonthProcessRow:
    year: int
    month: int
    slug: str
    title: dict[str, str]
    count: int


def cases_by_month_and_process(selection: Selection) -> list[MonthProcessRow]:
    """Applications received per month and process (months and processes without any left out)."""
    year, month = extract("year", CaseFact.submitted_on), extract("month", CaseFact.submitted_on)
    rows = db.session.execute(
        select(year, month, CaseFact.process_slug, func.count()).where(*_cases_in(selection, CaseFact.submitted_on))
        .group_by(year, month, CaseFact.process_slug).order_by(year, month, func.count().desc(), CaseFact.process_slug)
    ).all()
    titles = _titles(slug for _, _, slug, _ in rows)
    return [MonthProcessRow(int(y), int(m), slug, titles.get(slug, ({"de": slug}, ""))[0], count)
            for y, m, slug, count in rows]


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


def channel_mix(selection: Selection) -> ChannelMix:
    """Applications per channel in the period and in the period of the same length before it."""
    earlier = selection.period.previous()
    in_period = CaseFact.submitted_on.between(selection.period.start, selection.period.end)
    counts = {channel: (now, before) for channel, now, before in _grouped(
        [CaseFact.submitted_on.between(earlier.start, selection.period.end),
         *_of_process(selection, CaseFact.process_slug)],
        (CaseFact.channel,), (func.count().filter(in_period), func.count().filter(~in_period)))}
    return ChannelMix([ChannelRow(c, *counts.get(c, (0, 0))) for c in _channels(counts)], earlier)


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


def applications(selection: Selection) -> list[FunnelRow]:
    """Online applications started in the period per process and how many of them were submitted."""
    rows = _grouped(_citizens_starts(selection), (ApplicationStart.process_slug,),
                    (func.count(), func.count(ApplicationStart.submitted_on)))
    titles = _titles(slug for slug, _, _ in rows)
    result = [FunnelRow(slug, titles.get(slug, ({"de": slug}, ""))[0], started, submitted)
              for slug, started, submitted in rows]
    return sorted(result, key=lambda row: (-row.started, row.slug))


def drop_off(selection: Selection) -> list[DropRow]:
    """Online applications started in the period and not submitted, per process and the step the
    citizen stopped at (abandoned or still being filled in)."""
    rows = db.session.execute(
        select(ApplicationStart.process_slug, ApplicationStart.furthest_step, func.count())
        .where(*_citizens_starts(selection), ApplicationStart.submitted_on.is_(None))
        .group_by(ApplicationStart.process_slug, ApplicationStart.furthest_step)
        .order_by(ApplicationStart.process_slug, ApplicationStart.furthest_step)
    ).all()
    definitions = current_definitions(slug for slug, _, _ in rows)
    result = []
    for slug, completed, count in rows:
        definition = definitions.get(slug)
        steps = definition.form.steps if definition is not None and definition.form is not None else []
        step_title = steps[completed].title.model_dump() if completed < len(steps) else {}
        title = definition.title.model_dump() if definition is not None else {"de": slug}
        result.append(DropRow(slug, title, completed, step_title, count))
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


def processing_times(selection: Selection) -> tuple[TimeRow, list[TimeRow]]:
    """All decisions of the period together, and per process (the most decided first)."""
    conditions = [*_cases_in(selection, CaseFact.finished_on), CaseFact.processing_days.is_not(None)]
    within = func.avg(case((CaseFact.within_target.is_(True), 1.0), (CaseFact.within_target.is_(False), 0.0)))
    counts = {slug: (decided, share) for slug, decided, share in _grouped(
        conditions, (CaseFact.process_slug,), (func.count(), within))}
    values = select(CaseFact.process_slug.label("grp"), CaseFact.processing_days.label("value")).where(*conditions)
    by_process = percentiles(values)
    overall = percentiles(select(literal("all").label("grp"), CaseFact.processing_days.label("value"))
                          .where(*conditions)).get("all")
    overall_share = db.session.execute(select(func.count(), within).where(*conditions)).one()
    definitions = current_definitions(counts)
    overrides = _processing_day_overrides(counts)
    rows = []
    for slug, (decided, share) in counts.items():
        definition = definitions.get(slug)
        median, p90 = by_process.get(slug, (None, None))
        rows.append(TimeRow(
            slug, definition.title.model_dump() if definition else {"de": slug}, decided, median, p90,
            None if share is None else float(share),
            overrides.get(slug, definition.processing_days if definition else None),
        ))
    rows.sort(key=lambda row: (-row.decided, row.slug or ""))
    median, p90 = overall or (None, None)
    total = TimeRow(None, {}, overall_share[0], median, p90,
                    None if overall_share[1] is None else float(overall_share[1]), None)
    return total, rows


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


def open_cases_by_age(selection: Selection, today: date) -> list[AgeRow]:
    """Cases not finished today, by days since submission (every band, empty ones too)."""
    bounds: list[tuple[int, int | None]] = []
    low = 0
    for high in AGE_BANDS:
        bounds.append((low, high))
        low = (high or 0) + 1
    band = case(*((CaseFact.submitted_on >= today - timedelta(days=high), index)
                  for index, (_, high) in enumerate(bounds) if high is not None), else_=len(bounds) - 1)
    counts = dict(_grouped([CaseFact.finished_on.is_(None), *_of_process(selection, CaseFact.process_slug)], (band,)))
    return [AgeRow(low, high, counts.get(index, 0)) for index, (low, high) in enumerate(bounds)]


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


def _offered_versions(day: date) -> Select[Any]:
    return (select(Process.slug, ProcessVersion.id, ProcessVersion.version, Process.title, Process.category,
                   Process.kind)
            .join(ProcessVersion, ProcessVersion.id == Process.current_version_id)
            .where(Process.id.in_(select(ServiceOffer.process_id).where(_offered_on(day))))
            .order_by(Process.category, Process.slug))


def service_ratings(period: Period) -> list[ServiceRating]:
    """The maturity of each service offered on the period's last day, as its current definition
    and the town's payment set-up make it."""
    rows = db.session.execute(_offered_versions(period.end)).all()
    definitions = _parsed([(slug, version_id, version) for slug, version_id, version, *_ in rows])
    source = fees.source()
    return [ServiceRating(slug, title, area, kind,
                          maturity.rate(definitions[slug], kind == "digital" and source.pays_online(slug)))
            for slug, _, _, title, area, kind in rows]


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
    """Every figure of the current town's statistics page and council report."""
    times_total, times = processing_times(selection)
    ratings = service_ratings(selection.period)
    source = fees.source()
    return TownStatistics(
        selection=selection, today=today,
        areas=services_by_area(selection.period), new=new_services(selection.period),
        months=cases_by_month(selection), processes=cases_by_process(selection),
        month_processes=cases_by_month_and_process(selection), channels=channel_mix(selection),
        funnel=applications(selection), drops=drop_off(selection), times_total=times_total, times=times,
        ages=open_cases_by_age(selection, today),
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


def town_comparison(period: Period, towns: Sequence[TenantInfo]) -> list[TownRow]:
    """The key figures of these towns side by side (for the platform administration): a fixed
    number of statements grouped by town, whatever the number of towns and cases."""
    if not towns:
        return []
    ids = [town.id for town in towns]
    with all_tenants_context():
        figures = _comparison(period, ids)
    source = fees.source()
    rows = []
    for town in towns:
        # Each town's payment set-up decides the payment criterion of its services.
        with tenant_context(town):
            level_three = sum(
                1 for slug in figures.digital.get(town.id, ())
                if maturity.rate(figures.definitions[slug], source.pays_online(slug)).level == maturity.HIGHEST_DERIVED
            )
        total, online = figures.cases.get(town.id, (0, 0))
        share = figures.within.get(town.id)
        rows.append(TownRow(
            town.id, len(figures.digital.get(town.id, ())), figures.external.get(town.id, 0), total, online,
            figures.medians.get(town.id, (None,))[0], None if share is None else float(share),
            figures.open_cases.get(town.id, 0), level_three, figures.areas.get(town.id, {}),
        ))
    return rows


@dataclass(frozen=True)
class _Figures:
    digital: dict[int, list[str]]
    external: dict[int, int]
    areas: dict[int, dict[str, int]]
    definitions: dict[str, ProcessDefinition]
    cases: dict[int, tuple[int, int]]
    medians: dict[Any, tuple[float, ...]]
    within: dict[int, Any]
    open_cases: dict[int, int]


def _comparison(period: Period, ids: list[int]) -> _Figures:
    digital: dict[int, list[str]] = {}
    external: dict[int, int] = {}
    areas: dict[int, dict[str, int]] = {}
    for town, slug, area, kind in db.session.execute(
        select(ServiceOffer.tenant_id, Process.slug, Process.category, Process.kind)
        .join(Process, Process.id == ServiceOffer.process_id)
        .where(ServiceOffer.tenant_id.in_(ids), _offered_on(period.end))
    ):
        if kind == "digital":
            digital.setdefault(town, []).append(slug)
        else:
            external[town] = external.get(town, 0) + 1
        areas.setdefault(town, {})[area] = areas.get(town, {}).get(area, 0) + 1
    in_period = CaseFact.submitted_on.between(period.start, period.end)
    cases = {town: (total, online) for town, total, online in db.session.execute(
        select(CaseFact.tenant_id, func.count(), func.count().filter(CaseFact.channel == ONLINE))
        .where(CaseFact.tenant_id.in_(ids), in_period).group_by(CaseFact.tenant_id))}
    decided = [CaseFact.tenant_id.in_(ids), CaseFact.finished_on.between(period.start, period.end),
               CaseFact.processing_days.is_not(None)]
    within = dict(db.session.execute(
        select(CaseFact.tenant_id, func.avg(case((CaseFact.within_target.is_(True), 1.0),
                                                 (CaseFact.within_target.is_(False), 0.0))))
        .where(*decided).group_by(CaseFact.tenant_id)).tuples().all())
    open_cases = dict(db.session.execute(
        select(CaseFact.tenant_id, func.count()).where(CaseFact.tenant_id.in_(ids), CaseFact.finished_on.is_(None))
        .group_by(CaseFact.tenant_id)).tuples().all())
    return _Figures(
        digital, external, areas, current_definitions({slug for slugs in digital.values() for slug in slugs}),
        cases, percentiles(select(CaseFact.tenant_id.label("grp"), CaseFact.processing_days.label("value"))
                           .where(*decided), (0.5,)),
        within, open_cases,
    )
