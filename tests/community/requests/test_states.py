"""The pure parts of service requests, without a database: the workflow's state table, the reopen window,
the paused clock, and the checking of a category's extra fields."""
from datetime import UTC, datetime, timedelta

import pytest

from community.requests.errors import TransitionNotAllowed
from community.requests.filing import validate_answers
from community.requests.models import RequestCategory, Status
from community.requests.policy import Permission
from community.requests.states import (
    MOVES,
    Action,
    may_rate,
    rating_says_not_fixed,
    resumed_deadline,
    target,
    within_reopen_window,
)
from core.errors import InvalidInput

N, A, P, H, R, C, D = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED,
                       Status.CLOSED, Status.DECLINED)
# The whole workflow, one row per action: the status it reaches from each status it may leave
# (reopen: unassigned / assigned). A status missing from a row is a move the workflow refuses.
WORKFLOW = {
    Action.ACKNOWLEDGE: {N: A},
    Action.START: {N: P, A: P},
    Action.HOLD: {A: H, P: H},
    Action.RESUME: {H: P},
    Action.RESOLVE: {A: R, P: R, H: R},
    Action.CLOSE: {R: C},
    Action.DECLINE: {N: D, A: D, P: D, H: D},
    Action.REOPEN: {R: (A, P)},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_each_action_leaves_only_its_statuses_for_its_target(action, status):
    expected = WORKFLOW[action].get(status)
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            target(action, status, assigned=False)
        return
    unassigned, assigned = expected if isinstance(expected, tuple) else (expected, expected)
    assert target(action, status, assigned=False) == unassigned
    assert target(action, status, assigned=True) == assigned


def test_closed_and_declined_requests_take_no_action_at_all():
    for status in (Status.CLOSED, Status.DECLINED):
        assert not [action for action in Action if status in MOVES[action].leaves]


def test_staff_handle_managers_triage_and_only_the_requester_reopens():
    by_permission = {}
    for action, move in MOVES.items():
        by_permission.setdefault(move.permission, set()).add(action)
    assert by_permission == {
        Permission.REQUEST_HANDLE: {Action.ACKNOWLEDGE, Action.START, Action.HOLD, Action.RESUME, Action.RESOLVE},
        Permission.REQUEST_TRIAGE: {Action.CLOSE, Action.DECLINE},
        Permission.REQUEST_FOLLOW_UP: {Action.REOPEN},
    }


def test_the_requester_hears_of_every_staff_response_and_those_count_for_the_sla():
    responses = {action for action, move in MOVES.items() if move.response}
    told = {action for action, move in MOVES.items() if move.tells_requester}
    assert responses == told == {Action.ACKNOWLEDGE, Action.START, Action.HOLD, Action.RESOLVE, Action.DECLINE}
    assert {action for action, move in MOVES.items() if move.needs_reason} == {Action.HOLD, Action.DECLINE,
                                                                               Action.REOPEN}


RESOLVED_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("hours_later, window, reopenable", [
    (0, 72, True), (71.99, 72, True), (72, 72, True), (72.01, 72, False), (0, 0, True), (0.01, 0, False),
])
def test_a_resolution_may_be_undone_within_the_window_and_not_after(hours_later, window, reopenable):
    now = RESOLVED_AT + timedelta(hours=hours_later)
    assert within_reopen_window(RESOLVED_AT, now, window) is reopenable


def test_a_request_never_resolved_has_no_window():
    assert within_reopen_window(None, RESOLVED_AT, 72) is False


def test_the_resolution_clock_stops_while_on_hold():
    due = RESOLVED_AT + timedelta(hours=4)
    held_at = RESOLVED_AT + timedelta(hours=1)
    assert resumed_deadline(due, held_at, held_at + timedelta(days=2)) == due + timedelta(days=2)


@pytest.mark.parametrize("score, reasons, not_fixed", [
    (1, ["not_fixed"], True), (2, ["late", "not_fixed"], True), (3, ["not_fixed"], False),
    (1, ["late", "impolite"], False), (2, [], False),
])
def test_only_a_low_rating_that_says_not_fixed_undoes_the_resolution(score, reasons, not_fixed):
    assert rating_says_not_fixed(score, reasons) is not_fixed


def test_a_resolution_is_rated_once_and_a_later_one_again():
    earlier = RESOLVED_AT - timedelta(hours=5)
    assert may_rate(None, None, RESOLVED_AT)
    assert not may_rate(4, RESOLVED_AT + timedelta(minutes=1), RESOLVED_AT)
    assert may_rate(2, earlier, RESOLVED_AT)  # rated "not fixed", reopened, resolved again
    assert not may_rate(None, None, None)  # nothing resolved to rate


LEAK = RequestCategory(fields=[
    {"code": "room", "label": "哪个房间", "type": "single_choice", "required": True,
     "options": [{"key": "kitchen", "name": "厨房"}, {"key": "bathroom", "name": "卫生间"}]},
    {"code": "drips", "label": "每分钟滴几滴", "type": "number"},
    {"code": "since", "label": "从哪天开始", "type": "date"},
    {"code": "extras", "label": "其他", "type": "multi_choice",
     "options": [{"key": "smell", "name": "有异味"}, {"key": "noise", "name": "有噪音"}]},
])


def test_answers_are_normalised_to_their_field_types():
    assert validate_answers(LEAK, {"room": "kitchen", "drips": "12", "since": "2026-11-20T08:00:00",
                                   "extras": ["noise", "smell", "noise"]}) == {
        "room": "kitchen", "drips": 12, "since": "2026-11-20", "extras": ["smell", "noise"]}


def test_every_wrong_answer_is_named_at_once():
    with pytest.raises(InvalidInput) as refused:
        validate_answers(LEAK, {"drips": float("nan"), "since": "yesterday", "extras": [], "colour": "red"})
    assert set(refused.value.errors["answers"]) == {"room", "drips", "since", "colour"}
