"""Filling in an online application with the Flask test client, as a browser without JavaScript would."""

from __future__ import annotations

import re
from typing import Any

SLUG = "hundesteuer-anmelden"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION = re.compile(r'name="einreichung" value="([^"]+)"')

PERSON = {
    "vorname": "Erika",
    "nachname": "Mustermann",
    "geburtsdatum": "17.05.1980",
    "anschrift.street": "Bahnhofstraße",
    "anschrift.house_number": "3",
    "anschrift.postal_code": "61267",
    "anschrift.city": "Neu-Anspach",
    "email": "erika@example.org",
}
DOG = {
    "hunde.0.name": "Bello",
    "hunde.0.rasse": "Labrador-Mischling",
    "hunde.0.geschlecht": "ruede",
    "hunde.0.geburtsdatum_hund": "01.03.2020",
    "hunde.0.gehalten_seit": "01.06.2021",
    "hunde.0.gefaehrlich": "nein",
}


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def start(client: Any, slug: str = SLUG) -> Any:
    page = client.get(f"/antrag/{slug}/")
    assert page.status_code == 200, page.status_code
    return client.post(f"/antrag/{slug}/starten", data={"csrf_token": csrf_of(page.get_data(as_text=True))})


def send_step(client: Any, number: int, data: dict[str, Any], slug: str = SLUG, action: str = "weiter") -> Any:
    """Open step ``number``, then send it with ``data`` (files as (stream, name) tuples)."""
    page = client.get(f"/antrag/{slug}/schritt/{number}")
    assert page.status_code == 200, page.status_code
    form = {"csrf_token": csrf_of(page.get_data(as_text=True)), "aktion": action, **data}
    return client.post(f"/antrag/{slug}/schritt/{number}", data=form, content_type="multipart/form-data")


def fill_all_steps(client: Any, slug: str = SLUG) -> None:
    start(client, slug)
    assert send_step(client, 1, PERSON).status_code == 302
    assert send_step(client, 2, DOG).status_code == 302
    assert send_step(client, 3, {"versicherung": "richtig"}).status_code == 302


def submit(client: Any, slug: str = SLUG, **extra: Any) -> Any:
    review = client.get(f"/antrag/{slug}/pruefen")
    html = review.get_data(as_text=True)
    form = {"csrf_token": csrf_of(html), "einreichung": SUBMISSION.search(html).group(1),
            "datenschutz": "ja", "wahrheit": "ja", **extra}
    return client.post(f"/antrag/{slug}/absenden", data=form)


def submission_form(client: Any, slug: str = SLUG) -> dict[str, str]:
    html = client.get(f"/antrag/{slug}/pruefen").get_data(as_text=True)
    return {"csrf_token": csrf_of(html), "einreichung": SUBMISSION.search(html).group(1),
            "datenschutz": "ja", "wahrheit": "ja"}
