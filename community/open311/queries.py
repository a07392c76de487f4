"""What Open311 reads: a jurisdiction's categories and requests (public, so no one's personal data), and
the API keys that let city systems file."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from community.models import Community
from community.open311.models import Open311Key
from community.open311.policy import Permission
from community.queries import get_community, require_member
from community.requests.models import OPEN_STATUSES, RequestCategory, ServiceRequest
from core.auth import Actor
from core.policy import require


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


def digest_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def keys(session: Session, actor: Actor, community_id: int) -> Select:
    """The keys a community issued, newest first, for its managers."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.KEY_MANAGE, community_id)
    return select(Open311Key).where(Open311Key.community_id == community_id).order_by(Open311Key.id.desc())


def live_key(session: Session, community_id: int, raw: str) -> Open311Key | None:
    """The unrevoked key of this community with this value, if any (a key of another community is none)."""
    return session.scalar(
        select(Open311Key).where(Open311Key.key_hash == digest_key(raw), Open311Key.community_id == community_id,
                                 Open311Key.revoked_at.is_(None))
    )


def live_key_anywhere(session: Session, raw: str) -> Open311Key | None:
    """The unrevoked key with this value, whichever community issued it (hashes are unique)."""
    return session.scalar(select(Open311Key).where(Open311Key.key_hash == digest_key(raw),
                                                   Open311Key.revoked_at.is_(None)))
