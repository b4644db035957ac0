"""/verwaltung/api and the webhooks behind it: an event of a case reaches the town's receiver (a real
HTTP server on loopback) signed with the subscription's secret, and another town's administrator
neither sees nor reaches this town's keys, subscriptions and deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
from amtsweg.auth import api_tokens
from amtsweg.auth.models import ApiToken
from amtsweg.extensions import db
from amtsweg.notifications import webhooks
from amtsweg.notifications.models import WebhookDelivery, WebhookSubscription
from amtsweg.tenancy import tenant_context
from api.helpers import api, issue_key
from conftest import tenant_info
from sqlalchemy import select
from support.logins import csrf_token_of, login_as
from support.tables import data_table
from support.webhook_receiver import WebhookReceiver, webhook_receiver
from workbench.case_factory import make_case


@pytest.fixture
def app_overrides():
    return {"WEBHOOK_ALLOW_LOOPBACK": True}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A town's system on loopback that answers 204 and keeps what it was sent."""
    with webhook_receiver() as running:
        yield running


def _subscribe(app, town: str, url: str) -> tuple[str, str]:
    with app.app_context(), tenant_context(tenant_info(app, town)):
        created = webhooks.subscribe("Fachverfahren Hundesteuer", url, ["case.status_changed"], "Test")
        return created.subscription.id, created.secret


def test_a_workflow_step_reaches_the_receiver_signed_with_the_subscriptions_secret(app, receiver):
    _, secret = _subscribe(app, "usingen", receiver.url)
    reference = make_case(app, "usingen", 1)
    assert api(app, "usingen").post(f"/cases/{reference}/transitions", json={"transition": "start"}).status_code == 200
    [call] = receiver.calls
    headers, body = call.headers, call.body
    expected = hmac.new(secret.encode(), headers["callback-timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["callback-authentication"] == expected.hexdigest()
    event = json.loads(body)
    assert event["type"] == "case.status_changed" and event["town"] == "usingen"
    assert event["data"] == {"reference": reference, "process": event["data"]["process"], "status": "in_progress",
                             "previous_status": "submitted"}


def test_another_towns_administrator_neither_sees_nor_reaches_this_towns_keys_and_webhooks(app, client_for, receiver):
    subscription_id, _ = _subscribe(app, "usingen", receiver.url)
    issue_key(app, "usingen", name="Usingen Fachverfahren")
    reference = make_case(app, "usingen", 1)
    api(app, "usingen").post(f"/cases/{reference}/transitions", json={"transition": "start"})
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        token_id = db.session.scalars(select(ApiToken.id).where(ApiToken.name == "Usingen Fachverfahren")).one()
        delivery_id = db.session.scalars(select(WebhookDelivery.id)).one()

    other = client_for("neu-anspach")
    login_as(other, "tenant_admin", username="admin-neu-anspach")
    index = other.get("/verwaltung/api")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert "Usingen Fachverfahren" not in page and "Fachverfahren Hundesteuer" not in page
    assert other.get(f"/verwaltung/api/webhooks/{subscription_id}").status_code == 404
    csrf = {"csrf_token": csrf_token_of(page)}
    for path in (f"/verwaltung/api/schluessel/{token_id}/widerrufen",
                 f"/verwaltung/api/webhooks/{subscription_id}/abbestellen",
                 f"/verwaltung/api/webhooks/{subscription_id}/zustellungen/{delivery_id}/erneut-senden"):
        assert other.post(path, data=csrf).status_code == 404, path

    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        token = db.session.scalars(select(ApiToken).where(ApiToken.id == token_id)).one()
        subscription = db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.id == subscription_id))
        assert api_tokens.is_active(token) and subscription.one().active
    assert len(receiver.calls) == 1


def test_this_towns_administrator_sees_the_delivery_and_can_send_it_again(app, client_for, receiver):
    subscription_id, _ = _subscribe(app, "usingen", receiver.url)
    reference = make_case(app, "usingen", 1)
    api(app, "usingen").post(f"/cases/{reference}/transitions", json={"transition": "start"})
    with app.app_context(), tenant_context(tenant_info(app, "usingen")):
        delivery_id = db.session.scalars(select(WebhookDelivery.id)).one()

    admin = client_for("usingen")
    login_as(admin, "tenant_admin", username="admin-usingen")
    page = admin.get(f"/verwaltung/api/webhooks/{subscription_id}")
    assert page.status_code == 200 and "Fachverfahren Hundesteuer" in page.get_data(as_text=True)
    again = admin.post(f"/verwaltung/api/webhooks/{subscription_id}/zustellungen/{delivery_id}/erneut-senden",
                       data={"csrf_token": csrf_token_of(page.get_data(as_text=True))})
    assert again.status_code == 303
    first, second = receiver.calls
    assert first.body == second.body


def test_the_towns_administrator_sees_keys_webhooks_and_deliveries_as_rows_under_their_column_headings(
        app, client_for, receiver):
    subscription_id, _ = _subscribe(app, "usingen", receiver.url)
    issue_key(app, "usingen", scopes=("cases:read",), name="Usingen Fachverfahren")
    reference = make_case(app, "usingen", 1)
    api(app, "usingen").post(f"/cases/{reference}/transitions", json={"transition": "start"})
    admin = client_for("usingen")
    login_as(admin, "tenant_admin", username="admin-usingen")
    index = admin.get("/verwaltung/api").get_data(as_text=True)

    headers, keys = data_table(index, "API-Schlüssel")
    [key] = [row for row in keys if row[0].startswith("Usingen Fachverfahren")]
    assert headers == ["Name", "Berechtigungen", "Gültig bis", "Zuletzt benutzt", "Status", "Aktion"]
    assert "amtsweg." in key[0] and key[1] == "Vorgänge lesen: Liste, Einzelheiten und Verlauf Rolle: Sachbearbeitung"
    assert key[4] == "aktiv"
    assert key[5] == "Widerrufen: Usingen Fachverfahren"
    headers, [webhook] = data_table(index, "Webhooks")
    assert headers == ["Name", "Adresse", "Ereignisse", "Status"]
    assert webhook[0] == "Fachverfahren Hundesteuer" and webhook[1] == receiver.url and webhook[3] == "aktiv"
    assert f'href="/verwaltung/api/webhooks/{subscription_id}"' in index

    detail = admin.get(f"/verwaltung/api/webhooks/{subscription_id}").get_data(as_text=True)
    headers, [delivery] = data_table(detail, "Zustellungen, neueste zuerst")
    assert headers == ["Ereignis", "Erstellt", "Status", "Versuche", "Aktion"]
    assert delivery[2].startswith("zugestellt am") and "HTTP 204" in delivery[3]
    assert delivery[4].startswith("Erneut senden: ")
