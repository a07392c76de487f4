"""Availability: slots derived from weekly hours in the community's zone, places left, one's own
bookings, closures; never other residents; a fixed number of queries for any range."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from community.bookings.models import OpeningHours
from core.db import db
from core.models import utcnow
from core.timeutil import local_date
from tests.community.bookings.factories import (
    TZ,
    AmenityFactory,
    BookingFactory,
    household,
    iso,
    member_of,
    slot,
    text_of,
)
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, staff_of


@pytest.fixture
def community(connection):
    return CommunityFactory()


def _availability(client, user, amenity, query=""):
    return client.get(f"/api/communities/{amenity.community_id}/amenities/{amenity.id}/availability{query}",
                      headers=bearer(user.id))


def _hours(*intervals):
    return [OpeningHours(weekday=d, opens_minute=o, closes_minute=c) for d, o, c in intervals]


def test_slots_follow_the_weekly_hours_in_the_community_s_time_zone(client, community):
    # Monday 2030-01-07: 08:00-10:00 in hours, then 13:00-14:30 where the last half hour fits no slot.
    amenity = AmenityFactory(community=community, opening_hours=_hours((1, 480, 600), (1, 780, 870)))
    resident, _ = household(community)
    body = _availability(client, resident, amenity, "?from=2030-01-06&to=2030-01-08").json
    assert (body["timezone"], body["from"], body["to"]) == (TZ, "2030-01-06", "2030-01-08")
    assert [(s["date"], s["starts_at"], s["ends_at"]) for s in body["slots"]] == [
        ("2030-01-07", "2030-01-07T00:00:00+00:00", "2030-01-07T01:00:00+00:00"),
        ("2030-01-07", "2030-01-07T01:00:00+00:00", "2030-01-07T02:00:00+00:00"),
        ("2030-01-07", "2030-01-07T05:00:00+00:00", "2030-01-07T06:00:00+00:00"),
    ]
    assert {s["state"] for s in body["slots"]} == {"not_open_yet"}


def test_slots_keep_their_wall_clock_time_across_a_daylight_saving_change(client):
    berlin = CommunityFactory(timezone="Europe/Berlin")
    amenity = AmenityFactory(community=berlin, opening_hours=_hours((6, 480, 600), (7, 480, 540)))
    resident, _ = household(berlin)
    body = _availability(client, resident, amenity, "?from=2030-03-30&to=2030-03-31").json
    assert [s["starts_at"] for s in body["slots"]] == [
        "2030-03-30T07:00:00+00:00", "2030-03-30T08:00:00+00:00",  # CET, UTC+1
        "2030-03-31T06:00:00+00:00",  # CEST, UTC+2
    ]


def test_midnight_closing_ends_the_last_slot_at_the_next_local_day(client, community):
    amenity = AmenityFactory(community=community, slot_minutes=120, opening_hours=_hours((1, 1320, 1440)))
    resident, _ = household(community)
    (only,) = _availability(client, resident, amenity, "?from=2030-01-07&to=2030-01-07").json["slots"]
    assert (only["starts_at"], only["ends_at"]) == ("2030-01-07T14:00:00+00:00", "2030-01-07T16:00:00+00:00")


def test_places_are_counted_and_only_one_s_own_household_is_shown(client, community):
    amenity = AmenityFactory(community=community, capacity=2)
    me, home = household(community)
    neighbour, neighbour_home = household(community)
    BookingFactory(amenity=amenity, user=me, unit=home, starts_at=slot(1, 9))
    BookingFactory(amenity=amenity, user=neighbour, unit=neighbour_home, starts_at=slot(1, 9))
    BookingFactory(amenity=amenity, user=neighbour, unit=neighbour_home, starts_at=slot(1, 10))
    BookingFactory(amenity=amenity, user=neighbour, unit=neighbour_home, starts_at=slot(1, 11), status="cancelled")
    day = local_date(slot(1, 9), TZ)

    response = _availability(client, me, amenity, f"?from={day}&to={day}")
    by_start = {s["starts_at"]: s for s in response.json["slots"]}
    nine, ten, eleven = (by_start[iso(slot(1, h))] for h in (9, 10, 11))
    assert (nine["state"], nine["taken"], nine["available"], nine["mine"]) == ("full", 2, 0, "confirmed")
    assert (ten["state"], ten["taken"], ten["available"], ten["mine"]) == ("open", 1, 1, None)
    assert (eleven["taken"], eleven["available"]) == (0, 2)
    text = text_of(response)
    for secret in (neighbour.display_name, neighbour.phone, str(neighbour_home.number), "user_id", "unit"):
        assert secret not in text

    spouse = member_of(home)
    spouse_view = _availability(client, spouse, amenity, f"?from={day}&to={day}").json
    assert {s["starts_at"]: s["mine"] for s in spouse_view["slots"]}[iso(slot(1, 9))] == "confirmed"


def test_closed_past_and_not_yet_bookable_slots_are_marked(client, community):
    amenity = AmenityFactory(community=community, book_ahead_days=2)
    staff = staff_of(community)
    client.post(f"/api/communities/{community.id}/amenities/{amenity.id}/closures", headers=bearer(staff.id),
                json={"starts_at": iso(slot(1, 10)), "ends_at": iso(slot(1, 12)), "reason": "消防检查"})
    today = local_date(utcnow(), TZ)
    body = _availability(client, staff, amenity, f"?from={today}&to={today + timedelta(days=3)}").json
    states = {s["starts_at"]: s["state"] for s in body["slots"]}
    assert states[iso(slot(0, 0))] == "past"
    assert (states[iso(slot(1, 9))], states[iso(slot(1, 10))], states[iso(slot(1, 11))],
            states[iso(slot(1, 12))]) == ("open", "closed", "closed", "open")
    assert states[iso(slot(2, 12))] == "open" and states[iso(slot(3, 12))] == "not_open_yet"
    assert [c["reason"] for c in body["closures"]] == ["消防检查"]


def test_the_default_range_is_a_week_from_today(client, community):
    amenity = AmenityFactory(community=community)
    resident, _ = household(community)
    body = _availability(client, resident, amenity).json
    today = local_date(utcnow(), TZ)
    assert (body["from"], body["to"]) == (str(today), str(today + timedelta(days=6)))
    assert len(body["slots"]) == 7 * 24
    only_from = _availability(client, resident, amenity, "?from=2030-01-01").json
    assert only_from["to"] == "2030-01-07"


@pytest.mark.parametrize(
    "query",
    ["?from=2030-01-10&to=2030-01-09", "?from=2030-01-01&to=2030-02-01", "?from=yesterday", "?to=2030-13-01",
     "?from=1999-12-31", "?from=9999-12-31"],
)
def test_a_bad_range_is_422(client, community, query):
    amenity = AmenityFactory(community=community)
    resident, _ = household(community)
    response = _availability(client, resident, amenity, query)
    assert response.status_code == 422 and response.content_type == "application/problem+json"


@contextmanager
def _counting_statements(app):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_availability_costs_the_same_few_queries_for_a_day_or_a_month(app, client, community):
    amenity = AmenityFactory(community=community, capacity=1)
    me, home = household(community)
    for days in range(1, 7):
        other, other_home = household(community)
        BookingFactory(amenity=amenity, user=other, unit=other_home, starts_at=slot(days, 9))
        BookingFactory(amenity=amenity, user=me, unit=home, starts_at=slot(days, 9), status="waiting")
        BookingFactory(amenity=amenity, user=me, unit=home, starts_at=slot(days, 10))
    current_session().commit()
    today = local_date(utcnow(), TZ)
    assert client.get("/api/me", headers=bearer(me.id)).status_code == 200  # the actor is cached from now on

    with _counting_statements(app) as one_day:
        assert _availability(client, me, amenity, f"?from={today}&to={today}").status_code == 200
    with _counting_statements(app) as a_month:
        response = _availability(client, me, amenity, f"?from={today}&to={today + timedelta(days=30)}")
    assert response.status_code == 200 and len(response.json["slots"]) == 31 * 24
    assert len(a_month) == len(one_day) <= 8, a_month
