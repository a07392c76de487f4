"""Read side of parcels: the desk's list, a household's own parcels, the uncollected report."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from community.models import Residency, ResidencyStatus, StaffMember, StaffRole
from community.parcels.models import Parcel, ParcelStatus
from community.parcels.policy import Permission
from community.queries import require_member
from core.auth import Actor
from core.errors import NotFound
from core.models import utcnow
from core.policy import require

# Reminders go to the household from this many days after arrival, once a day.
REMIND_AFTER_DAYS = 2
# Past this many days a waiting parcel is reported to the managers.
UNCOLLECTED_AFTER_DAYS = 7


def _with_status(query: Select, status: str | None) -> Select:
    if status == ParcelStatus.WAITING:
        return query.where(Parcel.collected_at.is_(None))
    if status == ParcelStatus.COLLECTED:
        return query.where(Parcel.collected_at.is_not(None))
    return query


def household_units(actor: Actor, community_id: int) -> Select:
    return select(Residency.unit_id).where(
        Residency.user_id == actor.user_id,
        Residency.community_id == community_id,
        Residency.status == ResidencyStatus.APPROVED,
    )


def household_of(unit_id: int) -> Select:
    """The user ids of everyone who lives in a unit."""
    return select(Residency.user_id).where(Residency.unit_id == unit_id, Residency.status == ResidencyStatus.APPROVED)


def managers_of(community_id: int) -> Select:
    return select(StaffMember.user_id).where(
        StaffMember.community_id == community_id, StaffMember.role == StaffRole.MANAGER
    )


def desk_parcels(actor: Actor, community_id: int, *, status: str | None = None, unit_id: int | None = None) -> Select:
    """Every parcel of the community, newest first (staff), without pickup codes."""
    require_member(actor, community_id)
    require(actor, Permission.PARCEL_VIEW_ALL, community_id)
    query = select(Parcel).where(Parcel.community_id == community_id).order_by(Parcel.id.desc())
    if unit_id is not None:
        query = query.where(Parcel.unit_id == unit_id)
    return _with_status(query, status)


def my_parcels(actor: Actor, community_id: int, *, status: str | None = None) -> Select:
    """The parcels of the caller's household(s) in this community, newest first."""
    require_member(actor, community_id)
    query = (
        select(Parcel)
        .where(Parcel.community_id == community_id, Parcel.unit_id.in_(household_units(actor, community_id)))
        .order_by(Parcel.id.desc())
    )
    return _with_status(query, status)


def get_my_parcel(session: Session, actor: Actor, community_id: int, parcel_id: int) -> Parcel:
    parcel = session.scalar(my_parcels(actor, community_id).where(Parcel.id == parcel_id))
    if parcel is None:
        raise NotFound()
    return parcel


def uncollected_parcels(
    actor: Actor, community_id: int, *, older_than_days: int = UNCOLLECTED_AFTER_DAYS, now: datetime | None = None
) -> Select:
    """Waiting parcels older than `older_than_days`, oldest first (managers)."""
    require_member(actor, community_id)
    require(actor, Permission.PARCEL_REPORT, community_id)
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    return (
        select(Parcel)
        .where(Parcel.community_id == community_id, Parcel.collected_at.is_(None), Parcel.arrived_at <= cutoff)
        .order_by(Parcel.arrived_at, Parcel.id)
    )
