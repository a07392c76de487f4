"""The workflow of a service request: staff move it along (acknowledge, start, hold, resolve, decline,
close), managers assign and merge it, the requester comments, reopens and rates it. Each commits once;
every step is in the request's history. What each action may do is the table in states.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from community.models import StaffRole
from community.queries import get_community
from community.requests import queries, states
from community.requests.errors import (
    AlreadyRated,
    AssigneeNotStaff,
    CannotMerge,
    NotRatable,
    ReopenWindowPassed,
    TransitionNotAllowed,
)
from community.requests.history import excerpt, record, tell
from community.requests.models import RequestComment, ServiceRequest, Status
from community.requests.policy import Permission
from community.requests.states import Action
from core.auth import Actor
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require
from core.timeutil import local_date


def _invalid(field: str, message) -> InvalidInput:
    return InvalidInput(errors={field: [str(message)]})


def _first_response(request: ServiceRequest, now: datetime) -> None:
    if request.first_responded_at is None:
        request.first_responded_at = now
        if now > request.first_response_due_at and request.first_response_breached_at is None:
            request.first_response_breached_at = now


def _resolved(request: ServiceRequest, now: datetime) -> None:
    request.resolved_at = now
    if now > request.resolution_due_at and request.resolution_breached_at is None:
        request.resolution_breached_at = now


def _reopen(request: ServiceRequest, now: datetime) -> None:
    """The resolution is undone: the request goes back to work with a fresh resolution deadline."""
    request.resolved_at = None
    request.resolution_due_at = now + timedelta(minutes=request.category.resolution_minutes)
    request.resolution_breached_at = None
    request.reopen_count += 1


def _tell_reopened(session: Session, request: ServiceRequest, key: str, reason: str | None) -> None:
    """Whoever has the request hears that it came back; the managers when nobody has it."""
    to = [request.assignee_id] if request.assignee_id else queries.staff_ids(
        session, request.community_id, StaffRole.MANAGER)
    tell(session, request, to, "service_request.reopened", key, reason=reason)


def transition(
    session: Session,
    actor: Actor,
    community_id: int,
    request_id: int,
    *,
    action: str,
    reason: str | None = None,
    hold_until: date | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Moves a request along its workflow and records who, when, from, to and why.

    Commits; notifies the requester of what staff did, or the assignee of a reopening.
    """
    action = Action(action)
    move = states.MOVES[action]
    request = queries.lock_request(session, actor, community_id, request_id)
    require(actor, move.permission, community_id if move.permission == Permission.REQUEST_TRIAGE else request)
    target = states.target(action, request.status, assigned=request.assignee_id is not None)
    if move.needs_reason and not (reason and reason.strip()):
        raise _invalid("reason", _l("Give a reason."))
    now = now or utcnow()
    community = get_community(session, community_id)
    window = queries.settings(session, community_id).reopen_window_hours
    if action == Action.HOLD:
        if hold_until is None or hold_until < local_date(now, community.timezone):
            raise _invalid("hold_until", _l("Give the date the hold ends, today or later."))
        request.held_at, request.hold_until = now, hold_until
    elif request.status == Status.ON_HOLD:
        if request.resolution_breached_at is None and request.held_at is not None:
            request.resolution_due_at = states.resumed_deadline(request.resolution_due_at, request.held_at, now)
        request.held_at = request.hold_until = None
    if action == Action.REOPEN:
        if not states.within_reopen_window(request.resolved_at, now, window):
            raise ReopenWindowPassed()
        _reopen(request, now)
    if move.response:
        _first_response(request, now)
    if action == Action.RESOLVE:
        _resolved(request, now)
    if action == Action.CLOSE:
        request.closed_at = now
    previous = request.status
    request.status, request.status_reason, request.updated_at = target, reason, now
    event = record(session, request, actor.user_id, str(action), from_status=previous, to_status=target,
                   reason=reason, **({"hold_until": hold_until.isoformat()} if hold_until else {}))
    # flush: the event's id keeps each notification of a repeated move (a second hold) distinct
    session.flush()
    if action == Action.REOPEN:
        _tell_reopened(session, request, str(event.id), reason)
    elif move.tells_requester:
        tell(session, request, [request.requester_id], move.tells_requester, str(event.id),
             reason=reason or "", until=hold_until.isoformat() if hold_until else "", hours=window)
        if action == Action.RESOLVE:
            _tell_followers(session, request, str(event.id), window)
    session.commit()
    return request


def _tell_followers(session: Session, original: ServiceRequest, key: str, window: int) -> None:
    """Requesters whose duplicates were merged into `original` hear of its resolution too."""
    for duplicate in session.scalars(select(ServiceRequest).where(ServiceRequest.duplicate_of_id == original.id)):
        tell(session, duplicate, [duplicate.requester_id], "service_request.resolved", f"original:{key}",
             reason="", until="", hours=window)


def assign_request(
    session: Session, actor: Actor, community_id: int, request_id: int, *, assignee_id: int | None
) -> ServiceRequest:
    """A manager hands a request to a staff member (or takes it back). Commits; notifies the assignee."""
    request = queries.lock_request(session, actor, community_id, request_id)
    require(actor, Permission.REQUEST_TRIAGE, community_id)
    if not request.is_open:
        raise TransitionNotAllowed(from_status=request.status, action="assign")
    if assignee_id is not None and not queries.is_queue_staff(session, community_id, assignee_id):
        raise AssigneeNotStaff(errors={"assignee_id": [str(_l("Not a manager or maintenance staff here."))]})
    previous = request.assignee_id
    request.assignee_id, request.updated_at = assignee_id, utcnow()
    event = record(session, request, actor.user_id, "assigned" if assignee_id else "unassigned",
                   from_status=request.status, to_status=request.status,
                   previous_assignee_id=previous, assignee_id=assignee_id)
    # flush: the event's id names the notification (a request can be reassigned to the same person)
    session.flush()
    if assignee_id is not None and assignee_id != previous:
        tell(session, request, [assignee_id], "service_request.assigned", str(event.id))
    session.commit()
    return request


def add_comment(
    session: Session, actor: Actor, community_id: int, request_id: int, *, body: str, internal: bool = False
) -> RequestComment:
    """Comments are public to the requester unless staff mark them internal.

    Commits; a staff comment the requester sees counts as a first response and notifies them; a
    requester's comment notifies the assignee (or the managers).
    """
    request = queries.lock_request(session, actor, community_id, request_id)
    require(actor, Permission.REQUEST_COMMENT, request)
    if internal:
        require(actor, Permission.REQUEST_COMMENT_INTERNAL, request)
    now = utcnow()
    comment = RequestComment(request_id=request.id, author_id=actor.user_id, body=body, internal=internal,
                             created_at=now)
    session.add(comment)
    # flush: the comment's id names the notification
    session.flush()
    from_staff = actor.user_id != request.requester_id
    request.updated_at = now
    if from_staff and not internal:
        _first_response(request, now)
        tell(session, request, [request.requester_id], "service_request.commented", str(comment.id),
             excerpt=excerpt(body))
    elif not from_staff:
        to = [request.assignee_id] if request.assignee_id else queries.staff_ids(
            session, community_id, StaffRole.MANAGER)
        tell(session, request, to, "service_request.commented", str(comment.id), excerpt=excerpt(body))
    session.commit()
    return comment


def rate_request(
    session: Session, actor: Actor, community_id: int, request_id: int, *,
    score: int, reasons: list[str] | None = None, comment: str | None = None, now: datetime | None = None,
) -> ServiceRequest:
    """The requester rates the resolution, which confirms it: a resolved request closes.

    Unless the rating says the problem is not fixed (2 or less, with the reason `not_fixed`) while
    the reopen window is open: then the request is reopened, as the reopen action would, and the
    resident rates it again once it is resolved again. Commits; a reopening notifies the assignee
    and the managers.
    """
    request = queries.lock_request(session, actor, community_id, request_id)
    require(actor, Permission.REQUEST_FOLLOW_UP, request)
    if request.resolved_at is None or request.status not in (Status.RESOLVED, Status.CLOSED):
        raise NotRatable()
    if not states.may_rate(request.rating, request.rated_at, request.resolved_at):
        raise AlreadyRated()
    now = now or utcnow()
    reasons = reasons or []
    request.rating, request.rating_reasons, request.rating_comment, request.rated_at = score, reasons, comment, now
    record(session, request, actor.user_id, "rated", from_status=request.status, to_status=request.status,
           reason=comment, score=score, reasons=reasons)
    window = queries.settings(session, community_id).reopen_window_hours
    if (request.status == Status.RESOLVED and states.rating_says_not_fixed(score, reasons)
            and states.within_reopen_window(request.resolved_at, now, window)):
        target = states.target(Action.REOPEN, request.status, assigned=request.assignee_id is not None)
        event = record(session, request, actor.user_id, str(Action.REOPEN), from_status=request.status,
                       to_status=target, reason=comment, score=score, by_rating=True)
        _reopen(request, now)
        request.status, request.status_reason = target, comment
        # flush: the event's id names the notification (a request may be reopened by rating twice)
        session.flush()
        managers = queries.staff_ids(session, community_id, StaffRole.MANAGER)
        tell(session, request, [request.assignee_id, *managers], "service_request.rated_not_fixed", str(event.id),
             score=score, comment=comment or "")
    elif request.status == Status.RESOLVED:
        record(session, request, actor.user_id, "close", from_status=Status.RESOLVED, to_status=Status.CLOSED)
        request.status, request.closed_at, request.status_reason = Status.CLOSED, now, None
    request.updated_at = now
    session.commit()
    return request


def merge_request(
    session: Session, actor: Actor, community_id: int, request_id: int, *, original_id: int
) -> ServiceRequest:
    """A manager closes a request as a duplicate of an earlier one. Commits; notifies its requester."""
    queries.get_request(session, actor, community_id, request_id)
    require(actor, Permission.REQUEST_TRIAGE, community_id)
    # Lock both rows in id order so that crossing merges cannot deadlock or form a cycle.
    locked = {}
    for rid in sorted({request_id, original_id}):
        try:
            locked[rid] = queries.lock_request(session, actor, community_id, rid)
        except NotFound:
            raise _invalid("original_id", _l("No such request here.")) from None
    duplicate, original = locked[request_id], locked[original_id]
    if (original.id == duplicate.id or not duplicate.is_open or original.duplicate_of_id is not None
            or original.status == Status.DECLINED):
        raise CannotMerge()
    now = utcnow()
    previous = duplicate.status
    duplicate.status, duplicate.duplicate_of_id, duplicate.closed_at = Status.CLOSED, original.id, now
    duplicate.status_reason, duplicate.updated_at = f"duplicate of #{original.id}", now
    record(session, duplicate, actor.user_id, "merged", from_status=previous, to_status=Status.CLOSED,
           reason=duplicate.status_reason, original_id=original.id)
    record(session, original, actor.user_id, "duplicate_merged", from_status=original.status,
           to_status=original.status, duplicate_id=duplicate.id)
    tell(session, duplicate, [duplicate.requester_id], "service_request.merged", str(original.id))
    session.commit()
    return duplicate
