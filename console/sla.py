"""The colour of a service request's clock in the queue: pure, from its deadlines and the time."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

# The last quarter of a window is "due soon", as helpdesks colour a ticket amber before it breaches.
DUE_SOON_SHARE = 0.25


class Clock(StrEnum):
    DONE = "done"  # resolved, closed or declined: no clock runs
    ON_HOLD = "on_hold"  # the resolution clock is stopped
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    BREACHED = "breached"


def clock(*, is_open: bool, on_hold: bool, breached: bool, responded: bool, first_response_due: datetime,
          resolution_due: datetime, first_response_minutes: int, resolution_minutes: int, now: datetime) -> Clock:
    if not is_open:
        return Clock.BREACHED if breached else Clock.DONE
    if breached:
        return Clock.BREACHED
    if on_hold:
        return Clock.ON_HOLD
    due, window = ((resolution_due, resolution_minutes) if responded
                   else (first_response_due, first_response_minutes))
    if now >= due:
        return Clock.BREACHED
    if due - now <= timedelta(minutes=window * DUE_SOON_SHARE):
        return Clock.DUE_SOON
    return Clock.ON_TRACK


def of_request(request, now: datetime) -> Clock:
    """The clock of a ServiceRequest (with its category loaded)."""
    return clock(
        is_open=request.is_open, on_hold=request.status == "on_hold",
        breached=request.first_response_breached_at is not None or request.resolution_breached_at is not None,
        responded=request.first_responded_at is not None, first_response_due=request.first_response_due_at,
        resolution_due=request.resolution_due_at, first_response_minutes=request.category.first_response_minutes,
        resolution_minutes=request.category.resolution_minutes, now=now,
    )
