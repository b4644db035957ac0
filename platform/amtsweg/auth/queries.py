"""Reading the current town's staff accounts."""

from __future__ import annotations

from sqlalchemy import select

from amtsweg.auth.models import User
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
