"""Jobs of community/announcements; PERIODIC is collected into app.py's SCHEDULE."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from community.announcements import queries, service
from community.announcements.models import Announcement
from core.db import db
from core.jobs import PeriodicJob, job
from core.models import utcnow

BATCH = 200


@job("default", timeout=300)
def announce_scheduled(now: datetime | None = None) -> int:
    """Notifies the audience of scheduled announcements that went live. Safe to run twice."""
    session = db.session
    now = now or utcnow()
    announced = 0
    while True:
        # skip locked: a second run at the same moment takes other rows instead of waiting
        due = session.scalars(
            select(Announcement)
            .where(Announcement.notified_at.is_(None), queries.is_live(now))
            .order_by(Announcement.publish_at, Announcement.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for announcement in due:
            service.announce(session, announcement, now)
        session.commit()
        announced += len(due)
        if len(due) < BATCH:
            return announced


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("announcements.announce-scheduled", announce_scheduled, interval=60),
]
