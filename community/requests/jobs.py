"""Jobs of service requests: the SLA clock and closing resolved requests; PERIODIC goes into app.py's SCHEDULE."""
from __future__ import annotations

from datetime import datetime

from community.requests import sla
from core.db import db
from core.jobs import PeriodicJob, job


@job("default", timeout=300)
def check_sla(now: datetime | None = None) -> int:
    """Marks overdue first responses and resolutions and notifies the assignee and managers."""
    return sla.mark_sla_breaches(db.session, now)


@job("low", timeout=300)
def close_resolved(now: datetime | None = None) -> int:
    """Closes resolved requests whose reopen window has passed."""
    return sla.close_resolved_requests(db.session, now)


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("requests.check-sla", check_sla, interval=300),
    PeriodicJob("requests.close-resolved", close_resolved, interval=3600),
]
