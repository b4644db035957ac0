"""Operator page of the cross-town admin: undelivered mails and failed jobs (with retry), stored
documents found missing or altered, and each town's Aussonderung with the archive."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from amtsweg.archive import queries as archive_queries
from amtsweg.archive.models import STATE_LABELS
from amtsweg.auth.access import platform_admin_required
from amtsweg.documents import queries as document_queries
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
    findings = document_queries.open_findings_in_all_towns()
    cycles = archive_queries.cycles_in_all_towns()
    towns = town_names([*(row.tenant_id for row in undelivered), *(row.tenant_id for row in findings),
                        *(row.tenant_id for row in cycles)])
    return render_template(
        "operations/betrieb.html",
        messages_undelivered=undelivered,
        findings=findings,
        cycles=cycles,
        cycle_states=STATE_LABELS,
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
