"""Jobs of community/bookings; PERIODIC is collected into app.py's SCHEDULE."""
from __future__ import annotations

from datetime import datetime

from community.bookings import service
from core.db import db
from core.jobs import PeriodicJob, job


@job("low", timeout=300)
def settle_past_slots(now: datetime | None = None) -> dict[str, int]:
    """Marks no-shows, expires stale wait-list entries and blocks repeat no-show households."""
    return service.settle_past_slots(db.session, now=now)


PERIODIC: list[PeriodicJob] = [PeriodicJob("bookings.settle-past-slots", settle_past_slots, interval=300)]
