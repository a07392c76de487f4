"""Use cases of service requests: categories, filing, the workflow, comments, ratings, SLA, Open311 keys."""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from community.models import Building, Community, StaffRole, Unit
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from community.queries import get_community, require_member
from community.requests import queries
from community.requests.errors import (
    AlreadyRated,
    AssigneeNotStaff,
    CannotMerge,
    CategoryCodeTaken,
    CategoryInactive,
    DailyLimitReached,
    KeyAlreadyRevoked,
    NotRatable,
    ReopenWindowPassed,
    TransitionNotAllowed,
)
from community.requests.models import (
    OPEN_STATUSES,
    DailyFilingCount,
    FieldType,
    LocationKind,
    Open311Key,
    RequestCategory,
    RequestComment,
    RequestEvent,
    RequestSettings,
    ServiceRequest,
    Source,
    Status,
)
from community.requests.policy import Permission
from core.auth import Actor
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import allows, require
from core.timeutil import local_date, to_local

# SLA targets a category gets when its manager names none; emergencies are answered faster.
DEFAULT_SLA_MINUTES = {False: (4 * 60, 3 * 24 * 60), True: (30, 4 * 60)}
_EXCERPT = 80

kinds.register("service_request.new", title=N_("New service request"),
               body=N_("#%(id)s %(category)s: %(excerpt)s"))
kinds.register("service_request.emergency", title=N_("Emergency service request"),
               body=N_("#%(id)s %(category)s at %(place)s: %(excerpt)s"), mandatory=True)
kinds.register("service_request.assigned", title=N_("A service request was assigned to you"),
               body=N_("#%(id)s %(category)s at %(place)s: %(excerpt)s"))
kinds.register("service_request.acknowledged", title=N_("Your request was received"),
               body=N_("Request #%(id)s (%(category)s) was received and will be handled."))
kinds.register("service_request.in_progress", title=N_("Work on your request has started"),
               body=N_("Request #%(id)s (%(category)s) is being worked on."))
kinds.register("service_request.on_hold", title=N_("Your request is on hold"),
               body=N_("Request #%(id)s is on hold until %(until)s: %(reason)s"))
kinds.register("service_request.resolved", title=N_("Your request was resolved"),
               body=N_("Request #%(id)s (%(category)s) was resolved. Please rate it, or reopen it "
                       "within %(hours)s hours if the problem remains."))
kinds.register("service_request.declined", title=N_("Your request was declined"),
               body=N_("Request #%(id)s was declined: %(reason)s"))
kinds.register("service_request.merged", title=N_("Your request was merged with an earlier one"),
               body=N_("Request #%(id)s reports the same problem as an earlier request; "
                       "we will tell you when it is resolved."))
kinds.register("service_request.reopened", title=N_("A service request was reopened"),
               body=N_("#%(id)s (%(category)s) was reopened: %(reason)s"))
kinds.register("service_request.commented", title=N_("New comment on a service request"),
               body=N_("#%(id)s: %(excerpt)s"))
kinds.register("service_request.first_response_overdue", title=N_("A service request is waiting too long"),
               body=N_("#%(id)s (%(category)s) had no response by its deadline, %(due)s."))
kinds.register("service_request.resolution_overdue", title=N_("A service request is past its deadline"),
               body=N_("#%(id)s (%(category)s) was due to be resolved by %(due)s."))


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    DECLINE = "decline"
    REOPEN = "reopen"


# action: (statuses it leaves from, status it reaches, who may do it); reopen's target is computed.
_MOVES: dict[Action, tuple[frozenset[str], str | None, Permission]] = {
    Action.ACKNOWLEDGE: (frozenset({Status.NEW}), Status.ACKNOWLEDGED, Permission.REQUEST_HANDLE),
    Action.START: (frozenset({Status.NEW, Status.ACKNOWLEDGED}), Status.IN_PROGRESS, Permission.REQUEST_HANDLE),
    Action.HOLD: (frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS}), Status.ON_HOLD, Permission.REQUEST_HANDLE),
    Action.RESUME: (frozenset({Status.ON_HOLD}), Status.IN_PROGRESS, Permission.REQUEST_HANDLE),
    Action.RESOLVE: (frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.ON_HOLD}), Status.RESOLVED,
                     Permission.REQUEST_HANDLE),
    Action.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED, Permission.REQUEST_TRIAGE),
    Action.DECLINE: (frozenset(OPEN_STATUSES), Status.DECLINED, Permission.REQUEST_TRIAGE),
    Action.REOPEN: (frozenset({Status.RESOLVED}), None, Permission.REQUEST_FOLLOW_UP),
}
_NEEDS_REASON = {Action.HOLD, Action.DECLINE, Action.REOPEN}
# Staff actions the requester sees: the first of them is the "first response" of the SLA.
_RESPONSES = {Action.ACKNOWLEDGE, Action.START, Action.HOLD, Action.RESOLVE, Action.DECLINE}
_TELL_REQUESTER = {Action.ACKNOWLEDGE: "service_request.acknowledged", Action.START: "service_request.in_progress",
                   Action.HOLD: "service_request.on_hold", Action.RESOLVE: "service_request.resolved",
                   Action.DECLINE: "service_request.declined"}


# Categories -------------------------------------------------------------------------------------

def _check_default_assignee(session: Session, community_id: int, user_id: int | None) -> None:
    if user_id is not None and not queries.is_queue_staff(session, community_id, user_id):
        raise AssigneeNotStaff(errors={"default_assignee_id": [str(_l("Not a manager or maintenance staff here."))]})


def create_category(session: Session, actor: Actor, community_id: int, **fields: Any) -> RequestCategory:
    """A manager adds a category of request. Commits."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.CATEGORY_MANAGE, community_id)
    if queries.category_by_code(session, community_id, fields["code"]) is not None:
        raise CategoryCodeTaken()
    _check_default_assignee(session, community_id, fields.get("default_assignee_id"))
    response, resolution = DEFAULT_SLA_MINUTES[bool(fields.get("is_emergency"))]
    fields.setdefault("first_response_minutes", response)
    fields.setdefault("resolution_minutes", resolution)
    _check_sla(fields["first_response_minutes"], fields["resolution_minutes"])
    category = RequestCategory(community_id=community_id, **fields)
    session.add(category)
    session.commit()
    return category


def update_category(
    session: Session, actor: Actor, community_id: int, category_id: int, **fields: Any
) -> RequestCategory:
    """A manager edits or archives (`active: false`) a category; filed requests keep their deadlines. Commits."""
    category = queries.member_category(session, actor, community_id, category_id)
    require(actor, Permission.CATEGORY_MANAGE, community_id)
    if "code" in fields and fields["code"] != category.code:
        if queries.category_by_code(session, community_id, fields["code"]) is not None:
            raise CategoryCodeTaken()
    if "default_assignee_id" in fields:
        _check_default_assignee(session, community_id, fields["default_assignee_id"])
    _check_sla(fields.get("first_response_minutes", category.first_response_minutes),
               fields.get("resolution_minutes", category.resolution_minutes))
    for name, value in fields.items():
        setattr(category, name, value)
    session.commit()
    return category


def _check_sla(first_response: int, resolution: int) -> None:
    if first_response > resolution:
        raise InvalidInput(errors={"first_response_minutes": [
            str(_l("The first response cannot be due after the resolution."))]})


def update_settings(session: Session, actor: Actor, community_id: int, **fields: Any) -> RequestSettings:
    """A manager changes the community's limits, reopen window and duplicate radius. Commits."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.SETTINGS_MANAGE, community_id)
    current = session.get(RequestSettings, community_id)
    if current is None:
        current = RequestSettings(community_id=community_id, **queries.DEFAULT_SETTINGS)
        session.add(current)
    for name, value in fields.items():
        setattr(current, name, value)
    session.commit()
    return current


# Filing -----------------------------------------------------------------------------------------

def _invalid(field: str, message: Any) -> InvalidInput:
    return InvalidInput(errors={field: [str(message)]})


def validate_answers(category: RequestCategory, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers to a category's extra fields, checked and normalised; errors name each field."""
    fields = {f["code"]: f for f in category.fields or []}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for code in answers:
        if code not in fields:
            errors[code] = [str(_l("This category has no such field."))]
    for code, spec in fields.items():
        value = answers.get(code)
        if value is None or value == "" or value == []:
            if spec.get("required"):
                errors[code] = [str(_l("This field is required."))]
            continue
        try:
            clean[code] = _answer(spec, value)
        except ValueError as exc:
            errors[code] = [str(exc)]
    if errors:
        raise InvalidInput(errors={"answers": errors})
    return clean


def _answer(spec: dict[str, Any], value: Any) -> Any:
    kind = spec["type"]
    keys = [o["key"] for o in spec.get("options") or []]
    if kind == FieldType.TEXT:
        if not isinstance(value, str) or len(value) > 1000:
            raise ValueError(_l("Give text of at most 1000 characters."))
        return value
    if kind == FieldType.NUMBER:
        if isinstance(value, str):
            try:
                value = float(value) if re.search(r"[.eE]", value) else int(value)
            except ValueError:
                raise ValueError(_l("Give a number.")) from None
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > 1e12 or value != value:
            raise ValueError(_l("Give a number."))
        return value
    if kind == FieldType.DATE:
        try:
            return date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise ValueError(_l("Give a date as YYYY-MM-DD.")) from None
    if kind == FieldType.SINGLE_CHOICE:
        if isinstance(value, list) or str(value) not in keys:
            raise ValueError(_l("Choose one of the offered options."))
        return str(value)
    chosen = value if isinstance(value, list) else [value]
    if not chosen or any(str(v) not in keys for v in chosen):
        raise ValueError(_l("Choose among the offered options."))
    return sorted({str(v) for v in chosen}, key=keys.index)


def _take_quota(session: Session, community: Community, filer: str, limit: int, now: datetime) -> None:
    """Counts one filing for `filer` today (the community's day); refuses past `limit`.

    One conditional upsert: simultaneous filings queue on the row and at most `limit` get through.
    """
    table = DailyFilingCount.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(community_id=community.id, filer=filer, day=local_date(now, community.timezone), count=1)
        .on_conflict_do_update(index_elements=["community_id", "filer", "day"],
                               set_={"count": table.c.count + 1}, where=table.c.count < limit)
        .returning(table.c.count)
    )
    if session.execute(statement).first() is None:
        raise DailyLimitReached()


def _record(
    session: Session, request: ServiceRequest, actor_id: int | None, action: str, *,
    from_status: str | None, to_status: str | None, reason: str | None = None, **data: Any,
) -> RequestEvent:
    event = RequestEvent(request_id=request.id, actor_id=actor_id, action=action, from_status=from_status,
                         to_status=to_status, reason=reason, data=data)
    session.add(event)
    return event


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def _place(request: ServiceRequest) -> str:
    """Where, in words, for staff notifications (they may see the unit)."""
    if request.unit is not None:
        return f"{request.unit.building.name} {request.unit.number}"
    parts = [request.building.name if request.building else None, request.place]
    text = " ".join(p for p in parts if p)
    if text:
        return text
    if request.latitude is not None:
        return f"{request.latitude:.5f},{request.longitude:.5f}"
    return ""


def _params(request: ServiceRequest, **extra: Any) -> dict[str, Any]:
    return {"id": request.id, "category": request.category.name, "excerpt": _excerpt(request.description),
            "place": _place(request), **extra}


def _tell(session: Session, request: ServiceRequest, user_ids, kind: str, key: str, **extra: Any) -> None:
    notify(session, user_ids=[u for u in user_ids if u is not None], kind=kind,
           params=_params(request, **extra), community_id=request.community_id,
           subject=("service_request", request.id), dedupe_key=f"{kind}:{request.id}:{key}")


def _auto_assignee(session: Session, category: RequestCategory) -> int | None:
    if not category.auto_assign:
        return None
    if category.default_assignee_id is not None and queries.is_queue_staff(
        session, category.community_id, category.default_assignee_id
    ):
        return category.default_assignee_id
    return queries.least_busy_staff(session, category.community_id, category.assignee_role)


def _file(
    session: Session, community: Community, category: RequestCategory, *, filer: str, limit: int,
    requester_id: int | None, description: str, location: dict[str, Any], photos: list[str],
    answers: dict[str, Any], now: datetime, **extra: Any,
) -> ServiceRequest:
    """What filing means wherever the request comes from; the caller commits."""
    if not category.active:
        raise CategoryInactive()
    clean_answers = validate_answers(category, answers)
    _take_quota(session, community, filer, limit, now)
    request = ServiceRequest(
        community_id=community.id, category_id=category.id, category=category, requester_id=requester_id,
        description=description, photos=photos, answers=clean_answers, status=Status.NEW,
        first_response_due_at=now + timedelta(minutes=category.first_response_minutes),
        resolution_due_at=now + timedelta(minutes=category.resolution_minutes),
        created_at=now, updated_at=now, **location, **extra,
    )
    request.assignee_id = _auto_assignee(session, category)
    session.add(request)
    # flush: the history and the notifications name the request by its id
    session.flush()
    _record(session, request, requester_id, "filed", from_status=None, to_status=Status.NEW)
    if request.assignee_id is not None:
        _record(session, request, None, "assigned", from_status=None, to_status=None,
                assignee_id=request.assignee_id)
        _tell(session, request, [request.assignee_id], "service_request.assigned", "filed")
    managers = queries.staff_ids(session, community.id, StaffRole.MANAGER)
    if category.is_emergency:
        group = queries.staff_ids(session, community.id, category.assignee_role)
        _tell(session, request, [*managers, *group], "service_request.emergency", "filed")
    elif request.assignee_id is None:
        _tell(session, request, managers, "service_request.new", "filed")
    return request


def _location(session: Session, actor: Actor, community_id: int, location: dict[str, Any]) -> dict[str, Any]:
    kind = location["kind"]
    if kind == LocationKind.UNIT:
        mine = queries.own_units(session, actor.user_id, community_id)
        unit_id = location.get("unit_id")
        if unit_id is None and len(mine) == 1:
            unit_id = mine[0]
        if unit_id is None or unit_id not in mine:
            raise InvalidInput(errors={"location": {"unit_id": [str(_l("Choose one of your own units."))]}})
        unit = session.get(Unit, unit_id)
        return {"location_kind": kind, "unit_id": unit.id, "building_id": unit.building_id}
    building_id = location.get("building_id")
    if building_id is not None:
        building = session.get(Building, building_id)
        if building is None or building.community_id != community_id:
            raise InvalidInput(errors={"location": {"building_id": [str(_l("No such building here."))]}})
    if kind == LocationKind.COMMON_AREA:
        return {"location_kind": kind, "building_id": building_id, "place": location["place"]}
    return {"location_kind": kind, "building_id": building_id, "place": location.get("place"),
            "latitude": location["latitude"], "longitude": location["longitude"]}


def file_request(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    category_id: int,
    description: str,
    location: dict[str, Any],
    photos: list[str] | None = None,
    visit_from: datetime | None = None,
    visit_to: datetime | None = None,
    answers: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """A member files a request; possible duplicates nearby come back with it.

    Commits; counts against the filer's daily limit; notifies the assignee, or the managers.
    """
    community = get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.REQUEST_FILE, community_id)
    try:
        category = queries.get_category(session, community_id, category_id)
    except NotFound:
        raise _invalid("category_id", _l("No such category here.")) from None
    if (visit_from is None) != (visit_to is None) or (visit_from and visit_to <= visit_from):
        raise _invalid("visit_to", _l("Give both ends of the visit window, the end after the start."))
    now = now or utcnow()
    request = _file(
        session, community, category, filer=f"user:{actor.user_id}",
        limit=queries.settings(session, community_id).daily_limit_per_resident, requester_id=actor.user_id,
        description=description, location=_location(session, actor, community_id, location),
        photos=photos or [], answers=answers or {}, now=now, source=Source.APP,
        visit_from=visit_from, visit_to=visit_to,
    )
    session.commit()
    staff = allows(actor, Permission.REQUEST_VIEW_ALL, community_id)
    request.possible_duplicates = queries.possible_duplicates(session, request, shared_places_only=not staff)
    return request


def file_open311_request(
    session: Session,
    community: Community,
    key: Open311Key,
    category: RequestCategory,
    *,
    description: str,
    location: dict[str, Any],
    media_url: str | None,
    answers: dict[str, Any],
    reporter_name: str | None,
    reporter_email: str | None,
    reporter_phone: str | None,
    now: datetime | None = None,
) -> ServiceRequest:
    """A city system files through Open311 with a manager's API key.

    Commits; counts against the key's daily limit; notifies the assignee, or the managers.
    """
    request = _file(
        session, community, category, filer=f"key:{key.id}",
        limit=queries.settings(session, community.id).daily_limit_per_open311_key, requester_id=None,
        description=description, location=location, photos=[media_url] if media_url else [],
        answers=answers, now=now or utcnow(), source=Source.OPEN311, open311_key_id=key.id,
        reporter_name=reporter_name, reporter_email=reporter_email, reporter_phone=reporter_phone,
    )
    session.commit()
    return request


# Workflow ---------------------------------------------------------------------------------------

def _first_response(request: ServiceRequest, now: datetime) -> None:
    if request.first_responded_at is None:
        request.first_responded_at = now
        if now > request.first_response_due_at and request.first_response_breached_at is None:
            request.first_response_breached_at = now


def _resolved(request: ServiceRequest, now: datetime) -> None:
    request.resolved_at = now
    if now > request.resolution_due_at and request.resolution_breached_at is None:
        request.resolution_breached_at = now


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
    request = queries.lock_request(session, actor, community_id, request_id)
    allowed_from, target, permission = _MOVES[action]
    require(actor, permission, community_id if permission == Permission.REQUEST_TRIAGE else request)
    if request.status not in allowed_from:
        raise TransitionNotAllowed(from_status=request.status, action=str(action))
    if action in _NEEDS_REASON and not (reason and reason.strip()):
        raise _invalid("reason", _l("Give a reason."))
    now = now or utcnow()
    community = get_community(session, community_id)
    window = queries.settings(session, community_id).reopen_window_hours
    if action == Action.HOLD:
        if hold_until is None or hold_until < local_date(now, community.timezone):
            raise _invalid("hold_until", _l("Give the date the hold ends, today or later."))
        request.held_at, request.hold_until = now, hold_until
    elif request.status == Status.ON_HOLD:
        # The resolution clock stops while on hold (waiting for parts, for the resident...).
        if request.resolution_breached_at is None and request.held_at is not None:
            request.resolution_due_at += now - request.held_at
        request.held_at = request.hold_until = None
    if action == Action.REOPEN:
        if request.resolved_at is None or now > request.resolved_at + timedelta(hours=window):
            raise ReopenWindowPassed()
        target = Status.IN_PROGRESS if request.assignee_id is not None else Status.ACKNOWLEDGED
        category = request.category
        request.resolved_at = None
        request.resolution_due_at = now + timedelta(minutes=category.resolution_minutes)
        request.resolution_breached_at = None
        request.reopen_count += 1
    if action in _RESPONSES:
        _first_response(request, now)
    if action == Action.RESOLVE:
        _resolved(request, now)
    if action == Action.CLOSE:
        request.closed_at = now
    previous = request.status
    request.status, request.status_reason, request.updated_at = target, reason, now
    event = _record(session, request, actor.user_id, str(action), from_status=previous, to_status=target,
                    reason=reason, **({"hold_until": hold_until.isoformat()} if hold_until else {}))
    # flush: the event's id keeps each notification of a repeated move (a second hold) distinct
    session.flush()
    if action == Action.REOPEN:
        to = [request.assignee_id] if request.assignee_id else queries.staff_ids(
            session, community_id, StaffRole.MANAGER)
        _tell(session, request, to, "service_request.reopened", str(event.id), reason=reason)
    elif action in _TELL_REQUESTER:
        _tell(session, request, [request.requester_id], _TELL_REQUESTER[action], str(event.id),
              reason=reason or "", until=hold_until.isoformat() if hold_until else "", hours=window)
        if action == Action.RESOLVE:
            _tell_followers(session, request, str(event.id), window)
    session.commit()
    return request


def _tell_followers(session: Session, original: ServiceRequest, key: str, window: int) -> None:
    """Requesters whose duplicates were merged into `original` hear of its resolution too."""
    for duplicate in session.scalars(select(ServiceRequest).where(ServiceRequest.duplicate_of_id == original.id)):
        _tell(session, duplicate, [duplicate.requester_id], "service_request.resolved", f"original:{key}",
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
    event = _record(session, request, actor.user_id, "assigned" if assignee_id else "unassigned",
                    from_status=request.status, to_status=request.status,
                    previous_assignee_id=previous, assignee_id=assignee_id)
    # flush: the event's id names the notification (a request can be reassigned to the same person)
    session.flush()
    if assignee_id is not None and assignee_id != previous:
        _tell(session, request, [assignee_id], "service_request.assigned", str(event.id))
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
        _tell(session, request, [request.requester_id], "service_request.commented", str(comment.id),
              excerpt=_excerpt(body))
    elif not from_staff:
        to = [request.assignee_id] if request.assignee_id else queries.staff_ids(
            session, community_id, StaffRole.MANAGER)
        _tell(session, request, to, "service_request.commented", str(comment.id), excerpt=_excerpt(body))
    session.commit()
    return comment


def rate_request(
    session: Session, actor: Actor, community_id: int, request_id: int, *,
    score: int, reasons: list[str] | None = None, comment: str | None = None,
) -> ServiceRequest:
    """The requester rates the resolution, which confirms it: a resolved request closes. Commits."""
    request = queries.lock_request(session, actor, community_id, request_id)
    require(actor, Permission.REQUEST_FOLLOW_UP, request)
    if request.resolved_at is None or request.status not in (Status.RESOLVED, Status.CLOSED):
        raise NotRatable()
    if request.rating is not None:
        raise AlreadyRated()
    now = utcnow()
    request.rating, request.rating_reasons, request.rating_comment, request.rated_at = score, reasons or [], \
        comment, now
    _record(session, request, actor.user_id, "rated", from_status=request.status, to_status=request.status,
            reason=comment, score=score, reasons=reasons or [])
    if request.status == Status.RESOLVED:
        _record(session, request, actor.user_id, "close", from_status=Status.RESOLVED, to_status=Status.CLOSED)
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
    _record(session, duplicate, actor.user_id, "merged", from_status=previous, to_status=Status.CLOSED,
            reason=duplicate.status_reason, original_id=original.id)
    _record(session, original, actor.user_id, "duplicate_merged", from_status=original.status,
            to_status=original.status, duplicate_id=duplicate.id)
    _tell(session, duplicate, [duplicate.requester_id], "service_request.merged", str(original.id))
    session.commit()
    return duplicate


# SLA and housekeeping jobs' use cases ----------------------------------------------------------

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
            _record(session, request, None, f"{target}_overdue", from_status=request.status,
                    to_status=request.status)
            managers = queries.staff_ids(session, request.community_id, StaffRole.MANAGER)
            deadline = request.first_response_due_at if target == "first_response" else request.resolution_due_at
            _tell(session, request, [request.assignee_id, *managers], f"service_request.{target}_overdue", "sla",
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


# Open311 keys -----------------------------------------------------------------------------------

def issue_open311_key(session: Session, actor: Actor, community_id: int, *, name: str) -> Open311Key:
    """A manager issues an API key for a city system; its value is shown once. Commits."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.OPEN311_KEY_MANAGE, community_id)
    raw = "o311_" + secrets.token_urlsafe(24)
    key = Open311Key(community_id=community_id, name=name, key_hash=queries.digest_key(raw), prefix=raw[:8],
                     created_by=actor.user_id)
    session.add(key)
    session.commit()
    key.key = raw
    return key


def revoke_open311_key(session: Session, actor: Actor, community_id: int, key_id: int) -> None:
    """Commits; the key stops working at once."""
    require_member(actor, community_id)
    key = session.get(Open311Key, key_id)
    if key is None or key.community_id != community_id:
        raise NotFound()
    require(actor, Permission.OPEN311_KEY_MANAGE, community_id)
    if key.revoked_at is not None:
        raise KeyAlreadyRevoked()
    key.revoked_at = utcnow()
    session.commit()
