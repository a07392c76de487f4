"""Jobs of community/parcels; PERIODIC is collected into app.py's SCHEDULE."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from community.models import Community
from community.parcels import queries, service
from community.parcels.models import Parcel
from core.db import db
from core.jobs import PeriodicJob, job
from core.models import utcnow
from core.timeutil import local_date


@job("low", timeout=600)
def remind_waiting_parcels(now: datetime | None = None) -> int:
    """Reminds households of parcels waiting REMIND_AFTER_DAYS or more, once per local day. Safe to run twice."""
    session = db.session
    now = now or utcnow()
    cutoff = now - timedelta(days=queries.REMIND_AFTER_DAYS)
    rows = session.execute(
        select(Parcel, Community.timezone)
        .join(Community, Community.id == Parcel.community_id)
        .where(Parcel.collected_at.is_(None), Parcel.arrived_at <= cutoff)
        .order_by(Parcel.id)
    ).all()
    reminded = 0
    for parcel, timezone in rows:
        today = local_date(now, timezone)
        if parcel.reminded_on == today:
            continue
        service.remind(session, parcel, days=(now - parcel.arrived_at).days, local_day=today)
        reminded += 1
    session.commit()
    return reminded


@job("low", timeout=600)
def report_uncollected_parcels(now: datetime | None = None) -> int:
    """Tells each community's managers how many parcels wait too long, once per local day. Safe to run twice."""
    session = db.session
    now = now or utcnow()
    cutoff = now - timedelta(days=queries.UNCOLLECTED_AFTER_DAYS)
    rows = session.execute(
        select(Community.id, Community.timezone, func.count(Parcel.id))
        .join(Parcel, Parcel.community_id == Community.id)
        .where(Parcel.collected_at.is_(None), Parcel.arrived_at <= cutoff)
        .group_by(Community.id, Community.timezone)
        .order_by(Community.id)
    ).all()
    for community_id, timezone, count in rows:
        service.report_uncollected(session, community_id, count=count,
                                   local_day=local_date(now, timezone).isoformat())
    session.commit()
    return len(rows)


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("parcels.remind-waiting", remind_waiting_parcels, interval=3600),
    PeriodicJob("parcels.report-uncollected", report_uncollected_parcels, interval=3600),
]
