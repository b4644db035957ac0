"""Webhooks: a town's subscriptions to events and the signed calls that tell its systems about them.

Publishing an event (:func:`publish`) writes, inside the caller's transaction, one delivery per
subscription that wants it and an outbox row (kind ``webhook``) that delivers it: the change and
the call it causes commit together or not at all. The outbox job (:func:`call`) sends the stored
body as a POST, signed like FIT-Connect's callbacks: ``callback-timestamp`` (Unix seconds) and
``callback-authentication`` = hex HMAC-SHA256 with the subscription's secret over
``"<timestamp>.<body>"``. Receivers check the signature in constant time, reject timestamps older
than five minutes and drop repeats by the event's ``id``. A failed call is tried again with the
outbox's backoff; every attempt is logged with the delivery.

A target must be HTTPS in production. Its name is resolved on every call and every address must be
public (no loopback, private, link-local, shared or reserved address); the call goes to the checked
address, so the name cannot be switched in between, and redirects are never followed. Only the
testing environment may allow loopback targets (``WEBHOOK_ALLOW_LOOPBACK``), for a local receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import select

from amtsweg.audit.services import record
from amtsweg.clock import utcnow
from amtsweg.errors import DomainError, Problem
from amtsweg.extensions import db
from amtsweg.notifications.models import PENDING, WEBHOOK, OutboxMessage, WebhookDelivery, WebhookSubscription
from amtsweg.notifications.services import schedule_delivery
from amtsweg.tenancy.context import current_tenant
from amtsweg.tokens import new_token

# The events a town can subscribe to; the domain modules publish them.
EVENT_TYPES = {
    "case.submitted": lazy_gettext("Antrag eingegangen"),
    "case.status_changed": lazy_gettext("Bearbeitungsstand eines Vorgangs geändert"),
    "case.message_received": lazy_gettext("Nachricht der antragstellenden Person eingegangen"),
}
NAME_LIMIT = 100
URL_LIMIT = 2000
# Attempts kept in a delivery's log (the outbox counts all of them).
LOG_LIMIT = 20


class TargetRefused(DomainError):
    """The address cannot receive webhooks: not HTTPS in production, or not a public host."""

    default_message = lazy_gettext("An diese Adresse werden keine Webhooks gesendet.")


class SubscriptionInvalid(DomainError):
    """A new subscription's name, address or events cannot be accepted; ``problems`` names each field."""

    default_message = lazy_gettext("Bitte prüfen Sie die Angaben zum Webhook.")


class CallFailed(RuntimeError):
    """The receiver did not answer with a 2xx status (or could not be reached)."""


@dataclass(frozen=True)
class NewSubscription:
    """A subscription just created and its secret, which exists only in this answer."""

    subscription: WebhookSubscription
    secret: str


# --------------------------------------------------------------------------- targets


def _loopback_allowed() -> bool:
    config = current_app.config
    return config["ENV"] == "testing" and bool(config["WEBHOOK_ALLOW_LOOPBACK"])


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and _loopback_allowed():
        return True
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Refuse an address webhooks may not go to (before anything is resolved or stored)."""
    parts = urlsplit(url)
    https_only = current_app.config["ENV"] == "production"
    schemes = ("https",) if https_only else ("https", "http")
    if parts.scheme not in schemes:
        raise TargetRefused(lazy_gettext("Die Adresse muss mit https:// beginnen.") if https_only else
                            lazy_gettext("Die Adresse muss mit https:// oder http:// beginnen."))
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(lazy_gettext("Die Adresse enthält eine ungültige Portnummer.")) from exc
    if not parts.hostname or parts.username is not None or parts.password is not None or port == 0:
        raise TargetRefused(lazy_gettext("Die Adresse braucht einen Rechnernamen und darf keine Zugangsdaten "
                                         "enthalten."))


def resolve(url: str) -> str:
    """The address to call for ``url``: its name resolved now, every address checked (public, or
    loopback when the testing setting allows it). Raises :class:`TargetRefused`."""
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(lazy_gettext("Der Rechnername der Adresse ist unbekannt.")) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise TargetRefused(lazy_gettext("Die Adresse führt zu einem internen oder nicht öffentlichen Rechner."))
    return addresses[0]


# --------------------------------------------------------------------------- subscriptions


def subscribe(name: str, url: str, events: list[str], actor: str) -> NewSubscription:
    """A new subscription of the current town with a new secret; raises :class:`SubscriptionInvalid`."""
    name, url = name.strip(), url.strip()
    problems = []
    if not name or len(name) > NAME_LIMIT:
        problems.append(Problem("name", lazy_gettext("Bitte geben Sie einen Namen mit höchstens 100 Zeichen ein.")))
    try:
        if len(url) > URL_LIMIT:
            raise TargetRefused(lazy_gettext("Die Adresse darf höchstens 2000 Zeichen lang sein."))
        resolve(url)
    except TargetRefused as refusal:
        problems.append(Problem("url", str(refusal)))
    chosen = sorted(set(events))
    if not chosen or not set(chosen) <= EVENT_TYPES.keys():
        problems.append(Problem("events", lazy_gettext("Bitte wählen Sie mindestens ein Ereignis.")))
    if problems:
        raise SubscriptionInvalid(problems=problems)
    secret = new_token()
    subscription = WebhookSubscription(id=secrets.token_hex(8), name=name, url=url, secret=secret, events=chosen,
                                       active=True, created_by=actor)
    db.session.add(subscription)
    record(actor, "webhook.subscribed", "webhook_subscription", subscription.id, name=name, url=url, events=chosen)
    db.session.commit()
    return NewSubscription(subscription, secret)


def unsubscribe(subscription_id: str, actor: str) -> WebhookSubscription | None:
    """Stop sending to a subscription of the current town (its log stays); None if unknown here."""
    subscription = subscription_by_id(subscription_id)
    if subscription is None:
        return None
    if subscription.active:
        subscription.active = False
        record(actor, "webhook.unsubscribed", "webhook_subscription", subscription.id, name=subscription.name)
        db.session.commit()
    return subscription


def subscription_by_id(subscription_id: str) -> WebhookSubscription | None:
    """One of the current town's subscriptions (another town's id is not found)."""
    return db.session.scalar(select(WebhookSubscription).where(WebhookSubscription.id == subscription_id))


def subscriptions() -> list[WebhookSubscription]:
    """The current town's subscriptions, active ones first, newest first."""
    return list(db.session.scalars(select(WebhookSubscription).order_by(
        WebhookSubscription.active.desc(), WebhookSubscription.created_at.desc(), WebhookSubscription.id)))


def deliveries(subscription: WebhookSubscription, limit: int = 100) -> list[tuple[WebhookDelivery, OutboxMessage]]:
    """The subscription's latest deliveries with their outbox rows (status, attempts, next try)."""
    return list(db.session.execute(
        select(WebhookDelivery, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.outbox_message_id)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(limit)
    ).tuples())


def send_again(subscription: WebhookSubscription, delivery_id: str, actor: str) -> bool:
    """Deliver one event of the subscription once more (delivered or not; same body and event id,
    so a receiver that already has it drops it). False if there is no such delivery or the
    subscription is switched off."""
    row = db.session.execute(
        select(WebhookDelivery, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.outbox_message_id)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription.id)
    ).first()
    if row is None or not subscription.active:
        return False
    delivery, message = row
    message.status = PENDING
    message.next_attempt_at = utcnow()
    message.locked_until = None
    record(actor, "webhook.sent_again", "webhook_subscription", subscription.id, delivery=delivery.id,
           event=delivery.event_id)
    schedule_delivery(message)
    db.session.commit()
    return True


# --------------------------------------------------------------------------- events


def publish(event_type: str, data: dict[str, Any]) -> str:
    """Queue event ``event_type`` with ``data`` for every active subscription of the current town
    that wants it, in the caller's transaction (the caller commits). Returns the event's id."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event '{event_type}'")
    event_id = str(uuid.uuid4())
    tenant = current_tenant()
    body = json.dumps({"id": event_id, "type": event_type, "occurred_at": utcnow().isoformat(timespec="seconds"),
                       "town": tenant.slug, "data": data}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for subscription in db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True))):
        if event_type not in subscription.events:
            continue
        delivery_id = uuid.uuid4().hex
        message = OutboxMessage(tenant_id=tenant.id, kind=WEBHOOK, payload={"delivery": delivery_id}, status=PENDING,
                                attempts=0, next_attempt_at=utcnow(), dedupe_key=f"webhook-{delivery_id}")
        db.session.add(message)
        db.session.flush()
        db.session.add(WebhookDelivery(id=delivery_id, subscription_id=subscription.id, outbox_message_id=message.id,
                                       event_id=event_id, event_type=event_type, body=body, attempts=[]))
        schedule_delivery(message)
    return event_id


# --------------------------------------------------------------------------- calls


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``callback-authentication``: hex HMAC-SHA256 over ``"<timestamp>.<body>"``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to the checked address of ``url`` (the name is resolved once, here); no redirects."""
    address = resolve(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    seconds = float(current_app.config["WEBHOOK_TIMEOUT"])
    timeout = urllib3.Timeout(connect=seconds, read=seconds)
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        # Connect to the checked address, but verify the certificate and send SNI for the name.
        pool = urllib3.HTTPSConnectionPool(address, parts.port or 443, timeout=timeout, retries=False,
                                           server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED")
    else:
        pool = urllib3.HTTPConnectionPool(address, parts.port or 80, timeout=timeout, retries=False)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    with pool:
        response = pool.urlopen("POST", target, body=body, headers={**headers, "Host": parts.netloc},
                                redirect=False, retries=False, preload_content=False)
        response.drain_conn()
        return int(response.status)


def call(message: OutboxMessage) -> dict[str, Any]:
    """The outbox job's delivery of a ``webhook`` row: one signed call, logged with the delivery.
    Raises :class:`CallFailed` (the outbox tries again later) unless the receiver answered 2xx."""
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.outbox_message_id == message.id))
    subscription = subscription_by_id(delivery.subscription_id) if delivery is not None else None
    if delivery is None or subscription is None or not subscription.active:
        return {}  # nothing to send any more: the row is done
    body = delivery.body.encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "amtsweg-webhooks/1", "callback-timestamp": timestamp,
               "callback-authentication": signature(subscription.secret, timestamp, body)}
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        status = _post(subscription.url, body, headers)
        if not 200 <= status < 300:
            error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    except (TargetRefused, urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    entry = {"at": utcnow().isoformat(timespec="seconds"), "status": status, "error": error,
             "ms": int((time.monotonic() - started) * 1000)}
    delivery.attempts = [*delivery.attempts, entry][-LOG_LIMIT:]
    # The attempt stays in the log whatever happens to the row next.
    db.session.commit()
    if error:
        raise CallFailed(error)
    return {}
