"""What happens to a service request is written in its history and told to whom it concerns: the
history rows, the notification kinds and their texts, and how a request is named in them."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from community.requests.models import RequestEvent, ServiceRequest

EXCERPT = 80

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
kinds.register("service_request.rated_not_fixed", title=N_("A resident says their request is not fixed"),
               body=N_("#%(id)s (%(category)s) was rated %(score)s out of 5, not fixed, and is open again. "
                       "%(comment)s"))
kinds.register("service_request.commented", title=N_("New comment on a service request"),
               body=N_("#%(id)s: %(excerpt)s"))
kinds.register("service_request.first_response_overdue", title=N_("A service request is waiting too long"),
               body=N_("#%(id)s (%(category)s) had no response by its deadline, %(due)s."))
kinds.register("service_request.resolution_overdue", title=N_("A service request is past its deadline"),
               body=N_("#%(id)s (%(category)s) was due to be resolved by %(due)s."))


def record(
    session: Session, request: ServiceRequest, actor_id: int | None, action: str, *,
    from_status: str | None, to_status: str | None, reason: str | None = None, **data: Any,
) -> RequestEvent:
    """Adds one step to the request's history (the caller commits)."""
    event = RequestEvent(request_id=request.id, actor_id=actor_id, action=action, from_status=from_status,
                         to_status=to_status, reason=reason, data=data)
    session.add(event)
    return event


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


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
    return {"id": request.id, "category": request.category.name, "excerpt": excerpt(request.description),
            "place": _place(request), **extra}


def tell(session: Session, request: ServiceRequest, user_ids, kind: str, key: str, **extra: Any) -> None:
    """Notifies `user_ids` of `kind` once the session commits; `key` tells repeated events apart."""
    notify(session, user_ids=[u for u in user_ids if u is not None], kind=kind,
           params=_params(request, **extra), community_id=request.community_id,
           subject=("service_request", request.id), dedupe_key=f"{kind}:{request.id}:{key}")
