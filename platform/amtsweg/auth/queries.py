"""Reading staff accounts: the current town's users and the cross-town administrators."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from amtsweg.auth.models import PlatformUser, User
from amtsweg.auth.roles import CLERK, TEAM_LEAD
from amtsweg.extensions import db


def town_staff() -> list[User]:
    """The town's active accounts that work on cases (clerks and team leads), by name."""
    users = db.session.scalars(select(User).where(User.active.is_(True)))
    return sorted((u for u in users if u.has_role(CLERK, TEAM_LEAD)), key=lambda u: u.label.casefold())


def staff_member(user_id: int) -> User | None:
    """An active clerk or team lead of the current town (another town's account is not found)."""
    user = db.session.scalar(select(User).where(User.id == user_id, User.active.is_(True)))
    return user if user is not None and user.has_role(CLERK, TEAM_LEAD) else None


def account_names(user_ids: Collection[int]) -> dict[int, str]:
    """The names of the current town's accounts with these ids (as shown in the workbench)."""
    if not user_ids:
        return {}
    return {user.id: user.label for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}


def town_users() -> list[User]:
    """Every account of the current town (the ORM adds the town), active ones first."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.display_name, User.id)))


def town_user(user_id: int) -> User | None:
    """An account of the current town (another town's account is not found)."""
    return db.session.scalar(select(User).where(User.id == user_id))


def platform_users() -> list[PlatformUser]:
    """The cross-town administrators' accounts, by name."""
    return list(db.session.scalars(select(PlatformUser).order_by(PlatformUser.display_name, PlatformUser.id)))


def platform_user(user_id: int) -> PlatformUser | None:
    """A cross-town administrator's account."""
    return db.session.get(PlatformUser, user_id)
