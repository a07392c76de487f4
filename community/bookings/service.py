"""Use cases of amenity bookings. Each commits once; each checks policy first.

Contention is settled per case:
- Places of a slot, a household's weekly limit and the wait list's order are decided under a
  row lock on the amenity (`SELECT ... FOR UPDATE`). Booking, joining a wait list, cancelling
  with its promotion, closures and capacity changes of one amenity take that one lock first and
  take turns, so every check-then-insert sees the others' commits. Per-slot and per-household
  counter rows would let more run at once, but a cancellation that promotes another household
  would hold two of them, in an order a second cancellation can reverse: a deadlock. One
  amenity's bookings arrive at a community's pace, so the queue on its row stays short.
- One live booking per household and slot is also a unique index (the last line of defence).
- A booking's own state changes (cancel, check-in, no-show) lock or conditionally update its
  row, so a check-in racing a cancellation or the no-show job has one winner.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.bookings import queries
from community.bookings.errors import (
    AlreadyBooked,
    AmenityInactive,
    BlockNotActive,
    BookingNotCancellable,
    BookingNotConfirmed,
    CancellationCutoffPassed,
    CheckInNotOpen,
    HouseholdBlocked,
    NotASlot,
    SlotClosed,
    SlotFull,
    SlotHasPlaces,
    SlotLengthLocked,
    SlotNotOpenYet,
    SlotStarted,
    WeeklyLimitReached,
)
from community.bookings.models import (
    HOLDS_PLACE,
    LIVE,
    Amenity,
    Block,
    Booking,
    BookingStatus,
    Closure,
    OpeningHours,
    Slot,
)
from community.bookings.policy import Permission
from community.models import Community, Residency, ResidencyStatus
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from core.auth import Actor
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import allows, require
from core.timeutil import local_date, local_week_bounds, to_local

# Staff may check a resident in this long before the slot begins, and until it ends.
CHECK_IN_OPENS = timedelta(minutes=30)
# No-shows older than this are forgiven when deciding on a block.
NO_SHOW_WINDOW = timedelta(days=30)

kinds.register(
    "booking.promoted",
    title=N_("You have a place at %(amenity)s"),
    body=N_("A place freed up for %(start)s: your wait-list entry is now a confirmed booking."),
)
kinds.register(
    "booking.cancelled",
    title=N_("Your booking of %(amenity)s was cancelled"),
    body=N_("Your booking for %(start)s was cancelled: %(reason)s"),
)
kinds.register(
    "booking.household_blocked",
    title=N_("Bookings of %(amenity)s are paused for your household"),
    body=N_("Your household missed %(count)s bookings of %(amenity)s, so it cannot book it until %(until)s."),
)


# Amenities ---------------------------------------------------------------------------------

def create_amenity(
    session: Session, actor: Actor, community_id: int, *, opening_hours: list[dict], **fields: Any
) -> Amenity:
    """A manager opens an amenity for booking with its weekly hours and rules. Commits."""
    community_queries.get_community(session, community_id)
    community_queries.require_member(actor, community_id)
    require(actor, Permission.AMENITY_MANAGE, community_id)
    amenity = Amenity(community_id=community_id, **fields)
    amenity.opening_hours = _week(opening_hours)
    session.add(amenity)
    session.commit()
    return amenity


def update_amenity(session: Session, actor: Actor, community_id: int, amenity_id: int, **fields: Any) -> Amenity:
    """A manager edits an amenity; `opening_hours`, when given, replaces the weekly hours.

    Commits; more capacity promotes wait lists (and notifies those promoted).
    """
    amenity = queries.get_amenity(session, actor, community_id, amenity_id)
    require(actor, Permission.AMENITY_MANAGE, community_id)
    amenity = _lock(session, amenity.id)
    now = utcnow()
    if "slot_minutes" in fields and fields["slot_minutes"] != amenity.slot_minutes:
        # Bookings name a slot by its start; another grid would orphan the ones already made.
        upcoming = select(Booking.id).where(
            Booking.amenity_id == amenity.id, Booking.status.in_(LIVE), Booking.ends_at > now
        ).limit(1)
        if session.scalar(upcoming) is not None:
            raise SlotLengthLocked()
    hours = fields.pop("opening_hours", None)
    if hours is not None:
        amenity.opening_hours = _week(hours)
    grew = fields.get("capacity", amenity.capacity) > amenity.capacity
    for name, value in fields.items():
        setattr(amenity, name, value)
    if grew:
        tz = _timezone(session, community_id)
        waiting = session.execute(
            select(Booking.starts_at, Booking.ends_at).where(
                Booking.amenity_id == amenity.id, Booking.status == BookingStatus.WAITING, Booking.starts_at > now
            ).group_by(Booking.starts_at, Booking.ends_at).order_by(Booking.starts_at)
        ).all()
        for starts_at, ends_at in waiting:
            _promote(session, amenity, Slot(starts_at, ends_at, local_date(starts_at, tz)), tz, now)
    session.commit()
    return amenity


def add_closure(
    session: Session, actor: Actor, community_id: int, amenity_id: int, *, starts_at: datetime, ends_at: datetime,
    reason: str,
) -> Closure:
    """A manager closes an amenity for a period (holiday, maintenance).

    Commits; cancels the bookings and wait-list entries of future slots it covers and notifies
    their residents.
    """
    amenity = queries.get_amenity(session, actor, community_id, amenity_id)
    require(actor, Permission.AMENITY_MANAGE, community_id)
    amenity = _lock(session, amenity.id)
    now = utcnow()
    closure = Closure(community_id=community_id, amenity_id=amenity.id, starts_at=starts_at, ends_at=ends_at,
                      reason=reason, created_by=actor.user_id)
    session.add(closure)
    affected = session.scalars(
        select(Booking).where(
            Booking.amenity_id == amenity.id, Booking.status.in_((BookingStatus.WAITING, BookingStatus.CONFIRMED)),
            Booking.starts_at < ends_at, Booking.ends_at > starts_at, Booking.starts_at > now,
        ).with_for_update(of=Booking)
    ).all()
    tz = _timezone(session, community_id)
    for booking in affected:
        _cancel(booking, actor, now, reason)
        _notify_cancelled(session, booking, tz, reason)
    session.commit()
    return closure


def remove_closure(session: Session, actor: Actor, community_id: int, amenity_id: int, closure_id: int) -> None:
    """A manager reopens a closed period; bookings it cancelled stay cancelled. Commits."""
    amenity = queries.get_amenity(session, actor, community_id, amenity_id)
    closure = session.get(Closure, closure_id)
    if closure is None or closure.amenity_id != amenity.id:
        raise NotFound()
    require(actor, Permission.AMENITY_MANAGE, community_id)
    session.delete(closure)
    session.commit()


def lift_block(session: Session, actor: Actor, community_id: int, amenity_id: int, block_id: int) -> Block:
    """A manager lets a blocked household book again; its earlier no-shows are forgiven. Commits."""
    block = queries.get_block(session, actor, community_id, amenity_id, block_id)
    now = utcnow()
    if block.lifted_at is not None or block.ends_at <= now:
        raise BlockNotActive()
    block.lifted_at, block.lifted_by = now, actor.user_id
    session.commit()
    return block


# Bookings ----------------------------------------------------------------------------------

def book_slot(
    session: Session, actor: Actor, community_id: int, amenity_id: int, *, starts_at: datetime,
    unit_id: int | None = None,
) -> Booking:
    """A resident takes a place in a slot for their household. Commits."""
    amenity, unit_id, slot = _prepare(session, actor, community_id, amenity_id, starts_at, unit_id)
    if _places_taken(session, amenity.id, slot.starts_at) >= amenity.capacity:
        raise SlotFull()
    booking = _new_booking(actor, amenity, unit_id, slot, BookingStatus.CONFIRMED)
    session.add(booking)
    session.commit()
    return booking


def join_wait_list(
    session: Session, actor: Actor, community_id: int, amenity_id: int, *, starts_at: datetime,
    unit_id: int | None = None,
) -> Booking:
    """A resident queues for a full slot; the first in line gets the next place that frees up.

    Commits.
    """
    amenity, unit_id, slot = _prepare(session, actor, community_id, amenity_id, starts_at, unit_id)
    if _places_taken(session, amenity.id, slot.starts_at) < amenity.capacity:
        raise SlotHasPlaces()
    booking = _new_booking(actor, amenity, unit_id, slot, BookingStatus.WAITING)
    session.add(booking)
    session.commit()
    return booking


def cancel_booking(
    session: Session, actor: Actor, community_id: int, booking_id: int, *, reason: str | None = None
) -> Booking:
    """A resident cancels their booking (before the amenity's cutoff) or leaves a wait list;
    a manager may cancel any booking of a future slot.

    Commits; the freed place goes to the head of the wait list, who is notified; a resident
    whose booking a manager cancelled is notified.
    """
    booking = queries.get_booking(session, actor, community_id, booking_id)
    require(actor, Permission.BOOKING_CANCEL, booking)
    amenity = _lock(session, booking.amenity_id)
    booking = session.scalars(
        select(Booking).where(Booking.id == booking.id).with_for_update(of=Booking)
        .execution_options(populate_existing=True)
    ).one()
    now = utcnow()
    if booking.status not in (BookingStatus.WAITING, BookingStatus.CONFIRMED) or booking.starts_at <= now:
        raise BookingNotCancellable()
    held_place = booking.status == BookingStatus.CONFIRMED
    cutoff = booking.cancellable_until
    if now > cutoff and not allows(actor, Permission.BOOKING_MANAGE, community_id):
        raise CancellationCutoffPassed(cancellable_until=cutoff.isoformat())
    _cancel(booking, actor, now, reason)
    tz = _timezone(session, community_id)
    if held_place:
        _promote(session, amenity, Slot(booking.starts_at, booking.ends_at, local_date(booking.starts_at, tz)),
                 tz, now)
    if booking.user_id != actor.user_id:
        _notify_cancelled(session, booking, tz, reason or "")
    session.commit()
    return booking


def check_in(session: Session, actor: Actor, community_id: int, booking_id: int) -> Booking:
    """A staff member marks a resident present, from shortly before the slot until its end. Commits."""
    booking = queries.get_booking(session, actor, community_id, booking_id)
    require(actor, Permission.BOOKING_CHECK_IN, community_id)
    now = utcnow()
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingNotConfirmed()
    if not booking.starts_at - CHECK_IN_OPENS <= now < booking.ends_at:
        raise CheckInNotOpen()
    # Conditional: a cancellation or the no-show job that got there first wins.
    result = session.execute(
        update(Booking).where(Booking.id == booking.id, Booking.status == BookingStatus.CONFIRMED)
        .values(status=BookingStatus.ATTENDED, checked_in_at=now, checked_in_by=actor.user_id)
    )
    if result.rowcount != 1:
        raise BookingNotConfirmed()
    session.commit()
    return booking


def settle_past_slots(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Confirmed bookings of ended slots become no-shows; wait-list entries of begun slots expire;
    households over an amenity's no-show limit are blocked from it.

    Commits; notifies blocked households. Safe to run twice.
    """
    now = now or utcnow()
    expired = session.execute(
        update(Booking).where(Booking.status == BookingStatus.WAITING, Booking.starts_at <= now)
        .values(status=BookingStatus.EXPIRED).execution_options(synchronize_session=False)
    ).rowcount
    missed = session.execute(
        update(Booking).where(Booking.status == BookingStatus.CONFIRMED, Booking.ends_at <= now)
        .values(status=BookingStatus.NO_SHOW).returning(Booking.amenity_id, Booking.unit_id)
        .execution_options(synchronize_session=False)
    ).all()
    blocked = 0
    for amenity_id, unit_id in sorted(set(missed)):
        blocked += _block_if_over_limit(session, session.get(Amenity, amenity_id), unit_id, now)
    session.commit()
    return {"no_shows": len(missed), "expired": expired, "blocked": blocked}


# Helpers -----------------------------------------------------------------------------------

def _lock(session: Session, amenity_id: int) -> Amenity:
    """The amenity, re-read under its row lock: the turnstile of its places (see the module)."""
    return session.scalars(
        select(Amenity).where(Amenity.id == amenity_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _week(hours: list[dict]) -> list[OpeningHours]:
    # In the order the relationship loads them, so a fresh object reads like a reloaded one.
    ordered = sorted(hours, key=lambda h: (h["weekday"], h["opens_minute"]))
    return [OpeningHours(**h) for h in ordered]


def _timezone(session: Session, community_id: int) -> str:
    return session.get(Community, community_id).timezone


def _prepare(
    session: Session, actor: Actor, community_id: int, amenity_id: int, starts_at: datetime, unit_id: int | None
) -> tuple[Amenity, int, Slot]:
    """Checks shared by booking and waiting: who books, for which household, which slot, and
    that the household may. Leaves the amenity locked."""
    amenity = queries.get_amenity(session, actor, community_id, amenity_id)
    require(actor, Permission.BOOKING_CREATE, community_id)
    unit_id = queries.household_for(session, actor, community_id, unit_id)
    tz = _timezone(session, community_id)
    amenity = _lock(session, amenity.id)
    now = utcnow()
    if not amenity.active:
        raise AmenityInactive()
    starts_at = starts_at.astimezone(UTC)
    day = local_date(starts_at, tz)
    slot = next((s for s in amenity.slots_between(day, day, tz) if s.starts_at == starts_at), None)
    if slot is None:
        raise NotASlot(errors={"starts_at": [str(_l("Not the start of a slot of this amenity."))]})
    if slot.starts_at <= now:
        raise SlotStarted()
    if slot.day > local_date(now, tz) + timedelta(days=amenity.book_ahead_days):
        raise SlotNotOpenYet()
    closed = select(Closure.id).where(
        Closure.amenity_id == amenity.id, Closure.starts_at < slot.ends_at, Closure.ends_at > slot.starts_at
    ).limit(1)
    if session.scalar(closed) is not None:
        raise SlotClosed()
    live = select(Booking.id).where(
        Booking.amenity_id == amenity.id, Booking.starts_at == slot.starts_at, Booking.unit_id == unit_id,
        Booking.status.in_(LIVE),
    )
    if session.scalar(live) is not None:
        raise AlreadyBooked()
    block_until = _blocked_until(session, amenity.id, unit_id, now)
    if block_until is not None:
        raise HouseholdBlocked(blocked_until=block_until.isoformat())
    if _week_bookings(session, amenity.id, unit_id, slot, tz) >= amenity.weekly_limit:
        raise WeeklyLimitReached()
    return amenity, unit_id, slot


def _new_booking(actor: Actor, amenity: Amenity, unit_id: int, slot: Slot, status: BookingStatus) -> Booking:
    return Booking(
        community_id=amenity.community_id, amenity_id=amenity.id, unit_id=unit_id, user_id=actor.user_id,
        starts_at=slot.starts_at, ends_at=slot.ends_at, status=status, fee=amenity.fee, currency=amenity.currency,
    )


def _places_taken(session: Session, amenity_id: int, starts_at: datetime) -> int:
    return session.scalar(
        select(func.count()).where(
            Booking.amenity_id == amenity_id, Booking.starts_at == starts_at, Booking.status.in_(HOLDS_PLACE)
        )
    )


def _week_bookings(session: Session, amenity_id: int, unit_id: int, slot: Slot, tz: str) -> int:
    """The household's places at the amenity in the local week (Monday to Sunday) of `slot`."""
    week_start, week_end = local_week_bounds(slot.day, tz)
    return session.scalar(
        select(func.count()).where(
            Booking.amenity_id == amenity_id, Booking.unit_id == unit_id, Booking.status.in_(HOLDS_PLACE),
            Booking.starts_at >= week_start, Booking.starts_at < week_end,
        )
    )


def _blocked_until(session: Session, amenity_id: int, unit_id: int, now: datetime) -> datetime | None:
    return session.scalar(
        select(func.max(Block.ends_at)).where(
            Block.amenity_id == amenity_id, Block.unit_id == unit_id, Block.lifted_at.is_(None), Block.ends_at > now
        )
    )


def _promote(session: Session, amenity: Amenity, slot: Slot, tz: str, now: datetime) -> None:
    """Gives the slot's free places to its wait list in order of joining, skipping households
    that are blocked or at their weekly limit (they keep waiting). Runs under the amenity lock."""
    free = amenity.capacity - _places_taken(session, amenity.id, slot.starts_at)
    if free <= 0:
        return
    waiting = session.scalars(
        select(Booking).where(
            Booking.amenity_id == amenity.id, Booking.starts_at == slot.starts_at,
            Booking.status == BookingStatus.WAITING,
        ).order_by(Booking.id).with_for_update(of=Booking)
    ).all()
    for booking in waiting:
        if free == 0:
            break
        if _blocked_until(session, amenity.id, booking.unit_id, now) is not None:
            continue
        if _week_bookings(session, amenity.id, booking.unit_id, slot, tz) >= amenity.weekly_limit:
            continue
        booking.status, booking.promoted_at = BookingStatus.CONFIRMED, now
        free -= 1
        notify(
            session, user_ids=[booking.user_id], kind="booking.promoted", community_id=booking.community_id,
            params={"amenity": amenity.name, "start": _local_text(booking.starts_at, tz)},
            subject=("booking", booking.id), dedupe_key=f"booking.promoted:{booking.id}",
        )


def _cancel(booking: Booking, actor: Actor, now: datetime, reason: str | None) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at, booking.cancelled_by, booking.cancel_reason = now, actor.user_id, reason


def _notify_cancelled(session: Session, booking: Booking, tz: str, reason: str) -> None:
    notify(
        session, user_ids=[booking.user_id], kind="booking.cancelled", community_id=booking.community_id,
        params={"amenity": booking.amenity.name, "start": _local_text(booking.starts_at, tz), "reason": reason},
        subject=("booking", booking.id), dedupe_key=f"booking.cancelled:{booking.id}",
    )


def _block_if_over_limit(session: Session, amenity: Amenity, unit_id: int, now: datetime) -> int:
    """Blocks the household when its no-shows since its last block, within the window, reach
    the amenity's limit. Returns how many blocks it made (0 or 1)."""
    if amenity.no_show_limit == 0 or _blocked_until(session, amenity.id, unit_id, now) is not None:
        return 0
    last_block = session.scalar(
        select(func.max(Block.starts_at)).where(Block.amenity_id == amenity.id, Block.unit_id == unit_id)
    )
    since = max(now - NO_SHOW_WINDOW, last_block) if last_block else now - NO_SHOW_WINDOW
    missed = session.scalar(
        select(func.count()).where(
            Booking.amenity_id == amenity.id, Booking.unit_id == unit_id,
            Booking.status == BookingStatus.NO_SHOW, Booking.ends_at > since,
        )
    )
    if missed < amenity.no_show_limit:
        return 0
    block = Block(community_id=amenity.community_id, amenity_id=amenity.id, unit_id=unit_id, starts_at=now,
                  ends_at=now + timedelta(days=amenity.no_show_block_days), no_shows=missed)
    session.add(block)
    # flush: the block's id names the notification, so a rerun cannot send it twice
    session.flush()
    tz = _timezone(session, amenity.community_id)
    household = session.scalars(
        select(Residency.user_id).where(Residency.unit_id == unit_id, Residency.status == ResidencyStatus.APPROVED)
    ).all()
    notify(
        session, user_ids=household, kind="booking.household_blocked", community_id=amenity.community_id,
        params={"amenity": amenity.name, "count": missed, "until": _local_text(block.ends_at, tz)},
        subject=("amenity", amenity.id), dedupe_key=f"booking.household_blocked:{block.id}",
    )
    return 1


def _local_text(moment: datetime, tz: str) -> str:
    return to_local(moment, tz).strftime("%Y-%m-%d %H:%M")
