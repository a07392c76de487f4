"""Time in the community's zone: stored in UTC, reasoned about in local days and hours."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def local_date(moment: datetime, tz: str) -> date:
    """The calendar day `moment` falls on in the community (daily limits count these)."""
    return to_local(moment, tz).date()


def at_local(day: date, clock: time, tz: str) -> datetime:
    """A wall-clock time on a local day, as an aware UTC datetime (opening hours, cut-offs)."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day in UTC; 23 or 25 hours long across a DST change."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz))
    return start.astimezone(UTC), end.astimezone(UTC)


def local_week_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of `day`'s week, local time, in UTC (weekly limits)."""
    monday = day - timedelta(days=day.weekday())
    return local_day_bounds(monday, tz)[0], local_day_bounds(monday + timedelta(days=7), tz)[0]
