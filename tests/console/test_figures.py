"""The pure parts of the console: the SLA colour of a request and the charts' options."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console import charts, sla

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _clock(**overrides) -> sla.Clock:
    values = dict(is_open=True, on_hold=False, breached=False, responded=False,
                  first_response_due=NOW + timedelta(hours=3), resolution_due=NOW + timedelta(days=3),
                  first_response_minutes=240, resolution_minutes=4320, now=NOW)
    return sla.clock(**{**values, **overrides})


def test_a_request_well_within_its_deadline_is_on_track():
    assert _clock() == sla.Clock.ON_TRACK


def test_the_last_quarter_of_the_window_is_due_soon():
    assert _clock(first_response_due=NOW + timedelta(minutes=59)) == sla.Clock.DUE_SOON


def test_a_passed_deadline_is_breached_before_the_job_marks_it():
    assert _clock(first_response_due=NOW - timedelta(minutes=1)) == sla.Clock.BREACHED


def test_once_answered_the_resolution_deadline_counts():
    assert _clock(responded=True, first_response_due=NOW - timedelta(hours=1)) == sla.Clock.ON_TRACK


def test_a_held_request_stops_its_clock_and_a_finished_one_has_none():
    assert _clock(on_hold=True) == sla.Clock.ON_HOLD
    assert _clock(is_open=False) == sla.Clock.DONE
    assert _clock(is_open=False, breached=True) == sla.Clock.BREACHED


def test_the_statement_chart_stacks_each_days_kinds_and_draws_the_running_balance():
    lines = [{"kind": "payment", "amount": 10000, "occurred_at": "a"},
             {"kind": "platform_commission", "amount": -500, "occurred_at": "a"},
             {"kind": "refund", "amount": -2000, "occurred_at": "b"}]
    option = charts.statement_by_day(lines, opening=1000, day_of={"a": "12-01", "b": "12-02"}.get,
                                     name_of=str.upper, balance_name="Balance")
    assert option["xAxis"]["data"] == ["12-01", "12-02"]
    series = {s["name"]: s["data"] for s in option["series"]}
    assert series["PAYMENT"] == [100.0, 0] and series["REFUND"] == [0, -20.0]
    assert series["Balance"] == [105.0, 85.0]


def test_monthly_bars_have_one_series_per_value():
    option = charts.by_month([{"month": "2026-11", "gmv": 12345, "refunds": 100}],
                             value_names={"gmv": "GMV", "refunds": "Refunds"})
    assert option["xAxis"]["data"] == ["2026-11"]
    assert [s["data"] for s in option["series"]] == [[123.45], [1.0]]
