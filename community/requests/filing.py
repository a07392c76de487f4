"""Filing a service request, from the app or through Open311: the category's extra fields checked, the
filer's daily limit counted, the request assigned by the category's rule, and staff told."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from community.models import Building, Community, StaffRole, Unit
from community.queries import get_community, require_member
from community.requests import queries
from community.requests.errors import CategoryInactive, DailyLimitReached
from community.requests.history import record, tell
from community.requests.models import (
    DailyFilingCount,
    FieldType,
    LocationKind,
    RequestCategory,
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
from core.timeutil import local_date, local_day_bounds


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
    """Counts one filing for `filer` today (the community's day); refuses past `limit`, with the
    seconds until the community's midnight as Retry-After.

    One conditional upsert: simultaneous filings queue on the row and at most `limit` get through.
    """
    table = DailyFilingCount.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    today = local_date(now, community.timezone)
    statement = (
        insert(table)
        .values(community_id=community.id, filer=filer, day=today, count=1)
        .on_conflict_do_update(index_elements=["community_id", "filer", "day"],
                               set_={"count": table.c.count + 1}, where=table.c.count < limit)
        .returning(table.c.count)
    )
    if session.execute(statement).first() is None:
        tomorrow = local_day_bounds(today, community.timezone)[1]
        retry_after = max(1, math.ceil((tomorrow - now).total_seconds()))
        raise DailyLimitReached(headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


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
    record(session, request, requester_id, "filed", from_status=None, to_status=Status.NEW)
    if request.assignee_id is not None:
        record(session, request, None, "assigned", from_status=None, to_status=None,
               assignee_id=request.assignee_id)
        tell(session, request, [request.assignee_id], "service_request.assigned", "filed")
    managers = queries.staff_ids(session, community.id, StaffRole.MANAGER)
    if category.is_emergency:
        group = queries.staff_ids(session, community.id, category.assignee_role)
        tell(session, request, [*managers, *group], "service_request.emergency", "filed")
    elif request.assignee_id is None:
        tell(session, request, managers, "service_request.new", "filed")
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
    key_id: int,
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
        session, community, category, filer=f"key:{key_id}",
        limit=queries.settings(session, community.id).daily_limit_per_open311_key, requester_id=None,
        description=description, location=location, photos=[media_url] if media_url else [],
        answers=answers, now=now or utcnow(), source=Source.OPEN311, open311_key_id=key_id,
        reporter_name=reporter_name, reporter_email=reporter_email, reporter_phone=reporter_phone,
    )
    session.commit()
    return request
