"""Anything a client can send to the booking endpoints gets a 4xx problem, never a 500."""
import pytest

from tests.community.bookings.factories import AmenityFactory, BookingFactory, household, slot
from tests.conftest import bearer
from tests.factories import CommunityFactory, staff_of
from tests.helpers import assert_invalid as _problem

HOURS = [{"weekday": 1, "opens_at": "08:00", "closes_at": "12:00"}]
GOOD_AMENITY = {"name": "会议室", "kind": "meeting_room", "capacity": 1, "opening_hours": HOURS}


@pytest.fixture
def place(connection):
    community = CommunityFactory()
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    booking = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=slot(3, 9))
    return {"community": community, "amenity": amenity, "resident": resident, "booking": booking,
            "manager": staff_of(community)}




@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"name": 5}, "name"),
        ({"kind": "swimming_pool"}, "kind"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "ten"}, "capacity"),
        ({"capacity": 2.5}, "capacity"),
        ({"capacity": 2**70}, "capacity"),
        ({"slot_minutes": 5}, "slot_minutes"),
        ({"book_ahead_days": 365}, "book_ahead_days"),
        ({"weekly_limit": -1}, "weekly_limit"),
        ({"cancel_cutoff_minutes": 10**9}, "cancel_cutoff_minutes"),
        ({"fee": -100}, "fee"),
        ({"fee": 1.5}, "fee"),
        ({"currency": "USD"}, "currency"),
        ({"no_show_limit": 101}, "no_show_limit"),
        ({"no_show_block_days": 0}, "no_show_block_days"),
        ({"active": "maybe"}, "active"),
        ({"description": "x" * 501}, "description"),
        ({"opening_hours": "every day"}, "opening_hours"),
        ({"opening_hours": [HOURS[0]] * 51}, "opening_hours"),
        ({"opening_hours": [{"weekday": "Monday", "opens_at": "08:00", "closes_at": "09:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens_at": 800, "closes_at": 900}]}, "opening_hours"),
        ({"owner_id": 1}, "owner_id"),
    ],
)
def test_amenity_fields_are_checked(client, place, change, field):
    response = client.post(f"/api/communities/{place['community'].id}/amenities", json={**GOOD_AMENITY, **change},
                           headers=bearer(place["manager"].id))
    _problem(response, field)


@pytest.mark.parametrize("missing", ["name", "kind", "capacity", "opening_hours"])
def test_an_amenity_needs_its_required_fields(client, place, missing):
    body = {k: v for k, v in GOOD_AMENITY.items() if k != missing}
    response = client.post(f"/api/communities/{place['community'].id}/amenities", json=body,
                           headers=bearer(place["manager"].id))
    _problem(response, missing)


def test_an_update_checks_the_fields_it_sends(client, place):
    url = f"/api/communities/{place['community'].id}/amenities/{place['amenity'].id}"
    headers = bearer(place["manager"].id)
    _problem(client.patch(url, json={"capacity": 0}, headers=headers), "capacity")
    _problem(client.patch(url, json={"name": None}, headers=headers), "name")
    _problem(client.patch(url, json={"id": 7}, headers=headers), "id")
    response = client.patch(url, json={"opening_hours": [{"weekday": 1, "closes_at": "06:30"}]}, headers=headers)
    _problem(response, "opening_hours")
    assert "opens_at" in response.json["errors"]["opening_hours"]["0"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": "tomorrow at ten"}, "starts_at"),
        ({"starts_at": "2030-01-07T10:00:00"}, "starts_at"),  # naive: which zone?
        ({"starts_at": "9999-12-31T23:00:00-14:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
        ({"starts_at": 1767225600}, "starts_at"),
        ({"starts_at": "2030-01-07T10:00:00+08:00", "unit_id": "three"}, "unit_id"),
        ({"starts_at": "2030-01-07T10:00:00+08:00", "unit_id": 2**70}, "unit_id"),
        ({"starts_at": "2030-01-07T10:00:00+08:00", "unit_id": 0}, "unit_id"),
        ({"starts_at": "2030-01-07T10:00:00+08:00", "note": "hi"}, "note"),
    ],
)
@pytest.mark.parametrize("endpoint", ["bookings", "wait-list"])
def test_booking_requests_are_checked(client, place, body, field, endpoint):
    response = client.post(f"/api/communities/{place['community'].id}/amenities/{place['amenity'].id}/{endpoint}",
                           json=body, headers=bearer(place["resident"].id))
    _problem(response, field)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"starts_at": "2030-01-02T00:00:00+08:00", "ends_at": "2030-01-01T00:00:00+08:00", "reason": "x"},
         "ends_at"),
        ({"starts_at": "2030-01-01T00:00:00+08:00", "ends_at": "2031-06-01T00:00:00+08:00", "reason": "x"},
         "ends_at"),
        ({"starts_at": "2030-01-01T00:00:00+08:00", "ends_at": "2030-01-02T00:00:00+08:00", "reason": ""},
         "reason"),
        ({"starts_at": "2030-01-01T00:00:00+08:00", "ends_at": "2030-01-02T00:00:00+08:00"}, "reason"),
        ({"starts_at": "2030-01-01", "ends_at": "2030-01-02T00:00:00+08:00", "reason": "x"}, "starts_at"),
    ],
)
def test_closures_are_checked(client, place, body, field):
    response = client.post(f"/api/communities/{place['community'].id}/amenities/{place['amenity'].id}/closures",
                           json=body, headers=bearer(place["manager"].id))
    _problem(response, field)


@pytest.mark.parametrize(
    "query, field",
    [("?status=lost", "status"), ("?amenity_id=0", "amenity_id"), ("?amenity_id=abc", "amenity_id"),
     ("?from=soon", "from"), ("?to=2200-01-01", "to"), ("?page_size=1000", "page_size")],
)
def test_booking_list_filters_are_checked(client, place, query, field):
    response = client.get(f"/api/communities/{place['community'].id}/bookings{query}",
                          headers=bearer(place["manager"].id))
    _problem(response, field)


def test_a_cancellation_reason_is_bounded_and_blocks_filter_is_boolean(client, place):
    community_id = place["community"].id
    response = client.post(f"/api/communities/{community_id}/bookings/{place['booking'].id}/cancel",
                           json={"reason": "x" * 256}, headers=bearer(place["resident"].id))
    _problem(response, "reason")
    response = client.get(f"/api/communities/{community_id}/amenities/{place['amenity'].id}/blocks?active=perhaps",
                          headers=bearer(place["manager"].id))
    _problem(response, "active")


def test_malformed_json_is_400(client, place):
    response = client.post(f"/api/communities/{place['community'].id}/amenities/{place['amenity'].id}/bookings",
                           data='{"starts_at": ', content_type="application/json",
                           headers=bearer(place["resident"].id))
    assert response.status_code == 400 and response.json["code"] == "malformed_json"
