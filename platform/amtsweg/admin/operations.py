"""Operator page of the cross-town admin: undelivered mails and failed jobs, with retry."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from amtsweg.auth.access import platform_admin_required
from amtsweg.jobs import queries as job_queries
from amtsweg.jobs.queues import QUEUE_NAMES
from amtsweg.notifications import queries as outbox_queries
from amtsweg.notifications import services as outbox_services
from amtsweg.sites import restrict_to
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.queries import town_by_id, town_names

TEMPLATES = Path(__file__).resolve().parents[1] / "operations" / "templates"
blueprint = Blueprint("admin_operations", __name__, template_folder=str(TEMPLATES))
restrict_to(blueprint, "admin")


@blueprint.route("/betrieb")
@platform_admin_required
def overview() -> str:
    failed_jobs: list[job_queries.FailedJob] = []
    jobs_unavailable = ""
    if not current_app.config["REDIS_URL"]:
        jobs_unavailable = _("Ohne Redis laufen Aufgaben direkt im Webprozess; es gibt keine Warteschlangen.")
    else:
        try:
            failed_jobs = job_queries.failed_jobs()
        except redis.RedisError:
            jobs_unavailable = _(
                "Redis ist nicht erreichbar. Mails bleiben im Postausgang und werden später zugestellt."
            )
    undelivered = outbox_queries.undelivered_in_all_towns()
    towns = town_names(message.tenant_id for message in undelivered)
    return render_template(
        "operations/betrieb.html",
        messages_undelivered=undelivered,
        failed_jobs=failed_jobs,
        jobs_unavailable=jobs_unavailable,
        towns=towns,
    )


@blueprint.route("/betrieb/mails/<int:message_id>/erneut-senden", methods=["POST"])
@platform_admin_required
def retry_message(message_id: int) -> Response:
    tenant_id = outbox_queries.tenant_of(message_id)
    town = town_by_id(tenant_id)
    if town is None:
        raise NotFound()
    with tenant_context(town):
        message = outbox_services.retry(message_id)
    flash(_("Mail %(id)s wird erneut gesendet.", id=message_id) if message else _("Die Mail ist bereits zugestellt."))
    return redirect(url_for(".overview"))


@blueprint.route("/betrieb/aufgaben/<queue_name>/<job_id>/wiederholen", methods=["POST"])
@platform_admin_required
def retry_job(queue_name: str, job_id: str) -> Response:
    if queue_name not in QUEUE_NAMES:
        raise NotFound()
    requeued = job_queries.requeue_failed(queue_name, job_id)
    flash(_("Die Aufgabe wurde erneut eingereiht.") if requeued else _("Die Aufgabe ist nicht mehr fehlgeschlagen."))
    return redirect(url_for(".overview"))
