"""The town's API administration at /verwaltung/api (role tenant_admin): API keys (create, shown
once, revoke) and webhook subscriptions with their delivery log and "send again"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from amtsweg.admin.api_forms import SubscriptionForm, TokenForm, show_problems
from amtsweg.auth import api_tokens
from amtsweg.auth.access import TENANT_ADMIN, roles_required
from amtsweg.notifications import webhooks
from amtsweg.sites import restrict_to

blueprint = Blueprint("town_api", __name__, template_folder="templates", url_prefix="/verwaltung/api")
restrict_to(blueprint, "tenant")


def _shown_once(template: str, **context: Any) -> Any:
    # The page carries a secret that exists nowhere else: no cache may keep it.
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("")
@roles_required(TENANT_ADMIN)
def index() -> str:
    return render_template("town_admin/api.html", tokens=api_tokens.tokens(), is_active=api_tokens.is_active,
                           scopes=api_tokens.SCOPES, roles=api_tokens.ACTING_ROLES,
                           subscriptions=webhooks.subscriptions(), events=webhooks.EVENT_TYPES)


@blueprint.route("/schluessel/neu", methods=["GET", "POST"])
@roles_required(TENANT_ADMIN)
def new_token() -> Any:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = api_tokens.issue(form.name.data or "", form.scopes.data or [],
                                      [form.roles.data] if form.roles.data else [], form.expires_on.data,
                                      current_user.label)
        except api_tokens.TokenSettingsInvalid as refusal:
            show_problems(form, refusal.problems)
        else:
            return _shown_once("town_admin/api_token_created.html", token=issued.token, key=issued.key,
                               scopes=api_tokens.SCOPES)
    return render_template("town_admin/api_token_form.html", form=form)


@blueprint.route("/schluessel/<token_id>/widerrufen", methods=["POST"])
@roles_required(TENANT_ADMIN)
def revoke_token(token_id: str) -> Any:
    token = api_tokens.revoke(token_id, current_user.label)
    if token is None:
        abort(404)
    flash(gettext("Der Schlüssel „%(name)s“ ist widerrufen.", name=token.name), "success")
    return redirect(url_for(".index"), 303)


@blueprint.route("/webhooks/neu", methods=["GET", "POST"])
@roles_required(TENANT_ADMIN)
def new_subscription() -> Any:
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            created = webhooks.subscribe(form.name.data or "", form.url.data or "", form.events.data or [],
                                         current_user.label)
        except webhooks.SubscriptionInvalid as refusal:
            show_problems(form, refusal.problems)
        else:
            return _shown_once("town_admin/api_subscription_created.html", subscription=created.subscription,
                               secret=created.secret)
    return render_template("town_admin/api_subscription_form.html", form=form)


@blueprint.route("/webhooks/<subscription_id>")
@roles_required(TENANT_ADMIN)
def subscription(subscription_id: str) -> str:
    found = webhooks.subscription_by_id(subscription_id)
    if found is None:
        abort(404)
    return render_template("town_admin/api_subscription.html", subscription=found,
                           deliveries=webhooks.deliveries(found), events=webhooks.EVENT_TYPES)


@blueprint.route("/webhooks/<subscription_id>/abbestellen", methods=["POST"])
@roles_required(TENANT_ADMIN)
def unsubscribe(subscription_id: str) -> Any:
    found = webhooks.unsubscribe(subscription_id, current_user.label)
    if found is None:
        abort(404)
    flash(gettext("An „%(name)s“ werden keine Ereignisse mehr gesendet.", name=found.name), "success")
    return redirect(url_for(".subscription", subscription_id=found.id), 303)


@blueprint.route("/webhooks/<subscription_id>/zustellungen/<delivery_id>/erneut-senden", methods=["POST"])
@roles_required(TENANT_ADMIN)
def send_again(subscription_id: str, delivery_id: str) -> Any:
    found = webhooks.subscription_by_id(subscription_id)
    if found is None or not webhooks.send_again(found, delivery_id, current_user.label):
        abort(404)
    flash(gettext("Das Ereignis wird erneut gesendet."), "success")
    return redirect(url_for(".subscription", subscription_id=found.id, _anchor="zustellungen"), 303)
