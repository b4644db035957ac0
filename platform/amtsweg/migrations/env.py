"""Alembic environment: migrations run as the table owner, then the app role gets its grants."""

import logging
from logging.config import fileConfig

from alembic import context
from amtsweg.tenancy.rls import PRIVATE_SCHEMA
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, make_url

config = context.config
# Keep the loggers of the app that runs the migration (tests, the CLI) working.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
target_metadata = target_db.metadata


def _owner_engine():
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    return create_engine(url) if url else target_db.engine


def _role_of(setting: str) -> str | None:
    url = current_app.config.get(setting)
    return make_url(url).username if url else None


def _grant_app_role(connection: Connection) -> None:
    """On PostgreSQL the app connects as a non-owner role; give it data rights only (no DDL). The
    ops role (cross-town work) gets the same and may read the key that proves a town to the policies."""
    if connection.dialect.name != "postgresql" or not current_app.config.get("MIGRATION_DATABASE_URL"):
        return
    owner_role = connection.exec_driver_sql("SELECT current_user").scalar()
    quote = connection.dialect.identifier_preparer.quote
    for setting in ("SQLALCHEMY_DATABASE_URI", "OPS_DATABASE_URL"):
        role = _role_of(setting)
        if not role or role == owner_role:
            continue
        quoted = quote(role)
        connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        connection.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    ops_role = _role_of("OPS_DATABASE_URL")
    # The key's schema exists from revision 0015 on.
    has_key = connection.exec_driver_sql(f"SELECT to_regnamespace('{PRIVATE_SCHEMA}') IS NOT NULL").scalar()
    if ops_role and ops_role != owner_role and has_key:
        connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {PRIVATE_SCHEMA} TO {quote(ops_role)}")
        connection.exec_driver_sql(f"GRANT SELECT ON {PRIVATE_SCHEMA}.rls_key TO {quote(ops_role)}")


def run_migrations_offline() -> None:
    context.configure(
        url=str(_owner_engine().url), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    conf_args.setdefault("render_as_batch", True)
    with _owner_engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename); with foreign keys enforced the drop
            # would cascade into the rows that reference it. The check afterwards keeps it honest.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            _grant_app_role(connection)
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if problems:
                raise RuntimeError(f"migration left rows with broken foreign keys: {problems[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
