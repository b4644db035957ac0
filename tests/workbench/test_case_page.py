"""What a clerk sees on the case page: two columns, a text field per step that says what it is for,
decisions set apart and confirmed on a page of their own, messages and history in words, and a page
that does not grow with being looked at."""

from __future__ import annotations

from amtsweg.audit.models import AuditEvent
from amtsweg.cases import history
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import recorded_statements, tenant_info, town_client
from lxml import html
from support.logins import csrf_token_of, login_as
from workbench.case_factory import make_case
from workbench.test_queue_and_case import _case, _step, clerk

HISTORY = "//ol[@class='case-history']/li/span[@class='case-history__text']"


def _tree(client, reference, query=""):
    response = client.get(f"/sachbearbeitung/vorgang/{reference}{query}")
    assert response.status_code == 200
    return html.fromstring(response.get_data(as_text=True))


def _text(element):
    return " ".join(element.text_content().split())


def _events(app, reference, action):
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        case_id = _case(app, "usingen", reference).id
        return db.session.scalars(db.select(AuditEvent).filter_by(
            object_type="case", object_id=str(case_id), action=action)).all()


def _in_progress(app, client):
    reference = make_case(app, "usingen")
    assert _step(client, reference, "start").status_code == 303
    return reference


def test_answers_documents_and_messages_on_the_left_status_assignment_and_steps_on_the_right(app):
    client = clerk(app)
    tree = _tree(client, _in_progress(app, client))
    main = [_text(h) for h in tree.xpath("//div[@class='case-layout__main']//h2")]
    side = [_text(h) for h in tree.xpath("//aside[@class='case-layout__side']//h2")]
    assert main == ["Angaben", "Dokumente", "Nachrichten", "Interne Notizen", "Verlauf"]
    assert side == ["Überblick", "Zuständigkeit", "Bearbeitungsschritte"]
    facts = {_text(d.xpath("./dt")[0]): _text(d.xpath("./dd")[0])
             for d in tree.xpath("//aside//div[@class='kern-description-list-item']")}
    assert facts["Status"] == "In Bearbeitung" and facts["Eingang"] == "02.03.2026 (Online)"
    assert facts["Zuständig"] == "niemand" and facts["Fällig am"]


def test_each_steps_text_field_says_what_the_text_is_for(app):
    client = clerk(app)
    tree = _tree(client, _in_progress(app, client))
    labels = [_text(label) for label in tree.xpath("//form[contains(@class, 'case-action')]//label")]
    assert labels == [
        "Was fehlt? Ihre Nachforderung an die antragstellende Person (erforderlich)",
        "Begründung im Bescheid „Genehmigen“ (freiwillig)",
        "Begründung im Bescheid „Ablehnen“ (freiwillig)",
    ]


def test_approve_and_reject_look_different_and_ask_for_confirmation_first(app):
    client = clerk(app)
    reference = _in_progress(app, client)
    tree = _tree(client, reference)
    buttons = {_text(b): b for b in tree.xpath("//form[contains(@class, 'case-action')]//button")}
    assert "kern-btn--primary" in buttons["Genehmigen …"].get("class")
    assert "case-action--danger" in buttons["✕ Ablehnen …"].get("class")
    assert "kern-btn--primary" not in buttons["✕ Ablehnen …"].get("class")
    form = buttons["✕ Ablehnen …"].xpath("ancestor::form")[0]
    assert form.get("action").endswith("/schritt/reject/bestaetigen")
    token = csrf_token_of(client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    asked = client.post(form.get("action"), data={"csrf_token": token, "nachricht": "Hund nicht gemeldet."})
    assert asked.status_code == 200
    page = html.fromstring(asked.get_data(as_text=True))
    assert _text(page.xpath("//h1")[0]) == "„Ablehnen“ wirklich ausführen?"
    assert "Hund nicht gemeldet." in _text(page.xpath("//blockquote")[0])
    assert _case(app, "usingen", reference).status == "in_progress"
    confirm = page.xpath("//form[@class='case-confirm']")[0]
    assert [_text(b) for b in confirm.xpath(".//button")] == ["Ja, Ablehnen"]
    assert _text(confirm.xpath(".//a")[0]) == "Abbrechen, zurück zum Vorgang"
    done = client.post(confirm.get("action"), data={
        "csrf_token": token, "nachricht": confirm.xpath(".//input[@name='nachricht']")[0].get("value")})
    assert done.status_code == 303
    assert _case(app, "usingen", reference).status == "rejected"


def test_an_empty_information_request_says_what_is_missing_and_changes_nothing(app):
    client = clerk(app)
    reference = _in_progress(app, client)
    response = _step(client, reference, "request_information", "  ")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bitte schreiben Sie, welche Unterlagen oder Angaben fehlen." in page
    assert "mit Ihrer Rolle" not in page
    assert _case(app, "usingen", reference).status == "in_progress"


def test_the_history_is_told_in_words_without_page_views(app):
    client = clerk(app)
    reference = _in_progress(app, client)
    _step(client, reference, "request_information", "Bitte Impfpass nachreichen.")
    texts = [_text(span) for span in _tree(client, reference).xpath(HISTORY)]
    assert texts == ["Unterlagen oder Angaben nachgefordert von sb-usingen",
                     "Bearbeitung begonnen von sb-usingen"]
    page = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    assert "case.viewed" not in page and "case.transition" not in page


def test_messages_are_headed_by_who_wrote_them_and_why(app):
    client = clerk(app)
    reference = _in_progress(app, client)
    _step(client, reference, "request_information", "Bitte Impfpass nachreichen.")
    heads = [_text(p) for p in _tree(client, reference).xpath("//p[@class='kern-body case-message__head']")]
    assert heads[0].startswith("Sachbearbeitung – Nachforderung · ")
    english = clerk(app)
    english.get("/sprache/en")
    heads = [_text(p) for p in _tree(english, reference).xpath("//p[@class='kern-body case-message__head']")]
    assert heads[0].startswith("Case worker – request for information · ")


def test_a_case_view_is_logged_once_per_clerk_and_day_and_the_page_does_not_grow(app):
    client = clerk(app)
    reference = _in_progress(app, client)
    first = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    with recorded_statements(app) as statements:
        again = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    for _ in range(10):
        client.get(f"/sachbearbeitung/vorgang/{reference}")
    with recorded_statements(app) as later:
        last = client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    assert len(_events(app, reference, "case.viewed")) == 1
    assert len(later) == len(statements)
    assert len(again) == len(last)
    assert "case.viewed" not in first
    assert not any(s.lstrip().upper().startswith("INSERT") for s in later), later
    other = town_client(app, "usingen")
    login_as(other, "clerk", username="k-meier")
    other.get(f"/sachbearbeitung/vorgang/{reference}")
    other.get(f"/sachbearbeitung/vorgang/{reference}")
    assert len(_events(app, reference, "case.viewed")) == 2


def test_a_long_history_is_paged(app, monkeypatch):
    monkeypatch.setattr(history, "HISTORY_PAGE_SIZE", 3)
    client = clerk(app)
    reference = _in_progress(app, client)
    token = csrf_token_of(client.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True))
    for number in range(4):
        client.post(f"/sachbearbeitung/vorgang/{reference}/notiz", data={"csrf_token": token, "notiz": f"N{number}"})
    tree = _tree(client, reference)
    assert len(tree.xpath("//ol[@class='case-history']/li")) == 3
    older = tree.xpath("//a[text()='Ältere Einträge']/@href")[0]
    rest = [_text(span) for span in _tree(client, "", older.removeprefix("/sachbearbeitung/vorgang/")).xpath(HISTORY)]
    assert rest == ["Interne Notiz von sb-usingen",
                                                          "Bearbeitung begonnen von sb-usingen"]


def test_the_confirmation_page_of_another_towns_case_is_404(app):
    reference = make_case(app, "schmitten")
    client = clerk(app, "usingen")
    token = csrf_token_of(client.get("/sachbearbeitung/").get_data(as_text=True))
    assert client.post(f"/sachbearbeitung/vorgang/{reference}/schritt/reject/bestaetigen",
                       data={"csrf_token": token}).status_code == 404
    assert client.get(f"/sachbearbeitung/vorgang/{reference}?verlauf_vor=5").status_code == 404
