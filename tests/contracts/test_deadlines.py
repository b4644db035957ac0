"""Notice deadlines: German clause parsing, real-world contracts, and invariants over generated terms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from amtsweg.contracts.deadlines import (
    Anchor,
    ContractTerms,
    Deadline,
    InvalidTermsError,
    NoticePeriod,
    Period,
    PeriodParseError,
    PeriodUnit,
    end_after_notice,
    next_deadline,
    parse_notice_period,
    parse_period,
    term_end,
    upcoming_deadlines,
    validate_terms,
)
from hypothesis import assume, given
from hypothesis import strategies as st

D = date
DAYS, WEEKS, MONTHS, YEARS = PeriodUnit.DAYS, PeriodUnit.WEEKS, PeriodUnit.MONTHS, PeriodUnit.YEARS


def terms(
    start: date,
    end: date | None = None,
    minimum_term: str | None = None,
    notice: str | None = None,
    renewal: str | None = None,
) -> ContractTerms:
    """Contract terms written the way a clerk copies them from the contract."""
    return ContractTerms(
        start=start,
        end=end,
        minimum_term=parse_period(minimum_term) if minimum_term else None,
        notice=parse_notice_period(notice) if notice else None,
        renewal=parse_period(renewal) if renewal else None,
    )


# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 Monate", Period(3, MONTHS)),
        ("1 Monat", Period(1, MONTHS)),
        ("6 Wochen", Period(6, WEEKS)),
        ("14 Tage", Period(14, DAYS)),
        ("1 Jahr", Period(1, YEARS)),
        ("2 Jahre", Period(2, YEARS)),
        ("drei Monate", Period(3, MONTHS)),
        ("ZWÖLF MONATE", Period(12, MONTHS)),
        ("  24   monate ", Period(24, MONTHS)),
        ("einem Monat", Period(1, MONTHS)),
        ("sechs Wochen", Period(6, WEEKS)),
        ("vierzehn Tagen", Period(14, DAYS)),
        ("ein Jahr.", Period(1, YEARS)),
    ],
)
def test_parse_period_reads_german_durations(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 Monate zum Jahresende", NoticePeriod(Period(3, MONTHS), Anchor.YEAR_END)),
        ("6 Wochen zum Quartalsende", NoticePeriod(Period(6, WEEKS), Anchor.QUARTER_END)),
        ("1 Monat zum Monatsende", NoticePeriod(Period(1, MONTHS), Anchor.MONTH_END)),
        ("3 Monate", NoticePeriod(Period(3, MONTHS))),
        ("14 Tage", NoticePeriod(Period(14, DAYS))),
        ("drei Monate zum Ende eines Kalendermonats", NoticePeriod(Period(3, MONTHS), Anchor.MONTH_END)),
        ("6 Wochen zum Ende eines Kalendervierteljahres", NoticePeriod(Period(6, WEEKS), Anchor.QUARTER_END)),
        ("3 Monate zum Ende des Kalenderjahres", NoticePeriod(Period(3, MONTHS), Anchor.YEAR_END)),
        ("3 Monate zum Vertragsende", NoticePeriod(Period(3, MONTHS), Anchor.TERM_END)),
        ("3 Monate zum Ablauf", NoticePeriod(Period(3, MONTHS), Anchor.TERM_END)),
        ("Drei Monate vor Ablauf der Vertragslaufzeit", NoticePeriod(Period(3, MONTHS), Anchor.TERM_END)),
        ("3 MONATE ZUM JAHRESENDE", NoticePeriod(Period(3, MONTHS), Anchor.YEAR_END)),
    ],
)
def test_parse_notice_period_reads_period_and_anchor(text: str, expected: NoticePeriod) -> None:
    assert parse_notice_period(text) == expected


def test_unknown_notice_clause_is_reported_in_german_with_the_text_and_an_example() -> None:
    with pytest.raises(PeriodParseError) as error:
        parse_notice_period("drei Wochen zum Mondende")
    assert str(error.value) == (
        "Kündigungsfrist „drei Wochen zum Mondende“ nicht verstanden – Beispiel: „3 Monate zum Jahresende“"
    )
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize("text", ["", "Monate", "0 Monate", "3 Stunden", "drei", "viele Monate", "3 Monate zum"])
def test_parse_notice_period_rejects_text_without_a_valid_period(text: str) -> None:
    with pytest.raises(PeriodParseError, match="nicht verstanden"):
        parse_notice_period(text)


def test_parse_period_rejects_an_anchor_and_names_the_text() -> None:
    with pytest.raises(PeriodParseError) as error:
        parse_period("3 Monate zum Jahresende")
    assert str(error.value) == "Zeitraum „3 Monate zum Jahresende“ nicht verstanden – Beispiel: „12 Monate“"


def test_period_must_be_at_least_one_unit_long() -> None:
    with pytest.raises(ValueError, match="mindestens 1 Monat"):
        Period(0, MONTHS)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Period(1, MONTHS), "1 Monat"),
        (Period(14, DAYS), "14 Tage"),
        (NoticePeriod(Period(1, WEEKS), Anchor.QUARTER_END), "1 Woche zum Quartalsende"),
        (NoticePeriod(Period(2, YEARS), Anchor.TERM_END), "2 Jahre zum Vertragsende"),
    ],
)
def test_periods_print_as_german_clauses(value: Period | NoticePeriod, text: str) -> None:
    assert str(value) == text


periods = st.builds(Period, count=st.integers(1, 400), unit=st.sampled_from(PeriodUnit))
notice_periods = st.builds(NoticePeriod, period=periods, anchor=st.none() | st.sampled_from(Anchor))


@given(periods)
def test_period_survives_printing_and_parsing_in_any_case(period: Period) -> None:
    assert parse_period(str(period)) == period
    assert parse_period(str(period).upper()) == period


@given(notice_periods)
def test_notice_period_survives_printing_and_parsing(notice: NoticePeriod) -> None:
    assert parse_notice_period(str(notice)) == notice
    assert parse_notice_period(str(notice).lower()) == notice


# --- term arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "period", "last_day"),
    [
        (D(2024, 1, 1), "12 Monate", D(2024, 12, 31)),
        (D(2024, 7, 1), "1 Jahr", D(2025, 6, 30)),
        (D(2023, 1, 31), "1 Monat", D(2023, 2, 28)),
        (D(2024, 1, 31), "1 Monat", D(2024, 2, 29)),
        (D(2024, 1, 30), "1 Monat", D(2024, 2, 29)),
        (D(2024, 3, 31), "1 Monat", D(2024, 4, 30)),
        (D(2024, 2, 29), "1 Jahr", D(2025, 2, 28)),
        (D(2023, 3, 1), "1 Jahr", D(2024, 2, 29)),
        (D(2024, 1, 15), "14 Tage", D(2024, 1, 28)),
        (D(2024, 1, 1), "6 Wochen", D(2024, 2, 11)),
    ],
)
def test_term_end_is_last_day_of_the_term_per_bgb_188(start: date, period: str, last_day: date) -> None:
    assert term_end(start, parse_period(period)) == last_day


# --- real-world clauses -------------------------------------------------------------------------

WARTUNG = terms(D(2024, 1, 1), minimum_term="12 Monate", renewal="12 Monate", notice="3 Monate zum Vertragsende")
GARAGE = terms(D(2020, 4, 1), notice="3 Monate zum Monatsende")
VERSICHERUNG = terms(D(2023, 7, 1), end=D(2024, 6, 30), renewal="1 Jahr", notice="3 Monate zum Ablauf")
SOFTWARE = terms(D(2024, 3, 1), minimum_term="24 Monate", notice="1 Monat zum Monatsende")
STROM = terms(D(2022, 1, 1), notice="6 Wochen zum Quartalsende")
LEASING_29_FEB = terms(D(2024, 2, 29), minimum_term="1 Jahr", renewal="1 Jahr", notice="1 Monat zum Vertragsende")
PROBEABO_31_JAN = terms(D(2024, 1, 31), minimum_term="1 Monat", renewal="1 Monat", notice="14 Tage zum Vertragsende")
BERATUNG = terms(D(2025, 1, 1), end=D(2025, 12, 31))
SCHULBUS = terms(D(2025, 1, 1), end=D(2025, 12, 31), notice="3 Monate zum Vertragsende")
REINIGUNG = terms(D(2025, 1, 1), end=D(2027, 12, 31), notice="6 Monate zum Jahresende")
KOPIERER = terms(D(2021, 7, 1), end=D(2026, 6, 30), renewal="12 Monate", notice="6 Monate zum Vertragsende")
INTERNET = terms(D(2024, 5, 15), minimum_term="24 Monate", notice="1 Monat")
AUFZUG = terms(D(2024, 1, 1), end=D(2024, 12, 31), renewal="1 Jahr", notice="drei Monate zum Ende des Kalenderjahres")
ZEITSCHRIFT = terms(D(2024, 4, 1), minimum_term="1 Jahr", renewal="1 Jahr", notice="6 Wochen zum Ablauf")
PARKPLATZ = terms(D(2025, 1, 1), minimum_term="1 Monat", renewal="1 Monat")
KOOPERATION = terms(D(2020, 1, 1))
STROM_AB_2026 = terms(D(2026, 1, 1), notice="6 Wochen zum Quartalsende")


@pytest.mark.parametrize(
    ("contract", "today", "expected"),
    [
        pytest.param(WARTUNG, D(2024, 5, 10), Deadline(D(2024, 9, 30), D(2024, 12, 31)), id="wartung-first-term"),
        pytest.param(WARTUNG, D(2024, 9, 30), Deadline(D(2024, 9, 30), D(2024, 12, 31)), id="wartung-last-day"),
        pytest.param(WARTUNG, D(2024, 10, 1), Deadline(D(2025, 9, 30), D(2025, 12, 31)), id="wartung-renewed"),
        pytest.param(GARAGE, D(2025, 3, 15), Deadline(D(2025, 3, 31), D(2025, 6, 30)), id="garage-monatsende"),
        pytest.param(VERSICHERUNG, D(2024, 3, 31), Deadline(D(2024, 3, 31), D(2024, 6, 30)), id="versicherung"),
        pytest.param(VERSICHERUNG, D(2024, 4, 1), Deadline(D(2025, 3, 31), D(2025, 6, 30)), id="versicherung-late"),
        pytest.param(SOFTWARE, D(2024, 6, 1), Deadline(D(2026, 1, 31), D(2026, 2, 28)), id="software-minimum"),
        pytest.param(SOFTWARE, D(2026, 2, 1), Deadline(D(2026, 2, 28), D(2026, 3, 31)), id="software-monthly"),
        pytest.param(STROM, D(2025, 2, 15), Deadline(D(2025, 2, 17), D(2025, 3, 31)), id="strom-quartal"),
        pytest.param(STROM, D(2025, 2, 18), Deadline(D(2025, 5, 19), D(2025, 6, 30)), id="strom-next-quartal"),
        pytest.param(STROM_AB_2026, D(2025, 11, 1), Deadline(D(2026, 2, 17), D(2026, 3, 31)), id="not-started"),
        pytest.param(LEASING_29_FEB, D(2024, 12, 1), Deadline(D(2025, 1, 31), D(2025, 2, 28)), id="leap-start"),
        pytest.param(LEASING_29_FEB, D(2025, 2, 1), Deadline(D(2026, 1, 31), D(2026, 2, 28)), id="leap-renewed"),
        pytest.param(PROBEABO_31_JAN, D(2024, 2, 10), Deadline(D(2024, 2, 15), D(2024, 2, 29)), id="31-jan"),
        pytest.param(PROBEABO_31_JAN, D(2024, 2, 16), Deadline(D(2024, 3, 17), D(2024, 3, 31)), id="31-jan-renewed"),
        pytest.param(BERATUNG, D(2025, 6, 1), Deadline(None, D(2025, 12, 31)), id="fixed-no-notice"),
        pytest.param(BERATUNG, D(2026, 1, 1), None, id="fixed-expired"),
        pytest.param(SCHULBUS, D(2025, 6, 1), Deadline(D(2025, 9, 30), D(2025, 12, 31)), id="fixed-with-notice"),
        pytest.param(SCHULBUS, D(2025, 10, 1), Deadline(None, D(2025, 12, 31)), id="fixed-notice-passed"),
        pytest.param(REINIGUNG, D(2025, 3, 1), Deadline(D(2025, 6, 30), D(2025, 12, 31)), id="fixed-early-end"),
        pytest.param(REINIGUNG, D(2027, 6, 30), Deadline(D(2027, 6, 30), D(2027, 12, 31)), id="fixed-final-year"),
        pytest.param(REINIGUNG, D(2027, 7, 1), Deadline(None, D(2027, 12, 31)), id="fixed-runs-out"),
        pytest.param(KOPIERER, D(2025, 12, 31), Deadline(D(2025, 12, 31), D(2026, 6, 30)), id="kopierer"),
        pytest.param(KOPIERER, D(2026, 1, 1), Deadline(D(2026, 12, 31), D(2027, 6, 30)), id="kopierer-renewed"),
        pytest.param(INTERNET, D(2025, 1, 1), Deadline(D(2026, 4, 14), D(2026, 5, 14)), id="internet-minimum"),
        pytest.param(INTERNET, D(2026, 6, 10), Deadline(D(2026, 6, 10), D(2026, 7, 10)), id="internet-monthly"),
        pytest.param(AUFZUG, D(2024, 10, 5), Deadline(D(2025, 9, 30), D(2025, 12, 31)), id="aufzug-jahresende"),
        pytest.param(ZEITSCHRIFT, D(2025, 1, 1), Deadline(D(2025, 2, 17), D(2025, 3, 31)), id="zeitschrift"),
        pytest.param(PARKPLATZ, D(2025, 3, 10), Deadline(D(2025, 3, 31), D(2025, 3, 31)), id="renewal-no-notice"),
        pytest.param(KOOPERATION, D(2025, 3, 10), None, id="open-ended-no-notice"),
    ],
)
def test_next_deadline_of_real_world_clauses(contract: ContractTerms, today: date, expected: Deadline | None) -> None:
    assert next_deadline(contract, today) == expected


@pytest.mark.parametrize(
    ("contract", "received_on", "last_day"),
    [
        (terms(D(2020, 1, 1), notice="1 Monat"), D(2025, 3, 31), D(2025, 4, 30)),
        (terms(D(2020, 1, 1), notice="1 Monat zum Monatsende"), D(2025, 3, 31), D(2025, 4, 30)),
        (terms(D(2020, 1, 1), notice="1 Monat zum Monatsende"), D(2025, 4, 1), D(2025, 5, 31)),
        (terms(D(2020, 1, 1), notice="3 Monate zum Jahresende"), D(2025, 9, 30), D(2025, 12, 31)),
        (terms(D(2020, 1, 1), notice="3 Monate zum Jahresende"), D(2025, 10, 1), D(2026, 12, 31)),
        (SCHULBUS, D(2025, 11, 1), D(2025, 12, 31)),
        (SCHULBUS, D(2026, 1, 2), None),
    ],
)
def test_end_after_notice_gives_the_last_day_of_the_contract(
    contract: ContractTerms, received_on: date, last_day: date | None
) -> None:
    assert end_after_notice(contract, received_on) == last_day


def test_upcoming_deadlines_lists_each_renewal_within_the_horizon() -> None:
    assert upcoming_deadlines(WARTUNG, D(2024, 1, 1), horizon_days=700) == [
        Deadline(D(2024, 9, 30), D(2024, 12, 31)),
        Deadline(D(2025, 9, 30), D(2025, 12, 31)),
    ]


def test_upcoming_deadlines_lists_each_quarter_for_a_quarterly_notice() -> None:
    assert [deadline.ends_on for deadline in upcoming_deadlines(STROM, D(2025, 1, 1), horizon_days=240)] == [
        D(2025, 3, 31),
        D(2025, 6, 30),
        D(2025, 9, 30),
    ]


def test_upcoming_deadlines_include_the_notice_day_for_a_fixed_end_but_not_the_expiry() -> None:
    assert upcoming_deadlines(SCHULBUS, D(2025, 1, 1), horizon_days=365) == [Deadline(D(2025, 9, 30), D(2025, 12, 31))]
    assert upcoming_deadlines(BERATUNG, D(2025, 1, 1), horizon_days=365) == []


def test_contract_ending_any_day_after_a_plain_notice_period_needs_no_reminders() -> None:
    assert upcoming_deadlines(INTERNET, D(2026, 6, 1), horizon_days=90) == []


def test_upcoming_deadlines_refuses_a_negative_horizon() -> None:
    with pytest.raises(ValueError, match="horizon_days"):
        upcoming_deadlines(WARTUNG, D(2024, 1, 1), horizon_days=-1)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "problem"),
    [
        (
            terms(D(2025, 1, 1), end=D(2024, 12, 31)),
            "Das Vertragsende 31.12.2024 liegt vor dem Vertragsbeginn 01.01.2025.",
        ),
        (
            terms(D(2025, 1, 1), end=D(2025, 6, 30), minimum_term="12 Monate"),
            "Das Vertragsende 30.06.2025 liegt vor dem Ende der Mindestlaufzeit von 12 Monate am 31.12.2025.",
        ),
        (
            terms(D(2025, 1, 1), renewal="12 Monate", notice="3 Monate zum Vertragsende"),
            "Eine automatische Verlängerung braucht ein Vertragsende oder eine Mindestlaufzeit, an die sie anschließt.",
        ),
        (
            terms(D(2025, 1, 1), minimum_term="24 Monate", notice="3 Monate zum Vertragsende"),
            "Eine Kündigung „zum Vertragsende“ braucht ein Vertragsende oder eine automatische Verlängerung.",
        ),
        (
            terms(D(2025, 1, 1), end=D(2025, 3, 31), notice="6 Monate zum Vertragsende"),
            "Die Kündigungsfrist von 6 Monate ist länger als die Laufzeit vom 01.01.2025 bis 31.03.2025.",
        ),
        (
            terms(D(2025, 1, 1), minimum_term="12 Monate", renewal="1 Monat", notice="3 Monate zum Vertragsende"),
            "Die Kündigungsfrist von 3 Monate ist länger als die Verlängerung um 1 Monat.",
        ),
        (
            terms(D(2024, 7, 1), end=D(2025, 6, 30), renewal="1 Jahr", notice="3 Monate zum Jahresende"),
            "Die erste Laufzeit endet am 30.06.2025 und damit nicht zum Jahresende; bei automatischer "
            "Verlängerung kann nur zum Ende einer Laufzeit gekündigt werden.",
        ),
        (
            terms(D(2025, 1, 1), end=D(2025, 12, 31), renewal="6 Monate", notice="3 Monate zum Jahresende"),
            "Eine Verlängerung um 6 Monate endet nicht jeweils zum Jahresende.",
        ),
        (
            terms(D(2025, 1, 1), end=D(2025, 3, 31), renewal="6 Wochen", notice="1 Monat zum Quartalsende"),
            "Eine Verlängerung um 6 Wochen endet nicht jeweils zum Quartalsende.",
        ),
    ],
)
def test_validate_terms_explains_impossible_terms_in_german(contract: ContractTerms, problem: str) -> None:
    assert validate_terms(contract) == [problem]


@pytest.mark.parametrize(
    "contract",
    [WARTUNG, GARAGE, VERSICHERUNG, SOFTWARE, STROM, LEASING_29_FEB, PROBEABO_31_JAN, REINIGUNG, AUFZUG],
)
def test_validate_terms_accepts_real_world_contracts(contract: ContractTerms) -> None:
    assert validate_terms(contract) == []


def test_next_deadline_refuses_contradicting_terms_with_the_problems() -> None:
    contract = terms(D(2025, 1, 1), end=D(2024, 12, 31))
    with pytest.raises(InvalidTermsError) as error:
        next_deadline(contract, D(2025, 1, 1))
    assert error.value.problems == validate_terms(contract)


# --- invariants over generated terms ------------------------------------------------------------

term_periods = st.one_of(
    st.builds(Period, st.integers(1, 90), st.just(DAYS)),
    st.builds(Period, st.integers(1, 26), st.just(WEEKS)),
    st.builds(Period, st.integers(1, 36), st.just(MONTHS)),
    st.builds(Period, st.integers(1, 5), st.just(YEARS)),
)
notice_lengths = st.one_of(
    st.builds(Period, st.integers(1, 60), st.just(DAYS)),
    st.builds(Period, st.integers(1, 12), st.just(WEEKS)),
    st.builds(Period, st.integers(1, 12), st.just(MONTHS)),
)
notice_clauses = st.builds(NoticePeriod, notice_lengths, st.none() | st.sampled_from(Anchor))
calendar_anchors = (Anchor.MONTH_END, Anchor.QUARTER_END, Anchor.YEAR_END)
calendar_notice_clauses = st.builds(NoticePeriod, notice_lengths, st.sampled_from(calendar_anchors))
optional_notice_clauses = st.none() | notice_clauses


CONTRACT_KINDS = ("fixed", "renewing", "open-ended")


@st.composite
def contracts(
    draw: st.DrawFn,
    kinds: tuple[str, ...] = CONTRACT_KINDS,
    notices: st.SearchStrategy[NoticePeriod | None] = optional_notice_clauses,
) -> ContractTerms:
    """Consistent contract terms; starting on the 1st often, so calendar anchors and renewals can meet."""
    kind = draw(st.sampled_from(kinds))
    start = draw(st.dates(D(2000, 1, 1), D(2040, 12, 31)))
    if draw(st.booleans()):
        start = start.replace(day=1)
    fixed_ends = st.integers(0, 3650).map(lambda days: start + timedelta(days=days)) | term_periods.map(
        lambda period: term_end(start, period)
    )
    minimum_term = draw(st.none() | term_periods)
    if kind == "fixed":
        end = draw(fixed_ends)
    elif kind == "renewing" and minimum_term is not None:
        end = draw(st.none() | fixed_ends)
    elif kind == "renewing":
        end = draw(fixed_ends)
    else:
        end = None
    contract = ContractTerms(
        start=start,
        end=end,
        minimum_term=minimum_term,
        notice=draw(notices),
        renewal=draw(term_periods) if kind == "renewing" else None,
    )
    assume(not validate_terms(contract))
    return contract


days_after_start = st.integers(-400, 4000)


def deadline_on(contract: ContractTerms, offset: int) -> tuple[date, Deadline]:
    today = contract.start + timedelta(days=offset)
    deadline = next_deadline(contract, today)
    assume(deadline is not None)
    assert deadline is not None
    return today, deadline


@given(contracts(), days_after_start)
def test_deadline_lies_between_today_and_the_end(contract: ContractTerms, offset: int) -> None:
    today, deadline = deadline_on(contract, offset)
    assert today <= deadline.ends_on
    if deadline.notice_by is not None:
        assert today <= deadline.notice_by <= deadline.ends_on


@given(contracts(), days_after_start)
def test_notice_period_has_run_by_the_end(contract: ContractTerms, offset: int) -> None:
    _, deadline = deadline_on(contract, offset)
    if deadline.notice_by is not None and contract.notice is not None:
        assert deadline.notice_by + contract.notice.period.delta <= deadline.ends_on


@given(contracts(), days_after_start)
def test_contract_never_ends_before_start_or_minimum_term(contract: ContractTerms, offset: int) -> None:
    _, deadline = deadline_on(contract, offset)
    assert deadline.ends_on >= contract.start
    if contract.minimum_term is not None:
        assert deadline.ends_on >= term_end(contract.start, contract.minimum_term)


@given(contracts(notices=calendar_notice_clauses), days_after_start)
def test_anchored_notice_ends_on_a_month_quarter_or_year_end(contract: ContractTerms, offset: int) -> None:
    _, deadline = deadline_on(contract, offset)
    assert contract.notice is not None
    anchor, ends_on = contract.notice.anchor, deadline.ends_on
    if deadline.notice_by is None:
        # Only a fixed end that no notice can reach any more may lie off the anchor.
        assert ends_on == contract.expiry
        return
    assert (ends_on + timedelta(days=1)).day == 1
    if anchor in (Anchor.QUARTER_END, Anchor.YEAR_END):
        assert ends_on.month % 3 == 0
    if anchor is Anchor.YEAR_END:
        assert ends_on.month == 12


@given(contracts(kinds=("fixed",)), days_after_start)
def test_fixed_contract_without_renewal_ends_by_its_end_date(contract: ContractTerms, offset: int) -> None:
    assert contract.end is not None
    today = contract.start + timedelta(days=offset)
    deadline = next_deadline(contract, today)
    if today > contract.end:
        assert deadline is None
    else:
        assert deadline is not None
        assert deadline.ends_on <= contract.end


@given(contracts(kinds=("renewing",)), days_after_start)
def test_renewing_contract_always_has_a_next_deadline_on_a_term_end(contract: ContractTerms, offset: int) -> None:
    assert contract.renewal is not None
    deadline = next_deadline(contract, contract.start + timedelta(days=offset))
    assert deadline is not None
    assert deadline.notice_by is not None
    assert deadline.ends_on in _term_ends_until(contract, deadline.ends_on)


def _term_ends_until(contract: ContractTerms, last: date) -> list[date]:
    """Ends of the first term and of each renewal term, which starts the day after the previous one."""
    assert contract.renewal is not None and contract.first_term_end is not None
    ends, end = [], contract.first_term_end
    while end <= last:
        ends.append(end)
        end = term_end(end + timedelta(days=1), contract.renewal)
    return ends


@given(contracts(), days_after_start)
def test_notice_received_on_the_deadline_ends_the_contract_then_and_a_day_later_does_not(
    contract: ContractTerms, offset: int
) -> None:
    _, deadline = deadline_on(contract, offset)
    assume(deadline.notice_by is not None)
    assert deadline.notice_by is not None
    assert end_after_notice(contract, deadline.notice_by) == deadline.ends_on
    too_late = end_after_notice(contract, deadline.notice_by + timedelta(days=1))
    if contract.expiry is None:
        assert too_late is not None
        assert too_late > deadline.ends_on
    else:
        assert too_late is not None
        assert too_late <= contract.expiry


@given(contracts(), days_after_start, st.integers(0, 800))
def test_deadline_only_moves_forward_as_days_pass(contract: ContractTerms, offset: int, wait: int) -> None:
    today, earlier = deadline_on(contract, offset)
    later = next_deadline(contract, today + timedelta(days=wait))
    if later is None:
        return
    assert earlier.ends_on <= later.ends_on
    if earlier.notice_by is not None and later.notice_by is not None:
        assert earlier.notice_by <= later.notice_by


@given(contracts(), days_after_start)
def test_upcoming_deadlines_start_with_the_next_one_and_advance(contract: ContractTerms, offset: int) -> None:
    today = contract.start + timedelta(days=offset)
    horizon = 800
    upcoming = upcoming_deadlines(contract, today, horizon)
    if upcoming:
        assert upcoming[0] == next_deadline(contract, today)
    for deadline in upcoming:
        assert deadline.notice_by is not None
        assert today <= deadline.notice_by <= today + timedelta(days=horizon)
    assert [d.ends_on for d in upcoming] == sorted({d.ends_on for d in upcoming})
