"""Demo data of community/bookings: the demo community's amenities, a closure and some bookings."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.bookings import service
from community.bookings.models import Amenity, Booking, BookingStatus
from community.models import Community, Residency, ResidencyStatus
from core.models import utcnow
from core.timeutil import at_local, local_date
from identity.service import find_user_by_login

EVERY_DAY = range(1, 8)
WEEKDAYS = range(1, 6)


def _hours(days, *intervals: tuple[str, str]) -> list[dict]:
    def minute(clock: str) -> int:
        hours, minutes = clock.split(":")
        return int(hours) * 60 + int(minutes)

    return [{"weekday": d, "opens_minute": minute(o), "closes_minute": minute(c)} for d in days for o, c in intervals]


AMENITIES = [
    dict(name="健身房", kind="gym", location="会所一楼", description="跑步机、动感单车和自由力量区",
         slot_minutes=60, capacity=10, book_ahead_days=7, weekly_limit=5, cancel_cutoff_minutes=60, fee=0,
         no_show_limit=3, no_show_block_days=14, opening_hours=_hours(EVERY_DAY, ("06:00", "22:00"))),
    dict(name="会议室", kind="meeting_room", location="会所二楼 201", description="可容纳 12 人, 带投影",
         slot_minutes=60, capacity=1, book_ahead_days=14, weekly_limit=3, cancel_cutoff_minutes=240, fee=0,
         no_show_limit=2, no_show_block_days=30,
         opening_hours=_hours(WEEKDAYS, ("09:00", "12:00"), ("13:00", "18:00")) + _hours([6], ("10:00", "16:00"))),
    dict(name="烧烤区", kind="bbq_area", location="中心花园东侧", description="每场含两个烤炉, 自带食材",
         slot_minutes=180, capacity=2, book_ahead_days=14, weekly_limit=1, cancel_cutoff_minutes=1440, fee=5000,
         no_show_limit=2, no_show_block_days=30,
         opening_hours=_hours([5], ("16:00", "22:00")) + _hours([6, 7], ("10:00", "22:00"))),
    dict(name="羽毛球场", kind="court", location="地下一层运动馆", description="一片标准场地",
         slot_minutes=60, capacity=1, book_ahead_days=7, weekly_limit=2, cancel_cutoff_minutes=120, fee=2000,
         no_show_limit=3, no_show_block_days=14, opening_hours=_hours(EVERY_DAY, ("07:00", "22:00"))),
]


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    if session.scalar(select(Amenity.id).where(Amenity.community_id == community.id)) is not None:
        return
    manager = community_queries.load_actor(session, find_user_by_login(session, "manager@demo.local").id)
    resident = community_queries.load_actor(session, find_user_by_login(session, "resident@demo.local").id)
    neighbour = community_queries.load_actor(session, find_user_by_login(session, "resident2@demo.local").id)
    gym, _, _, court = (
        service.create_amenity(session, manager, community.id, **dict(fields)) for fields in AMENITIES
    )

    tz = community.timezone
    today = local_date(utcnow(), tz)

    def at(days: int, hour: int):
        return at_local(today + timedelta(days=days), time(hour), tz)

    service.add_closure(session, manager, community.id, gym.id, starts_at=at(3, 6), ends_at=at(3, 9),
                        reason="设备维护保养")
    for actor in (resident, neighbour):
        service.book_slot(session, actor, community.id, gym.id, starts_at=at(1, 19))
    service.book_slot(session, resident, community.id, court.id, starts_at=at(2, 20))
    service.join_wait_list(session, neighbour, community.id, court.id, starts_at=at(2, 20))

    # Last evening's visit, checked in at the door.
    home = session.scalar(select(Residency).where(Residency.user_id == resident.user_id,
                                                  Residency.status == ResidencyStatus.APPROVED))
    session.add(Booking(
        community_id=community.id, amenity_id=gym.id, unit_id=home.unit_id, user_id=resident.user_id,
        starts_at=at(-1, 19), ends_at=at(-1, 20), status=BookingStatus.ATTENDED, fee=0,
        checked_in_at=at(-1, 19), checked_in_by=manager.user_id,
    ))
