"""Staff sessions can be ended: logout ends the account's sessions everywhere (a copied cookie
included), a change of roles ends the sessions opened with the old ones, and an administrator can
end all sessions of an account from the account list."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from amtsweg.audit.models import AuditEvent
from amtsweg.auth.models import PlatformUser, User
from amtsweg.extensions import db
from amtsweg.tenancy import tenant_context
from conftest import host_client, tenant_info, town_client
from sqlalchemy import select, update
from support.logins import csrf_token_of, login_as
from support.tables import data_table

QUEUE = "/sachbearbeitung/"


def _copy(client, host: str | None = None):
    """A second client holding a copy of ``client``'s session cookie (a stolen or copied cookie)."""
    copy = host_client(client.application, host or client.host)
    cookie = client.get_cookie("session", domain=client.host)
    copy.set_cookie("session", cookie.value, domain=copy.host)
    return copy


def _logout(client, page_path: str = "/") -> None:
    page = client.get(page_path).get_data(as_text=True)
    assert client.post("/abmelden", data={"csrf_token": csrf_token_of(page)}).status_code == 302


def _logged_in(client, path: str = QUEUE) -> bool:
    return client.get(path).status_code == 200


def _user_id(app, username: str, slug: str = "usingen") -> int:
    with app.app_context(), tenant_context(tenant_info(app, slug)):
        return db.session.scalar(select(User.id).where(User.subject == username))


def test_a_copied_cookie_no_longer_works_after_logout(app):
    client = town_client(app, "usingen")
    login_as(client, "clerk", username="sb-u")
    copy = _copy(client)
    assert _logged_in(copy)
    _logout(client)
    assert not _logged_in(client)
    response = copy.get(QUEUE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")


def test_a_copied_cookie_of_the_admin_host_no_longer_works_after_logout(app):
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    copy = _copy(admin)
    assert _logged_in(copy, "/uebersicht")
    _logout(admin, "/uebersicht")
    assert copy.get("/uebersicht").status_code == 302


def test_logging_in_again_with_other_roles_ends_the_sessions_with_the_old_ones(app):
    first = town_client(app, "usingen")
    login_as(first, "clerk", "tenant_admin", username="sb-u")
    assert _logged_in(first, "/verwaltung/benutzer")
    second = town_client(app, "usingen")
    login_as(second, "clerk", username="sb-u")
    assert first.get(QUEUE).status_code == 302
    # The same roles again leave the other sessions alone.
    third = town_client(app, "usingen")
    login_as(third, "clerk", username="sb-u")
    assert _logged_in(second) and _logged_in(third)


def test_the_town_admin_ends_all_sessions_of_a_clerk(app):
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    laptop = _copy(clerk)
    admin = town_client(app, "usingen")
    login_as(admin, "tenant_admin", username="verwaltung-u")
    page = admin.get("/verwaltung/benutzer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Benutzerkonten der Kommune" in html and "sb-u" in html and "Sachbearbeitung" in html
    user_id = _user_id(app, "sb-u")
    response = admin.post(f"/verwaltung/benutzer/{user_id}/sitzungen-beenden", data={"csrf_token": csrf_token_of(html)})
    assert response.status_code == 302
    assert "Alle Sitzungen von sb-u wurden beendet." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert not _logged_in(clerk) and not _logged_in(laptop)
    assert _logged_in(admin, "/verwaltung/benutzer")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended")).one()
        assert (event.actor, event.object_id) == ("verwaltung-u", str(user_id))


def test_the_account_list_shows_each_account_as_a_row_under_its_column_headings(app):
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    admin = town_client(app, "usingen")
    login_as(admin, "tenant_admin", username="verwaltung-u")

    headers, rows = data_table(admin.get("/verwaltung/benutzer").get_data(as_text=True), "Benutzerkonten der Kommune")

    assert headers == ["Name", "E-Mail", "Rollen", "Letzte Anmeldung", "Aktion"]
    [row] = [row for row in rows if row[0].startswith("sb-u")]
    assert row[2] == "Sachbearbeitung" and row[4].startswith("Alle Sitzungen beenden: sb-u")


def test_the_account_list_shows_the_last_login_in_german_time_in_german_and_english(app):
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        # Half past eleven on a winter evening in UTC is already the next day in Germany (CET, UTC+1).
        db.session.execute(update(User).where(User.subject == "sb-u")
                           .values(last_login_at=datetime(2026, 12, 4, 23, 30, tzinfo=UTC)))
        db.session.commit()
    admin = town_client(app, "usingen")
    login_as(admin, "tenant_admin", username="verwaltung-u")

    _, rows = data_table(admin.get("/verwaltung/benutzer").get_data(as_text=True), "Benutzerkonten der Kommune")
    [row] = [row for row in rows if row[0].startswith("sb-u")]
    assert row[3] == "05.12.2026, 00:30 MEZ"

    admin.get("/sprache/en")
    _, rows = data_table(admin.get("/verwaltung/benutzer").get_data(as_text=True), "The town's staff accounts")
    [row] = [row for row in rows if row[0].startswith("sb-u")]
    assert row[3] == "5 Dec 2026, 00:30 CET"


def test_ending_sessions_needs_the_csrf_token(app):
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    admin = town_client(app, "usingen")
    login_as(admin, "tenant_admin", username="verwaltung-u")
    assert admin.post(f"/verwaltung/benutzer/{_user_id(app, 'sb-u')}/sitzungen-beenden").status_code == 400
    assert _logged_in(clerk)


def test_another_towns_admin_can_neither_see_nor_end_a_towns_sessions(app):
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    other = town_client(app, "schmitten")
    login_as(other, "tenant_admin", username="verwaltung-s")
    html = other.get("/verwaltung/benutzer").get_data(as_text=True)
    assert "sb-u" not in html
    response = other.post(f"/verwaltung/benutzer/{_user_id(app, 'sb-u')}/sitzungen-beenden",
                          data={"csrf_token": csrf_token_of(html)})
    assert response.status_code == 404
    assert _logged_in(clerk)
    # On the admin host the town's account list does not exist at all.
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    assert admin.get("/verwaltung/benutzer").status_code == 404


def test_the_account_list_is_for_the_towns_administrators_only(app):
    clerk = town_client(app, "usingen")
    login_as(clerk, "clerk", username="sb-u")
    assert clerk.get("/verwaltung/benutzer").status_code == 403
    assert town_client(app, "usingen").get("/verwaltung/benutzer").status_code == 302


def test_the_platform_admin_ends_all_sessions_of_another_platform_admin(app):
    colleague = host_client(app, "admin.localhost")
    login_as(colleague, "platform_admin", username="ikz-2")
    admin = host_client(app, "admin.localhost")
    login_as(admin, "platform_admin", username="ikz")
    html = admin.get("/benutzer").get_data(as_text=True)
    assert "Konten der Verbundverwaltung" in html and "ikz-2" in html
    with app.app_context():
        colleague_id = db.session.scalar(select(PlatformUser.id).where(PlatformUser.subject == "ikz-2"))
    response = admin.post(f"/benutzer/{colleague_id}/sitzungen-beenden", data={"csrf_token": csrf_token_of(html)})
    assert response.status_code == 302
    assert colleague.get("/uebersicht").status_code == 302
    assert _logged_in(admin, "/uebersicht")
    # A town host has no platform account list; an unknown account is a 404.
    assert town_client(app, "usingen").get("/benutzer").status_code == 404
    assert admin.post("/benutzer/99999/sitzungen-beenden", data={"csrf_token": csrf_token_of(html)}).status_code == 404


def test_the_account_list_is_linked_from_the_towns_administration(app):
    admin = town_client(app, "usingen")
    login_as(admin, "tenant_admin", username="verwaltung-u")
    html = admin.get("/verwaltung/leistungen").get_data(as_text=True)
    assert re.search(r'href="/verwaltung/benutzer">Benutzerkonten der Kommune<', html)
