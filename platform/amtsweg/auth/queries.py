"""Reading staff accounts: the current town's users and the cross-town administrators."""

from __future__ import annotations

from sqlalchemy import select

from amtsweg.auth.models import PlatformUser, User
from amtsweg.extensions import db


def town_users() -> list[User]:
    """Every account of the current town (the ORM adds the town), active ones first."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.display_name, User.id)))


def town_user(user_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.id == user_id))


def platform_users() -> list[PlatformUser]:
    return list(db.session.scalars(select(PlatformUser).order_by(PlatformUser.display_name, PlatformUser.id)))


def platform_user(user_id: int) -> PlatformUser | None:
    return db.session.get(PlatformUser, user_id)
