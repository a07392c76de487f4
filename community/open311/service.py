"""Open311's use cases: find the jurisdiction, check the api_key, read parameters the way the spec's
clients send them, and hand filings to the service-request workflow."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from community.models import Building, Community
from community.open311 import queries
from community.open311.errors import (
    ApiKeyInvalid,
    BadParameter,
    JurisdictionMissing,
    JurisdictionNotFound,
    LocationMissing,
    RequestNotFound,
    ServiceCodeMissing,
    ServiceNotFound,
    TokenNotFound,
)
from community.requests import filing
from community.requests import queries as request_queries
from community.requests.models import LocationKind, RequestCategory, ServiceRequest
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.web import MAX_ID

MAX_WINDOW = timedelta(days=90)  # the spec's longest start_date..end_date span, and the default window
MAX_RESULTS = 1000  # the spec's default cap on GET requests
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,40})\](\[\])?$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)

Params = MultiDict


def _text(params: Params, name: str, max_length: int) -> str | None:
    """A parameter; empty counts as absent (the spec's "optional" rule, and what FixMyStreet sends)."""
    value = params.get(name)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > max_length:
        raise BadParameter(_l("%(name)s is longer than %(max)s characters.", name=name, max=max_length))
    return value


def _number(params: Params, names: tuple[str, ...], low: float, high: float) -> float | None:
    for name in names:
        raw = _text(params, name, 40)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (low <= value <= high):
            raise BadParameter(_l("%(name)s must be a number from %(low)s to %(high)s.", name=name, low=low,
                                  high=high))
        return value
    return None


def jurisdiction(session: Session, params: Params) -> Community:
    """The community asked for by `jurisdiction_id`, or, without one, by the `api_key` it issued.

    The spec requires jurisdiction_id only of endpoints serving several jurisdictions, so some
    clients (OneBusAway's) never send it; their key belongs to exactly one community.
    """
    slug = _text(params, "jurisdiction_id", 60)
    if slug is None:
        raw_key = _text(params, "api_key", 200)
        key = queries.live_key_anywhere(session, raw_key) if raw_key else None
        if key is None:
            raise JurisdictionMissing()
        return session.get(Community, key.community_id)
    community = request_queries.community_by_slug(session, slug)
    if community is None:
        raise JurisdictionNotFound()
    return community


def category(session: Session, community: Community, code: str | None) -> RequestCategory:
    if not code:
        raise ServiceCodeMissing()
    found = request_queries.category_by_code(session, community.id, code)
    if found is None or not found.active:
        raise ServiceNotFound()
    return found


def _ids(raw: str) -> list[int]:
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            raise BadParameter(_l("service_request_id must be a comma-separated list of ids."))
        ids.append(int(part))
    return ids[:MAX_RESULTS]


def _moment(params: Params, name: str, tz: str) -> datetime | None:
    raw = _text(params, name, 40)
    if raw is None:
        return None
    if re.search(r"\d \d\d:\d\d$", raw):
        # An unencoded "+08:00" in a query string arrives as " 08:00".
        raw = f"{raw[:-6]}+{raw[-5:]}"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(_l("%(name)s must be a W3C datetime, e.g. 2010-01-01T00:00:00Z.", name=name)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


def _page(params: Params, name: str, default: int, high: int) -> int:
    raw = _text(params, name, 10)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise BadParameter(_l("%(name)s must be a whole number from 1 to %(high)s.", name=name, high=high))
    return int(raw)


def list_requests(session: Session, community: Community, params: Params) -> list[ServiceRequest]:
    """GET requests, with the spec's filters, plus `page`/`page_size` as some clients (python `three`) send."""
    raw_ids = _text(params, "service_request_id", 20_000)
    if raw_ids is not None:
        query = queries.requests(community, ids=_ids(raw_ids))
    else:
        codes = [c.strip() for c in (_text(params, "service_code", 2000) or "").split(",") if c.strip()]
        statuses = [s.strip().lower() for s in (_text(params, "status", 40) or "").split(",") if s.strip()]
        if any(s not in ("open", "closed") for s in statuses):
            raise BadParameter(_l("status must be open, closed or both, comma-separated."))
        start = _moment(params, "start_date", community.timezone)
        end = _moment(params, "end_date", community.timezone)
        if start and end and (end < start or end - start > MAX_WINDOW):
            raise BadParameter(_l("start_date and end_date may not span more than 90 days."))
        if start is None and end is None:
            end = utcnow()
        start = start or end - MAX_WINDOW
        end = end or start + MAX_WINDOW
        query = queries.requests(community, service_codes=codes, statuses=statuses, start=start, end=end)
    size = _page(params, "page_size", MAX_RESULTS, MAX_RESULTS)
    page = _page(params, "page", 1, 100_000)
    return list(session.scalars(query.limit(size).offset((page - 1) * size)).unique())


def get_request(session: Session, community: Community, raw_id: str) -> ServiceRequest:
    if not raw_id.isdigit() or not 1 <= int(raw_id) <= MAX_ID:
        raise RequestNotFound()
    found = queries.request_in(session, community.id, int(raw_id))
    if found is None:
        raise RequestNotFound()
    return found


def resolve_token(session: Session, community: Community, token: str) -> dict[str, Any]:
    """Requests here are realtime, so a request's id is also its token: a client that asks still gets an answer."""
    try:
        request = get_request(session, community, token)
    except RequestNotFound:
        raise TokenNotFound() from None
    return {"service_request_id": request.id, "token": token}


def _location(session: Session, community: Community, params: Params) -> dict[str, Any]:
    lat = _number(params, ("lat",), -90, 90)
    # The spec says `long`; some clients send `lng` or `lon`.
    long = _number(params, ("long", "lng", "lon"), -180, 180)
    address = _text(params, "address_string", 255)
    address_id = _text(params, "address_id", 20)
    building = None
    if address_id is not None:
        # A community's "master address repository" is its buildings.
        building = session.get(Building, int(address_id)) if address_id.isdigit() and int(address_id) <= MAX_ID \
            else None
        if building is None or building.community_id != community.id:
            raise BadParameter(_l("address_id is not a building of this jurisdiction."))
    if (lat is None) != (long is None):
        raise BadParameter(_l("Send lat and long together."))
    if lat is not None:
        return {"location_kind": LocationKind.POINT, "latitude": lat, "longitude": long, "place": address,
                "building_id": building.id if building else None}
    if address is None and building is None:
        raise LocationMissing()
    return {"location_kind": LocationKind.COMMON_AREA, "place": address,
            "building_id": building.id if building else None}


def _answers(params: Params) -> dict[str, Any]:
    """`attribute[CODE]=v`, and for multivaluelists `attribute[CODE][]=v` (or the plain key repeated)."""
    answers: dict[str, Any] = {}
    for name in params:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        values = [v for v in params.getlist(name) if v.strip()][:50]
        if not values:
            continue
        code = match.group(1)
        answers[code] = values if match.group(2) or len(values) > 1 else values[0]
    return answers


def post_request(session: Session, community: Community, params: Params) -> ServiceRequest:
    """POST requests: files a request as the api_key's holder. Commits (in the workflow's use case)."""
    raw_key = _text(params, "api_key", 200)
    key = queries.live_key(session, community.id, raw_key) if raw_key else None
    if key is None:
        raise ApiKeyInvalid()
    found = category(session, community, _text(params, "service_code", 40))
    media_url = _text(params, "media_url", 500)
    if media_url is not None and not _URL.match(media_url):
        raise BadParameter(_l("media_url must be an http or https URL."))
    names = [n for n in (_text(params, "first_name", 60), _text(params, "last_name", 60)) if n]
    return filing.file_open311_request(
        session, community, key.id, found,
        description=_text(params, "description", 4000) or "",
        location=_location(session, community, params),
        media_url=media_url,
        answers=_answers(params),
        reporter_name=" ".join(names) or None,
        reporter_email=_text(params, "email", 254),
        reporter_phone=_text(params, "phone", 40),
    )
