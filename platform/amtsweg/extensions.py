"""Flask extensions, created unbound and initialised in create_app (init_app style)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


# Functions that may name the bind for the session's next statement (the first name wins); the
# tenancy kernel registers one that sends cross-town work to a role that bypasses row-level security.
bind_choosers: list[Callable[[], str | None]] = []


class RoutingSession(FlaskSession):
    """A session whose statements go to the bind a registered chooser names, when it is configured."""

    def get_bind(
        self, mapper: Any | None = None, clause: Any | None = None, bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        """The chosen bind's engine, else Flask-SQLAlchemy's choice (the model's bind or the default)."""
        if bind is None:
            for choose in bind_choosers:
                engine = self._db.engines.get(choose())
                if engine is not None:
                    return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})

if TYPE_CHECKING:
    # A type checker cannot take an object's attribute (db.Model) as a base class; to it every
    # model is a mapped class of the declarative base, which db.Model extends.
    class Model(Base):
        __abstract__ = True

else:
    Model = db.Model

migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
