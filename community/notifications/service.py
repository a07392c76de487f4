"""Sending and reading notifications.

Domains call `notify(...)` inside their use case; delivery happens in a job after the commit,
so a rolled-back change notifies nobody and a retried job delivers once (`dedupe_key`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from community.notifications import kinds
from community.notifications.channels import push_channels
from community.notifications.models import Notification, NotificationPreference
from core.auth import Actor
from core.db import db
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.jobs import job, jobs
from core.models import utcnow


def notify(
    session: Session,
    *,
    user_ids: list[int] | set[int] | tuple[int, ...],
    kind: str,
    params: dict[str, Any] | None = None,
    community_id: int | None = None,
    subject: tuple[str, int] | None = None,
    dedupe_key: str,
) -> None:
    """Queues delivery to `user_ids` once `session` commits. `dedupe_key` names the event."""
    kinds.get(kind)  # an unknown kind is a programming error: fail in the use case, not the job
    recipients = sorted({int(u) for u in user_ids})
    if not recipients:
        return
    jobs.enqueue_after_commit(
        session, deliver_notifications, kind, recipients, params or {}, community_id,
        list(subject) if subject else None, dedupe_key,
    )


@job("default", timeout=120)
def deliver_notifications(
    kind: str,
    user_ids: list[int],
    params: dict[str, Any],
    community_id: int | None,
    subject: list | None,
    dedupe_key: str,
) -> int:
    """Writes one inbox entry per recipient who wants it, then pushes. Safe to run twice."""
    session = db.session
    spec = kinds.get(kind)
    prefs = {
        p.user_id: p
        for p in session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == kind
            )
        )
    }
    already = set(
        session.scalars(
            select(Notification.user_id).where(
                Notification.user_id.in_(user_ids), Notification.dedupe_key == dedupe_key
            )
        )
    )
    created: list[Notification] = []
    for user_id in user_ids:
        pref = prefs.get(user_id)
        wants_inbox = spec.mandatory or pref is None or pref.in_app
        if user_id in already or not wants_inbox:
            continue
        notification = Notification(
            user_id=user_id, community_id=community_id, kind=kind, params=params, dedupe_key=dedupe_key,
            subject_type=subject[0] if subject else None, subject_id=subject[1] if subject else None,
        )
        session.add(notification)
        created.append(notification)
    session.commit()
    for notification in created:
        pref = prefs.get(notification.user_id)
        if pref is not None and not pref.push and not spec.mandatory:
            continue
        title, body = kinds.render(kind, params)
        for channel in push_channels():
            channel.send(notification, title, body)
    return len(created)


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    """Commits."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.user_id:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.commit()
    return notification


def mark_all_read(session: Session, actor: Actor) -> int:
    """Commits."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return result.rowcount


def set_preference(session: Session, actor: Actor, kind: str, *, in_app: bool, push: bool) -> dict:
    """Commits. Mandatory kinds (emergencies) cannot be switched off in-app."""
    try:
        spec = kinds.get(kind)
    except KeyError:
        raise NotFound() from None
    if spec.mandatory and not in_app:
        raise InvalidInput(errors={"in_app": [str(_l("This kind of notification cannot be switched off."))]})
    pref = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == actor.user_id, NotificationPreference.kind == kind
        )
    )
    if pref is None:
        pref = NotificationPreference(user_id=actor.user_id, kind=kind)
        session.add(pref)
    pref.in_app, pref.push = in_app, push
    session.commit()
    return {"kind": kind, "in_app": in_app, "push": push, "mandatory": spec.mandatory}
