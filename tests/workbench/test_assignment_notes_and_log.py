"""Assigning cases, queue filters and sorting, internal notes, the audit log and the due date at submission."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import User
from amtsweg.cases.deadlines import TOWN_TIME, add_working_days, initial_due_date
from amtsweg.cases.models import Case
from amtsweg.clock import today_in_germany
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from cases.applying import fill_all_steps, submit
from conftest import tenant_info, town_client
from lxml import html as lxml_html
from support.logins import csrf_token_of, login_as
from workbench.case_factory import make_case


def staff(app, town, username, *roles):
    client = town_client(app, town)
    login_as(client, *roles, username=username)
    return client


def _post(client, path, **data):
    token = csrf_token_of(client.get("/sachbearbeitung/").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _user_id(app, town, username):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return db.session.scalars(db.select(User.id).filter_by(subject=username)).one()


def _assignee(app, town, reference):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return db.session.scalars(db.select(Case.assignee_id).filter_by(reference=reference)).one()


def _events(app, town, action):
    with app.app_context(), tenant_context(tenant_info(app, town)):
        return db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


def _references(html):
    return re.findall(r">([A-Z]{2}-2026-\d{6})</a>", html)


def test_a_clerk_claims_an_unassigned_case_and_finds_it_under_mine(app):
    mine = make_case(app, "usingen", 1)
    other = make_case(app, "usingen", 2)
    client = staff(app, "usingen", "anna", "clerk")
    assert _post(client, f"/sachbearbeitung/vorgang/{mine}/uebernehmen").status_code == 303
    assert _assignee(app, "usingen", mine) == _user_id(app, "usingen", "anna")
    assert _references(client.get("/sachbearbeitung/?zustaendig=ich").get_data(as_text=True)) == [mine]
    assert _references(client.get("/sachbearbeitung/?zustaendig=niemand").get_data(as_text=True)) == [other]
    [event] = _events(app, "usingen", "case.assigned")
    assert event.actor == "anna" and event.details["previous"] is None
    assert "anna" in client.get(f"/sachbearbeitung/vorgang/{mine}").get_data(as_text=True)


def test_only_a_team_lead_takes_over_a_case_someone_else_works_on(app):
    reference = make_case(app, "usingen")
    anna = staff(app, "usingen", "anna", "clerk")
    _post(anna, f"/sachbearbeitung/vorgang/{reference}/uebernehmen")
    ben = staff(app, "usingen", "ben", "clerk")
    refused = _post(ben, f"/sachbearbeitung/vorgang/{reference}/uebernehmen")
    assert "bereits einer anderen Person" in ben.get(refused.headers["Location"]).get_data(as_text=True)
    assert _assignee(app, "usingen", reference) == _user_id(app, "usingen", "anna")
    lead = staff(app, "usingen", "lena", "team_lead")
    _post(lead, f"/sachbearbeitung/vorgang/{reference}/zuweisen", bearbeiter=_user_id(app, "usingen", "ben"))
    assert _assignee(app, "usingen", reference) == _user_id(app, "usingen", "ben")
    assert [e.actor for e in _events(app, "usingen", "case.assigned")] == ["anna", "lena"]
    # A clerk cannot use the team lead's assignment.
    assert _post(anna, f"/sachbearbeitung/vorgang/{reference}/zuweisen", bearbeiter="").status_code == 403


def test_a_team_lead_assigns_the_checked_cases_in_bulk(app):
    references = [make_case(app, "usingen", number) for number in (1, 2, 3)]
    staff(app, "usingen", "anna", "clerk")
    lead = staff(app, "usingen", "lena", "team_lead")
    queue = lead.get("/sachbearbeitung/").get_data(as_text=True)
    assert 'name="vorgang"' in queue
    response = lead.post("/sachbearbeitung/zuweisen", data={
        "csrf_token": csrf_token_of(queue), "vorgang": references[:2], "bearbeiter": _user_id(app, "usingen", "anna")})
    assert response.status_code == 303
    anna = _user_id(app, "usingen", "anna")
    assert [_assignee(app, "usingen", r) for r in references] == [anna, anna, None]
    assert len(_events(app, "usingen", "case.assigned")) == 2
    assert _post(lead, "/sachbearbeitung/zuweisen", vorgang=references[:2], bearbeiter="").status_code == 303
    assert [_assignee(app, "usingen", r) for r in references] == [None, None, None]


def test_bulk_assignment_without_csrf_or_by_a_clerk_changes_nothing(app):
    reference = make_case(app, "usingen")
    lead = staff(app, "usingen", "lena", "team_lead")
    assert lead.post("/sachbearbeitung/zuweisen", data={"vorgang": reference, "bearbeiter": ""}).status_code == 400
    clerk = staff(app, "usingen", "anna", "clerk")
    assert "name=\"vorgang\"" not in clerk.get("/sachbearbeitung/").get_data(as_text=True)
    response = _post(clerk, "/sachbearbeitung/zuweisen", vorgang=reference, bearbeiter=_user_id(app, "usingen", "anna"))
    assert response.status_code == 403
    assert _assignee(app, "usingen", reference) is None


def test_another_towns_cases_and_accounts_are_404_for_assignment_and_notes(app):
    foreign = make_case(app, "schmitten")
    own = make_case(app, "usingen")
    staff(app, "schmitten", "sina", "clerk")
    lead = staff(app, "usingen", "lena", "team_lead")
    for path in ("uebernehmen", "zuweisen", "notiz"):
        assert _post(lead, f"/sachbearbeitung/vorgang/{foreign}/{path}", notiz="x").status_code == 404
    # An account of another town is not a possible assignee, a case of another town is not found.
    sina = _user_id(app, "schmitten", "sina")
    assert _post(lead, f"/sachbearbeitung/vorgang/{own}/zuweisen", bearbeiter=sina).status_code == 404
    assert _post(lead, "/sachbearbeitung/zuweisen", vorgang=foreign, bearbeiter="").status_code == 303
    assert _assignee(app, "schmitten", foreign) is None and _assignee(app, "usingen", own) is None
    assert _events(app, "schmitten", "case.note_added") == []


def test_queue_filters_by_area_and_date_and_sorts(app):
    dog = make_case(app, "usingen", 1, submitted_at=datetime(2026, 3, 2, 9, tzinfo=UTC), due_date=date(2026, 4, 1))
    late = make_case(app, "usingen", 2, submitted_at=datetime(2026, 3, 20, 9, tzinfo=UTC), due_date=date(2026, 3, 25))
    undated = make_case(app, "usingen", 3, submitted_at=datetime(2026, 3, 10, 9, tzinfo=UTC))
    client = staff(app, "usingen", "anna", "clerk")

    def listed(query):
        return _references(client.get(f"/sachbearbeitung/?{query}").get_data(as_text=True))

    assert listed("") == [undated, late, dog]
    assert listed("sortierung=aelteste") == [dog, late, undated]
    assert listed("sortierung=faelligkeit") == [late, dog, undated]
    assert listed("von=2026-03-05&bis=2026-03-10") == [undated]
    assert listed("bereich=steuern-gebuehren") == [undated, late, dog]
    assert listed("bereich=standesamt") == []


def test_sorted_pages_continue_where_the_last_one_ended(app):
    for number in range(1, 56):
        make_case(app, "usingen", number, due_date=date(2026, 5, 1 + number % 20))
    client = staff(app, "usingen", "anna", "clerk")
    seen = []
    url = "/sachbearbeitung/?sortierung=faelligkeit"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += _references(html)
        more = re.search(r'href="([^"]*vor=[^"]*)">Weitere Vorgänge', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert len(seen) == 55 and len(set(seen)) == 55


def test_due_date_is_set_at_submission_and_notes_stay_internal(app):
    citizen = town_client(app, "schmitten")
    fill_all_steps(citizen)
    page = citizen.get(submit(citizen).headers["Location"]).get_data(as_text=True)
    status_link = re.search(r'id="statuslink" href="(/vorgang/[^"]+)"', page).group(1)
    with app.app_context(), tenant_context(tenant_info(app, "schmitten")):
        case = db.session.scalars(db.select(Case)).one()
        reference, due, submitted = case.reference, case.due_date, case.submitted_at
    # Ten working days from the day of arrival in German time (a submission at 23:30 UTC arrives the next day).
    assert due == add_working_days(submitted.replace(tzinfo=UTC).astimezone(TOWN_TIME).date(), 10)

    clerk = staff(app, "schmitten", "sina", "clerk")
    note_url = f"/sachbearbeitung/vorgang/{reference}/notiz"
    assert _post(clerk, note_url, notiz="Rückruf Ehemann: Hund lebt im Zwinger").status_code == 303
    assert _post(clerk, note_url, notiz="   ").status_code == 303
    case_page = clerk.get(f"/sachbearbeitung/vorgang/{reference}").get_data(as_text=True)
    assert "Hund lebt im Zwinger" in case_page
    assert len(_events(app, "schmitten", "case.note_added")) == 1
    status_page = citizen.get(status_link)
    assert status_page.status_code == 200
    assert "Zwinger" not in status_page.get_data(as_text=True)


def test_the_due_date_counts_from_the_local_day_of_arrival():
    # 23:30 UTC on Friday 6 March 2026 is already Saturday in Hessen: ten working days from Saturday.
    assert initial_due_date(datetime(2026, 3, 6, 23, 30, tzinfo=UTC), 10) == date(2026, 3, 20)
    assert initial_due_date(datetime(2026, 3, 6, 12, 0), 10) == date(2026, 3, 20)
    assert initial_due_date(datetime(2026, 3, 6, 12, 0, tzinfo=UTC), None) is None


def test_overdue_cases_are_highlighted_on_the_case_page(app):
    late = make_case(app, "usingen", 1, due_date=date(2026, 1, 5))
    done = make_case(app, "usingen", 2, due_date=date(2026, 1, 5), status="closed")
    client = staff(app, "usingen", "anna", "clerk")
    page = client.get(f"/sachbearbeitung/vorgang/{late}").get_data(as_text=True)
    assert "Die Bearbeitungsfrist ist am 05.01.2026 abgelaufen" in page
    assert "abgelaufen" not in client.get(f"/sachbearbeitung/vorgang/{done}").get_data(as_text=True)


def test_the_audit_log_shows_the_towns_events_to_team_leads_only(app):
    own = make_case(app, "usingen", 1)
    other = make_case(app, "usingen", 2)
    foreign = make_case(app, "schmitten", 1)
    anna = staff(app, "usingen", "anna", "clerk")
    anna.get(f"/sachbearbeitung/vorgang/{own}")
    staff(app, "schmitten", "sina", "clerk").get(f"/sachbearbeitung/vorgang/{foreign}")
    lead = staff(app, "usingen", "lena", "team_lead")
    lead.get(f"/sachbearbeitung/vorgang/{other}")
    assert anna.get("/sachbearbeitung/protokoll").status_code == 403
    log = lead.get("/sachbearbeitung/protokoll").get_data(as_text=True)
    assert "Vorgang geöffnet" in log and own in log and other in log and "sina" not in log
    by_case = lead.get(f"/sachbearbeitung/protokoll?aktenzeichen={own}").get_data(as_text=True)
    assert own in by_case and other not in by_case
    by_actor = lead.get("/sachbearbeitung/protokoll?person=lena").get_data(as_text=True)
    assert other in by_actor and own not in by_actor
    assert "Keine Einträge gefunden" in lead.get(f"/sachbearbeitung/protokoll?aktenzeichen={foreign}").get_data(
        as_text=True)
    today = today_in_germany().isoformat()
    assert "Vorgang geöffnet" not in lead.get("/sachbearbeitung/protokoll?bis=2020-01-01").get_data(as_text=True)
    assert "Vorgang geöffnet" in lead.get(f"/sachbearbeitung/protokoll?von={today}&bis={today}").get_data(as_text=True)
    # The log is read-only: there is no way to change an entry.
    assert lead.post("/sachbearbeitung/protokoll", data={"csrf_token": csrf_token_of(log)}).status_code == 405


def _log_rows(client, query: str = "") -> list[list[str]]:
    tree = lxml_html.fromstring(client.get(f"/sachbearbeitung/protokoll{query}").get_data(as_text=True))
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("td")] for row in tree.xpath("//tbody/tr")]


def test_the_audit_log_names_actions_and_details_in_words_in_german_and_english(app):
    reference = make_case(app, "usingen", 1)
    lead = staff(app, "usingen", "lena", "team_lead")
    lead.get(f"/sachbearbeitung/vorgang/{reference}")
    _post(lead, f"/sachbearbeitung/vorgang/{reference}/zuweisen", bearbeiter=_user_id(app, "usingen", "lena"))
    german = _log_rows(lead, f"?aktenzeichen={reference}")
    actions = [row[2] for row in german]
    assert "Vorgang geöffnet" in actions and "Zuweisung geändert" in actions
    assigned = next(row for row in german if row[2] == "Zuweisung geändert")
    assert "zugewiesen an: lena" in assigned[4] and f"Aktenzeichen: {reference}" in assigned[4]
    assert "None" not in assigned[4] and "assignee_name" not in assigned[4]
    lead.get("/sprache/en")
    english = _log_rows(lead, f"?aktenzeichen={reference}")
    actions = [row[2] for row in english]
    assert "Case opened" in actions and "Assignment changed" in actions
    assigned = next(row for row in english if row[2] == "Assignment changed")
    assert "assigned to: lena" in assigned[4] and f"Reference number: {reference}" in assigned[4]
