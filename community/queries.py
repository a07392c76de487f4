"""Read-side selects of the community floor, scoped to what the actor may see."""
from __future__ import annotations

import functools

from sqlalchemy import Select, String, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import Session

from community.models import RESIDENT, Building, Community, Residency, ResidencyStatus, StaffMember, Unit
from community.policy import Permission
from core.auth import Actor, Membership
from core.errors import NotFound
from core.policy import allows, require
from identity.models import User


@functools.cache
def _actor_statement() -> Select:
    """The actor's query, built once: on the tables' columns (Core, no ORM entities to load) with
    the user id as a parameter, so each run reuses the compiled SQL instead of building it anew."""
    users, residencies, staff = User.__table__.c, Residency.__table__.c, StaffMember.__table__.c
    memberships = union_all(
        select(residencies.user_id, residencies.community_id, literal(RESIDENT, String).label("role")).where(
            residencies.user_id == bindparam("user_id"), residencies.status == ResidencyStatus.APPROVED.value
        ),
        select(staff.user_id, staff.community_id, staff.role).where(staff.user_id == bindparam("user_id")),
    ).subquery()
    return (
        select(users.platform_role, memberships.c.community_id, memberships.c.role)
        .outerjoin_from(User.__table__, memberships, memberships.c.user_id == users.id)
        .where(users.id == bindparam("user_id"), users.is_active.is_(True))
    )


def load_actor(session: Session, user_id: int) -> Actor | None:
    """The actor for an authenticated user id: platform role and memberships, in one query.

    Read on every cache miss of an actor (core/auth.py), the hottest query there is.
    """
    rows = session.execute(_actor_statement(), {"user_id": user_id}).all()
    if not rows:
        return None
    found = {Membership(int(cid), str(role)) for _, cid, role in rows if cid is not None}
    return Actor(user_id=user_id, platform_role=rows[0][0], memberships=tuple(sorted(found)))


def require_member(actor: Actor, community_id: int) -> None:
    """A community's private things exist only for its members (and the platform): else 404."""
    if not actor.is_platform_admin and not actor.roles_in(community_id):
        raise NotFound()


def get_community(session: Session, community_id: int) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound()
    return community


def communities(q: str | None = None) -> Select:
    query = select(Community).order_by(Community.name, Community.id)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Community.name.ilike(pattern), Community.address.ilike(pattern)))
    return query


def buildings(community_id: int) -> Select:
    return select(Building).where(Building.community_id == community_id).order_by(Building.name, Building.id)


def get_building(session: Session, community_id: int, building_id: int) -> Building:
    building = session.get(Building, building_id)
    if building is None or building.community_id != community_id:
        raise NotFound()
    return building


def units(community_id: int, building_id: int) -> Select:
    return (
        select(Unit)
        .where(Unit.community_id == community_id, Unit.building_id == building_id)
        .order_by(Unit.number, Unit.id)
    )


def get_unit(session: Session, community_id: int, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.community_id != community_id:
        raise NotFound()
    return unit


def visible_residencies(actor: Actor, community_id: int, *, status: str | None = None) -> Select:
    """Managers see every claim in their community; anyone else only their own."""
    query = select(Residency).where(Residency.community_id == community_id).order_by(Residency.id.desc())
    if not allows(actor, Permission.RESIDENCY_VIEW_ALL, community_id):
        query = query.where(Residency.user_id == actor.user_id)
    if status:
        query = query.where(Residency.status == status)
    return query


def get_residency(session: Session, actor: Actor, community_id: int, residency_id: int) -> Residency:
    residency = session.scalar(visible_residencies(actor, community_id).where(Residency.id == residency_id))
    if residency is None:
        raise NotFound()
    return residency


def my_residencies(actor: Actor) -> Select:
    return select(Residency).where(Residency.user_id == actor.user_id).order_by(Residency.id.desc())


def staff(actor: Actor, community_id: int) -> Select:
    """A community's staff list, for its managers."""
    require_member(actor, community_id)
    require(actor, Permission.STAFF_VIEW, community_id)
    return select(StaffMember).where(StaffMember.community_id == community_id).order_by(StaffMember.id)


def get_staff_member(session: Session, community_id: int, staff_id: int) -> StaffMember:
    member = session.get(StaffMember, staff_id)
    if member is None or member.community_id != community_id:
        raise NotFound()
    return member


def profile(session: Session, actor: Actor) -> dict:
    """`GET /api/me`: the caller's account, memberships per community and residencies."""
    user = session.get(User, actor.user_id)
    ids = {m.community_id for m in actor.memberships}
    names = {c.id: c for c in session.scalars(select(Community).where(Community.id.in_(ids)))} if ids else {}
    return {
        "id": user.id,
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "platform_role": user.platform_role,
        "created_at": user.created_at,
        "memberships": [
            {
                "community_id": m.community_id,
                "community_slug": names[m.community_id].slug,
                "community_name": names[m.community_id].name,
                "role": m.role,
            }
            for m in actor.memberships
        ],
        "residencies": list(session.scalars(my_residencies(actor))),
    }


def home_point(session: Session, user_id: int, community_id: int) -> tuple[float | None, float | None, str] | None:
    """Where a resident lives in a community, for a courier: the building's coordinates and
    "building unit" (no name, no phone). None for no approved residency."""
    row = session.execute(
        select(Building.latitude, Building.longitude, Building.name, Unit.number)
        .join(Unit, Unit.building_id == Building.id)
        .join(Residency, Residency.unit_id == Unit.id)
        .where(Residency.user_id == user_id, Residency.community_id == community_id,
               Residency.status == ResidencyStatus.APPROVED)
        .order_by(Residency.id).limit(1)
    ).first()
    return None if row is None else (row[0], row[1], f"{row[2]} {row[3]}")
