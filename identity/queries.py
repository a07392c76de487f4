"""Read-side selects of users that other floors need without an actor (jobs alerting the platform)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import PLATFORM_ADMIN
from identity.models import User


def platform_admin_ids(session: Session) -> list[int]:
    """The active users who administer the platform (they receive its operational alerts)."""
    return list(session.scalars(select(User.id).where(User.platform_role == PLATFORM_ADMIN, User.is_active)
                                .order_by(User.id)))
