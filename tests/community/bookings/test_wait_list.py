"""Wait lists: joined when a slot is full, promoted first come first served when a place frees up."""
from datetime import timedelta

import pytest

from community.bookings.models import Block, Booking
from core.db import db
from core.models import utcnow
from core.timeutil import local_date
from tests.community.bookings.factories import TZ, AmenityFactory, BookingFactory, household, iso, slot
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, staff_of


@pytest.fixture
def community(connection):
    return CommunityFactory()


def _wait(client, user, amenity, starts_at):
    return client.post(f"/api/communities/{amenity.community_id}/amenities/{amenity.id}/wait-list",
                       json={"starts_at": iso(starts_at)}, headers=bearer(user.id))


def _cancel(client, user, booking_id, community_id, **body):
    return client.post(f"/api/communities/{community_id}/bookings/{booking_id}/cancel", json=body,
                       headers=bearer(user.id))


def _status(app, booking_id):
    with app.app_context():
        return db.session.get(Booking, booking_id).status


def _full_slot(community, starts_at, capacity=1):
    amenity = AmenityFactory(community=community, capacity=capacity, name="会议室")
    holders = []
    for _ in range(capacity):
        user, unit = household(community)
        holders.append((user, BookingFactory(amenity=amenity, user=user, unit=unit, starts_at=starts_at)))
    return amenity, holders


def test_the_wait_list_is_for_full_slots_only(client, community):
    amenity = AmenityFactory(community=community, capacity=1)
    resident, _ = household(community)
    response = _wait(client, resident, amenity, slot(1, 9))
    assert response.status_code == 409 and response.json["code"] == "slot_has_places"


def test_a_cancellation_promotes_the_first_in_line_and_tells_them(app, client, community, run_jobs):
    starts_at = slot(2, 19)
    amenity, [(holder, held)] = _full_slot(community, starts_at)
    first, _ = household(community)
    second, _ = household(community)
    first_entry = _wait(client, first, amenity, starts_at)
    second_entry = _wait(client, second, amenity, starts_at)
    assert first_entry.status_code == second_entry.status_code == 201
    assert first_entry.json["status"] == "waiting" and first_entry.json["cancellable_until"] == iso(starts_at)
    again = _wait(client, first, amenity, starts_at)
    assert again.status_code == 409 and again.json["code"] == "already_booked"

    day = local_date(starts_at, TZ)
    view = client.get(f"/api/communities/{community.id}/amenities/{amenity.id}/availability?from={day}&to={day}",
                      headers=bearer(first.id)).json
    (mine,) = [s for s in view["slots"] if s["starts_at"] == iso(starts_at)]
    assert (mine["state"], mine["waiting"], mine["mine"]) == ("full", 2, "waiting")

    assert _cancel(client, holder, held.id, community.id).status_code == 200
    assert _status(app, first_entry.json["id"]) == "confirmed"
    assert _status(app, second_entry.json["id"]) == "waiting"
    promoted = client.get(f"/api/communities/{community.id}/bookings/{first_entry.json['id']}",
                          headers=bearer(first.id)).json
    assert promoted["promoted_at"] is not None

    run_jobs()
    inbox = client.get("/api/me/notifications", headers={**bearer(first.id), "Accept-Language": "en"}).json
    (note,) = inbox["items"]
    assert note["kind"] == "booking.promoted" and "会议室" in note["title"]
    assert client.get("/api/me/notifications", headers=bearer(second.id)).json["total"] == 0


def test_leaving_the_wait_list_is_allowed_until_the_start_and_promotes_nobody(app, client, community):
    starts_at = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    amenity, [(_, held)] = _full_slot(community, starts_at)
    waiter, unit = household(community)
    entry = BookingFactory(amenity=amenity, user=waiter, unit=unit, starts_at=starts_at, status="waiting")
    response = _cancel(client, waiter, entry.id, community.id)
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert _status(app, held.id) == "confirmed"


def test_promotion_skips_households_at_their_weekly_limit_or_blocked(app, client, community):
    starts_at = slot(1, 19)
    amenity, [(holder, held)] = _full_slot(community, starts_at)
    amenity.weekly_limit = 1
    busy, busy_home = household(community)
    blocked, blocked_home = household(community)
    patient, patient_home = household(community)
    busy_entry = BookingFactory(amenity=amenity, user=busy, unit=busy_home, starts_at=starts_at, status="waiting")
    BookingFactory(amenity=amenity, user=busy, unit=busy_home, starts_at=slot(1, 8))  # its one this week
    blocked_entry = BookingFactory(amenity=amenity, user=blocked, unit=blocked_home, starts_at=starts_at,
                                   status="waiting")
    current_session().add(Block(community_id=community.id, amenity_id=amenity.id, unit_id=blocked_home.id,
                                starts_at=utcnow(), ends_at=utcnow() + timedelta(days=3), no_shows=3))
    patient_entry = BookingFactory(amenity=amenity, user=patient, unit=patient_home, starts_at=starts_at,
                                   status="waiting")
    current_session().commit()

    assert _cancel(client, holder, held.id, community.id).status_code == 200
    assert _status(app, busy_entry.id) == "waiting"
    assert _status(app, blocked_entry.id) == "waiting"
    assert _status(app, patient_entry.id) == "confirmed"


def test_more_capacity_promotes_waiting_households(app, client, community):
    starts_at = slot(1, 19)
    amenity, _ = _full_slot(community, starts_at)
    waiters = []
    for _ in range(3):
        user, unit = household(community)
        waiters.append(BookingFactory(amenity=amenity, user=user, unit=unit, starts_at=starts_at, status="waiting"))
    manager = staff_of(community)
    response = client.patch(f"/api/communities/{community.id}/amenities/{amenity.id}", json={"capacity": 3},
                            headers=bearer(manager.id))
    assert response.status_code == 200
    assert [_status(app, w.id) for w in waiters] == ["confirmed", "confirmed", "waiting"]


def test_a_closure_cancels_what_it_covers_and_tells_the_residents(app, client, community, run_jobs):
    starts_at = slot(2, 10)
    amenity, [(holder, held)] = _full_slot(community, starts_at)
    waiter, unit = household(community)
    entry = BookingFactory(amenity=amenity, user=waiter, unit=unit, starts_at=starts_at, status="waiting")
    untouched = BookingFactory(amenity=amenity, user=holder, unit=held.unit, starts_at=slot(2, 14))
    manager = staff_of(community)
    response = client.post(f"/api/communities/{community.id}/amenities/{amenity.id}/closures",
                           json={"starts_at": iso(slot(2, 8)), "ends_at": iso(slot(2, 12)), "reason": "春节"},
                           headers=bearer(manager.id))
    assert response.status_code == 201
    assert [_status(app, b) for b in (held.id, entry.id, untouched.id)] == ["cancelled", "cancelled", "confirmed"]

    run_jobs()
    for user in (holder, waiter):
        (note,) = client.get("/api/me/notifications", headers=bearer(user.id)).json["items"]
        assert note["kind"] == "booking.cancelled" and "春节" in note["body"]

    closures = client.get(f"/api/communities/{community.id}/amenities/{amenity.id}/closures",
                          headers=bearer(holder.id)).json
    assert [c["reason"] for c in closures["items"]] == ["春节"]
    closure_id = closures["items"][0]["id"]
    assert client.delete(f"/api/communities/{community.id}/amenities/{amenity.id}/closures/{closure_id}",
                         headers=bearer(manager.id)).status_code == 204
    assert client.get(f"/api/communities/{community.id}/amenities/{amenity.id}/closures",
                      headers=bearer(holder.id)).json["total"] == 0
    assert _status(app, held.id) == "cancelled"
