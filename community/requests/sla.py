"""The SLA clock and housekeeping, as the periodic jobs run them: overdue first responses and resolutions
flagged once and told to the assignee and managers; resolved requests closed once their reopen window passed."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from community.models import Community, StaffRole
from community.requests import queries
from community.requests.history import record, tell
from community.requests.models import OPEN_STATUSES, RequestEvent, ServiceRequest, Status
from core.models import utcnow
from core.timeutil import to_local


def _due_text(session: Session, community_id: int, due: datetime) -> str:
    tz = session.get(Community, community_id).timezone
    return to_local(due, tz).strftime("%Y-%m-%d %H:%M")


def mark_sla_breaches(session: Session, now: datetime | None = None) -> int:
    """Flags requests whose first response or resolution is overdue, once each.

    Commits; notifies the assignee and the community's managers. Safe to run twice (and
    concurrently): a conditional update claims each breach.
    """
    now = now or utcnow()
    waiting = ServiceRequest.status.in_([Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS])
    targets = [
        ("first_response", ServiceRequest.first_response_breached_at, ServiceRequest.first_response_due_at,
         [ServiceRequest.first_responded_at.is_(None), ServiceRequest.status.in_(OPEN_STATUSES)]),
        ("resolution", ServiceRequest.resolution_breached_at, ServiceRequest.resolution_due_at,
         [ServiceRequest.resolved_at.is_(None), waiting]),
    ]
    count = 0
    for target, flag, due, conditions in targets:
        claimed = session.execute(
            update(ServiceRequest)
            .where(flag.is_(None), due < now, *conditions)
            .values({flag.key: now})
            .returning(ServiceRequest.id)
        ).scalars().all()
        for request in session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(claimed))):
            record(session, request, None, f"{target}_overdue", from_status=request.status,
                   to_status=request.status)
            managers = queries.staff_ids(session, request.community_id, StaffRole.MANAGER)
            deadline = request.first_response_due_at if target == "first_response" else request.resolution_due_at
            tell(session, request, [request.assignee_id, *managers], f"service_request.{target}_overdue", "sla",
                 due=_due_text(session, request.community_id, deadline))
            count += 1
    session.commit()
    return count


def close_resolved_requests(session: Session, now: datetime | None = None) -> int:
    """Closes resolved requests whose reopen window has passed. Commits; safe to run twice."""
    now = now or utcnow()
    community_ids = session.scalars(
        select(ServiceRequest.community_id).where(ServiceRequest.status == Status.RESOLVED).distinct()
    ).all()
    closed = 0
    for community_id in community_ids:
        window = queries.settings(session, community_id).reopen_window_hours
        ids = session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.community_id == community_id, ServiceRequest.status == Status.RESOLVED,
                   ServiceRequest.resolved_at < now - timedelta(hours=window))
            .values(status=Status.CLOSED, closed_at=now, updated_at=now)
            .returning(ServiceRequest.id)
        ).scalars().all()
        for request_id in ids:
            session.add(RequestEvent(request_id=request_id, actor_id=None, action="close",
                                     from_status=Status.RESOLVED, to_status=Status.CLOSED,
                                     reason="reopen window passed", data={}))
        closed += len(ids)
    session.commit()
    return closed
