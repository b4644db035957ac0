"""Demo data for development: a handful of cases and contracts per town, made through the real services.

Every case is submitted like an application received by the office (valid answers through the
submission core) and moved through its workflow by the workflow engine; contracts
go through the contract service. Each demo case has a fixed submission key and each demo contract
a fixed title per town, so seeding again (also after an interrupted run) creates nothing twice.

For the statistics and the council report, each town also gets a year of earlier cases through the
statistics' history import (anonymous figures, as a town brings them from the system it used
before): applications through every channel with the share online rising over the year, their
processing times, online applications started and abandoned, and the days its services went
online. The import is recorded in the audit trail, so it, too, happens once.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from amtsweg.auth.models import User
from amtsweg.cases import services as case_services
from amtsweg.cases.assessment import assess
from amtsweg.cases.deadlines import add_working_days, initial_due_date
from amtsweg.cases.models import Case
from amtsweg.cases.queries import case_by_idempotency_key
from amtsweg.cases.search import CaseSearchTerm, terms_of
from amtsweg.cases.workflow import Actor, perform
from amtsweg.clock import today_in_germany, utcnow
from amtsweg.contracts.models import Contract
from amtsweg.contracts.services import ContractInput, create_contract
from amtsweg.extensions import db
from amtsweg.forms.validation import validate_answers
from amtsweg.processes.models import Process, ProcessEnablement
from amtsweg.processes.queries import EnabledProcess, enabled_process
from amtsweg.processes.sample_answers import valid_answers
from amtsweg.reports import queries as report_queries
from amtsweg.reports.services import HistoricCase, HistoricStart, import_history, record_missing_facts
from amtsweg.tenancy import current_tenant
from amtsweg.text import fold

# Who the demo's workflow steps and contracts are recorded as in the audit log and the histories.
DEMO_CLERK = Actor("Demo-Sachbearbeitung", ("clerk",))
# Processes every town offers and whose forms need no upload, in order of preference.
PROCESSES = ("hundesteuer-anmelden", "hundesteuer-abmelden", "fundsache-verlust-melden")


@dataclass(frozen=True)
class DemoCase:
    """One fictional application and the workflow steps (transition, text for the citizen) applied to it.

    ``details`` are the answers beyond name, address and e-mail; a ``timedelta`` stands for the day
    that long before the application arrived.
    """

    given_name: str
    family_name: str
    street: str
    house_number: str
    days_ago: int
    process: str
    details: dict[str, Any]
    steps: tuple[tuple[str, str], ...] = ()
    channel: str = "online"


def _dog(name: str, breed: str, sex: str, colour: str) -> dict[str, Any]:
    return {"hunde": [{"name": name, "rasse": breed, "geschlecht": sex, "farbe": colour,
                       "geburtsdatum_hund": "2021-04-18", "gehalten_seit": "2021-07-01", "gefaehrlich": False}],
            "bemerkungen": f"{name} stammt aus dem Tierheim."}


CASES = (
    DemoCase("Jonas", "Weber", "Lindenstraße", "12", 1, "hundesteuer-anmelden",
             {"geburtsdatum": "1988-02-14", **_dog("Balu", "Berner Sennenhund", "ruede", "dreifarbig")}),
    DemoCase("Aylin", "Demir", "Am Hohlen Weg", "4a", 3, "fundsache-verlust-melden",
             {"verlustdatum": timedelta(days=1), "verlustzeit": "gegen 17 Uhr", "verlustort_art": "bus_bahn",
              "buslinie": "Linie 50",
              "verlustort": "Zwischen Bahnhof und Rathaus",
              "gegenstaende": [{"kategorie": "geldboerse", "beschreibung": "Braune Lederbörse mit Bankkarte"}]},
             (("start", ""),)),
    # Submitted long ago and still in progress: overdue in the queue.
    DemoCase("Klaus", "Hofmann", "Feldbergstraße", "27", 45, "hundesteuer-anmelden",
             {"geburtsdatum": "1961-09-03", **_dog("Emma", "Dackel", "huendin", "rotbraun")}, (("start", ""),),
             channel="phone"),
    DemoCase("Marie", "Schäfer", "Schulstraße", "8", 30, "fundsache-verlust-melden",
             {"verlustdatum": timedelta(days=2), "verlustzeit": "am Abend", "verlustort_art": "veranstaltung",
              "verlustort": "Weihnachtsmarkt auf dem Marktplatz",
              "gegenstaende": [{"kategorie": "schluessel", "beschreibung": "Schlüsselbund mit rotem Anhänger"}]},
             (("start", ""),)),
    DemoCase("Tobias", "Becker", "Kirchgasse", "3", 9, "hundesteuer-abmelden",
             {"name_hund": "Luna", "grund": "tod", "datum": timedelta(days=5), "marke_verbleib": "post"}, (
                 ("start", ""),
                 ("request_information", "Bitte senden Sie uns noch die Bescheinigung der Tierarztpraxis."),
             )),
    DemoCase("Sabine", "Krüger", "Gartenweg", "15", 20, "hundesteuer-anmelden",
             {"geburtsdatum": "1979-11-30", **_dog("Paula", "Labrador-Mischling", "huendin", "schwarz")}, (
                 ("start", ""),
                 ("approve", "Ihr Hund ist ab dem kommenden Monat zur Hundesteuer angemeldet."),
             )),
    DemoCase("Hans-Peter", "Wagner", "Usinger Straße", "41", 60, "hundesteuer-abmelden",
             {"name_hund": "Rex", "grund": "wegzug", "datum": timedelta(days=3), "marke_verbleib": "verloren",
              "neue_anschrift": {"street": "Hauptstraße", "house_number": "2", "postal_code": "35789",
                                 "city": "Weilmünster"}}, (
                 ("start", ""),
                 ("approve", "Ihr Hund ist zum Tag Ihres Wegzugs abgemeldet."),
                 ("close", ""),
             )),
)


@dataclass(frozen=True)
class DemoContract:
    """A contract whose next notice deadline is ``notice_in_days`` from today (roughly)."""

    title: str
    contract_type: str
    partner_name: str
    notice_in_days: int
    value_cents: int
    value_interval: str
    department: str
    tags: list[str] = field(default_factory=list)


CONTRACTS = (
    DemoContract("Wartung der Aufzugsanlage im Rathaus", "wartung", "Taunus Aufzugsdienst GmbH (Demo)", 21,
                 184000, "jaehrlich", "Gebäudemanagement", ["Rathaus"]),
    DemoContract("Reinigung der Kindertagesstätten", "dienstleistung", "Saubermann Gebäudeservice KG (Demo)", 48,
                 3250000, "jaehrlich", "Soziales", ["Kita"]),
    DemoContract("Lizenz Ratsinformationssystem", "lizenz_software", "Kommunal-IT Hessen eG (Demo)", 75,
                 96000, "monatlich", "Zentrale Dienste", ["Software"]),
    DemoContract("Pacht Sportplatz Am Weiher", "miete_pacht", "TSV 1890 e. V. (Demo)", 200,
                 120000, "jaehrlich", "Liegenschaften"),
)
# The demo contracts run two years and renew by one year unless cancelled three months before the end.
MINIMUM_TERM_DAYS = 730
NOTICE_DAYS = 91


@dataclass
class SeedReport:
    """What seeding created in one town."""

    cases: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)
    # Earlier cases imported for the statistics.
    history: int = 0

    @property
    def created_anything(self) -> bool:
        return bool(self.cases or self.contracts or self.history)


def seed_town(today: date | None = None) -> SeedReport:
    """Create the current town's missing demo cases and contracts."""
    today = today or today_in_germany()
    report = SeedReport()
    for index, demo in enumerate(CASES, start=1):
        reference = _seed_case(demo, f"demo-{current_tenant().slug}-{index}")
        if reference:
            report.cases.append(reference)
    for demo_contract in CONTRACTS:
        number = _seed_contract(demo_contract, today)
        if number:
            report.contracts.append(number)
    if not report_queries.history_imported():
        report.history = import_history(*_history(today), actor=DEMO_CLERK.label)
    return report


def _offered(preferred: str) -> tuple[EnabledProcess, dict[str, Any]] | None:
    """The preferred process (else another demo process) the town offers, with valid sample answers."""
    for slug in (preferred, *PROCESSES):
        offered = enabled_process(slug)
        if offered is None or offered.definition.form is None:
            continue
        # Uploads are not part of the demo: the answers keep no file entries without a stored file.
        files = {fld.id for fld in offered.definition.form.top_fields() if fld.accepts_files}
        answers = {key: value for key, value in valid_answers(offered.definition).items() if key not in files}
        if not validate_answers(offered.definition, answers):
            return offered, answers
    return None


def _email_of(demo: DemoCase) -> str:
    name = fold(f"{demo.given_name}.{demo.family_name}")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    # example.org is reserved for documentation (RFC 2606): no demo mail can reach a real person.
    return f"{name}@example.org"


def _answers(offered: EnabledProcess, samples: dict[str, Any], demo: DemoCase, arrived: date) -> dict[str, Any]:
    """The sample answers with the demo person's name, address, e-mail and details where the form
    asks for them; if a later version of the form rejects them, the plainer answers are used."""
    assert offered.definition.form is not None
    contact = current_tenant().contact
    by_autocomplete = {"given-name": demo.given_name, "family-name": demo.family_name}
    # The demo person's own values for the field types that hold personal data, from the sample.
    by_type: dict[str, Callable[[Any], Any]] = {
        "email": lambda sample: _email_of(demo),
        "address": lambda sample: {**sample, "street": demo.street, "house_number": demo.house_number,
                                   "postal_code": contact.get("postal_code", "61267"),
                                   "city": contact.get("city", current_tenant().name)},
    }
    personal = dict(samples)
    for fld in offered.definition.form.top_fields():
        if fld.id not in personal:
            continue
        token = getattr(fld, "autocomplete", None)
        if token in by_autocomplete:
            personal[fld.id] = by_autocomplete[token]
        elif fld.type_name() in by_type:
            personal[fld.id] = by_type[fld.type_name()](personal[fld.id])
    detailed = dict(personal)
    if offered.process.slug == demo.process:
        detailed.update({key: (arrived - value).isoformat() if isinstance(value, timedelta) else value
                         for key, value in demo.details.items()})
    return next(answers for answers in (detailed, personal, samples)
                if not validate_answers(offered.definition, answers))


def _seed_case(demo: DemoCase, key: str) -> str | None:
    """Submit one demo application and apply its workflow steps; None when it already exists."""
    if case_by_idempotency_key(key) is not None:
        return None
    found = _offered(demo.process)
    if found is None:
        return None
    offered, samples = found
    assert offered.definition.form is not None
    arrived = utcnow() - timedelta(days=demo.days_ago)
    answers = _answers(offered, samples, demo, arrived.date())
    office = demo.channel != "online"
    case = case_services.submit(assess(offered, answers), [], idempotency_key=key, locale="de", channel=demo.channel,
                                actor=DEMO_CLERK.label if office else case_services.CITIZEN).case
    # The demo needs a history: the application arrived ``days_ago`` days ago, with the due date
    # that arrival gives (no service back-dates a case, so the demo does it before any step).
    case.submitted_at = arrived
    case.due_date = initial_due_date(case.submitted_at, offered.processing_days)
    db.session.commit()
    for transition, message in demo.steps:
        perform(case, transition, DEMO_CLERK, message)
    return case.reference


def _seed_contract(demo: DemoContract, today: date) -> str | None:
    """Create one demo contract; None when the town already has a contract with its title."""
    if db.session.scalar(select(Contract.id).where(Contract.title == demo.title)) is not None:
        return None
    term_ends = today + timedelta(days=NOTICE_DAYS + demo.notice_in_days)
    data = ContractInput(
        title=demo.title, contract_type=demo.contract_type, partner_name=demo.partner_name,
        starts_on=term_ends - timedelta(days=MINIMUM_TERM_DAYS - 1), minimum_term="2 Jahre",
        notice_period="3 Monate", renewal_period="1 Jahr", value_cents=demo.value_cents,
        value_interval=demo.value_interval, department=demo.department, tags=list(demo.tags),
        notes="Beispieldaten für die Entwicklung.",
    )
    # The contract service records its author's label; the demo author is no account anyone logs in to.
    author = User(issuer="demo", subject="demo", display_name=DEMO_CLERK.label)
    return create_contract(data, author, today).number


# Most cases of a few years are finished; the queue's work is the rest.
BULK_STATUSES = ("closed",) * 16 + ("approved", "in_progress", "submitted", "waiting_for_citizen")
_BULK_INSERT = text(
    "INSERT INTO case_file (tenant_id, reference, process_version_id, process_slug, channel, status, answers,"
    " applicant_name, applicant_email, locale, fees, fee_cents, idempotency_key, due_date,"
    " submitted_at, updated_at) VALUES (:tenant_id, :reference, :version, :process, 'online',"
    " :status, '{}', :name, '', 'de', '[]', 0, :key, :due, :at, :at)"
)


def add_bulk_cases(count: int, process_slug: str = "hundesteuer-anmelden") -> None:
    """Load for index tests: ``count`` minimal cases of the current town, one an hour since January
    2022, with their search terms, inserted with executemany (the services would take minutes)."""
    tenant = current_tenant()
    version = db.session.scalars(select(Process.current_version_id).filter_by(slug=process_slug)).one()
    start = datetime(2022, 1, 3, 8, tzinfo=UTC)
    rows = [
        {"tenant_id": tenant.id, "reference": f"{tenant.reference_prefix}-2026-{n:06d}", "version": version,
         "process": process_slug, "status": BULK_STATUSES[n % len(BULK_STATUSES)], "name": f"Person {n}",
         "key": secrets.token_hex(32), "due": date(2022, 2, 1) + timedelta(days=n // 20),
         "at": start + timedelta(hours=n)}
        for n in range(1, count + 1)
    ]
    db.session.execute(_BULK_INSERT, rows)
    ids = dict(db.session.execute(select(Case.reference, Case.id)).tuples().all())
    db.session.execute(insert(CaseSearchTerm), [
        {"tenant_id": tenant.id, "term": term, "case_id": ids[str(row["reference"])]}
        for row in rows for term in terms_of(str(row["name"]), str(row["reference"]))
    ])
    db.session.commit()
    record_missing_facts()


# --------------------------------------------------------------------------- a year of history for the statistics

# Cases per month of the demo history in a town of about 10,000 people; towns differ by a factor.
MONTHLY_CASES = 70
TOWN_SIZE = {"neu-anspach": 1.5, "usingen": 1.4, "graevenwiesbach": 0.55, "schmitten": 0.95, "glashuetten": 0.55}
# The applications people make most, with their weight; a town's other digital services share the rest.
POPULAR = {"hundesteuer-anmelden": 9, "wohnsitz-anmelden": 8, "meldebescheinigung": 8, "fundsache-verlust-melden": 6,
           "sperrmuell-anmelden": 10, "gewerbe-anmelden": 5, "hundesteuer-abmelden": 4, "strassenschaden-melden": 6,
           "fuehrungszeugnis": 5, "anwohnerparkausweis": 3}
OFFICE_CHANNELS = ("phone", "post", "in_person")
# The share online rises from the first month of the year to the last.
ONLINE_SHARE = (0.38, 0.66)
OUTCOMES = (("approved", 0.86), ("rejected", 0.07), ("withdrawn", 0.07))
NEW_SERVICES = 7


def _history(today: date) -> tuple[list[HistoricCase], list[HistoricStart], dict[str, date]]:
    """The current town's year of earlier figures, the same on every run (seeded by the town)."""
    town = current_tenant()
    rng = random.Random(f"amtsweg-demo-{town.slug}")
    offers = db.session.execute(
        select(Process.slug, Process.kind).join(ProcessEnablement, ProcessEnablement.process_id == Process.id)
        .where(ProcessEnablement.enabled.is_(True)).order_by(Process.slug)).all()
    slugs = [slug for slug, kind in offers if kind == "digital"]
    definitions = report_queries.current_definitions(slugs)
    offered = {slug: enabled_process(slug) for slug in slugs}
    weights = [POPULAR.get(slug, 1) for slug in slugs]
    first, last = today - timedelta(days=370), today - timedelta(days=4)
    cases: list[HistoricCase] = []
    starts: list[HistoricStart] = []
    count = int(MONTHLY_CASES * TOWN_SIZE.get(town.slug, 1) * 12)
    for _ in range(count if slugs else 0):
        submitted = first + timedelta(days=rng.randrange((last - first).days))
        slug = rng.choices(slugs, weights)[0]
        progress = (submitted - first).days / (last - first).days
        online = rng.random() < ONLINE_SHARE[0] + (ONLINE_SHARE[1] - ONLINE_SHARE[0]) * progress
        service = offered[slug]
        target = (service.processing_days if service else None) or 10
        due = add_working_days(submitted, target)
        days = max(0, round(rng.gammavariate(2.2, target / 2.6)))
        finished = min(submitted + timedelta(days=days), today - timedelta(days=1 + rng.randrange(3)))
        outcome = rng.choices([name for name, _ in OUTCOMES], [share for _, share in OUTCOMES])[0]
        fee = sum(info.cents or 0 for info in service.fees() if not info.conditional) if service else 0
        cases.append(HistoricCase(slug, "online" if online else rng.choice(OFFICE_CHANNELS), submitted, due,
                                  max(finished, submitted), outcome, fee))
        definition = definitions[slug]
        steps = len(definition.form.steps) if definition.form else 1
        if online:
            started = submitted - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            starts.append(HistoricStart(slug, started, steps, submitted))
        # About one citizen in three who starts online stops before sending, most often early.
        if online and rng.random() < 0.35:
            starts.append(HistoricStart(slug, submitted, min(steps, int(rng.expovariate(1.2)))))
    since = {slug: date(today.year - 3, 1, 1) for slug, _ in offers}
    for slug in rng.sample(sorted(since), min(NEW_SERVICES, len(since))):
        since[slug] = today - timedelta(days=rng.randrange(30, 330))
    return cases, starts, since
