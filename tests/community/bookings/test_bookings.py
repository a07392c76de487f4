"""Booking a slot: who may, for which household, which slots, and the limits that hold."""
from datetime import timedelta

import pytest

from community.models import StaffRole
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
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, staff_of


@pytest.fixture
def community(connection):
    return CommunityFactory()


def _book(client, user, amenity, starts_at, **body):
    return client.post(f"/api/communities/{amenity.community_id}/amenities/{amenity.id}/bookings",
                       json={"starts_at": iso(starts_at), **body}, headers=bearer(user.id))


def test_a_resident_books_a_slot_for_their_household(client, community):
    amenity = AmenityFactory(community=community, fee=3000, cancel_cutoff_minutes=60)
    resident, unit = household(community)
    starts_at = slot(1, 10)
    response = _book(client, resident, amenity, starts_at)
    assert response.status_code == 201, response.json
    booking = response.json
    assert booking["status"] == "confirmed"
    assert booking["starts_at"] == iso(starts_at)
    assert booking["ends_at"] == iso(starts_at + timedelta(hours=1))
    assert booking["unit"]["id"] == unit.id and booking["resident"] == {"id": resident.id,
                                                                        "display_name": resident.display_name}
    assert (booking["fee"], booking["currency"]) == (3000, "CNY")
    assert booking["cancellable_until"] == iso(starts_at - timedelta(minutes=60))

    mine = client.get(f"/api/communities/{community.id}/bookings", headers=bearer(resident.id)).json
    assert [b["id"] for b in mine["items"]] == [booking["id"]]
    one = client.get(f"/api/communities/{community.id}/bookings/{booking['id']}", headers=bearer(resident.id))
    assert one.status_code == 200 and one.json == booking


def test_a_full_slot_is_refused_with_a_pointer_to_the_wait_list(client, community):
    amenity = AmenityFactory(community=community, capacity=1)
    first, unit = household(community)
    BookingFactory(amenity=amenity, user=first, unit=unit, starts_at=slot(1, 9))
    late, _ = household(community)
    response = _book(client, late, amenity, slot(1, 9))
    assert response.status_code == 409 and response.json["code"] == "slot_full"
    assert response.content_type == "application/problem+json"


def test_a_household_holds_one_booking_per_slot_whoever_of_it_books(client, community):
    amenity = AmenityFactory(community=community, capacity=5)
    resident, unit = household(community)
    spouse = member_of(unit)
    assert _book(client, resident, amenity, slot(1, 9)).status_code == 201
    again = _book(client, resident, amenity, slot(1, 9))
    assert again.status_code == 409 and again.json["code"] == "already_booked"
    spouse_try = _book(client, spouse, amenity, slot(1, 9))
    assert spouse_try.status_code == 409 and spouse_try.json["code"] == "already_booked"


def test_the_weekly_limit_counts_the_whole_household_in_the_local_week(client, community):
    amenity = AmenityFactory(community=community, weekly_limit=2, capacity=5)
    resident, unit = household(community)
    spouse = member_of(unit)
    assert _book(client, resident, amenity, slot(1, 9)).status_code == 201
    assert _book(client, spouse, amenity, slot(1, 10)).status_code == 201
    third = _book(client, resident, amenity, slot(1, 11))
    assert third.status_code == 409 and third.json["code"] == "weekly_limit_reached"
    # Seven local days on is always the next week.
    assert _book(client, resident, amenity, slot(7, 11)).status_code == 201
    # A cancelled booking gives its place in the week back.
    booked = client.get(f"/api/communities/{community.id}/bookings", headers=bearer(spouse.id)).json["items"][0]
    assert client.post(f"/api/communities/{community.id}/bookings/{booked['id']}/cancel", json={},
                       headers=bearer(spouse.id)).status_code == 200
    assert _book(client, resident, amenity, slot(1, 11)).status_code == 201


def test_only_real_future_open_slots_within_the_booking_window_can_be_booked(client, community):
    amenity = AmenityFactory(community=community, book_ahead_days=3)
    resident, _ = household(community)

    off_grid = _book(client, resident, amenity, slot(1, 10, 30))
    assert off_grid.status_code == 422 and off_grid.json["code"] == "not_a_slot"
    assert "starts_at" in off_grid.json["errors"]
    past = _book(client, resident, amenity, slot(-1, 10))
    assert past.status_code == 409 and past.json["code"] == "slot_started"
    too_far = _book(client, resident, amenity, slot(4, 10))
    assert too_far.status_code == 409 and too_far.json["code"] == "slot_not_open_yet"
    assert _book(client, resident, amenity, slot(3, 10)).status_code == 201

    manager = staff_of(community)
    closure = client.post(f"/api/communities/{community.id}/amenities/{amenity.id}/closures",
                          headers=bearer(manager.id),
                          json={"starts_at": iso(slot(2, 8)), "ends_at": iso(slot(2, 12)), "reason": "设备维护"})
    assert closure.status_code == 201
    closed = _book(client, resident, amenity, slot(2, 11))
    assert closed.status_code == 409 and closed.json["code"] == "slot_closed"
    assert _book(client, resident, amenity, slot(2, 12)).status_code == 201

    assert client.patch(f"/api/communities/{community.id}/amenities/{amenity.id}", json={"active": False},
                        headers=bearer(manager.id)).status_code == 200
    retired = _book(client, resident, amenity, slot(1, 15))
    assert retired.status_code == 409 and retired.json["code"] == "amenity_inactive"


def test_a_resident_of_several_units_names_the_household_that_books(client, community):
    amenity = AmenityFactory(community=community)
    resident, home = household(community)
    second_home = ResidencyFactory(user=resident, unit=UnitFactory(building=BuildingFactory(community=community)))
    stranger_unit = UnitFactory(building=home.building)

    unnamed = _book(client, resident, amenity, slot(1, 9))
    assert unnamed.status_code == 422 and unnamed.json["code"] == "unit_required"
    not_mine = _book(client, resident, amenity, slot(1, 9), unit_id=stranger_unit.id)
    assert not_mine.status_code == 422 and not_mine.json["code"] == "unit_not_yours"
    named = _book(client, resident, amenity, slot(1, 9), unit_id=second_home.unit_id)
    assert named.status_code == 201 and named.json["unit"]["id"] == second_home.unit_id


def test_a_pending_claim_is_not_a_household(client, community):
    amenity = AmenityFactory(community=community)
    resident, _ = household(community)
    claim = ResidencyFactory(user=resident, unit=UnitFactory(building=BuildingFactory(community=community)),
                             status="pending")
    response = _book(client, resident, amenity, slot(1, 9), unit_id=claim.unit_id)
    assert response.status_code == 422 and response.json["code"] == "unit_not_yours"


@pytest.mark.parametrize("role", [StaffRole.MANAGER, StaffRole.GUARD, StaffRole.MAINTENANCE])
def test_staff_who_do_not_live_here_cannot_book(client, community, role):
    amenity = AmenityFactory(community=community)
    response = _book(client, staff_of(community, role), amenity, slot(1, 9))
    assert response.status_code == 403


def test_a_resident_cancels_before_the_cutoff_but_not_after(client, community):
    amenity = AmenityFactory(community=community, cancel_cutoff_minutes=120)
    resident, unit = household(community)
    early = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=slot(2, 9))
    late = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() + timedelta(minutes=90))
    url = f"/api/communities/{community.id}/bookings"

    cancelled = client.post(f"{url}/{early.id}/cancel", json={"reason": "有事"}, headers=bearer(resident.id))
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled" and cancelled.json["cancel_reason"] == "有事"
    assert cancelled.json["cancellable_until"] is None
    twice = client.post(f"{url}/{early.id}/cancel", json={}, headers=bearer(resident.id))
    assert twice.status_code == 409 and twice.json["code"] == "booking_not_cancellable"

    refused = client.post(f"{url}/{late.id}/cancel", json={}, headers=bearer(resident.id))
    assert refused.status_code == 409 and refused.json["code"] == "cancellation_cutoff_passed"
    assert refused.json["cancellable_until"]


def test_a_manager_cancels_any_future_booking_and_the_resident_is_told_why(client, community, run_jobs):
    amenity = AmenityFactory(community=community, name="羽毛球场", cancel_cutoff_minutes=120)
    resident, unit = household(community)
    booking = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() + timedelta(minutes=30))
    started = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() - timedelta(minutes=5))
    manager = staff_of(community)
    url = f"/api/communities/{community.id}/bookings"

    response = client.post(f"{url}/{booking.id}/cancel", json={"reason": "场地漏水"}, headers=bearer(manager.id))
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert client.post(f"{url}/{started.id}/cancel", json={}, headers=bearer(manager.id)).status_code == 409

    run_jobs()
    inbox = client.get("/api/me/notifications", headers={**bearer(resident.id), "Accept-Language": "en"}).json
    (note,) = inbox["items"]
    assert note["kind"] == "booking.cancelled" and note["subject_id"] == booking.id
    assert "羽毛球场" in note["title"] and "场地漏水" in note["body"]


def test_managers_and_staff_see_every_booking_with_names_residents_only_their_own(client, community):
    amenity = AmenityFactory(community=community, capacity=5)
    gym = AmenityFactory(community=community, capacity=5)
    alice, alice_home = household(community)
    bob, bob_home = household(community)
    mine = BookingFactory(amenity=amenity, user=alice, unit=alice_home, starts_at=slot(1, 9))
    BookingFactory(amenity=amenity, user=bob, unit=bob_home, starts_at=slot(1, 9))
    BookingFactory(amenity=gym, user=bob, unit=bob_home, starts_at=slot(3, 9), status="cancelled")
    url = f"/api/communities/{community.id}/bookings"

    everyone = client.get(url, headers=bearer(staff_of(community).id)).json
    assert everyone["total"] == 3
    assert {b["resident"]["display_name"] for b in everyone["items"]} == {alice.display_name, bob.display_name}
    guard_view = client.get(url, headers=bearer(staff_of(community, StaffRole.GUARD).id))
    assert guard_view.json["total"] == 3
    assert alice.phone not in text_of(guard_view) and alice.email not in text_of(guard_view)

    own = client.get(url, headers=bearer(alice.id)).json
    assert [b["id"] for b in own["items"]] == [mine.id]
    assert bob.display_name not in str(own)

    manager = bearer(staff_of(community).id)
    assert client.get(f"{url}?amenity_id={gym.id}", headers=manager).json["total"] == 1
    assert client.get(f"{url}?status=confirmed", headers=manager).json["total"] == 2
    tomorrow = local_date(slot(1, 12), TZ)
    assert client.get(f"{url}?from={tomorrow}&to={tomorrow}", headers=manager).json["total"] == 2
    assert client.get(f"{url}?from={tomorrow + timedelta(days=1)}", headers=manager).json["total"] == 1
