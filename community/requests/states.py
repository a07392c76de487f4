"""The workflow of a service request as data: which action leaves which statuses for which, who may take
it, and what it means for the clock and the requester. Pure: no database, no Flask, no clock of its own."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from community.requests.errors import TransitionNotAllowed
from community.requests.models import OPEN_STATUSES, Status
from community.requests.policy import Permission


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    DECLINE = "decline"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Move:
    leaves: frozenset[str]  # the statuses the action may be taken from
    reaches: str | None  # the status it reaches; None: computed (reopen, see `target`)
    permission: Permission  # decided on the community (triage) or on the request (the others)
    needs_reason: bool = False
    # A staff action the requester sees: the first of them is the SLA's "first response".
    response: bool = False
    tells_requester: str | None = None  # the notification kind the requester gets


_STAFF_WORKING = frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS})

MOVES: dict[Action, Move] = {
    Action.ACKNOWLEDGE: Move(frozenset({Status.NEW}), Status.ACKNOWLEDGED, Permission.REQUEST_HANDLE,
                             response=True, tells_requester="service_request.acknowledged"),
    Action.START: Move(frozenset({Status.NEW, Status.ACKNOWLEDGED}), Status.IN_PROGRESS, Permission.REQUEST_HANDLE,
                       response=True, tells_requester="service_request.in_progress"),
    Action.HOLD: Move(_STAFF_WORKING, Status.ON_HOLD, Permission.REQUEST_HANDLE, needs_reason=True, response=True,
                      tells_requester="service_request.on_hold"),
    Action.RESUME: Move(frozenset({Status.ON_HOLD}), Status.IN_PROGRESS, Permission.REQUEST_HANDLE),
    Action.RESOLVE: Move(_STAFF_WORKING | {Status.ON_HOLD}, Status.RESOLVED, Permission.REQUEST_HANDLE,
                         response=True, tells_requester="service_request.resolved"),
    Action.CLOSE: Move(frozenset({Status.RESOLVED}), Status.CLOSED, Permission.REQUEST_TRIAGE),
    Action.DECLINE: Move(frozenset(OPEN_STATUSES), Status.DECLINED, Permission.REQUEST_TRIAGE, needs_reason=True,
                         response=True, tells_requester="service_request.declined"),
    Action.REOPEN: Move(frozenset({Status.RESOLVED}), None, Permission.REQUEST_FOLLOW_UP, needs_reason=True),
}


def target(action: Action, status: str, *, assigned: bool) -> str:
    """The status `action` takes a request in `status` to; TransitionNotAllowed if it cannot be taken.

    A reopened request goes back to whoever had it (in progress), or to the queue (acknowledged).
    """
    move = MOVES[action]
    if status not in move.leaves:
        raise TransitionNotAllowed(from_status=status, action=str(action))
    if action == Action.REOPEN:
        return Status.IN_PROGRESS if assigned else Status.ACKNOWLEDGED
    return move.reaches


def within_reopen_window(resolved_at: datetime | None, now: datetime, window_hours: int) -> bool:
    """A resolution may be undone by its requester for `window_hours` (the window includes its end)."""
    return resolved_at is not None and now <= resolved_at + timedelta(hours=window_hours)


def resumed_deadline(due: datetime, held_at: datetime, now: datetime) -> datetime:
    """The resolution clock stops while on hold (waiting for parts, for the resident...)."""
    return due + (now - held_at)


# A rating this low that says the problem is not fixed undoes the resolution, as FixMyStreet's "still
# not fixed?" questionnaire reopens a report marked fixed.
NOT_FIXED_REASON, REOPENING_SCORE = "not_fixed", 2


def rating_says_not_fixed(score: int, reasons: list[str] | tuple[str, ...]) -> bool:
    return score <= REOPENING_SCORE and NOT_FIXED_REASON in reasons


def may_rate(rating: int | None, rated_at: datetime | None, resolved_at: datetime | None) -> bool:
    """A resolution is rated once: a rating given before the latest resolution (one that reopened the
    request) is of an earlier one, and the new resolution may be rated too."""
    if resolved_at is None:
        return False
    return rating is None or rated_at is None or rated_at < resolved_at
