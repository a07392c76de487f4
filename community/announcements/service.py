"""Use cases of announcements: publish, withdraw, mark read; and announcing what went live."""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.announcements import queries
from community.announcements.models import Announcement, AnnouncementRead
from community.announcements.policy import Permission
from community.models import Building, Community
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require

# A client's clock may run a little behind ours; "now" from it is still now.
CLOCK_SKEW = timedelta(minutes=5)

kinds.register(
    "announcement.published",
    title=N_("New announcement: %(title)s"),
    body=N_("%(community)s has posted an announcement: %(title)s"),
)
kinds.register(
    "announcement.emergency",
    title=N_("Urgent: %(title)s"),
    body=N_("%(community)s has posted an urgent announcement: %(title)s"),
    mandatory=True,
)


def _buildings(session: Session, community_id: int, building_ids: Iterable[int]) -> list[Building]:
    wanted = set(building_ids)
    if not wanted:
        return []
    found = list(
        session.scalars(select(Building).where(Building.community_id == community_id, Building.id.in_(wanted)))
    )
    if len(found) != len(wanted):
        raise InvalidInput(errors={"building_ids": [str(_l("Choose buildings of this community."))]})
    return found


def publish_announcement(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    title: str,
    body: str,
    emergency: bool = False,
    building_ids: Iterable[int] = (),
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Announcement:
    """A manager publishes to the whole community or to chosen buildings, now or at `publish_at`.

    Commits; if it is live now, notifies its audience at once (emergencies with a mandatory kind).
    """
    community_queries.get_community(session, community_id)
    community_queries.require_member(actor, community_id)
    require(actor, Permission.ANNOUNCEMENT_PUBLISH, community_id)
    now = now or utcnow()
    if publish_at is not None and publish_at < now - CLOCK_SKEW:
        raise InvalidInput(errors={"publish_at": [str(_l("Must not be in the past."))]})
    publish_at = max(publish_at or now, now)
    if expires_at is not None and expires_at <= publish_at:
        raise InvalidInput(errors={"expires_at": [str(_l("Must be after the announcement is published."))]})
    announcement = Announcement(
        community_id=community_id, author_id=actor.user_id, title=title, body=body, emergency=emergency,
        publish_at=publish_at, expires_at=expires_at, buildings=_buildings(session, community_id, building_ids),
    )
    session.add(announcement)
    if publish_at <= now:
        # flush: the notification names the announcement by its id
        session.flush()
        announce(session, announcement, now)
    session.commit()
    return announcement


def announce(session: Session, announcement: Announcement, now: datetime) -> None:
    """Notifies an announcement's audience once (the caller commits); scheduled ones go through the job."""
    community = session.get(Community, announcement.community_id)
    notify(
        session,
        user_ids=list(session.scalars(queries.audience(announcement))),
        kind="announcement.emergency" if announcement.emergency else "announcement.published",
        params={"title": announcement.title, "community": community.name},
        community_id=announcement.community_id,
        subject=("announcement", announcement.id),
        dedupe_key=f"announcement:{announcement.id}",
    )
    announcement.notified_at = now


def withdraw_announcement(session: Session, actor: Actor, community_id: int, announcement_id: int) -> None:
    """A manager takes an announcement down; its receipts stay. Commits."""
    announcement = queries.get_announcement(session, actor, community_id, announcement_id)
    require(actor, Permission.ANNOUNCEMENT_MANAGE, community_id)
    if announcement.withdrawn_at is None:
        announcement.withdrawn_at = utcnow()
        session.commit()


def mark_announcement_read(session: Session, actor: Actor, community_id: int, announcement_id: int) -> None:
    """Records that the actor read an announcement they can see; reading again changes nothing. Commits."""
    announcement = queries.get_announcement(session, actor, community_id, announcement_id)
    if announcement.read_at is not None:
        return
    # savepoint: a simultaneous first read by the same person may have inserted the receipt already
    with suppress(IntegrityError), session.begin_nested():
        session.add(AnnouncementRead(announcement_id=announcement.id, user_id=actor.user_id, read_at=utcnow()))
    session.commit()
