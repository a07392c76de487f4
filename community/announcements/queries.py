"""Read side of announcements: the feed a person sees, the managers' list, audiences and receipts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, with_expression

from community.announcements.models import Announcement, AnnouncementBuilding, AnnouncementRead, AnnouncementState
from community.announcements.policy import Permission
from community.models import Residency, ResidencyStatus, Unit
from community.queries import require_member
from core.auth import Actor
from core.errors import NotFound
from core.models import utcnow
from core.policy import allows, require


def is_live(now: datetime) -> ColumnElement[bool]:
    return and_(
        Announcement.withdrawn_at.is_(None),
        Announcement.publish_at <= now,
        or_(Announcement.expires_at.is_(None), Announcement.expires_at > now),
    )


def _in_state(state: str, now: datetime) -> ColumnElement[bool]:
    not_withdrawn = Announcement.withdrawn_at.is_(None)
    return {
        AnnouncementState.LIVE: is_live(now),
        AnnouncementState.SCHEDULED: and_(not_withdrawn, Announcement.publish_at > now),
        AnnouncementState.EXPIRED: and_(
            not_withdrawn, Announcement.publish_at <= now, Announcement.expires_at <= now
        ),
        AnnouncementState.WITHDRAWN: Announcement.withdrawn_at.is_not(None),
    }[AnnouncementState(state)]


def _reaches(actor: Actor, community_id: int) -> ColumnElement[bool]:
    """Whole-community announcements, and those aimed at a building the actor lives in."""
    homes = (
        select(Unit.building_id)
        .join(Residency, Residency.unit_id == Unit.id)
        .where(
            Residency.user_id == actor.user_id,
            Residency.community_id == community_id,
            Residency.status == ResidencyStatus.APPROVED,
        )
    )
    targets = AnnouncementBuilding.announcement_id == Announcement.id
    return or_(
        ~exists().where(targets),
        exists().where(targets, AnnouncementBuilding.building_id.in_(homes)),
    )


def visible_announcements(
    actor: Actor, community_id: int, *, state: str | None = None, now: datetime | None = None
) -> Select:
    """Managers see every announcement of their community; anyone else their live feed.

    Live emergencies come first, then the newest.
    """
    require_member(actor, community_id)
    now = now or utcnow()
    own_receipt = (
        select(AnnouncementRead.read_at)
        .where(AnnouncementRead.announcement_id == Announcement.id, AnnouncementRead.user_id == actor.user_id)
        .scalar_subquery()
    )
    pinned = case((and_(Announcement.emergency, is_live(now)), 0), else_=1)
    query = (
        select(Announcement)
        .where(Announcement.community_id == community_id)
        .options(with_expression(Announcement.read_at, own_receipt))
        .order_by(pinned, Announcement.publish_at.desc(), Announcement.id.desc())
    )
    if not allows(actor, Permission.ANNOUNCEMENT_MANAGE, community_id):
        query = query.where(is_live(now), _reaches(actor, community_id))
    if state:
        query = query.where(_in_state(state, now))
    return query


def get_announcement(
    session: Session, actor: Actor, community_id: int, announcement_id: int, *, now: datetime | None = None
) -> Announcement:
    announcement = session.scalar(
        visible_announcements(actor, community_id, now=now)
        .where(Announcement.id == announcement_id)
        .execution_options(populate_existing=True)
    )
    if announcement is None:
        raise NotFound()
    return announcement


def audience(announcement: Announcement) -> Select:
    """The user ids of the approved residents an announcement is aimed at."""
    query = (
        select(Residency.user_id)
        .join(Unit, Unit.id == Residency.unit_id)
        .where(Residency.community_id == announcement.community_id, Residency.status == ResidencyStatus.APPROVED)
        .distinct()
    )
    if announcement.buildings:
        query = query.where(Unit.building_id.in_([b.id for b in announcement.buildings]))
    return query


def read_stats(session: Session, actor: Actor, community_id: int, announcement_id: int) -> dict:
    """How many of the audience have read it (managers); readers outside it (staff) do not count."""
    announcement = get_announcement(session, actor, community_id, announcement_id)
    require(actor, Permission.ANNOUNCEMENT_MANAGE, community_id)
    readers = audience(announcement)
    audience_size = session.scalar(select(func.count()).select_from(readers.subquery())) or 0
    read_count = session.scalar(
        select(func.count()).where(
            AnnouncementRead.announcement_id == announcement.id, AnnouncementRead.user_id.in_(readers)
        )
    ) or 0
    return {"announcement_id": announcement.id, "audience_size": audience_size, "read_count": read_count}
