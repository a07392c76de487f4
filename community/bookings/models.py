"""Amenities with their weekly hours and closures, the bookings made on their slots, and blocks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.models import Unit
from core.models import Base, created_at, intpk
from core.timeutil import at_local
from identity.models import User

MINUTES_PER_DAY = 24 * 60


class AmenityKind(StrEnum):
    GYM = "gym"
    MEETING_ROOM = "meeting_room"
    BBQ_AREA = "bbq_area"
    COURT = "court"
    OTHER = "other"


class BookingStatus(StrEnum):
    WAITING = "waiting"  # on the slot's wait list, promoted first come first served
    CONFIRMED = "confirmed"
    ATTENDED = "attended"  # checked in by staff
    NO_SHOW = "no_show"  # the slot ended without a check-in
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # still waiting when the slot began


# Bookings that hold a place of their slot and count towards the household's weekly limit.
HOLDS_PLACE = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
LIVE = (BookingStatus.WAITING, *HOLDS_PLACE)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware UTC
    ends_at: datetime
    day: date  # the community's local calendar day it starts on


class Amenity(Base):
    """A bookable shared facility of a community (gym, meeting room, BBQ area, court)."""

    __tablename__ = "amenities"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(120))
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)  # places per slot
    book_ahead_days: Mapped[int] = mapped_column(Integer)  # a slot can be booked this many local days ahead
    weekly_limit: Mapped[int] = mapped_column(Integer)  # bookings per household per local week, Monday first
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer)  # residents cancel at least this long before
    fee: Mapped[int] = mapped_column(default=0)  # per booking, minor units
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # This many no-shows within the service's NO_SHOW_WINDOW block a household; 0 never blocks.
    no_show_limit: Mapped[int] = mapped_column(Integer)
    no_show_block_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        lazy="selectin", cascade="all, delete-orphan",
        order_by=lambda: (OpeningHours.weekday, OpeningHours.opens_minute),
    )

    def slots_between(self, first: date, last: date, tz: str) -> list[Slot]:
        """Every slot of the local days `first`..`last`, from the weekly hours, in time order.

        A slot fits wholly inside an opening interval; the remainder of an interval shorter
        than a slot is not offered.
        """
        by_weekday: dict[int, list[OpeningHours]] = {}
        for hours in self.opening_hours:
            by_weekday.setdefault(hours.weekday, []).append(hours)
        length = self.slot_minutes
        slots: list[Slot] = []
        day = first
        while day <= last:
            for hours in by_weekday.get(day.isoweekday(), ()):
                minute = hours.opens_minute
                while minute + length <= hours.closes_minute:
                    slots.append(Slot(_local_minute(day, minute, tz), _local_minute(day, minute + length, tz), day))
                    minute += length
            day += timedelta(days=1)
        return slots


def _local_minute(day: date, minute: int, tz: str) -> datetime:
    """The wall-clock minute of a local day (1440 is the next midnight) as aware UTC."""
    extra_days, minute = divmod(minute, MINUTES_PER_DAY)
    return at_local(day + timedelta(days=extra_days), time(minute // 60, minute % 60), tz)


class OpeningHours(Base):
    """One opening interval on a weekday; a day may have several (a lunch break between)."""

    __tablename__ = "amenity_opening_hours"

    id: Mapped[intpk]
    amenity_id: Mapped[int] = mapped_column(ForeignKey("amenities.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # ISO: 1 Monday .. 7 Sunday
    # Minutes after local midnight; 1440 closes at midnight, which a TIME column cannot say.
    opens_minute: Mapped[int] = mapped_column(SmallInteger)
    closes_minute: Mapped[int] = mapped_column(SmallInteger)


class Closure(Base):
    """A period an amenity is closed (holiday, maintenance): its slots are not offered."""

    __tablename__ = "amenity_closures"
    __table_args__ = (Index("ix_amenity_closures_amenity_id_ends_at", "amenity_id", "ends_at"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    amenity_id: Mapped[int] = mapped_column(ForeignKey("amenities.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class Booking(Base):
    """A household's place in one slot of an amenity, or its turn on the slot's wait list."""

    __tablename__ = "bookings"
    __table_args__ = (
        # A household holds one live booking (or wait-list entry) per slot.
        Index(
            "uq_bookings_live_household_slot",
            "amenity_id",
            "starts_at",
            "unit_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'confirmed', 'attended', 'no_show')"),
            sqlite_where=text("status IN ('waiting', 'confirmed', 'attended', 'no_show')"),
        ),
        Index("ix_bookings_amenity_id_starts_at", "amenity_id", "starts_at"),
        Index("ix_bookings_community_id_starts_at", "community_id", "starts_at"),
        Index("ix_bookings_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    amenity_id: Mapped[int] = mapped_column(ForeignKey("amenities.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    fee: Mapped[int] = mapped_column(default=0)  # recorded now; charged once payments can
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    promoted_at: Mapped[datetime | None]  # when it left the wait list for a place
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]

    amenity: Mapped[Amenity] = relationship(lazy="joined", innerjoin=True)
    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)

    @property
    def cancellable_until(self) -> datetime | None:
        """The resident may cancel until the amenity's cutoff; leave a wait list until the start."""
        if self.status == BookingStatus.CONFIRMED:
            return self.starts_at - timedelta(minutes=self.amenity.cancel_cutoff_minutes)
        if self.status == BookingStatus.WAITING:
            return self.starts_at
        return None


class Block(Base):
    """A household may not book an amenity until `ends_at`, after too many no-shows there."""

    __tablename__ = "booking_blocks"
    __table_args__ = (Index("ix_booking_blocks_amenity_id_unit_id", "amenity_id", "unit_id"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    amenity_id: Mapped[int] = mapped_column(ForeignKey("amenities.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    no_shows: Mapped[int] = mapped_column(Integer)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
