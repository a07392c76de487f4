"""Read-side selects of service requests, scoped to what the actor may see."""
from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, nulls_last, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from community.models import Community, Residency, ResidencyStatus, StaffMember, StaffRole
from community.queries import get_community, require_member
from community.requests.models import (
    OPEN_STATUSES,
    LocationKind,
    RequestCategory,
    RequestComment,
    RequestEvent,
    RequestSettings,
    ServiceRequest,
    Status,
)
from community.requests.policy import Permission
from core.auth import Actor
from core.errors import NotFound
from core.models import utcnow
from core.policy import allows, require
from core.timeutil import local_date, local_day_bounds
from identity.models import User

DEFAULT_SETTINGS = {
    "daily_limit_per_resident": 5,
    "daily_limit_per_open311_key": 200,
    "reopen_window_hours": 72,
    "duplicate_radius_m": 50,
}
MAX_DUPLICATES = 5
METRES_PER_DEGREE = 111_320


def settings(session: Session, community_id: int) -> RequestSettings:
    """The community's settings, or the defaults (not stored) when a manager never changed them."""
    found = session.get(RequestSettings, community_id)
    return found or RequestSettings(community_id=community_id, **DEFAULT_SETTINGS)


def community_settings(session: Session, actor: Actor, community_id: int) -> RequestSettings:
    get_community(session, community_id)
    require_member(actor, community_id)
    return settings(session, community_id)


# Categories -------------------------------------------------------------------------------------

def categories(session: Session, actor: Actor, community_id: int, *, include_inactive: bool = False) -> Select:
    """Members choose among active categories; managers may list archived ones too."""
    get_community(session, community_id)
    require_member(actor, community_id)
    query = select(RequestCategory).where(RequestCategory.community_id == community_id)
    if not (include_inactive and allows(actor, Permission.CATEGORY_MANAGE, community_id)):
        query = query.where(RequestCategory.active.is_(True))
    return query.order_by(RequestCategory.is_emergency.desc(), RequestCategory.name, RequestCategory.id)


def get_category(session: Session, community_id: int, category_id: int) -> RequestCategory:
    category = session.get(RequestCategory, category_id)
    if category is None or category.community_id != community_id:
        raise NotFound()
    return category


def member_category(session: Session, actor: Actor, community_id: int, category_id: int) -> RequestCategory:
    require_member(actor, community_id)
    return get_category(session, community_id, category_id)


def category_by_code(session: Session, community_id: int, code: str) -> RequestCategory | None:
    return session.scalar(
        select(RequestCategory).where(RequestCategory.community_id == community_id, RequestCategory.code == code)
    )


# Requests ---------------------------------------------------------------------------------------

_SORTS = {
    "created_at": ServiceRequest.created_at,
    "status": case({s.value: i for i, s in enumerate(Status)}, value=ServiceRequest.status),
    "category": RequestCategory.name,
    "assignee": User.display_name,
    "breach": case(
        (or_(ServiceRequest.first_response_breached_at.is_not(None),
             ServiceRequest.resolution_breached_at.is_not(None)), 1),
        else_=0,
    ),
    "deadline": ServiceRequest.resolution_due_at,
}


def visible_requests(actor: Actor, community_id: int) -> Select:
    """Queue staff see the community's requests; anyone else only the ones they filed."""
    query = select(ServiceRequest).where(ServiceRequest.community_id == community_id)
    if not allows(actor, Permission.REQUEST_VIEW_ALL, community_id):
        query = query.where(ServiceRequest.requester_id == actor.user_id)
    return query


def request_queue(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    status: list[str] | None = None,
    open: bool | None = None,
    category_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool | None = None,
    breached: bool | None = None,
    building_id: int | None = None,
    min_age_hours: int | None = None,
    sort: str = "-created_at",
) -> Select:
    """The manager's queue (or a resident's own requests), filtered and sorted."""
    require_member(actor, community_id)
    query = (
        visible_requests(actor, community_id)
        .join(RequestCategory, RequestCategory.id == ServiceRequest.category_id)
        .options(contains_eager(ServiceRequest.category), joinedload(ServiceRequest.assignee),
                 joinedload(ServiceRequest.requester),
                 joinedload(ServiceRequest.unit), joinedload(ServiceRequest.building))
    )
    if status:
        query = query.where(ServiceRequest.status.in_(status))
    if open is not None:
        is_open = ServiceRequest.status.in_(OPEN_STATUSES)
        query = query.where(is_open if open else ~is_open)
    if category_id is not None:
        query = query.where(ServiceRequest.category_id == category_id)
    if assignee_id is not None:
        query = query.where(ServiceRequest.assignee_id == assignee_id)
    if unassigned is not None:
        query = query.where(ServiceRequest.assignee_id.is_(None) if unassigned
                            else ServiceRequest.assignee_id.is_not(None))
    if breached is not None:
        was_breached = or_(ServiceRequest.first_response_breached_at.is_not(None),
                           ServiceRequest.resolution_breached_at.is_not(None))
        query = query.where(was_breached if breached else ~was_breached)
    if building_id is not None:
        query = query.where(ServiceRequest.building_id == building_id)
    if min_age_hours is not None:
        query = query.where(ServiceRequest.created_at <= utcnow() - timedelta(hours=min_age_hours))
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key == "assignee":
        query = query.outerjoin(User, User.id == ServiceRequest.assignee_id)
    column = _SORTS[key]
    ordered = column.desc() if descending else column.asc()
    return query.order_by(nulls_last(ordered), ServiceRequest.id.desc())


def get_request(session: Session, actor: Actor, community_id: int, request_id: int) -> ServiceRequest:
    """A request its requester or the queue staff may see; 404 for anyone else."""
    require_member(actor, community_id)
    found = session.scalar(visible_requests(actor, community_id).where(ServiceRequest.id == request_id))
    if found is None:
        raise NotFound()
    return found


def lock_request(session: Session, actor: Actor, community_id: int, request_id: int) -> ServiceRequest:
    """Like `get_request`, with the row locked so that two changes to one request serialise."""
    require_member(actor, community_id)
    found = session.scalar(
        visible_requests(actor, community_id).where(ServiceRequest.id == request_id)
        .with_for_update(of=ServiceRequest).execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound()
    return found


def history(session: Session, actor: Actor, community_id: int, request_id: int) -> Select:
    get_request(session, actor, community_id, request_id)
    return (
        select(RequestEvent).where(RequestEvent.request_id == request_id)
        .options(joinedload(RequestEvent.actor)).order_by(RequestEvent.id)
    )


def comments(session: Session, actor: Actor, community_id: int, request_id: int) -> Select:
    """The conversation on a request; internal notes only for staff."""
    request = get_request(session, actor, community_id, request_id)
    query = (
        select(RequestComment).where(RequestComment.request_id == request_id)
        .options(joinedload(RequestComment.author)).order_by(RequestComment.id)
    )
    if not allows(actor, Permission.REQUEST_COMMENT_INTERNAL, request):
        query = query.where(RequestComment.internal.is_(False))
    return query


def own_units(session: Session, user_id: int, community_id: int) -> list[int]:
    return list(session.scalars(
        select(Residency.unit_id).where(
            Residency.user_id == user_id, Residency.community_id == community_id,
            Residency.status == ResidencyStatus.APPROVED,
        ).order_by(Residency.unit_id)
    ))


def staff_ids(session: Session, community_id: int, *roles: str) -> list[int]:
    return sorted(set(session.scalars(
        select(StaffMember.user_id).where(StaffMember.community_id == community_id, StaffMember.role.in_(roles))
    )))


def least_busy_staff(session: Session, community_id: int, role: str) -> int | None:
    """The member of a staff group with the fewest open requests on their plate (auto-assignment)."""
    load = (
        select(func.count(ServiceRequest.id))
        .where(ServiceRequest.assignee_id == StaffMember.user_id, ServiceRequest.status.in_(OPEN_STATUSES))
        .scalar_subquery()
    )
    return session.scalar(
        select(StaffMember.user_id)
        .where(StaffMember.community_id == community_id, StaffMember.role == role)
        .order_by(load, StaffMember.user_id).limit(1)
    )


def is_queue_staff(session: Session, community_id: int, user_id: int) -> bool:
    return session.scalar(
        select(StaffMember.id).where(
            StaffMember.community_id == community_id, StaffMember.user_id == user_id,
            StaffMember.role.in_([StaffRole.MANAGER, StaffRole.MAINTENANCE]),
        ).limit(1)
    ) is not None


# Duplicates -------------------------------------------------------------------------------------

def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty precise across one community."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def possible_duplicates(
    session: Session, request: ServiceRequest, *, shared_places_only: bool = False
) -> list[ServiceRequest]:
    """Open requests of the same category at the same building or within the radius of its point.

    `shared_places_only` leaves out requests located in someone's home (for what a resident sees).
    """
    radius = settings(session, request.community_id).duplicate_radius_m
    near = []
    if request.building_id is not None:
        near.append(ServiceRequest.building_id == request.building_id)
    if request.latitude is not None and request.longitude is not None:
        # A bounding box in SQL, the exact circle below.
        dlat = radius / METRES_PER_DEGREE
        dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(request.latitude)), 0.01))
        near.append(and_(ServiceRequest.latitude.between(request.latitude - dlat, request.latitude + dlat),
                         ServiceRequest.longitude.between(request.longitude - dlon, request.longitude + dlon)))
    if not near:
        return []
    query = (
        select(ServiceRequest)
        .where(ServiceRequest.community_id == request.community_id,
               ServiceRequest.category_id == request.category_id,
               ServiceRequest.id != request.id,
               ServiceRequest.status.in_(OPEN_STATUSES),
               or_(*near))
        .options(joinedload(ServiceRequest.building))
        .order_by(ServiceRequest.created_at, ServiceRequest.id)
        .limit(50)
    )
    if shared_places_only:
        query = query.where(or_(ServiceRequest.location_kind != LocationKind.UNIT,
                                ServiceRequest.requester_id == request.requester_id))
    found = []
    for other in session.scalars(query):
        same_building = request.building_id is not None and other.building_id == request.building_id
        if same_building or (
            other.latitude is not None and request.latitude is not None
            and _distance_m(request.latitude, request.longitude, other.latitude, other.longitude) <= radius
        ):
            found.append(other)
    return found[:MAX_DUPLICATES]


def duplicates_of(session: Session, actor: Actor, community_id: int, request_id: int) -> list[ServiceRequest]:
    request = get_request(session, actor, community_id, request_id)
    require(actor, Permission.REQUEST_VIEW_ALL, community_id)
    return possible_duplicates(session, request)


# Statistics -------------------------------------------------------------------------------------

def _minutes(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else (later - earlier).total_seconds() / 60


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def stats(
    session: Session, actor: Actor, community_id: int, *, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """Per category, for requests filed on local days [start, end]: counts, medians, breach rate, rating."""
    community = get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.STATS_VIEW, community_id)
    end = end or local_date(utcnow(), community.timezone)
    start = start or end - timedelta(days=29)
    since = local_day_bounds(start, community.timezone)[0]
    until = local_day_bounds(end, community.timezone)[1]
    rows = session.execute(
        select(ServiceRequest.category_id, ServiceRequest.created_at, ServiceRequest.first_responded_at,
               ServiceRequest.resolved_at, ServiceRequest.first_response_breached_at,
               ServiceRequest.resolution_breached_at, ServiceRequest.rating, ServiceRequest.status)
        .where(ServiceRequest.community_id == community_id, ServiceRequest.created_at >= since,
               ServiceRequest.created_at < until)
    ).all()
    per_category: dict[int, list] = defaultdict(list)
    for row in rows:
        per_category[row.category_id].append(row)
    shown = session.scalars(
        select(RequestCategory).where(
            RequestCategory.community_id == community_id,
            or_(RequestCategory.active.is_(True), RequestCategory.id.in_(list(per_category))),
        ).order_by(RequestCategory.name, RequestCategory.id)
    )
    result = []
    for category in shown:
        group = per_category.get(category.id, [])
        responses = [m for r in group if (m := _minutes(r.first_responded_at, r.created_at)) is not None]
        resolutions = [m for r in group if (m := _minutes(r.resolved_at, r.created_at)) is not None]
        ratings = [r.rating for r in group if r.rating is not None]
        breached = sum(1 for r in group if r.first_response_breached_at or r.resolution_breached_at)
        result.append({
            "category_id": category.id,
            "code": category.code,
            "name": category.name,
            "count": len(group),
            "open": sum(1 for r in group if r.status in OPEN_STATUSES),
            "resolved": len(resolutions),
            "median_first_response_minutes": _median(responses),
            "median_resolution_minutes": _median(resolutions),
            "breached": breached,
            "breach_rate": round(breached / len(group), 4) if group else None,
            "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "ratings": len(ratings),
        })
    return {"start": start, "end": end, "timezone": community.timezone, "categories": result}


def community_by_slug(session: Session, slug: str) -> Community | None:
    return session.scalar(select(Community).where(Community.slug == slug))
