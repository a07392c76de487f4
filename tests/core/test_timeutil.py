"""Local-time arithmetic for schedules and limits, and UTC timestamps with offsets in the API."""
from datetime import UTC, date, datetime, time

from core.timeutil import at_local, local_date, local_day_bounds, local_week_bounds
from tests.conftest import bearer
from tests.factories import UserFactory


def test_a_moment_falls_on_the_community_s_local_day():
    late_utc = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 01:30 on the 25th in Shanghai
    assert local_date(late_utc, "Asia/Shanghai") == date(2026, 11, 25)
    assert local_date(late_utc, "Europe/London") == date(2026, 11, 24)


def test_opening_hours_become_utc_instants():
    assert at_local(date(2026, 11, 25), time(8, 0), "Asia/Shanghai") == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def test_local_days_are_23_or_25_hours_across_dst():
    start, end = local_day_bounds(date(2026, 3, 8), "America/New_York")
    assert (end - start).total_seconds() == 23 * 3600
    start, end = local_day_bounds(date(2026, 11, 1), "America/New_York")
    assert (end - start).total_seconds() == 25 * 3600


def test_weeks_start_on_monday_local_time():
    start, end = local_week_bounds(date(2026, 11, 26), "Asia/Shanghai")  # a Thursday
    assert start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert (end - start).days == 7


def test_api_timestamps_are_iso_8601_with_an_offset(client):
    user = UserFactory()
    created_at = client.get("/api/me", headers=bearer(user.id)).json["created_at"]
    parsed = datetime.fromisoformat(created_at)
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0
