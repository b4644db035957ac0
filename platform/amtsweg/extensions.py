"""Flask extensions, created unbound and initialised in create_app (init_app style)."""

from __future__ import annotations

from typing import Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RoutingSession(FlaskSession):
    """Statements of cross-town work (``all_tenants_context``) go to the ``ops`` bind when one is
    configured: a database role that bypasses row-level security, which the app's role cannot."""

    def get_bind(
        self, mapper: Any | None = None, clause: Any | None = None, bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        # Imported here: the tenancy kernel's models import this module.
        from amtsweg.tenancy.context import all_tenants_active
        from amtsweg.tenancy.rls import OPS_BIND

        if bind is None and all_tenants_active():
            engine = self._db.engines.get(OPS_BIND)
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
