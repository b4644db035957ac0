"""The personal iCalendar feed: a secret address (stored hashed) with the deadlines of the contracts
a user is responsible for or deputises on."""

from __future__ import annotations

from datetime import timedelta

from amtsweg.auth.models import User
from amtsweg.clock import today_in_germany
from amtsweg.contracts.models import CalendarFeed
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from amtsweg.tokens import hash_token
from conftest import tenant_info, town_client
from contract_support import calendar_url, create_contract, user_id, usingen_editor
from dateutil.relativedelta import relativedelta
from icalendar import Calendar


def test_the_feed_lists_the_users_notice_deadlines_and_nothing_else(app, client_for):
    editor = usingen_editor(client_for)
    today = today_in_germany()
    terms = {
        "starts_on": (today - timedelta(days=30)).isoformat(),
        "minimum_term": "",
        "renewal_period": "",
        "ends_on": (today + relativedelta(months=8)).isoformat(),
        "notice_period": "3 Monate zum Vertragsende",
    }
    mine = create_contract(editor, title="Mein Vertrag", responsible_id=str(user_id(app, "vertrag-u")), **terms)
    create_contract(editor, title="Fremder Vertrag", **terms)
    path = calendar_url(editor)

    response = town_client(app, "usingen").get(path)  # no login: calendar programs cannot log in
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = [component for component in Calendar.from_ical(response.data).walk("VEVENT")]
    assert [str(event["SUMMARY"]) for event in events] == [f"Kündigungsfrist: V-{today.year}-0001 Mein Vertrag"]
    notice_by = events[0].decoded("DTSTART")
    assert notice_by < today + relativedelta(months=8) - relativedelta(months=3) + timedelta(days=1)
    assert str(events[0]["URL"]).endswith(f"/sachbearbeitung/vertraege/{mine}")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # The calendar warns with the reminder mails' lead times.
    alarms = events[0].walk("VALARM")
    leads = sorted(int(days) for days in app.config["CONTRACT_REMINDER_DAYS"])
    assert sorted(-alarm.decoded("TRIGGER").days for alarm in alarms) == leads
    assert all(str(alarm["ACTION"]) == "DISPLAY" and "Mein Vertrag" in str(alarm["DESCRIPTION"]) for alarm in alarms)


def test_the_token_is_long_random_and_only_its_hash_is_stored_and_renewing_revokes_the_old_one(app, client_for):
    editor = usingen_editor(client_for)
    first = calendar_url(editor)
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43  # 32 random bytes, base64url
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        [feed] = db.session.scalars(db.select(CalendarFeed)).all()
        assert feed.token_hash == hash_token(token) and token not in feed.token_hash
    second = calendar_url(editor)
    anonymous = town_client(app, "usingen")
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200


def test_a_feed_stops_working_when_its_user_loses_the_contract_roles(app, client_for):
    editor = usingen_editor(client_for)
    path = calendar_url(editor)
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        user = db.session.scalar(db.select(User).where(User.subject == "vertrag-u"))
        user.roles = ["clerk"]
        db.session.commit()
    assert town_client(app, "usingen").get(path).status_code == 404
