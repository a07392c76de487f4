"""Read-side selects of amenity bookings, scoped to what the actor may see."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.bookings.errors import NotYourUnit, UnitRequired
from community.bookings.models import HOLDS_PLACE, LIVE, Amenity, Block, Booking, BookingStatus, Closure
from community.bookings.policy import Permission
from community.models import Residency, ResidencyStatus
from core.auth import Actor
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import allows, require
from core.timeutil import local_date, local_day_bounds

DEFAULT_RANGE_DAYS = 7
MAX_RANGE_DAYS = 31


def amenities(actor: Actor, community_id: int) -> Select:
    """A community's amenities for its members; retired ones only for its managers."""
    community_queries.require_member(actor, community_id)
    query = select(Amenity).where(Amenity.community_id == community_id).order_by(Amenity.name, Amenity.id)
    if not allows(actor, Permission.AMENITY_MANAGE, community_id):
        query = query.where(Amenity.active.is_(True))
    return query


def get_amenity(session: Session, actor: Actor, community_id: int, amenity_id: int) -> Amenity:
    community_queries.require_member(actor, community_id)
    amenity = session.get(Amenity, amenity_id)
    if amenity is None or amenity.community_id != community_id:
        raise NotFound()
    return amenity


def closures(session: Session, actor: Actor, community_id: int, amenity_id: int) -> Select:
    amenity = get_amenity(session, actor, community_id, amenity_id)
    return select(Closure).where(Closure.amenity_id == amenity.id).order_by(Closure.starts_at.desc(), Closure.id)


def blocks(session: Session, actor: Actor, community_id: int, amenity_id: int, *, active: bool | None = None) -> Select:
    """Households blocked from an amenity after no-shows (managers)."""
    amenity = get_amenity(session, actor, community_id, amenity_id)
    require(actor, Permission.AMENITY_MANAGE, community_id)
    query = select(Block).where(Block.amenity_id == amenity.id).order_by(Block.id.desc())
    if active is not None:
        in_force = Block.lifted_at.is_(None) & (Block.ends_at > utcnow())
        query = query.where(in_force if active else ~in_force)
    return query


def get_block(session: Session, actor: Actor, community_id: int, amenity_id: int, block_id: int) -> Block:
    amenity = get_amenity(session, actor, community_id, amenity_id)
    block = session.get(Block, block_id)
    if block is None or block.amenity_id != amenity.id:
        raise NotFound()
    require(actor, Permission.AMENITY_MANAGE, community_id)
    return block


def household_units(session: Session, actor: Actor, community_id: int) -> list[int]:
    """The units the actor lives in here (approved residencies): each is a household."""
    return list(session.scalars(
        select(Residency.unit_id).where(
            Residency.user_id == actor.user_id,
            Residency.community_id == community_id,
            Residency.status == ResidencyStatus.APPROVED,
        ).order_by(Residency.unit_id)
    ))


def household_for(session: Session, actor: Actor, community_id: int, unit_id: int | None) -> int:
    """The household that books: the named unit, or the actor's only one."""
    units = household_units(session, actor, community_id)
    if unit_id is None and len(units) == 1:
        return units[0]
    if unit_id is None and units:
        raise UnitRequired(errors={"unit_id": [str(_l("Name the unit you book for."))]})
    if unit_id not in units:
        raise NotYourUnit(errors={"unit_id": [str(_l("You are not a resident of this unit."))]})
    return unit_id


def visible_bookings(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    amenity_id: int | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Staff see every booking of the community (to check people in); residents their own."""
    community = community_queries.get_community(session, community_id)
    community_queries.require_member(actor, community_id)
    query = select(Booking).where(Booking.community_id == community_id).order_by(
        Booking.starts_at.desc(), Booking.id.desc()
    )
    if not allows(actor, Permission.BOOKING_VIEW_ALL, community_id):
        query = query.where(Booking.user_id == actor.user_id)
    if amenity_id is not None:
        query = query.where(Booking.amenity_id == amenity_id)
    if status:
        query = query.where(Booking.status == status)
    if date_from:
        query = query.where(Booking.starts_at >= local_day_bounds(date_from, community.timezone)[0])
    if date_to:
        query = query.where(Booking.starts_at < local_day_bounds(date_to, community.timezone)[1])
    return query


def get_booking(session: Session, actor: Actor, community_id: int, booking_id: int) -> Booking:
    community_queries.require_member(actor, community_id)
    query = select(Booking).where(Booking.id == booking_id, Booking.community_id == community_id)
    if not allows(actor, Permission.BOOKING_VIEW_ALL, community_id):
        query = query.where(Booking.user_id == actor.user_id)
    booking = session.scalar(query)
    if booking is None:
        raise NotFound()
    return booking


def availability(
    session: Session,
    actor: Actor,
    community_id: int,
    amenity_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, Any]:
    """The slots of local days `date_from`..`date_to` with their free places and the caller's own
    booking; never who else booked. A fixed handful of queries, whatever the range."""
    community = community_queries.get_community(session, community_id)
    amenity = get_amenity(session, actor, community_id, amenity_id)
    tz = community.timezone
    now = utcnow()
    today = local_date(now, tz)
    first = date_from or today
    last = date_to or first + timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if last < first:
        raise InvalidInput(errors={"to": [str(_l("Must not be before 'from'."))]})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput(errors={"to": [str(_l("At most 31 days at a time."))]})
    start, end = local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]
    in_range = (Booking.amenity_id == amenity.id) & (Booking.starts_at >= start) & (Booking.starts_at < end)

    closed = session.scalars(
        select(Closure).where(Closure.amenity_id == amenity.id, Closure.starts_at < end, Closure.ends_at > start)
        .order_by(Closure.starts_at)
    ).all()
    my_units = select(Residency.unit_id).where(
        Residency.user_id == actor.user_id,
        Residency.community_id == community_id,
        Residency.status == ResidencyStatus.APPROVED,
    )
    booked = {
        starts_at: (taken, waiting, mine)
        for starts_at, taken, waiting, mine in session.execute(
            select(
                Booking.starts_at,
                func.count().filter(Booking.status.in_(HOLDS_PLACE)),
                func.count().filter(Booking.status == BookingStatus.WAITING),
                # A household holds one live booking per slot, so at most one status is not NULL.
                func.max(case((Booking.unit_id.in_(my_units), Booking.status))),
            ).where(in_range, Booking.status.in_(LIVE)).group_by(Booking.starts_at)
        )
    }

    last_bookable = today + timedelta(days=amenity.book_ahead_days)
    slots = []
    for slot in amenity.slots_between(first, last, tz):
        taken, waiting, mine = booked.get(slot.starts_at, (0, 0, None))
        available = max(0, amenity.capacity - taken)
        if slot.starts_at <= now:
            state = "past"
        elif not amenity.active or _overlaps(closed, slot.starts_at, slot.ends_at):
            state = "closed"
        elif slot.day > last_bookable:
            state = "not_open_yet"
        else:
            state = "open" if available else "full"
        slots.append({
            "date": slot.day, "starts_at": slot.starts_at, "ends_at": slot.ends_at, "state": state,
            "capacity": amenity.capacity, "taken": taken, "available": available, "waiting": waiting,
            "mine": mine,
        })
    return {
        "amenity_id": amenity.id, "timezone": tz, "date_from": first, "date_to": last, "slots": slots,
        "closures": [{"starts_at": c.starts_at, "ends_at": c.ends_at, "reason": c.reason} for c in closed],
    }


def unchanged_for(found: dict[str, Any], *, longest: int = 300, now: datetime | None = None) -> int:
    """Seconds until the clock alone changes an availability: the next of its slots to start (it
    becomes past) or the community's next midnight (today moves, and with it the default range
    and the last day open for booking), at most `longest`. Rows changing is the cache's business."""
    now = now or utcnow()
    tz = found["timezone"]
    midnight = local_day_bounds(local_date(now, tz), tz)[1]
    upcoming = min((s["starts_at"] for s in found["slots"] if s["starts_at"] > now), default=midnight)
    return max(0, min(longest, int((min(upcoming, midnight) - now).total_seconds())))


def _overlaps(closed: list[Closure], starts_at: datetime, ends_at: datetime) -> bool:
    return any(c.starts_at < ends_at and c.ends_at > starts_at for c in closed)
