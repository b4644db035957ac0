"""The shared letter and mail templates render with the documented variables."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from amtsweg.text import with_dative_article

TEMPLATES = Path(__file__).resolve().parents[2] / "shared_processes" / "_templates"
CONTEXT = {
    "tenant": {"name": "Stadt Usingen", "authority": "Magistrat der Stadt Usingen",
               "address": {"street": "Wilhelmjstraße 1", "postal_code": "61250", "city": "Usingen"},
               "phone": "06081 1024-0", "email": "info@usingen.de", "website": "www.usingen.de", "logo": ""},
    "case": {"reference": "US-2026-000123", "submitted_at": "02.03.2026", "decided_at": "09.03.2026",
             "status_url": "https://usingen.example.org/vorgang/abc", "applicant_name": "Erika Mustermann",
             "applicant_address": {"street": "Obergasse", "house_number": "5", "postal_code": "61250",
                                   "city": "Usingen"}, "language": "de"},
    "process": {"slug": "hundesteuer-anmelden", "title": "Hund zur Hundesteuer anmelden", "summary": ""},
    "answers": {},
    "decision_text": "Der Hund ist ab 01.04.2026 steuerpflichtig.\n\nDie Steuermarke liegt bei.",
    "clerk": {"name": "Max Beispiel", "department": "Steuern", "phone": "06081 1024-200", "email": ""},
    "fees": [{"label": "Verwaltungsgebühr", "amount": "15,00 €"}],
    "fees_total": "15,00 €",
    "deposits": [],
    "deposits_total": "0,00 €",
    "payment": {"lines": [{"label": "Gebühr", "amount": "12,00 €"}], "total": "12,00 €",
                "url": "https://usingen.example.org/zahlung/abc", "due_date": "16.03.2026"},
    "today": "09.03.2026",
}


def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
                             undefined=jinja2.StrictUndefined)
    env.filters["dative"] = with_dative_article
    return env


@pytest.mark.parametrize("name", ["bescheid-genehmigung", "bescheid-ablehnung"])
def test_letters_render_with_address_reference_and_legal_remedy(name):
    html = environment(True).get_template(f"letters/{name}.html").render(CONTEXT)
    assert "US-2026-000123" in html
    assert "Obergasse 5" in html
    assert "Rechtsbehelfsbelehrung" in html and "bei dem Magistrat der Stadt Usingen" in html
    assert "<p>Die Steuermarke liegt bei.</p>" in html
    assert "Guten Tag Erika Mustermann," in html and "Damen und Herren" not in html


def test_a_deposit_is_listed_apart_from_the_costs_and_not_in_their_total():
    context = {**CONTEXT, "deposits": [{"label": "Kaution", "amount": "300,00 €"}], "deposits_total": "300,00 €"}
    html = environment(True).get_template("letters/bescheid-genehmigung.html").render(context)
    costs, deposit = html.split("<p><strong>Kaution</strong></p>")
    assert "15,00 €" in costs and "300,00 €" not in costs
    assert "300,00 €" in deposit and "erstattet" in deposit


@pytest.mark.parametrize("path", sorted(p.name for p in (TEMPLATES / "mails").glob("*.txt")))
def test_mails_render_with_subject_line_and_status_link(path):
    text = environment(False).get_template(f"mails/{path}").render(CONTEXT)
    subject, blank, *body = text.splitlines()
    assert "US-2026-000123" in subject and blank == ""
    assert "Stadt Usingen" in "\n".join(body)
