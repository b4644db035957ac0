"""amtsweg — process platform for municipal online services, one deployment for several towns."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, send_from_directory
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from amtsweg import settings
from amtsweg.cleaning import CleanRequest
from amtsweg.extensions import babel, csrf, db, migrate
from amtsweg.forms import templating as forms_templating
from amtsweg.resilience import dispatch_with_one_retry
from amtsweg.tenancy.context import clear_request_tenant, current_tenant_or_none, set_request_tenant
from amtsweg.tenancy.resolution import directory
from amtsweg.tenancy.rls import OPS_BIND
from amtsweg.tenancy.templating import TenantEnvironments

PACKAGE_DIR = Path(__file__).resolve().parent
# Domain modules that render pages of their own by name (the receipts as PDF, the council report); the
# faces' templates come with their blueprints, the form engine's with its field types.
DOMAIN_TEMPLATE_MODULES = ("cases", "payments", "reports")


class AmtswegFlask(Flask):
    """Flask with the domain modules' templates and each town's template overrides, requests whose
    values carry no control characters, and one more try of a read whose database connection broke."""

    request_class = CleanRequest

    def dispatch_request(self) -> Any:
        """The view's response; a GET or HEAD that lost its database connection runs once more."""
        return dispatch_with_one_retry(super().dispatch_request)

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        folders = ["templates", *(f"{module}/templates" for module in DOMAIN_TEMPLATE_MODULES)]
        return ChoiceLoader([FileSystemLoader([str(PACKAGE_DIR / folder) for folder in folders]),
                             forms_templating.template_loader()])

    @cached_property
    def tenant_environments(self) -> TenantEnvironments:
        return TenantEnvironments(self.create_jinja_environment(), Path(self.config["TENANTS_DIR"]))

    # Flask declares jinja_env a cached attribute of the app; here it is chosen per town.
    @property
    def jinja_env(self) -> Environment:  # type: ignore[override]
        """The environment of the current town (its overlay when it overrides templates)."""
        return self.tenant_environments.for_tenant(current_tenant_or_none())


def _load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    app.config.update(settings.DEFAULTS)
    env = (overrides or {}).get("ENV") or os.environ.get("AMTSWEG_ENV", settings.DEFAULTS["ENV"])
    config_file = settings.REPOSITORY_ROOT / "config" / f"{env}.py"
    if not config_file.is_file():
        raise settings.ConfigurationError(f"unknown environment '{env}' (no config/{env}.py)")
    app.config.from_pyfile(str(config_file))
    app.config["ENV"] = env
    app.config.update(settings.environment_overrides(os.environ, settings.DEFAULTS))
    app.config.update(overrides or {})
    instance_dir = Path(app.config["INSTANCE_DIR"])
    instance_dir.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(instance_dir)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or (
        f"sqlite:///{instance_dir / 'amtsweg.sqlite3'}"
    )
    # A connection from the pool is checked before use: after a database restart no request
    # gets a dead one.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if app.config["OPS_DATABASE_URL"]:
        app.config["SQLALCHEMY_BINDS"] = {OPS_BIND: app.config["OPS_DATABASE_URL"]}
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Host-only cookies: a session of one town is never sent to another town's host.
    app.config["SESSION_COOKIE_DOMAIN"] = None
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LANGUAGES"][0]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    if env == "production":
        settings.check_production(app.config)
    # The host check is ours (_resolve_site), not Flask's: an untrusted host is a 404 like any
    # unknown host, and health and metrics still answer a load balancer that probes by IP.
    app.config["ALLOWED_HOSTS"] = list(app.config["TRUSTED_HOSTS"])
    app.config["TRUSTED_HOSTS"] = None


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


# Routes that show no town's data and work the same on every host: the shared files and the
# language switch (which the error page of an unknown town links to).
SITE_FREE_ENDPOINTS = ("static", "kern_asset", "switch_language")


def _resolve_site() -> None:
    if request.blueprint == "operations":
        # Health and metrics answer on any host (load balancers use IPs) and show no town's data.
        g.site = None
        return
    allowed = current_app.config["ALLOWED_HOSTS"]
    if allowed and not host_is_trusted(request.host, allowed):
        raise NotFound()
    site = directory.resolve(request.host, g.base_domain)
    if site is None and request.endpoint in SITE_FREE_ENDPOINTS:
        g.site = None
        return
    if site is None:
        raise NotFound()
    g.site = site
    set_request_tenant(site.tenant)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def resolve_site() -> None:
        g.base_domain = app.config["BASE_DOMAIN"]
        _resolve_site()

    @app.teardown_request
    def forget_tenant(exc: BaseException | None) -> None:
        clear_request_tenant()


def _register_assets(app: Flask) -> None:
    kern_dir = Path(app.config["KERN_DIR"])

    @app.route("/static/kern/<path:filename>")
    def kern_asset(filename: str) -> Any:
        return send_from_directory(kern_dir, filename, max_age=86400)


def _register_template_globals(app: Flask) -> None:
    """Names every face's templates use (the shared header asks whether citizens can log in)."""
    from amtsweg.auth.citizens import citizen_provider
    from amtsweg.cases.states import STATUS_LABELS, channel_label, message_label, status_label, status_tone
    from amtsweg.documents.services import file_too_large_message
    from amtsweg.reports.tables import display

    app.add_template_global(channel_label)
    app.add_template_global(message_label)
    app.add_template_global(status_label)
    app.add_template_global(status_tone)
    app.add_template_global(display, "stat_value")
    app.add_template_global(file_too_large_message)
    app.jinja_env.globals["status_labels"] = STATUS_LABELS
    app.add_template_global(lambda: citizen_provider() is not None, "citizen_login_available")


def warm_up(app: AmtswegFlask) -> None:
    """Compiles the shared templates and fills the process caches once, in the process that forks
    the workers (gunicorn's ``preload_app``). Every worker, also one that replaces another after
    ``max_requests``, starts with them instead of paying for them on its first pages."""
    from amtsweg.processes import queries as processes

    environment = app.tenant_environments.shared
    loaders = [app.jinja_loader, *(blueprint.jinja_loader for blueprint in app.blueprints.values())]
    for loader in filter(None, loaders):
        for listing in getattr(loader, "loaders", [loader]):
            try:
                names = listing.list_templates()
            except TypeError:  # a loader that cannot list (the form engine's) is compiled on use
                continue
            for name in names:
                if name.endswith(".html"):
                    environment.get_template(name)
    with app.app_context():
        processes.warm_caches()
        db.session.remove()
        # The forking process serves no request: its connections would only stay open in every worker.
        for engine in db.engines.values():
            engine.dispose()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI application. ``overrides`` take precedence over files and environment."""
    app = AmtswegFlask(
        __name__,
        static_folder=str(PACKAGE_DIR / "static"),
        template_folder=str(PACKAGE_DIR / "templates"),
    )
    _load_config(app, overrides)
    from amtsweg import cleaning, routing

    routing.init_app(app)
    cleaning.init_app(app)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    from amtsweg import models  # noqa: F401 - registers every table with the metadata
    from amtsweg.reports import recording  # noqa: F401 - keeps the statistics' facts in step with every flush

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    # The site first: the form check may end the request (a form over the size limit), and the page
    # that answers it is the town's.
    _register_request_hooks(app)
    csrf.init_app(app)

    from amtsweg import formatting, forms, i18n, security, web

    babel.init_app(app, locale_selector=i18n.select_locale)
    security.init_app(app)
    web.init_app(app)
    formatting.init_app(app)
    forms.init_app(app)
    _register_template_globals(app)
    _register_assets(app)

    from amtsweg import operations

    operations.init_app(app)

    from amtsweg.auth import sessions as auth_sessions

    auth_sessions.init_app(app)

    # The payments module fills the workflow's request_payment slot by registering its action.
    import amtsweg.payments.requests  # noqa: F401
    from amtsweg.admin.accounts import platform_blueprint as platform_accounts_blueprint
    from amtsweg.admin.accounts import town_blueprint as town_accounts_blueprint
    from amtsweg.admin.api_access import blueprint as town_api_blueprint
    from amtsweg.admin.library import blueprint as library_blueprint
    from amtsweg.admin.operations import blueprint as admin_operations_blueprint
    from amtsweg.admin.statistics import blueprint as statistics_blueprint
    from amtsweg.admin.town_processes import blueprint as town_processes_blueprint
    from amtsweg.admin.town_statistics import blueprint as town_statistics_blueprint
    from amtsweg.admin.views import blueprint as admin_blueprint
    from amtsweg.auth.views import blueprint as auth_blueprint
    from amtsweg.operations.views import blueprint as operations_blueprint
    from amtsweg.portal.account import blueprint as account_blueprint
    from amtsweg.portal.application import blueprint as application_blueprint
    from amtsweg.portal.catalogue import blueprint as catalogue_blueprint
    from amtsweg.portal.payments import blueprint as payment_blueprint
    from amtsweg.portal.status import blueprint as status_blueprint
    from amtsweg.portal.views import blueprint as portal_blueprint
    from amtsweg.workbench.contracts import blueprint as contracts_blueprint
    from amtsweg.workbench.views import blueprint as workbench_blueprint

    app.register_blueprint(operations_blueprint)
    app.register_blueprint(portal_blueprint)
    app.register_blueprint(catalogue_blueprint)
    app.register_blueprint(application_blueprint)
    app.register_blueprint(status_blueprint)
    app.register_blueprint(account_blueprint)
    app.register_blueprint(payment_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(admin_operations_blueprint)
    app.register_blueprint(library_blueprint)
    app.register_blueprint(town_processes_blueprint)
    app.register_blueprint(town_statistics_blueprint)
    app.register_blueprint(statistics_blueprint)
    app.register_blueprint(town_api_blueprint)
    app.register_blueprint(town_accounts_blueprint)
    app.register_blueprint(platform_accounts_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(contracts_blueprint)
    app.register_blueprint(workbench_blueprint)

    from amtsweg import api

    api.init_app(app)

    from amtsweg import ratelimits

    ratelimits.init_app(app)

    from amtsweg.cli import register_commands

    register_commands(app)
    return app
