"""Factories and helpers for amenity bookings."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import factory

from community.bookings.models import Amenity, Booking, BookingStatus, OpeningHours
from community.models import Community, Unit
from core.models import utcnow
from core.timeutil import at_local, local_date
from identity.models import User
from tests.factories import Base, BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory

TZ = "Asia/Shanghai"


def all_day_every_day() -> list[OpeningHours]:
    return [OpeningHours(weekday=day, opens_minute=0, closes_minute=24 * 60) for day in range(1, 8)]


class AmenityFactory(Base):
    """Open around the clock in hourly slots, so that any whole hour is a slot."""

    class Meta:
        model = Amenity

    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    name = factory.Sequence(lambda n: f"健身房 {n}")
    kind = "gym"
    slot_minutes = 60
    capacity = 2
    book_ahead_days = 7
    weekly_limit = 3
    cancel_cutoff_minutes = 120
    fee = 0
    currency = "CNY"
    no_show_limit = 3
    no_show_block_days = 14
    active = True
    opening_hours = factory.LazyFunction(all_day_every_day)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)


class BookingFactory(Base):
    """Pass `amenity`, `user`, `unit` and `starts_at`; it need not sit on the slot grid."""

    class Meta:
        model = Booking

    amenity = factory.SubFactory(AmenityFactory)
    community_id = factory.SelfAttribute("amenity.community_id")
    amenity_id = factory.SelfAttribute("amenity.id")
    unit_id = factory.SelfAttribute("unit.id")
    user_id = factory.SelfAttribute("user.id")
    ends_at = factory.LazyAttribute(lambda b: b.starts_at + timedelta(minutes=b.amenity.slot_minutes))
    status = BookingStatus.CONFIRMED
    fee = factory.SelfAttribute("amenity.fee")


def household(community: Community, **kwargs) -> tuple[User, Unit]:
    """A resident (approved) of a new unit of `community`: a household of one."""
    residency = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community)), **kwargs)
    return residency.user, residency.unit


def member_of(unit: Unit) -> User:
    """Another approved resident of the same unit: the same household."""
    return ResidencyFactory(unit=unit, relation="family").user


def slot(days_ahead: int, hour: int, minute: int = 0, tz: str = TZ) -> datetime:
    """The local wall-clock time `hour:minute`, `days_ahead` local days from today, as UTC."""
    return at_local(local_date(utcnow(), tz) + timedelta(days=days_ahead), time(hour, minute), tz)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def text_of(response) -> str:
    """A JSON response as readable text: names in Chinese are searchable, not \\u-escaped."""
    return json.dumps(response.json, ensure_ascii=False)
