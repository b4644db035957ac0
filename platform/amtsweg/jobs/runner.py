"""What RQ (and the inline mode) actually runs: a job function inside an app and tenant context."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, current_app, has_app_context

from amtsweg.extensions import db
from amtsweg.tenancy.context import tenant_context
from amtsweg.tenancy.models import Tenant

# Where a worker started without an app (``rq worker``) builds one. A path rather than an import:
# the plumbing must not depend on the package root, which wires up every face.
APP_FACTORY = "amtsweg:create_app"
_process_app: Flask | None = None


def _app() -> Flask:
    """The app of this worker process: the CLI's when started by ``flask jobs worker``."""
    global _process_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _process_app is None:
        module_name, _, factory = APP_FACTORY.partition(":")
        _process_app = getattr(importlib.import_module(module_name), factory)()
    return _process_app


def resolve(func_path: str) -> Any:
    """The job function behind a dotted path; only the platform's own functions are allowed."""
    module_name, _, attribute = func_path.rpartition(".")
    if not module_name.startswith("amtsweg."):
        # Job data comes from Redis: only the platform's own functions may be called.
        raise ValueError(f"refusing to run '{func_path}': not an amtsweg function")
    return getattr(importlib.import_module(module_name), attribute)


def run_in_app(app: Flask, func_path: str, tenant_id: int | None, args: list[Any]) -> Any:
    """Run the job in a fresh app context (its own database session) as its town."""
    func = resolve(func_path)
    with app.app_context():
        tenant = None
        if tenant_id is not None:
            row = db.session.get(Tenant, tenant_id)
            if row is None:
                raise LookupError(f"job {func_path}: town {tenant_id} does not exist")
            tenant = row.info()
            # Release the read transaction so the job starts with the town set on its first one.
            db.session.rollback()
        with tenant_context(tenant):
            return func(*args)


def execute(func_path: str, tenant_id: int | None, args: list[Any]) -> Any:
    """The RQ entry point of every job (JSON-serialisable arguments only)."""
    return run_in_app(_app(), func_path, tenant_id, args)
