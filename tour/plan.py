"""Every page of every role in every state: the tour's visits in the order a working day brings them.

The plan is a list of :class:`Visit` (a page to look at, loaded anew in each language) and
:class:`Setup` (a step that changes the state once: an application sent, a case decided, a
contract created). Visits name the route (endpoint) whose page they show; set-up steps name the
routes they send to. Together with :data:`SKIPPED` they cover every rule of ``app.url_map``
(``tests/test_page_tour.py`` checks that none is forgotten).

Most pages are visited in Usingen, whose demo cases are in every state the demo seeds; the tour
adds the states the demo has not (withdrawn, awaiting payment, rejected, recorded by a clerk).
"""

from __future__ import annotations

import csv
import email
import io
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from email import policy
from pathlib import Path
from typing import Any

import yaml

from tour.browse import Tour, VisitFailed
from tour.filling import form_for, sample_pdf, send, step_inputs

TOWN = "usingen"
TOWNS = ("usingen", "neu-anspach", "graevenwiesbach", "schmitten", "glashuetten")
REPOSITORY = Path(__file__).resolve().parents[1]

# What the tour types in; the language check leaves it out like any data a person enters.
REPLY = "Anbei die Bescheinigung der Tierarztpraxis."
NOTE = "Rückfrage beim Bürgerbüro ist erledigt."
REJECTION = "Die Wohnung liegt nicht im Gebiet der Stadt."
REQUEST = "Bitte senden Sie uns eine Kopie des Mietvertrags."
CONTRACT = {"title": "Winterdienst Rathausplatz (Tour)", "partner_name": "Taunus Grün GmbH (Tour)",
            "starts_on": "2026-01-01", "department": "Bauhof", "value": "12.500,00", "notice_period": "3 Monate",
            "minimum_term": "2 Jahre", "renewal_period": "1 Jahr", "tags": "Winterdienst"}
CONTRACT_IMPORT = [
    ["Titel", "Art", "Partner", "Beginn", "Wert", "Kündigungsfrist"],
    ["Kopierer Bürgerbüro (Import)", "Miete/Pacht", "Büro Technik Usingen (Import)", "01.02.2025", "1.200,00",
     "3 Monate"],
    ["Streusalz (Import)", "Lieferung", "", "31.02.2025", "viel", "bald"],
]
# A letter among the case's documents (named <template>-<reference>.pdf), not a proof the citizen uploaded.
LETTER_LINK = r"main a[href*='/dokumente/'] >> text=/-[A-Z]{2,3}-\d{4}-\d+\.pdf$/"
TOKEN_NAME = "Fachverfahren Hundesteuer (Tour)"
OUTLOOK = "Im kommenden Jahr sollen weitere Leistungen online angeboten werden."
REFUND = {"betrag": "1,00", "grund": "Doppelt überwiesen (Tour)"}
TYPED = (REPLY, NOTE, REJECTION, REQUEST, TOKEN_NAME, OUTLOOK, REFUND["grund"], *CONTRACT.values(),
         *(cell for row in CONTRACT_IMPORT[1:] for cell in row))


@dataclass(frozen=True)
class Role:
    """Who visits: anonymous, a citizen with an account, or a member of staff logged in through the
    development login of ``host`` with ``roles``."""

    name: str
    host: str = TOWN
    roles: tuple[str, ...] = ()
    username: str = ""
    needs: str = ""

    @property
    def login(self) -> Callable[[Tour, Any], None] | None:
        if self.name == "citizen-account":
            return citizen_login
        if self.roles:
            return lambda tour, page: development_login(tour, page, self)
        return None


ROLES = {
    role.name: role
    for role in (
        Role("citizen"),
        Role("citizen-account", needs="citizen_login"),
        Role("clerk", roles=("clerk",), username="k.meier"),
        Role("team-lead", roles=("clerk", "team_lead"), username="t.schulz"),
        Role("contracts-editor", roles=("contracts_editor",), username="v.vertrag"),
        Role("contracts-viewer", roles=("contracts_viewer",), username="l.lesend"),
        Role("town-admin", roles=("tenant_admin",), username="a.verwaltung"),
        Role("cash-office", roles=("cash_office",), username="k.kasse"),
        Role("platform-admin", host="admin", roles=("platform_admin",), username="i.kreisweit"),
    )
}


Path_ = str | Callable[[Tour], str]
Act = Callable[[Tour, Any], None]


@dataclass(frozen=True)
class Visit:
    """A page to look at: ``path`` on ``host`` as ``role``, then ``act`` (an action that can be
    repeated, e.g. sending an empty form to see its errors). ``kind`` "pdf" and "file" are
    downloads; ``subset`` visits are also checked in English and on a phone by the test suite."""

    name: str
    endpoint: str
    path: Path_
    role: str = "citizen"
    host: str = TOWN
    act: Act | None = None
    status: int = 200
    kind: str = "page"
    subset: bool = False
    also: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("de", "en")
    switch_language: bool = True

    @property
    def endpoints(self) -> tuple[str, ...]:
        return (self.endpoint, *self.also)


@dataclass(frozen=True)
class Setup:
    """A step that changes the state once, sending to ``endpoints``."""

    name: str
    do: Callable[[Tour], None]
    endpoints: tuple[str, ...] = ()
    role: str = "citizen"


Item = Visit | Setup

# Rules no visit opens, and why. Every other rule of the app must be visited (see the test).
SKIPPED = {
    # The towns' staff login goes to the town's OpenID provider; the demo configures none, so both
    # are 404s here. The login flow runs against a real provider in tests/auth.
    "auth.sso_start": "needs the town's OpenID Connect provider (none in the demo)",
    "auth.sso_callback": "needs the town's OpenID Connect provider (none in the demo)",
    # Offered on /betrieb only for a mail or job that failed for good; the demo has none.
    # tests/admin/test_operations.py sends both.
    "admin_operations.retry_message": "only for a failed mail; the demo has none",
    "admin_operations.retry_job": "only for a failed job; the demo has none",
    # The demo's only platform account is the tour's own: ending its sessions would end the tour's.
    # tests/auth/test_session_revocation.py sends it.
    "platform_accounts.end_platform_sessions": "would end the tour's own (the demo's only) platform account",
    # No demo town offers the SAML citizen login (BundID); tests/auth runs the flow against the simulator.
    **{endpoint: "needs a town with the SAML citizen login (none in the demo)" for endpoint in (
        "auth.saml.login", "auth.saml.start", "auth.saml.acs", "auth.saml.result", "auth.saml.slo",
        "auth.saml.metadata")},
    # The JSON API has no pages: tests/api calls every operation (schemathesis) and checks the
    # OpenAPI document.
    **{endpoint: "JSON API, no page; every operation is called by tests/api" for endpoint in (
        "api.add_document", "api.get_case", "api.get_catalogue", "api.get_document", "api.get_document_content",
        "api.get_timeline", "api.list_cases", "api.list_documents", "api.list_messages", "api.openapi",
        "api.perform_transition", "api.send_message")},
    # Webhooks go only to public addresses, which the tour never contacts: the demo has no
    # subscription, so no page of one and no delivery to send again. tests/notifications and
    # tests/admin subscribe a loopback receiver (allowed in testing only).
    **{endpoint: "webhooks go only to public addresses; the tour contacts none" for endpoint in (
        "town_api.subscription", "town_api.unsubscribe", "town_api.send_again")},
    # Offered only for an online payment (checking its state at the provider, paying again after a
    # cancelled or failed one); the demo's towns have no payment provider running. tests/payments
    # runs both against the XBezahldienste simulator.
    "payment.retry": "only after a cancelled or failed online payment; the demo runs no payment provider",
    "payment.check": "only for an online payment (asks the provider); the demo runs no payment provider",
    "workbench.payments.check": "only for an online payment; the demo runs no payment provider",
}


@dataclass(frozen=True)
class CaseRef:
    reference: str
    token: str


# --------------------------------------------------------------------------- logging in


def development_login(tour: Tour, page: Any, role: Role) -> None:
    page.goto(tour.url(role.host, "/anmelden/entwicklung"))
    send(page, None, {"username": role.username, "roles": list(role.roles)})


def citizen_login(tour: Tour, page: Any) -> None:
    """The state account's login: the provider's form, then back to the account page."""
    page.goto(tour.url(TOWN, "/buergerkonto/anmelden"), wait_until="load")
    page.fill("[name=login]", "buerger")
    page.fill("[name=password]", tour.fact("oidc:password"))
    with page.expect_navigation(url=re.compile(r"/buergerkonto/"), wait_until="load"):
        page.locator("button[type=submit], input[type=submit]").first.click()


# --------------------------------------------------------------------------- the demo's data


def town_info(app: Any, slug: str) -> Any:
    from amtsweg.extensions import db
    from amtsweg.tenancy.models import Tenant

    with app.app_context():
        return db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one().info()


def status_tokens(mail_dir: Path) -> dict[str, str]:
    """Reference → status link token, from the mails the demo and the tour sent."""
    tokens: dict[str, str] = {}
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
        reference = re.search(r"\b[A-Z]{2,3}-\d{4}-\d{6}\b", str(message["Subject"]))
        link = re.search(r"/vorgang/([A-Za-z0-9_-]{20,})", text)
        if reference and link:
            tokens.setdefault(reference.group(0), link.group(1))
    return tokens


def newest_link(mail_dir: Path, pattern: str) -> str:
    """The path of the newest mail's link matching ``pattern``."""
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))
        match = re.search(r"https?://[^/\s]+(" + pattern + r")", body.get_content() if body else "")  # type: ignore[union-attr]
        if match:
            return match.group(1)
    raise VisitFailed(f"no mail with a link to {pattern}")


def read_demo(tour: Tour) -> None:
    """The demo cases of the town by state (with their status links), and the names, addresses and
    typed-in data the language check leaves out."""
    from amtsweg.cases.models import Case
    from amtsweg.contracts.models import Contract
    from amtsweg.demo import CASES, CONTRACTS, DEMO_CLERK
    from amtsweg.extensions import db
    from amtsweg.processes.queries import enabled_process
    from amtsweg.processes.sample_answers import valid_answers
    from amtsweg.tenancy import tenant_context

    app = tour.target.app
    info = town_info(app, TOWN)
    tokens = status_tokens(tour.target.mail_dir)
    today = date.today()
    data: list[str] = [DEMO_CLERK.label, *TYPED, *(role.username for role in ROLES.values())]
    with app.app_context(), tenant_context(info):
        for case in db.session.scalars(db.select(Case).where(Case.idempotency_key.like("demo-%"))):
            key = case.status
            if case.channel != "online":
                key = "phone"
            elif case.status == "in_progress" and case.due_date and case.due_date < today:
                key = "overdue"
            if case.reference in tokens:
                tour.facts.setdefault(f"case:{key}", CaseRef(case.reference, tokens[case.reference]))
        # What people typed: every answer of every case and every contract's text of the town.
        for answers in db.session.scalars(db.select(Case.answers)):
            data += strings_in(answers)
        for contract in db.session.scalars(db.select(Contract)):
            data += strings_in([contract.title, contract.partner_name, contract.partner_address or "",
                                contract.partner_contact or "", contract.subject or "", contract.notes or ""])
        for slug in (flow.slug for flow in FLOWS):
            offered = enabled_process(slug)
            if offered is not None:
                data += strings_in(valid_answers(offered.definition))
        data += strings_in([CASES, CONTRACTS])
        from amtsweg.processes.models import Process
        for process in db.session.scalars(db.select(Process)):
            data += [basis.get("title", "") for basis in (process_source(process.slug).get("legal_basis") or [])]
    data += town_names()
    tour.ignored = tuple(sorted({item for item in data if len(item) > 2}, key=len, reverse=True))


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside nested data (dataclasses, dicts, lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from strings_in(getattr(value, name))


def town_names() -> list[str]:
    """The towns' names, authorities, addresses and departments (proper names, never translated)."""
    names = []
    for folder in sorted((REPOSITORY / "tenants").iterdir()):
        if not (folder / "tenant.toml").is_file():
            continue
        config = tomllib.loads((folder / "tenant.toml").read_text(encoding="utf-8"))
        contact = config.get("contact", {})
        names += [config.get(key, "") for key in ("name", "official_name", "district", "state")]
        names += [contact.get(key, "") for key in ("authority", "street", "city")]
        names.append(config.get("mail", {}).get("sender_name", ""))
        for override in config.get("processes", {}).get("overrides", {}).values():
            names += [override.get("department", ""), override.get("contact", "")]
    return [name for name in names if name]


def process_source(slug: str) -> dict[str, Any]:
    path = REPOSITORY / "shared_processes" / slug / "process.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def definition(tour: Tour, slug: str) -> Any:
    """The town's current definition of a process."""
    from amtsweg.processes.queries import enabled_process
    from amtsweg.tenancy import tenant_context

    app = tour.target.app
    with app.app_context(), tenant_context(town_info(app, TOWN)):
        offered = enabled_process(slug)
        if offered is None or offered.definition.form is None:
            raise VisitFailed(f"{TOWN} offers no online form for {slug}")
        return offered.definition


# --------------------------------------------------------------------------- shared actions


def case_path(key: str, suffix: str = "") -> Callable[[Tour], str]:
    return lambda tour: f"/vorgang/{tour.fact(key).token}{suffix}"


def staff_case_path(key: str, suffix: str = "") -> Callable[[Tour], str]:
    return lambda tour: f"/sachbearbeitung/vorgang/{tour.fact(key).reference}{suffix}"


def link_on(role: str, host: str, page_path: Path_, selector: str) -> Callable[[Tour], str]:
    """The path of the first link matching ``selector`` on a page."""

    def find(tour: Tour) -> str:
        path = page_path(tour) if callable(page_path) else page_path
        page = tour.goto(role, host, path)
        link = page.locator(selector).first
        if not link.count():
            raise VisitFailed(f"no link {selector} on {path}")
        return str(link.get_attribute("href"))

    return find


def sends(action: Path_, values: dict[str, Any] | None = None, **options: Any) -> Act:
    """An act that sends the form whose action is ``action`` (a path, or one found by the tour)."""

    def act(tour: Tour, page: Any) -> None:
        send(page, action(tour) if callable(action) else action, values, **options)

    return act


def oversize_file(tour: Tour, folder: str) -> Path:
    """A file 1 MB over the request limit, on disk: handing 26 MB to the browser through its remote
    protocol takes longer than a visit may."""
    path = Path(folder) / "grosse-datei.pdf"
    with path.open("wb") as file:
        file.write(b"%PDF-1.4\n")
        file.truncate(tour.target.app.config["MAX_CONTENT_LENGTH"] + (1 << 20))
    return path


def sends_oversize(action: Path_, values: dict[str, Any]) -> Act:
    """An act that sends the form with a file over the request limit as a browser without JavaScript
    does: the page's size check is taken away first, so the server's own answer (413) is shown."""

    def act(tour: Tour, page: Any) -> None:
        page.evaluate("document.querySelectorAll('input[data-max-bytes]')"
                      ".forEach((input) => input.removeAttribute('data-max-bytes'))")
        with tempfile.TemporaryDirectory(prefix="amtsweg-tour-") as folder:
            send(page, action(tour) if callable(action) else action, values, upload=oversize_file(tour, folder))

    return act


def chooses_oversize(action: Path_) -> Act:
    """An act that chooses a file over the request limit and presses send: the page's script refuses
    it at the field before anything is sent, so the page stays."""

    def act(tour: Tour, page: Any) -> None:
        form = form_for(page, action(tour) if callable(action) else action)
        with tempfile.TemporaryDirectory(prefix="amtsweg-tour-") as folder:
            form.locator("input[type=file]").first.set_input_files(oversize_file(tour, folder))
        form.locator("button[type=submit]:not([aria-hidden=true]):visible").first.click()
        form.locator(".kern-error").first.wait_for()

    return act


def expect_path(page: Any, pattern: str, what: str) -> None:
    if not re.search(pattern, page.url):
        errors = page.locator(".kern-error, .kern-alert--danger, .kern-alert--error").all_inner_texts()
        raise VisitFailed(f"{what}: stayed on {page.url} {errors[:3]}")


def transition(role: str, key: str, step: str, message: str = "") -> Callable[[Tour], None]:
    """A clerk's step on the case page; a step that decides or ends the case is confirmed on its own page."""

    def do(tour: Tour) -> None:
        reference = tour.fact(key).reference
        page = tour.goto(role, TOWN, f"/sachbearbeitung/vorgang/{reference}")
        action = f"/sachbearbeitung/vorgang/{reference}/schritt/{step}"
        values = {"nachricht": message} if message else None
        if page.locator(f"main form[action$='{action}/bestaetigen']").count():
            send(page, f"{action}/bestaetigen", values)
            values = None
        send(page, action, values)
        refused = page.locator("main .kern-alert--danger, main .kern-alert--error").all_inner_texts()
        if refused:
            raise VisitFailed(f"step {step} refused: {refused[0].strip()}")

    return do


# --------------------------------------------------------------------------- applications


@dataclass(frozen=True)
class Flow:
    """An application filled in step by step; ``key`` names its pages and the case it becomes."""

    slug: str
    key: str
    role: str = "citizen"
    full: bool = False  # also saving for later, resuming and the review's errors
    # Answers instead of the sample ones, where the state the tour needs depends on them.
    answers: tuple[tuple[str, Any], ...] = ()


FLOWS = (
    Flow("hundesteuer-anmelden", "hund", full=True),
    # A private user pays the usage fee: the clerk can request a payment (a club pays none).
    Flow("hallenbelegung", "halle", answers=(("nutzer_art", "privat"),)),
    Flow("wohnsitz-anmelden", "wohnsitz"),
    Flow("vereinsfoerderung", "verein"),
    Flow("briefwahl", "briefwahl", role="citizen-account"),
)


def step_count(slug: str) -> int:
    return len(process_source(slug).get("form", {}).get("steps", []))


def answer_step(flow: Flow, number: int) -> Callable[[Tour], None]:
    def do(tour: Tour) -> None:
        form = definition(tour, flow.slug).form
        path = f"/antrag/{flow.slug}/schritt/{number}"
        page = tour.goto(flow.role, TOWN, path)
        from amtsweg.processes.sample_answers import valid_answers

        offered = definition(tour, flow.slug)
        answers = {**valid_answers(offered), **dict(flow.answers)} if flow.answers else None
        values, files = step_inputs(offered, form.steps[number - 1], answers)
        send(page, path, values, files=files, button=("aktion", "weiter"))
        expect_path(page, rf"/antrag/{flow.slug}/(schritt/{number + 1}|pruefen)$", f"step {number} refused")

    return do


def begin(flow: Flow) -> Callable[[Tour], None]:
    def do(tour: Tour) -> None:
        page = tour.goto(flow.role, TOWN, f"/antrag/{flow.slug}/")
        send(page, f"/antrag/{flow.slug}/starten")
        expect_path(page, rf"/antrag/{flow.slug}/schritt/1$", "application not started")

    return do


def submit(flow: Flow) -> Callable[[Tour], None]:
    def do(tour: Tour) -> None:
        page = tour.goto(flow.role, TOWN, f"/antrag/{flow.slug}/pruefen")
        send(page, f"/antrag/{flow.slug}/absenden", {"datenschutz": "ja", "wahrheit": "ja"})
        expect_path(page, rf"/antrag/{flow.slug}/eingang$", "application not sent")
        token = str(page.locator("#statuslink").get_attribute("href")).rsplit("/", 1)[-1]
        tour.facts[f"case:{flow.key}"] = CaseRef(page.locator("#aktenzeichen").inner_text().strip(), token)

    return do


def application(flow: Flow) -> list[Item]:
    base = f"/antrag/{flow.slug}"
    role, key = flow.role, flow.key
    items: list[Item] = [
        Visit(f"{key}-start", "application.start", f"{base}/", role, subset=flow.full),
        Setup(f"{key}-begin", begin(flow), ("application.begin",), role),
    ]
    for number in range(1, step_count(flow.slug) + 1):
        step = f"{base}/schritt/{number}"
        items += [
            Visit(f"{key}-step-{number}", "application.step", step, role, subset=flow.full and number == 2),
            Visit(f"{key}-step-{number}-errors", "application.step", step, role,
                  act=sends(step, button=("aktion", "weiter")), subset=flow.full and number == 1),
            Setup(f"{key}-step-{number}-answered", answer_step(flow, number), ("application.step",), role),
        ]
        if flow.full and number == 1:
            items += saving_for_later(flow)
    items += [
        Visit(f"{key}-review", "application.review", f"{base}/pruefen", role, subset=flow.full),
    ]
    if flow.full:
        items.append(Visit(f"{key}-review-errors", "application.review", f"{base}/pruefen", role,
                           act=sends(f"{base}/absenden"), also=("application.submit",)))
    items += [
        Setup(f"{key}-sent", submit(flow), ("application.submit",), role),
        Visit(f"{key}-confirmation", "application.confirmation", f"{base}/eingang", role, subset=flow.full),
    ]
    return items


def saving_for_later(flow: Flow) -> list[Item]:
    base = f"/antrag/{flow.slug}"
    save = f"{base}/speichern"
    return [
        Visit(f"{flow.key}-save", "application.save_for_later", save, flow.role),
        Visit(f"{flow.key}-save-errors", "application.save_for_later", save, flow.role,
              act=sends(save, {"email": "keine-adresse"})),
        Visit(f"{flow.key}-saved", "application.save_for_later", save, flow.role,
              act=sends(save, {"email": "erika.mustermann@example.org"})),
        Visit(f"{flow.key}-resumed", "application.resume",
              lambda tour: newest_link(tour.target.mail_dir, rf"{base}/fortsetzen/[A-Za-z0-9_-]+"), flow.role),
        Visit(f"{flow.key}-resume-expired", "application.resume", f"{base}/fortsetzen/abgelaufen", flow.role,
              status=404),
    ]


# --------------------------------------------------------------------------- the plan, part by part


def public_pages() -> list[Item]:
    area = "familie-sport-kultur"
    return [
        Setup("demo-data", read_demo),
        Visit("member-towns", "portal.index", "/", host="base", subset=True, also=("switch_language",)),
        *(Visit(f"start-{slug}", "portal.index", "/", host=slug, subset=slug == TOWN) for slug in TOWNS),
        Visit("catalogue", "catalogue.index", "/leistungen", subset=True),
        Visit("catalogue-search", "catalogue.index", "/leistungen?suche=hund"),
        Visit("catalogue-search-nothing", "catalogue.index", "/leistungen?suche=xylophon"),
        Visit("catalogue-area", "catalogue.index", f"/leistungen?bereich={area}"),
        Visit("service-online", "catalogue.service", "/leistungen/hundesteuer-anmelden", subset=True),
        Visit("service-external", "catalogue.service", "/leistungen/kfz-zulassung"),
        Visit("service-with-town-details", "catalogue.service", "/leistungen/gewerbe-anmelden"),
        *(Visit(f"legal-{page}", "portal.legal_page", f"/{page}") for page in
          ("impressum", "datenschutz", "barrierefreiheit")),
        Visit("design-tokens", "portal.design_tokens", "/design.css", kind="file", languages=("de",)),
        Visit("logo", "portal.logo", "/logo.svg", kind="file", languages=("de",)),
        Visit("stylesheet", "static", "/static/css/amtsweg.css", kind="file", languages=("de",)),
        Visit("kern-stylesheet", "kern_asset", "/static/kern/kern.min.css", kind="file", languages=("de",)),
        Visit("health", "operations.healthz", "/healthz", kind="file", languages=("de",), switch_language=False),
        Visit("metrics", "operations.metrics_endpoint", "/metrics", kind="file", languages=("de",),
              switch_language=False),
        Visit("error-404", "portal.index", "/gibt-es-nicht", status=404, subset=True),
        Visit("error-unknown-town", "portal.index", "/", host="unknown", status=404, languages=("de",),
              switch_language=False),
        Visit("error-405", "application.submit", "/antrag/hundesteuer-anmelden/absenden", status=405),
        Visit("login", "auth.login", "/anmelden"),
        Visit("staff-page-anonymous", "workbench.queue", "/sachbearbeitung/", also=("auth.login",)),
        Visit("development-login", "auth.development_login", "/anmelden/entwicklung"),
        Visit("development-login-errors", "auth.development_login", "/anmelden/entwicklung", act=sends(None),
              status=400),
        Visit("error-400-form-expired", "auth.development_login", "/anmelden/entwicklung", status=400,
              act=without_form_token),
    ]


def without_form_token(tour: Tour, page: Any) -> None:
    """Send the login form without its CSRF token, as after an expired session."""
    page.evaluate("document.querySelector('[name=csrf_token]').remove()")
    send(page, None, {"username": "x", "roles": ["clerk"]})


def citizen_pages() -> list[Item]:
    return [
        *(item for flow in FLOWS if flow.role == "citizen" for item in application(flow)),
        *(Visit(f"status-{state}", "status.show", case_path(f"case:{state}"), subset=state == "waiting_for_citizen")
          for state in ("submitted", "in_progress", "waiting_for_citizen", "approved", "closed")),
        Visit("status-reply-errors", "status.show", case_path("case:waiting_for_citizen"),
              act=sends(case_path("case:waiting_for_citizen", "/antworten")), also=("status.answer",)),
        Visit("reply-too-large-in-browser", "status.show", case_path("case:waiting_for_citizen"),
              act=chooses_oversize(case_path("case:waiting_for_citizen", "/antworten"))),
        Visit("error-413", "status.answer", case_path("case:waiting_for_citizen"), status=413,
              act=sends_oversize(case_path("case:waiting_for_citizen", "/antworten"), {"nachricht": REPLY})),
        Visit("receipt-pdf", "status.receipt", case_path("case:submitted", "/eingangsbestaetigung.pdf"), kind="pdf"),
        Visit("decision-letter-pdf", "status.document",
              link_on("citizen", TOWN, case_path("case:approved"), LETTER_LINK), kind="pdf"),
        Setup("citizen-replies", lambda tour: send(tour.goto("citizen", TOWN, case_path(
            "case:waiting_for_citizen")(tour)), case_path("case:waiting_for_citizen", "/antworten")(tour),
            {"nachricht": REPLY}), ("status.answer",)),
        Visit("status-after-reply", "status.show", case_path("case:waiting_for_citizen")),
        Visit("withdraw", "status.withdraw", case_path("case:hund", "/zurueckziehen")),
        Setup("citizen-withdraws", lambda tour: send(tour.goto("citizen", TOWN, case_path(
            "case:hund", "/zurueckziehen")(tour)), case_path("case:hund", "/zurueckziehen")(tour)),
            ("status.withdraw",)),
        Visit("status-withdrawn", "status.show", case_path("case:hund")),
    ]


def citizen_account_pages() -> list[Item]:
    briefwahl = next(flow for flow in FLOWS if flow.role == "citizen-account")
    return [
        Visit("account-logged-out", "account.index", "/buergerkonto/"),
        Visit("account", "account.index", "/buergerkonto/", "citizen-account",
              also=("account.login", "account.callback")),
        *application(briefwahl),
        Visit("account-with-application", "account.index", "/buergerkonto/", "citizen-account"),
        Visit("account-opens-application", "account.open_case",
              lambda tour: f"/buergerkonto/vorgang/{tour.fact('case:briefwahl').reference}", "citizen-account"),
        Setup("account-logout", citizen_logout, ("account.logout",), "citizen-account"),
    ]


def citizen_logout(tour: Tour) -> None:
    """Log out at the town and (through the provider's own page, which sends itself) at the state account."""
    page = tour.goto("citizen-account", TOWN, "/buergerkonto/")
    form = form_for(page, "/buergerkonto/abmelden")
    form.locator("button[type=submit]").first.click(no_wait_after=True)
    # The provider's page replaces itself while loading, so the way there is not one navigation:
    # a wait that sees a navigation aborted by the next one waits again.
    for attempt in range(3):
        try:
            page.wait_for_url(re.compile(rf"{TOWN}\.localhost:\d+/$"), wait_until="load")
            return
        except Exception as exc:
            if "ERR_ABORTED" not in str(exc) or attempt == 2:
                raise


def clerk_pages() -> list[Item]:
    from amtsweg.cases.queries import SORTS

    queue = "/sachbearbeitung/"
    return [
        Visit("clerk-queue", "workbench.queue", queue, "clerk", subset=True),
        *(Visit(f"clerk-queue-{name}", "workbench.queue", f"{queue}?{query}", "clerk") for name, query in (
            ("in-progress", "status=in_progress"), ("overdue", "ueberfaellig=1"), ("search", "suche=Weber"),
            ("service", "leistung=hundesteuer-anmelden"), ("area", "bereich=buergerservice"),
            ("channel", "kanal=phone"), ("mine", "zustaendig=ich"), ("nothing", "suche=Niemand+Gefunden"),
            ("sorted", f"sortierung={SORTS[-1]}"))),
        *(Visit(f"clerk-case-{state}", "workbench.case_page", staff_case_path(f"case:{state}"), "clerk",
                subset=state == "in_progress")
          for state in ("submitted", "in_progress", "overdue", "waiting_for_citizen", "approved", "closed")),
        Setup("clerk-claims", lambda tour: send(tour.goto("clerk", TOWN, staff_case_path("case:in_progress")(tour)),
                                                staff_case_path("case:in_progress", "/uebernehmen")(tour)),
              ("workbench.claim",), "clerk"),
        Setup("clerk-notes", lambda tour: send(tour.goto("clerk", TOWN, staff_case_path("case:in_progress")(tour)),
                                               staff_case_path("case:in_progress", "/notiz")(tour), {"notiz": NOTE}),
              ("workbench.add_note",), "clerk"),
        Visit("clerk-case-claimed-with-note", "workbench.case_page", staff_case_path("case:in_progress"), "clerk"),
        Setup("clerk-requests-payment", transition("clerk", "case:halle", "request_payment"),
              ("workbench.transition",), "clerk"),
        Visit("clerk-case-awaiting-payment", "workbench.case_page", staff_case_path("case:halle"), "clerk"),
        Setup("clerk-starts", transition("clerk", "case:wohnsitz", "start"), ("workbench.transition",), "clerk"),
        Visit("clerk-confirm-reject", "workbench.confirm_transition", staff_case_path("case:wohnsitz"), "clerk",
              act=sends(staff_case_path("case:wohnsitz", "/schritt/reject/bestaetigen"), {"nachricht": REJECTION})),
        Setup("clerk-rejects", transition("clerk", "case:wohnsitz", "reject", REJECTION),
              ("workbench.transition",), "clerk"),
        Visit("clerk-case-rejected", "workbench.case_page", staff_case_path("case:wohnsitz"), "clerk"),
        *eakte_pages("case:wohnsitz"),
        Setup("clerk-starts-verein", transition("clerk", "case:verein", "start"), ("workbench.transition",), "clerk"),
        Setup("clerk-requests-information", transition("clerk", "case:verein", "request_information", REQUEST),
              ("workbench.transition",), "clerk"),
        Visit("clerk-case-withdrawn", "workbench.case_page", staff_case_path("case:hund"), "clerk"),
        Visit("clerk-decision-letter-pdf", "workbench.document",
              link_on("clerk", TOWN, staff_case_path("case:approved"), "main a[href*='/dokument/']"), "clerk",
              kind="pdf"),
        Visit("clerk-receipt-pdf", "workbench.receipt", staff_case_path("case:phone", "/eingangsbestaetigung.pdf"),
              "clerk", kind="pdf"),
        Visit("intake", "workbench.intake_index", "/sachbearbeitung/erfassen/", "clerk"),
        Visit("intake-form", "workbench.record_application", "/sachbearbeitung/erfassen/hundesteuer-abmelden",
              "clerk"),
        Visit("intake-errors", "workbench.record_application", "/sachbearbeitung/erfassen/hundesteuer-abmelden",
              "clerk", act=sends("/sachbearbeitung/erfassen/hundesteuer-abmelden", button=("aktion", "erfassen")),
              status=400),
        Setup("clerk-records-application", record_application, ("workbench.record_application",), "clerk"),
        Visit("clerk-case-recorded", "workbench.case_page", staff_case_path("case:intake"), "clerk"),
        Visit("error-403", "town_processes.index", "/verwaltung/leistungen", "clerk", status=403),
        # Back to the citizen: the states the clerk's steps brought about.
        Visit("status-awaiting-payment", "status.show", case_path("case:halle")),
        Visit("status-rejected", "status.show", case_path("case:wohnsitz"), subset=True),
        Visit("rejection-letter-pdf", "status.document",
              link_on("citizen", TOWN, case_path("case:wohnsitz"), LETTER_LINK), kind="pdf"),
        Visit("status-information-requested", "status.show", case_path("case:verein")),
    ]


def eakte_pages(key: str) -> list[Item]:
    """A decided case's eAkte: its documents (the receipt filed at submission, the letter), one
    document's versions and history, its preview and download, a check-out, a new version and the
    check-in, and the whole Vorgang as ZIP."""
    akte = staff_case_path(key, "/akte")

    def find_receipt(tour: Tour) -> None:
        page = tour.goto("clerk", TOWN, akte(tour))
        row = page.locator("main table tbody tr").filter(has_text="Eingangsbestaetigung-")
        link = row.locator("a[href*='/akte/dokument/']").first
        if not link.count():
            raise VisitFailed(f"no filed receipt listed on {akte(tour)}")
        tour.facts["eakte:receipt"] = str(link.get_attribute("href"))

    def document(suffix: str = "") -> Callable[[Tour], str]:
        return lambda tour: f"{tour.fact('eakte:receipt')}{suffix}"

    def locked(want: bool) -> Act:
        """Check the document out (``want``) or in; repeated in each language and width, so from either state."""
        def act(tour: Tour, page: Any) -> None:
            checked_out = page.locator("main form[action$='/einchecken']").count() > 0
            if checked_out == want:
                send(page, document("/einchecken" if want else "/auschecken")(tour))
            send(page, document("/auschecken" if want else "/einchecken")(tour))

        return act

    new_version = {"name": "Eingangsbestaetigung-korrigiert.pdf", "mimeType": "application/pdf",
                   "buffer": sample_pdf()}
    return [
        Visit("clerk-eakte", "workbench.eakte.overview", akte, "clerk", subset=True),
        Visit("clerk-eakte-filtered", "workbench.eakte.overview",
              lambda tour: f"{akte(tour)}?art=pdf&eingang=generated&name=bestaetigung", "clerk"),
        Visit("clerk-eakte-filtered-nothing", "workbench.eakte.overview",
              lambda tour: f"{akte(tour)}?name=xylophon", "clerk"),
        Setup("find-filed-receipt", find_receipt, role="clerk"),
        Visit("clerk-eakte-document", "workbench.eakte.document_page", document(), "clerk", subset=True),
        Visit("clerk-eakte-preview", "workbench.eakte.preview", document("/version/1/ansicht"), "clerk", kind="pdf"),
        Visit("clerk-eakte-download", "workbench.eakte.download", document("/version/1"), "clerk", kind="pdf"),
        Visit("clerk-eakte-checked-out", "workbench.eakte.document_page", document(), "clerk",
              act=locked(True), also=("workbench.eakte.check_out",)),
        Visit("clerk-eakte-new-version", "workbench.eakte.document_page", document(), "clerk",
              act=sends(document("/version"), upload=new_version), also=("workbench.eakte.add_version",)),
        Visit("clerk-eakte-checked-in", "workbench.eakte.document_page", document(), "clerk",
              act=locked(False), also=("workbench.eakte.check_in",)),
        Visit("clerk-eakte-zip", "workbench.eakte.download_zip", lambda tour: f"{akte(tour)}/vorgang.zip", "clerk",
              kind="file"),
    ]


def record_application(tour: Tour) -> None:
    slug = "hundesteuer-abmelden"
    path = f"/sachbearbeitung/erfassen/{slug}"
    page = tour.goto("clerk", TOWN, path)
    form = definition(tour, slug).form
    values: dict[str, Any] = {"kanal": "post"}
    files: dict[str, list[str]] = {}
    for step in form.steps:
        step_values, step_files = step_inputs(definition(tour, slug), step)
        values.update(step_values)
        files.update(step_files)
    send(page, path, values, files=files, button=("aktion", "erfassen"))
    expect_path(page, r"/sachbearbeitung/vorgang/[A-Z]+-\d{4}-\d+$", "application not recorded")
    tour.facts["case:intake"] = CaseRef(page.url.rsplit("/", 1)[-1], "")


def team_lead_pages() -> list[Item]:
    def bulk_assign(tour: Tour, page: Any) -> None:
        form = 'form[action="/sachbearbeitung/zuweisen"]'
        person = page.locator(f"{form} select[name=bearbeiter] option").nth(1).get_attribute("value")
        send(page, "/sachbearbeitung/zuweisen", {"vorgang": [tour.fact("case:submitted").reference],
                                                 "bearbeiter": person or ""})

    def assign(tour: Tour, page: Any) -> None:
        action = staff_case_path("case:submitted", "/zuweisen")(tour)
        person = page.locator(f'form[action="{action}"] select[name=bearbeiter] option').nth(1).get_attribute("value")
        send(page, action, {"bearbeiter": person or ""})

    return [
        Visit("team-queue", "workbench.queue", "/sachbearbeitung/", "team-lead"),
        Visit("team-queue-assigned", "workbench.queue", "/sachbearbeitung/", "team-lead", act=bulk_assign,
              also=("workbench.bulk_assign",)),
        Visit("team-case-assigned", "workbench.case_page", staff_case_path("case:submitted"), "team-lead",
              act=assign, also=("workbench.assign",)),
        Visit("audit-log", "workbench.audit_log", "/sachbearbeitung/protokoll", "team-lead", subset=True),
        Visit("audit-log-filtered", "workbench.audit_log",
              lambda tour: f"/sachbearbeitung/protokoll?aktenzeichen={tour.fact('case:approved').reference}",
              "team-lead"),
        Setup("team-lead-logout", lambda tour: send(tour.goto("team-lead", TOWN, "/sachbearbeitung/"), "/abmelden"),
              ("auth.logout",), "team-lead"),
    ]


def contract_pages() -> list[Item]:
    base = "/sachbearbeitung/vertraege"
    editor = "contracts-editor"

    def contract_path(suffix: str = "") -> Callable[[Tour], str]:
        return lambda tour: f"{base}/{tour.fact('contract')}{suffix}"

    def find_contract(tour: Tour) -> None:
        page = tour.goto(editor, TOWN, f"{base}/")
        hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        ids = [m.group(1) for href in hrefs if (m := re.fullmatch(rf"{base}/(\d+)", href or ""))]
        if not ids:
            raise VisitFailed("no contract linked from the list")
        tour.facts["contract"] = ids[0]

    def create(tour: Tour) -> None:
        page = tour.goto(editor, TOWN, f"{base}/neu")
        send(page, f"{base}/neu", CONTRACT)
        expect_path(page, rf"{base}/\d+$", "contract not created")
        tour.facts["contract:new"] = page.url.rsplit("/", 1)[-1]

    def upload(tour: Tour) -> None:
        page = tour.goto(editor, TOWN, contract_path()(tour))
        send(page, contract_path("/dokumente")(tour), {"title": "Vertragsurkunde"},
             upload={"name": "vertrag.pdf", "mimeType": "application/pdf", "buffer": sample_pdf()})

    def import_file(key: str, rows: list[list[str]]) -> Callable[[Tour], None]:
        def do(tour: Tour) -> None:
            page = tour.goto(editor, TOWN, f"{base}/import")
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=";").writerows(rows)
            send(page, f"{base}/import", upload={"name": "vertraege.csv", "mimeType": "text/csv",
                                                 "buffer": buffer.getvalue().encode("utf-8")})
            expect_path(page, rf"{base}/import/[A-Za-z0-9_-]+$", "import not read")
            tour.facts[key] = page.url.split(base, 1)[1]

        return do

    def issue_feed(tour: Tour, page: Any) -> None:
        send(page, f"{base}/kalender")
        match = re.search(rf"{base}/kalender/[A-Za-z0-9_-]+\.ics", page.locator("main").inner_text())
        if match:
            tour.facts["feed"] = match.group(0)

    return [
        Visit("contracts-editor-after-login", "auth.development_login", "/anmelden/entwicklung", editor,
              act=lambda tour, page: development_login(tour, page, ROLES[editor])),
        Visit("contracts", "contracts.index", f"{base}/", editor, subset=True),
        Visit("contracts-filtered", "contracts.index", f"{base}/?q=Wartung&frist=120", editor),
        Visit("contracts-sorted", "contracts.index", f"{base}/?sortierung=titel&absteigend=1", editor),
        Visit("contracts-nothing", "contracts.index", f"{base}/?q=xylophon", editor),
        Visit("contract-deadlines", "contracts.dashboard", f"{base}/fristen", editor),
        Setup("find-contract", find_contract, role=editor),
        Visit("contract", "contracts.detail", contract_path(), editor, subset=True),
        Visit("contract-new", "contracts.create", f"{base}/neu", editor),
        Visit("contract-new-errors", "contracts.create", f"{base}/neu", editor, act=sends(f"{base}/neu"), status=400),
        Setup("contract-created", create, ("contracts.create",), editor),
        Visit("contract-edit", "contracts.edit", contract_path("/bearbeiten"), editor),
        Visit("contract-edit-errors", "contracts.edit", contract_path("/bearbeiten"), editor,
              act=sends(contract_path("/bearbeiten"), {"title": "", "starts_on": "31.02.2025", "value": "viel"}),
              status=400),
        Setup("contract-document-uploaded", upload, ("contracts.upload",), editor),
        Visit("contract-with-document", "contracts.detail", contract_path(), editor),
        # The PDF the tour uploaded, not one the app made: only its download is checked.
        Visit("contract-document", "contracts.download",
              link_on(editor, TOWN, contract_path(), "main a[href*='/dokumente/']"), editor, kind="file"),
        Visit("contracts-export-csv", "contracts.export", f"{base}/export.csv", editor, kind="file"),
        Visit("contracts-export-xlsx", "contracts.export", f"{base}/export.xlsx", editor, kind="file"),
        Visit("contracts-import", "contracts.import_upload", f"{base}/import", editor),
        Visit("contracts-import-errors", "contracts.import_upload", f"{base}/import", editor,
              act=sends(f"{base}/import"), status=400),
        Setup("contracts-import-with-problems", import_file("import:problems", CONTRACT_IMPORT),
              ("contracts.import_upload",), editor),
        Visit("contracts-import-problems", "contracts.import_preview",
              lambda tour: base + tour.fact("import:problems"), editor),
        Setup("contracts-import-read", import_file("import", CONTRACT_IMPORT[:2]), ("contracts.import_upload",),
              editor),
        Visit("contracts-import-preview", "contracts.import_preview", lambda tour: base + tour.fact("import"), editor),
        Setup("contracts-import-confirmed", lambda tour: send(tour.goto(editor, TOWN, base + tour.fact("import")),
                                                              base + tour.fact("import")),
              ("contracts.import_preview",), editor),
        Visit("contracts-after-import", "contracts.index", f"{base}/?q=Import", editor),
        Visit("contracts-calendar", "contracts.calendar_settings", f"{base}/kalender", editor),
        Visit("contracts-calendar-issued", "contracts.calendar_settings", f"{base}/kalender", editor, act=issue_feed),
        Visit("contracts-calendar-feed", "contracts.calendar_feed", lambda tour: tour.fact("feed"), kind="file",
              languages=("de",)),
        Visit("contracts-read-only", "contracts.index", f"{base}/", "contracts-viewer"),
        Visit("contract-read-only", "contracts.detail", contract_path(), "contracts-viewer"),
    ]


def town_admin_pages() -> list[Item]:
    base = "/verwaltung/leistungen"
    admin = "town-admin"
    slug = "gewerbe-anmelden"  # with a fixed fee and the town's own department and contact

    def too_large_fee(tour: Tour, page: Any) -> None:
        name = page.locator("main input[name^='fee_']").first.get_attribute("name")
        send(page, f"{base}/{slug}", {name or "fee": "1.000.000,00", "processing_days": "0"})

    return [
        Visit("town-admin-after-login", "auth.development_login", "/anmelden/entwicklung", admin,
              act=lambda tour, page: development_login(tour, page, ROLES[admin])),
        Visit("town-services", "town_processes.index", base, admin, subset=True),
        Visit("town-service-edit", "town_processes.edit", f"{base}/{slug}", admin),
        Visit("town-service-edit-errors", "town_processes.edit", f"{base}/{slug}", admin, act=too_large_fee),
        Visit("town-services-toggled", "town_processes.index", base, admin,
              act=sends(f"{base}/plakatierung/freischaltung"), also=("town_processes.toggle",)),
        Visit("town-accounts", "town_accounts.town_index", "/verwaltung/benutzer", admin),
        # The contracts viewer's pages are behind us: ending that person's sessions changes nothing the tour needs.
        Visit("town-accounts-sessions-ended", "town_accounts.town_index", "/verwaltung/benutzer", admin,
              act=ends_sessions_of(ROLES["contracts-viewer"].username), also=("town_accounts.end_town_sessions",)),
    ]


def statistics_pages() -> list[Item]:
    """The town's statistics, its council report and outlook (the town admin), and the API access."""
    admin = "town-admin"
    base = "/verwaltung/statistik"
    api = "/verwaltung/api"

    def revoke(tour: Tour, page: Any) -> None:
        action = page.locator("main form[action*='/widerrufen']").first.get_attribute("action")
        if not action:
            raise VisitFailed("no key left to revoke")
        send(page, action)

    return [
        Visit("town-statistics", "town_statistics.index", base, admin, subset=True),
        Visit("town-statistics-csv", "town_statistics.export", link_on(admin, TOWN, base, "main a[href*='.csv']"),
              admin, kind="file"),
        Visit("town-statistics-xlsx", "town_statistics.export", link_on(admin, TOWN, base, "main a[href*='.xlsx']"),
              admin, kind="file"),
        Visit("council-report", "town_statistics.report_page", f"{base}/bericht", admin, subset=True),
        Visit("council-report-pdf", "town_statistics.report_pdf", f"{base}/bericht.pdf", admin, kind="pdf"),
        Visit("council-report-outlook", "town_statistics.outlook", f"{base}/ausblick", admin),
        Visit("council-report-outlook-saved", "town_statistics.outlook", f"{base}/ausblick", admin,
              act=sends(None, {"ausblick": OUTLOOK})),
        Visit("api-reference", "api_pages.reference", "/api/referenz"),
        Visit("town-api", "town_api.index", api, admin, subset=True),
        Visit("town-api-new-key", "town_api.new_token", f"{api}/schluessel/neu", admin),
        Visit("town-api-new-key-errors", "town_api.new_token", f"{api}/schluessel/neu", admin,
              act=sends(f"{api}/schluessel/neu", {"name": ""})),
        Visit("town-api-key-issued", "town_api.new_token", f"{api}/schluessel/neu", admin,
              act=sends(f"{api}/schluessel/neu", {"name": TOKEN_NAME, "scopes": ["cases:read", "catalogue:read"]})),
        Visit("town-api-key-revoked", "town_api.index", api, admin, act=revoke, also=("town_api.revoke_token",)),
        Visit("town-api-new-webhook", "town_api.new_subscription", f"{api}/webhooks/neu", admin),
        Visit("town-api-new-webhook-errors", "town_api.new_subscription", f"{api}/webhooks/neu", admin,
              act=sends(f"{api}/webhooks/neu", {"name": "", "url": "http://127.0.0.1/"})),
    ]


def payment_pages() -> list[Item]:
    """The citizen pays the hall's fee by transfer; the cash office books it and refunds a part."""
    office = "cash-office"
    base = "/sachbearbeitung/zahlungen"

    def pay(tour: Tour) -> None:
        path = case_path("case:halle")(tour)
        page = tour.goto("citizen", TOWN, path)
        send(page, f"{path}/bezahlen")
        expect_path(page, r"/zahlung/[A-Za-z0-9_-]+$", "payment not started")
        tour.facts["payment:citizen"] = page.url.split(tour.url(TOWN, ""), 1)[1]

    def find_payment(tour: Tour) -> None:
        page = tour.goto(office, TOWN, f"{base}/")
        hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        ids = [m.group(1) for href in hrefs if (m := re.fullmatch(rf"{base}/(\d+)", href or ""))]
        if not ids:
            raise VisitFailed("no payment linked from the cash office's list")
        tour.facts["payment"] = f"{base}/{ids[0]}"

    def book(suffix: str, values: dict[str, Any] | None = None) -> Callable[[Tour], None]:
        def do(tour: Tour) -> None:
            path = tour.fact("payment")
            send(tour.goto(office, TOWN, path), path + suffix, values)

        return do

    def payment(tour: Tour) -> str:
        return str(tour.fact("payment"))

    return [
        Setup("citizen-pays-by-transfer", pay, ("status.pay",)),
        Visit("payment-transfer", "payment.show", lambda tour: tour.fact("payment:citizen"), subset=True),
        Visit("cash-office", "workbench.payments.index", f"{base}/", office, subset=True),
        Visit("cash-office-filtered", "workbench.payments.index", f"{base}/?status=open", office),
        Setup("find-payment", find_payment, role=office),
        Visit("cash-office-payment", "workbench.payments.detail", payment, office, subset=True),
        Setup("cash-office-books-payment", book("/bezahlt"), ("workbench.payments.mark_paid",), office),
        Visit("cash-office-payment-paid", "workbench.payments.detail", payment, office),
        Setup("cash-office-refunds", book("/erstattung", REFUND), ("workbench.payments.refund",), office),
        Visit("cash-office-payment-refunded", "workbench.payments.detail", payment, office),
        Visit("cash-office-bookings", "workbench.payments.export", f"{base}/buchungen.csv", office, kind="file"),
        Visit("payment-paid", "payment.show", lambda tour: tour.fact("payment:citizen")),
    ]


def ends_sessions_of(username: str) -> Act:
    """An act that sends the account list's "end all sessions" form in the row of ``username``."""

    def act(tour: Tour, page: Any) -> None:
        form = page.locator("main tr", has_text=username).locator("form").first
        send(page, form.get_attribute("action"))

    return act


def platform_admin_pages() -> list[Item]:
    admin, host = "platform-admin", "admin"
    slug = "plakatierung"
    editor = f"/bibliothek/{slug}/bearbeiten"

    def publish(tour: Tour) -> None:
        page = tour.goto(admin, host, editor)
        source = page.locator("textarea[name=source]").input_value()
        changed = re.sub(r"processing_days: (\d+)", lambda m: f"processing_days: {int(m.group(1)) + 1}", source,
                         count=1)
        send(page, editor, {"source": changed}, button=("aktion", "veroeffentlichen"))
        expect_path(page, rf"/bibliothek/{slug}$", "new version not published")

    return [
        Visit("admin-login", "auth.login", "/anmelden", host=host),
        Visit("admin-development-login", "auth.development_login", "/anmelden/entwicklung", host=host),
        Visit("admin-overview", "admin.dashboard", "/", admin, host, subset=True,
              also=("portal.index",)),
        Visit("library", "library.index", "/bibliothek", admin, host, subset=True),
        Visit("library-filtered", "library.index", "/bibliothek?suche=hund&bereich=sicherheit-ordnung&kommune=usingen",
              admin, host),
        Visit("library-external", "library.index", "/bibliothek?art=external", admin, host),
        Visit("library-process", "library.detail", f"/bibliothek/{slug}", admin, host),
        Visit("library-matrix", "library.matrix", "/bibliothek/freischaltung", admin, host),
        Visit("library-matrix-toggled", "library.matrix", "/bibliothek/freischaltung", admin, host,
              act=sends(f"/bibliothek/freischaltung/{slug}/schmitten"), also=("library.toggle",)),
        Visit("library-editor", "library.editor", editor, admin, host),
        Visit("library-editor-errors", "library.editor", editor, admin, host,
              act=sends(editor, {"source": f"slug: {slug}\nkind: digital\ntitle: [kaputt\n"},
                        button=("aktion", "pruefen"))),
        Visit("library-editor-preview", "library.editor", editor, admin, host,
              act=sends(editor, button=("aktion", "pruefen"))),
        Setup("library-published", publish, ("library.editor",), admin),
        Visit("library-diff", "library.diff",
              link_on(admin, host, f"/bibliothek/{slug}", "main a[href*='/unterschied']"), admin, host),
        Visit("statistics", "statistics.index", "/statistik", admin, host, subset=True),
        Visit("statistics-csv", "statistics.export", link_on(admin, host, "/statistik", "main a[href*='.csv']"),
              admin, host, kind="file"),
        Visit("operations", "admin_operations.overview", "/betrieb", admin, host),
        Visit("platform-accounts", "platform_accounts.platform_index", "/benutzer", admin, host),
    ]


def clerk_logout() -> list[Item]:
    return [Setup("clerk-logout", lambda tour: send(tour.goto("clerk", TOWN, "/sachbearbeitung/"), "/abmelden"),
                  ("auth.logout",), "clerk")]


def build_plan() -> list[Item]:
    return [
        *public_pages(),
        *citizen_pages(),
        *citizen_account_pages(),
        *clerk_pages(),
        *team_lead_pages(),
        *contract_pages(),
        *payment_pages(),
        *town_admin_pages(),
        *statistics_pages(),
        *platform_admin_pages(),
        *clerk_logout(),
    ]


def visits(plan: list[Item]) -> list[Visit]:
    return [item for item in plan if isinstance(item, Visit)]


def representative(plan: list[Item]) -> set[str]:
    """One page of each template, role and state: the first visit of each route per role (not the
    other towns' copies of a page), the first of each route's error states, and the subset."""
    chosen: dict[tuple[str, str, bool], str] = {}
    for visit in visits(plan):
        if visit.kind == "page":
            chosen.setdefault((visit.endpoint, visit.role, visit.name.endswith("-errors")), visit.name)
    return set(chosen.values()) | {visit.name for visit in visits(plan) if visit.subset}


def covered_endpoints(plan: list[Item]) -> set[str]:
    """The routes the plan opens or sends to."""
    covered: set[str] = set()
    for item in plan:
        covered.update(item.endpoints)
    return covered


def needs(item: Item) -> str:
    """The capability an item needs ("citizen_login"), or ""."""
    return ROLES[item.role].needs
