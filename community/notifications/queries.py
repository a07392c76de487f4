"""The caller's inbox and preferences."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from community.notifications import kinds
from community.notifications.models import Notification, NotificationPreference
from core.auth import Actor


def inbox(actor: Actor, *, unread: bool | None = None, kind: str | None = None) -> Select:
    query = select(Notification).where(Notification.user_id == actor.user_id).order_by(Notification.id.desc())
    if unread is not None:
        query = query.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    if kind:
        query = query.where(Notification.kind == kind)
    return query


def unread_count(session: Session, actor: Actor) -> int:
    return session.scalar(
        select(func.count()).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
    ) or 0


def preferences(session: Session, actor: Actor) -> list[dict]:
    chosen = {
        p.kind: p
        for p in session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == actor.user_id))
    }
    rows = []
    for kind in kinds.all_kinds():
        pref = chosen.get(kind.name)
        rows.append({
            "kind": kind.name,
            "in_app": True if pref is None else pref.in_app,
            "push": True if pref is None else pref.push,
            "mandatory": kind.mandatory,
        })
    return rows
