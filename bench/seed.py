"""A realistic data set, loaded with COPY (the services would take hours).

Per town (``--scale`` 1): 200,000 cases of a few years in every state, each with its status link,
its documents' metadata (the citizen's upload, the decision letter once decided) and its audit
history (submission, workflow steps, clerks' views), information requests on the waiting ones,
the statistics' fact row of each case, a payment for each case with a fee (paid online, or an open
transfer while the case awaits payment), 5,000 contracts with their change history. Rows look like
what the services write: valid answers of real process definitions, reference numbers per town and
year with their counters, contracts with their folded search text and cached next deadline. One
case gets 10,000 extra views.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from tqdm import tqdm

from bench.stack import Stack

CASES_PER_TOWN = 200_000
CONTRACTS_PER_TOWN = 5_000
HEAVY_CASE_VIEWS = 10_000
FIRST_DAY = datetime(2022, 1, 3, 7, tzinfo=UTC)
# Share of each state among a few years' cases: most are finished, the queue's work is the rest.
STATUS_WEIGHTS = {
    "closed": 46, "archived": 10, "approved": 4, "rejected": 2, "withdrawn": 2,
    "submitted": 12, "in_progress": 14, "waiting_for_citizen": 6, "awaiting_payment": 4,
}
OPEN_STATUSES = ("submitted", "in_progress", "waiting_for_citizen", "awaiting_payment")
# The workflow steps (standard workflow) that lead to each state, after the submission.
HISTORY = {
    "submitted": (),
    "awaiting_payment": (),
    "in_progress": (("submitted", "in_progress", "start"),),
    "waiting_for_citizen": (("submitted", "in_progress", "start"),
                            ("in_progress", "waiting_for_citizen", "request_information")),
    "approved": (("submitted", "in_progress", "start"), ("in_progress", "approved", "approve")),
    "rejected": (("submitted", "in_progress", "start"), ("in_progress", "rejected", "reject")),
    "closed": (("submitted", "in_progress", "start"), ("in_progress", "approved", "approve"),
               ("approved", "closed", "close")),
    "archived": (("submitted", "in_progress", "start"), ("in_progress", "approved", "approve"),
                 ("approved", "closed", "close")),
    "withdrawn": (),
}
GIVEN_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katharina", "Lukas",
    "Marie", "Noah", "Olga", "Paul", "Rosa", "Simon", "Tanja", "Uwe", "Vera", "Wolfgang", "Yasemin", "Zoe",
    "Ahmet", "Birgit", "Cem", "Doris", "Elif", "Frank", "Gisela", "Heinz", "Ines", "Jürgen", "Karin", "Lea",
)
FAMILY_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
    "Demir", "Yılmaz", "Kaya", "Nowak", "Kowalski", "Rossi", "Öztürk", "Günther", "Jäger", "Ebert",
)
# One applicant in about 20,000: the name search looks for somebody the town rarely sees.
RARE_FAMILY_NAME = "Quandtmeyer"
CITIZEN = "citizen"
CLERK_LABEL = "Sachbearbeitung (Last)"
PARTNERS = ("Taunus Aufzugsdienst GmbH", "Saubermann Gebäudeservice KG", "Kommunal-IT Hessen eG",
            "TSV 1890 e. V.", "Energieversorgung Hochtaunus AG", "Hessische Versicherungskammer",
            "Druckerei Usinger Land", "Grünpflege Feldberg GmbH", "Bürotechnik Main-Taunus",
            "Wasserverband Weil", "Schulbus Reisen Schmitt", "Datenschutz Kanzlei Roth")
CONTRACT_TITLES = ("Wartung {}", "Reinigung {}", "Lizenz {}", "Pacht {}", "Lieferung {}", "Versicherung {}",
                   "Energie {}", "Kooperation {}")
CONTRACT_OBJECTS = ("Rathaus", "Bürgerhaus", "Kita Sonnenschein", "Bauhof", "Feuerwehrhaus", "Friedhof",
                    "Sportplatz", "Grundschule", "Kläranlage", "Ratsinformationssystem", "Straßenbeleuchtung")
DEPARTMENTS = ("Gebäudemanagement", "Zentrale Dienste", "Soziales", "Liegenschaften", "Ordnungsamt", "Bauamt")
CONTRACT_TYPES = ("wartung", "dienstleistung", "lizenz_software", "miete_pacht", "lieferung", "versicherung",
                  "energie", "kooperation_ikz")


@dataclass
class TownData:
    """What the scenarios need to know about one seeded town."""

    slug: str
    tenant_id: int
    prefix: str
    cases: int = 0
    # A case in progress with the usual history, and the one viewed 10,000 times.
    plain_case: str = ""
    heavy_case: str = ""
    # Status-link tokens of a few cases (the database keeps only their hashes).
    status_tokens: list[str] = field(default_factory=list)
    # Return-address tokens of a few paid online payments (the database keeps only their hashes).
    payment_tokens: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Template:
    """A process whose valid sample answers the seeded cases carry (with their own names)."""

    slug: str
    version_id: int
    answers: dict[str, Any]
    given_field: str | None
    family_field: str | None
    email_field: str | None


def templates(app: Flask, count: int = 12) -> list[Template]:
    """Digital processes with a form whose sample answers pass validation (file fields left out)."""
    from amtsweg.extensions import db
    from amtsweg.forms.fields.email import EmailField
    from amtsweg.forms.fields.file import FileField
    from amtsweg.forms.validation import validate_answers
    from amtsweg.processes.loader import from_storable
    from amtsweg.processes.models import Process, ProcessVersion
    from amtsweg.processes.sample_answers import valid_answers
    from sqlalchemy import select

    found = []
    with app.app_context():
        rows = db.session.execute(
            select(Process.slug, ProcessVersion.id, ProcessVersion.definition)
            .join(ProcessVersion, ProcessVersion.id == Process.current_version_id)
            .where(Process.kind == "digital").order_by(Process.slug)
        ).all()
        for slug, version_id, stored in rows:
            definition = from_storable(stored)
            if definition.form is None:
                continue
            top = definition.form.top_fields()
            files = {f.id for f in top if isinstance(f, FileField)}
            answers = {k: v for k, v in valid_answers(definition).items() if k not in files}
            if validate_answers(definition, answers):
                continue

            def by(test: Any, fields: Sequence[Any] = top, present: dict[str, Any] = answers) -> str | None:
                return next((f.id for f in fields if test(f) and f.id in present), None)

            found.append(Template(
                slug, version_id, answers,
                by(lambda f: f.autocomplete == "given-name"), by(lambda f: f.autocomplete == "family-name"),
                by(lambda f: isinstance(f, EmailField)),
            ))
            if len(found) == count:
                break
    return found


def _ids(conn: Any, table: str) -> Iterator[int]:
    """Fresh ids for ``table`` (taken from its sequence by number, so COPY can set them)."""
    start = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
    n = start
    while True:
        n += 1
        yield n


def _copy(conn: Any, table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]], bar: tqdm) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            bar.update(1)


def _working_days_after(day: date, days: int) -> date:
    # Weekends only: public holidays hardly change a benchmark's due dates.
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def seed(stack: Stack, app: Flask, towns: list[TownData], scale: float, today: date, seed_value: int = 7) -> None:
    """Load every town's cases and contracts; then ANALYZE."""
    rng = random.Random(seed_value)
    forms = templates(app)
    cases = max(50, int(CASES_PER_TOWN * scale))
    contracts = max(20, int(CONTRACTS_PER_TOWN * scale))
    # The superuser: COPY is refused under row-level security, which is forced on the owner too.
    conn = stack.superuser()
    conn.autocommit = False
    clerk_ids = _clerk_ids(conn)
    case_ids, event_ids, document_ids = _ids(conn, "case_file"), _ids(conn, "audit_event"), _ids(conn, "document")
    token_ids, message_ids = _ids(conn, "case_access_token"), _ids(conn, "case_message")
    payment_ids = _ids(conn, "payment")
    for town in towns:
        _seed_cases(conn, town, cases, forms, clerk_ids.get(town.tenant_id, []), today, rng,
                    (case_ids, event_ids, document_ids, token_ids, message_ids, payment_ids))
        _seed_contracts(conn, town, contracts, today, rng)
        conn.commit()
    for table in ("case_file", "audit_event", "document", "case_access_token", "case_message", "payment",
                  "contract", "contract_change"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    conn.close()
    with stack.superuser() as admin:
        print("ANALYZE …", flush=True)
        admin.execute("VACUUM ANALYZE")


def _clerk_ids(conn: Any) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = {}
    for tenant_id, user_id in conn.execute("SELECT tenant_id, id FROM user_account ORDER BY id"):
        ids.setdefault(tenant_id, []).append(user_id)
    return ids


def _seed_cases(
    conn: Any, town: TownData, count: int, forms: list[Template], clerks: list[int], today: date,
    rng: random.Random, id_sources: tuple[Iterator[int], ...],
) -> None:
    case_ids, event_ids, document_ids, token_ids, message_ids, payment_ids = id_sources
    now = datetime.now(UTC)
    span = (now - FIRST_DAY).total_seconds()
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    counters: dict[int, int] = {}
    from amtsweg.cases.search import terms_of
    from amtsweg.reports.facts import CaseFigures, fact_values
    from amtsweg.reports.models import new_key

    cases, events, documents, tokens, messages, terms = [], [], [], [], [], []
    facts, payments = [], []
    keep_tokens = set(rng.sample(range(count), min(20, count)))
    for n in range(count):
        case_id = next(case_ids)
        # Older cases first; open ones are mostly recent (the last months), a few are overdue.
        status = rng.choices(statuses, weights)[0]
        offset = n / count if status not in OPEN_STATUSES else 1 - rng.random() ** 3 * 0.08
        submitted_at = FIRST_DAY + timedelta(seconds=span * min(offset, 0.9999))
        year = submitted_at.year
        counters[year] = counters.get(year, 0) + 1
        reference = f"{town.prefix}-{year}-{counters[year]:06d}"
        form = forms[n % len(forms)]
        given = rng.choice(GIVEN_NAMES)
        family = RARE_FAMILY_NAME if rng.random() < 1 / 20_000 else rng.choice(FAMILY_NAMES)
        email = f"{given.lower()}.{n}@example.org"
        answers = dict(form.answers)
        for field_id, value in ((form.given_field, given), (form.family_field, family), (form.email_field, email)):
            if field_id:
                answers[field_id] = value
        due = _working_days_after(submitted_at.date(), 20)
        steps = HISTORY[status]
        decided = status in ("approved", "rejected", "closed", "archived")
        closed_at = submitted_at + timedelta(days=30) if status in ("closed", "archived") else None
        assignee = rng.choice(clerks) if clerks and steps and rng.random() < 0.7 else None
        # A fee on every case awaiting payment and on a third of the others (paid online).
        fee = FEE_CENTS if status == "awaiting_payment" or (status in PAYABLE and n % 3 == 0) else 0
        cases.append((
            case_id, town.tenant_id, reference, form.version_id, form.slug, "online", status, json.dumps(answers),
            f"{given} {family}", email, "de", _fee_lines(fee), fee, secrets.token_hex(16), due, assignee,
            submitted_at, closed_at or submitted_at, closed_at,
            closed_at + timedelta(days=30) if status == "archived" else None,
        ))
        figures = CaseFigures(form.slug, "online", status, submitted_at, due, fee)
        facts.append((town.tenant_id, new_key(), case_id, *_fact_row(fact_values(figures, closed_at or submitted_at
                                                                                  + timedelta(days=12), None))))
        if fee:
            payment_token = secrets.token_urlsafe(32)
            if status != "awaiting_payment" and len(town.payment_tokens) < 20:
                town.payment_tokens.append(payment_token)
            payments.append(_payment_row(next(payment_ids), town.tenant_id, case_id, reference, form.slug, fee,
                                         status == "awaiting_payment", payment_token, submitted_at))
        terms += [(town.tenant_id, term, case_id) for term in terms_of(f"{given} {family}", reference)]
        token = secrets.token_urlsafe(32)
        if n in keep_tokens:
            town.status_tokens.append(token)
        tokens.append((next(token_ids), town.tenant_id, case_id, hashlib.sha256(token.encode()).hexdigest(),
                       "submission", submitted_at))
        events.append((next(event_ids), town.tenant_id, submitted_at, CITIZEN, "case.submitted", "case",
                       str(case_id), town.slug, json.dumps({"reference": reference, "channel": "online",
                                                            "process": form.slug})))
        documents.append((next(document_ids), town.tenant_id, f"{town.slug}/{case_id}/nachweis-{n}.pdf",
                          "nachweis.pdf", "application/pdf", 180_000 + n % 900_000,
                          hashlib.sha256(reference.encode()).hexdigest(), case_id, "citizen", submitted_at))
        moment = submitted_at
        for previous, target, transition in steps:
            moment += timedelta(days=1 + rng.random() * 5)
            details: dict[str, Any] = {"from": previous, "to": target, "transition": transition}
            if transition == "request_information":
                message_id = next(message_ids)
                messages.append((message_id, town.tenant_id, case_id, "clerk", "information_request",
                                 "Bitte reichen Sie noch einen Nachweis nach.", moment))
                details["message"] = message_id
            if transition in ("approve", "reject"):
                letter = next(document_ids)
                documents.append((letter, town.tenant_id, f"{town.slug}/{case_id}/bescheid.pdf", "Bescheid.pdf",
                                  "application/pdf", 42_000, hashlib.sha256(f"{reference}b".encode()).hexdigest(),
                                  case_id, "system", moment))
                details["letters"] = [letter]
            events.append((next(event_ids), town.tenant_id, moment, CLERK_LABEL, "case.transition", "case",
                           str(case_id), town.slug, json.dumps(details)))
            events.append((next(event_ids), town.tenant_id, moment, CLERK_LABEL, "case.viewed", "case",
                           str(case_id), town.slug, "{}"))
        if status == "withdrawn":
            events.append((next(event_ids), town.tenant_id, submitted_at + timedelta(days=2), CITIZEN,
                           "case.withdrawn", "case", str(case_id), town.slug,
                           json.dumps({"previous_status": "submitted"})))
        if status == "in_progress" and not town.plain_case and decided is False:
            town.plain_case = reference
        if status == "in_progress" and town.plain_case and not town.heavy_case and reference != town.plain_case:
            town.heavy_case = reference
            heavy_id = case_id
    town.cases = count
    # 10,000 views of one case, as the case page records them.
    for view in range(HEAVY_CASE_VIEWS):
        events.append((next(event_ids), town.tenant_id, now - timedelta(seconds=HEAVY_CASE_VIEWS - view),
                       CLERK_LABEL, "case.viewed", "case", str(heavy_id), town.slug, "{}"))
    tables = (
        ("case_file", ("id", "tenant_id", "reference", "process_version_id", "process_slug", "channel", "status",
                       "answers", "applicant_name", "applicant_email", "locale", "fees", "fee_cents",
                       "idempotency_key", "due_date", "assignee_id", "submitted_at", "updated_at", "closed_at",
                       "archived_at"), cases),
        ("case_access_token", ("id", "tenant_id", "case_id", "token_hash", "purpose", "created_at"), tokens),
        ("case_message", ("id", "tenant_id", "case_id", "author", "kind", "body", "created_at"), messages),
        ("document", ("id", "tenant_id", "storage_key", "filename", "content_type", "size", "sha256", "case_id",
                      "source", "created_at"), documents),
        ("audit_event", ("id", "tenant_id", "occurred_at", "actor", "action", "object_type", "object_id", "host",
                         "details"), events),
        ("case_search_term", ("tenant_id", "term", "case_id"), terms),
        ("case_fact", ("tenant_id", "key", "case_id", *FACT_COLUMNS), facts),
        ("payment", PAYMENT_COLUMNS, payments),
    )
    total = sum(len(rows) for _, _, rows in tables)
    with tqdm(total=total, desc=f"{town.slug}: cases", unit=" rows", unit_scale=True) as bar:
        for table, columns, rows in tables:
            _copy(conn, table, columns, iter(rows), bar)
    for year, last in counters.items():
        conn.execute(
            "INSERT INTO reference_counter (tenant_id, year, last_value) VALUES (%s, %s, %s)",
            (town.tenant_id, year, last),
        )


FEE_CENTS = 2_500
# Cases whose fee was paid (decided or finished ones, and those being worked on after paying).
PAYABLE = ("in_progress", "approved", "closed", "archived")
FACT_COLUMNS = ("process_slug", "channel", "submitted_on", "due_on", "fee_cents", "finished_on", "outcome",
                "processing_days", "within_target")
PAYMENT_COLUMNS = ("id", "tenant_id", "case_id", "case_reference", "process_slug", "attempt", "request_id",
                   "method", "status", "amount_cents", "currency", "lines", "kassenzeichen", "return_token_hash",
                   "transaction_id", "transaction_reference", "provider_status", "paid_with", "error_code",
                   "error_detail", "refunded_cents", "created_at", "updated_at", "paid_at")


def _fee_lines(cents: int, **extra: str) -> str:
    return json.dumps([{"id": "gebuehr", "label": {"de": "Verwaltungsgebühr", "en": "Administrative fee"},
                        "cents": cents, **extra}] if cents else [])


def _fact_row(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[column] for column in FACT_COLUMNS)


def _payment_row(payment_id: int, tenant_id: int, case_id: int, reference: str, slug: str, cents: int,
                 waiting: bool, token: str, created: datetime) -> tuple[Any, ...]:
    """A paid online payment, or (``waiting``) an open transfer, as the payment services store them."""
    kassenzeichen = f"KZ-{reference}"
    paid = None if waiting else created + timedelta(minutes=4)
    return (payment_id, tenant_id, case_id, reference, slug, 1, f"{reference}-1",
            "ueberweisung" if waiting else "xbezahldienste", "open" if waiting else "paid", cents, "EUR",
            _fee_lines(cents, kassenzeichen=kassenzeichen, haushaltsstelle="1.1.1.00.4311", produkt="01.02"),
            kassenzeichen, hashlib.sha256(token.encode()).hexdigest(), None if waiting else f"T-{reference}",
            "" if waiting else f"XB-{payment_id}", "" if waiting else "PAYED", "" if waiting else "GIROPAY",
            "", "", 0, created, paid or created, paid)


def _seed_contracts(conn: Any, town: TownData, count: int, today: date, rng: random.Random) -> None:
    from amtsweg.contracts.models import Contract
    from amtsweg.contracts.services import _search_text, refresh_deadline

    rows, changes = [], []
    change_id = next(_ids(conn, "contract_change"))
    contract_ids = _ids(conn, "contract")
    per_year: dict[int, int] = {}
    for n in range(count):
        starts = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 365 * 11))
        per_year[starts.year] = per_year.get(starts.year, 0) + 1
        contract = Contract(
            number=f"V-{starts.year}-{per_year[starts.year]:04d}",
            title=rng.choice(CONTRACT_TITLES).format(rng.choice(CONTRACT_OBJECTS)),
            contract_type=rng.choice(CONTRACT_TYPES), partner_name=rng.choice(PARTNERS),
            subject="Leistungen nach Leistungsverzeichnis, Anlage 1.", notes="", tags=["Last"],
            starts_on=starts, ends_on=None, minimum_term="2 Jahre", notice_period="3 Monate",
            renewal_period="1 Jahr", status=rng.choice(("aktiv",) * 8 + ("beendet", "entwurf")),
        )
        refresh_deadline(contract, today)
        contract_id = next(contract_ids)
        created = datetime.combine(starts, datetime.min.time(), UTC)
        rows.append((
            contract_id, town.tenant_id, contract.number, contract.title, contract.contract_type,
            contract.partner_name, contract.subject, contract.starts_on, contract.minimum_term,
            contract.notice_period, contract.renewal_period, 50_000 + n * 37 % 5_000_000, "jaehrlich",
            contract.status, json.dumps(contract.tags), _search_text(contract), contract.next_notice_by,
            contract.next_end_on, created, created, "", "", rng.choice(DEPARTMENTS), "", "",
        ))
        for name, value in (("title", contract.title), ("partner_name", contract.partner_name)):
            changes.append((change_id, town.tenant_id, contract_id, created, CLERK_LABEL, name, "", value))
            change_id += 1
    columns = ("id", "tenant_id", "number", "title", "contract_type", "partner_name", "subject", "starts_on",
               "minimum_term", "notice_period", "renewal_period", "value_cents", "value_interval", "status", "tags",
               "search_text", "next_notice_by", "next_end_on", "created_at", "updated_at", "partner_address",
               "partner_contact", "department", "cost_centre", "notes")
    with tqdm(total=len(rows) + len(changes), desc=f"{town.slug}: contracts", unit=" rows", unit_scale=True) as bar:
        _copy(conn, "contract", columns, iter(rows), bar)
        _copy(conn, "contract_change", ("id", "tenant_id", "contract_id", "changed_at", "actor", "field",
                                        "old_value", "new_value"), iter(changes), bar)
    for year, last in per_year.items():
        conn.execute(
            "INSERT INTO contract_number_counter (tenant_id, year, last_value) VALUES (%s, %s, %s)",
            (town.tenant_id, year, last),
        )


def town_folders(source: Path, target: Path) -> list[str]:
    """Copy the real towns' folders to ``target``; their slugs."""
    import shutil

    slugs = []
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and (p / "tenant.toml").is_file()):
        shutil.copytree(folder, target / folder.name)
        slugs.append(folder.name)
    return slugs


def generated_towns(target: Path, count: int, model: str = "usingen") -> list[str]:
    """Add ``count`` generated towns to ``target`` (modelled on one real town, offering the whole
    library, each with its own slug, name and reference prefix); their slugs."""
    text = (target / model / "tenant.toml").read_text(encoding="utf-8")
    head, _, _ = text.partition("[processes]")
    taken = {_prefix_of(toml) for toml in target.glob("*/tenant.toml")}
    prefixes = (p for p in _prefixes() if p not in taken)
    pages = target / model / "pages"
    logo = (target / model / "logo.svg").read_bytes()
    config = tomllib.loads(text)
    slugs = []
    for n in range(1, count + 1):
        slug = f"gemeinde-{n:05d}"
        folder = target / slug
        (folder / "pages").mkdir(parents=True)
        toml = (head.replace(f'slug = "{model}"', f'slug = "{slug}"')
                .replace(f'name = "{config["name"]}"', f'name = "Gemeinde {n:05d}"')
                .replace(f'official_name = "{config["official_name"]}"', f'official_name = "Gemeinde {n:05d}"')
                .replace(f'reference_prefix = "{config["reference_prefix"]}"', f'reference_prefix = "{next(prefixes)}"')
                .replace(f'client_id = "amtsweg-{model}"', f'client_id = "amtsweg-{slug}"'))
        (folder / "tenant.toml").write_text(toml + '[processes]\noffer = "all"\n', encoding="utf-8")
        (folder / "logo.svg").write_bytes(logo)
        for page in pages.iterdir():
            (folder / "pages" / page.name).write_bytes(page.read_bytes())
        slugs.append(slug)
    return slugs


def _prefix_of(path: Path) -> str:
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["reference_prefix"])


def _prefixes() -> Iterator[str]:
    import itertools
    import string

    for length in (3, 4):
        for letters in itertools.product(string.ascii_uppercase, repeat=length):
            yield "".join(letters)
