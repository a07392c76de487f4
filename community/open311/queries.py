"""What Open311 reads: a jurisdiction's categories and requests (public, so no one's personal data)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from community.models import Community
from community.requests.models import OPEN_STATUSES, RequestCategory, ServiceRequest


def services(community_id: int) -> Select:
    return (
        select(RequestCategory)
        .where(RequestCategory.community_id == community_id, RequestCategory.active.is_(True))
        .order_by(RequestCategory.code)
    )


def requests(
    community: Community,
    *,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select:
    """The spec's GET requests: ids override every other filter; otherwise a window of requested_datetime."""
    query = (
        select(ServiceRequest)
        .where(ServiceRequest.community_id == community.id)
        .options(joinedload(ServiceRequest.building))
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
    )
    if ids is not None:
        return query.where(ServiceRequest.id.in_(ids))
    if service_codes:
        query = query.join(RequestCategory, RequestCategory.id == ServiceRequest.category_id).where(
            RequestCategory.code.in_(service_codes))
    if statuses and set(statuses) != {"open", "closed"}:
        is_open = ServiceRequest.status.in_(OPEN_STATUSES)
        query = query.where(is_open if "open" in statuses else ~is_open)
    if start is not None:
        query = query.where(ServiceRequest.created_at >= start)
    if end is not None:
        query = query.where(ServiceRequest.created_at <= end)
    return query


def request_in(session: Session, community_id: int, request_id: int) -> ServiceRequest | None:
    return session.scalar(
        select(ServiceRequest).where(ServiceRequest.id == request_id, ServiceRequest.community_id == community_id)
    )
