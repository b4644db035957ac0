"""Cross-town process administration on admin.<base>: library, versions and diffs, the enablement
matrix and the definition editor (role platform_admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from amtsweg.admin.process_forms import EditorForm, ToggleForm
from amtsweg.auth.access import platform_admin_required
from amtsweg.forms.inputs import page_previews
from amtsweg.processes import queries, services
from amtsweg.processes.schema import AREAS, PAYMENT_POLICY_LABELS
from amtsweg.sites import restrict_to
from amtsweg.tenancy import tenant_context
from amtsweg.tenancy.queries import town_count, town_page
from amtsweg.tenancy.resolution import directory
from amtsweg.web import small_int

blueprint = Blueprint("library", __name__, template_folder="templates", url_prefix="/bibliothek")
restrict_to(blueprint, "admin")
KINDS = {"digital": lazy_gettext("digital"), "external": lazy_gettext("externer Dienst")}
# Towns per page of the matrix and of a process's page (columns and rows that stay readable).
TOWNS_PER_PAGE = 10
# Up to this many towns the library's town filter is a list to choose from, beyond it a text field.
TOWN_CHOICES = 100


def _actor() -> str:
    return f"{current_user.label} (Verbund)"


def _process_or_404(slug: str) -> Any:
    process = queries.process_by_slug(slug)
    if process is None:
        abort(404)
    return process


def _choice(name: str, allowed: Any) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


@blueprint.route("")
@platform_admin_required
def index() -> str:
    town = request.args.get("kommune", "").strip()[:63]
    info = directory.by_slug(town) if town else None
    search = request.args.get("suche", "").strip()[:100]
    rows = queries.library_overview(
        search or None, _choice("bereich", AREAS), _choice("art", KINDS), info.id if info else None
    )
    total = town_count()
    return render_template(
        "library/index.html", rows=rows, town_total=total,
        town_choices=town_page(per_page=TOWN_CHOICES).towns if total <= TOWN_CHOICES else None,
        areas=AREAS, kinds=KINDS, search=search,
        selected={"bereich": request.args.get("bereich"), "art": request.args.get("art"), "kommune": town},
    )


def _towns_shown() -> tuple[Any, str]:
    """The page of towns a matrix or process page shows (``kommunen`` searches, ``seite`` pages)."""
    search = request.args.get("kommunen", "").strip()[:100]
    return town_page(search, small_int(request.args.get("seite", "")) or 1, TOWNS_PER_PAGE), search


@blueprint.route("/<slug>")
@platform_admin_required
def detail(slug: str) -> str:
    process = _process_or_404(slug)
    towns, town_search = _towns_shown()
    return render_template(
        "library/detail.html", process=process, versions=process.versions,
        enabled=queries.enabled_towns(process, [t.id for t in towns.towns]),
        towns=towns, town_search=town_search, areas=AREAS, toggle=ToggleForm(),
    )


@blueprint.route("/<slug>/unterschied")
@platform_admin_required
def diff(slug: str) -> str:
    process = _process_or_404(slug)
    old = queries.version_of(process, small_int(request.args.get("von", "")) or 0)
    new = queries.version_of(process, small_int(request.args.get("zu", "")) or 0)
    if old is None or new is None:
        abort(404)
    return render_template("library/diff.html", process=process, old=old, new=new,
                           lines=queries.version_diff(old, new))


@blueprint.route("/<slug>/bearbeiten", methods=["GET", "POST"])
@platform_admin_required
def editor(slug: str) -> Any:
    process = _process_or_404(slug)
    current = queries.current_version(process)
    form = EditorForm(data={"source": current.source if current else ""})
    errors: list[Any] = []
    preview = None
    if form.validate_on_submit():
        root = Path(current_app.config["PROCESSES_DIR"])
        if request.form.get("aktion") == "veroeffentlichen":
            try:
                version = services.publish_source(root, slug, form.source.data or "", author=_actor())
            except services.ProcessLibraryError as exc:
                errors = exc.problems
            else:
                flash(gettext("Version %(version)s wurde veröffentlicht.", version=version.short), "success")
                return redirect(url_for(".detail", slug=slug))
        else:
            loaded, errors = services.check_source(root, slug, form.source.data or "")
            preview = loaded.definition if loaded is not None and not errors else None
    pages = page_previews(preview.form) if preview is not None and preview.form is not None else []
    return render_template("library/editor.html", process=process, form=form, errors=errors, preview=preview,
                           pages=pages, payment_policy_labels=PAYMENT_POLICY_LABELS)


@blueprint.route("/freischaltung")
@platform_admin_required
def matrix() -> str:
    towns, town_search = _towns_shown()
    ids = [t.id for t in towns.towns]
    counts = queries.enablement_counts(ids)
    return render_template(
        "library/matrix.html", rows=queries.enablement_matrix(ids), towns=towns, town_search=town_search,
        areas=AREAS, counts=counts, totals={town_id: sum(counts.get(town_id, {}).values()) for town_id in ids},
        toggle=ToggleForm(), town_total=town_count(),
    )


@blueprint.route("/freischaltung/<slug>/<town>", methods=["POST"])
@platform_admin_required
def toggle(slug: str, town: str) -> Any:
    form = ToggleForm()
    info = directory.by_slug(town)
    if info is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    # Recorded in the affected town's audit log, as every change of its enablement.
    with tenant_context(info):
        try:
            services.set_enabled(slug, form.enabled.data == "1", actor=_actor())
        except services.UnknownProcess:
            abort(404)
    target = request.form.get("zurueck")
    # Back to the same page of towns.
    shown: dict[str, Any] = {key: request.form[key][:100] for key in ("seite", "kommunen") if request.form.get(key)}
    if target == "detail":
        return redirect(url_for(".detail", slug=slug, **shown))
    return redirect(url_for(".matrix", _anchor=f"p-{slug}", **shown))
