"""Managers open and edit amenities: weekly hours, rules, fees; members see them."""
import pytest

from community.models import StaffRole
from tests.community.bookings.factories import AmenityFactory, BookingFactory, household, slot
from tests.conftest import bearer
from tests.factories import CommunityFactory, staff_of

GYM = {
    "name": "健身房", "kind": "gym", "location": "会所一楼", "slot_minutes": 60, "capacity": 8,
    "book_ahead_days": 7, "weekly_limit": 4, "cancel_cutoff_minutes": 120, "fee": 0,
    "opening_hours": [
        {"weekday": d, "opens_at": "06:00", "closes_at": "12:00"} for d in range(1, 8)
    ] + [{"weekday": d, "opens_at": "14:00", "closes_at": "24:00"} for d in range(1, 8)],
}


@pytest.fixture
def community(connection):
    return CommunityFactory()


def test_a_manager_opens_an_amenity_that_residents_then_see(client, community):
    manager = staff_of(community)
    created = client.post(f"/api/communities/{community.id}/amenities", json=GYM, headers=bearer(manager.id))
    assert created.status_code == 201, created.json
    body = created.json
    assert body["community_id"] == community.id and body["active"] is True
    assert (body["fee"], body["currency"], body["no_show_limit"], body["no_show_block_days"]) == (0, "CNY", 3, 14)
    assert body["opening_hours"][:2] == [{"weekday": 1, "opens_at": "06:00", "closes_at": "12:00"},
                                         {"weekday": 1, "opens_at": "14:00", "closes_at": "24:00"}]

    resident, _ = household(community)
    listing = client.get(f"/api/communities/{community.id}/amenities", headers=bearer(resident.id)).json
    assert [a["name"] for a in listing["items"]] == ["健身房"]
    detail = client.get(f"/api/communities/{community.id}/amenities/{body['id']}", headers=bearer(resident.id))
    assert detail.status_code == 200 and detail.json == body


def test_a_fee_is_recorded_in_fen_on_the_amenity_and_each_booking(client, community):
    manager = staff_of(community)
    bbq = {**GYM, "name": "烧烤区", "kind": "bbq_area", "fee": 5000, "slot_minutes": 180, "capacity": 2}
    created = client.post(f"/api/communities/{community.id}/amenities", json=bbq, headers=bearer(manager.id)).json
    resident, _ = household(community)
    booking = client.post(f"/api/communities/{community.id}/amenities/{created['id']}/bookings",
                          json={"starts_at": slot(1, 6).isoformat()}, headers=bearer(resident.id))
    assert booking.status_code == 201 and booking.json["fee"] == 5000


@pytest.mark.parametrize(
    "hours, field",
    [
        ([{"weekday": 1, "opens_at": "10:00", "closes_at": "09:00"}], "closes_at"),
        ([{"weekday": 1, "opens_at": "10:00", "closes_at": "10:00"}], "closes_at"),
        ([{"weekday": 1, "opens_at": "24:00", "closes_at": "24:00"}], "closes_at"),
        ([{"weekday": 1, "opens_at": "25:00", "closes_at": "26:00"}], "opens_at"),
        ([{"weekday": 1, "opens_at": "9:00", "closes_at": "10:00"}], "opens_at"),
        ([{"weekday": 8, "opens_at": "09:00", "closes_at": "10:00"}], "weekday"),
        ([{"weekday": 1, "opens_at": "09:00"}], "closes_at"),
    ],
)
def test_opening_hours_must_be_well_formed(client, community, hours, field):
    response = client.post(f"/api/communities/{community.id}/amenities", json={**GYM, "opening_hours": hours},
                           headers=bearer(staff_of(community).id))
    assert response.status_code == 422
    assert field in response.json["errors"]["opening_hours"]["0"]


def test_intervals_of_one_weekday_may_not_overlap_but_may_touch(client, community):
    url = f"/api/communities/{community.id}/amenities"
    headers = bearer(staff_of(community).id)
    overlapping = [{"weekday": 2, "opens_at": "08:00", "closes_at": "12:00"},
                   {"weekday": 2, "opens_at": "11:00", "closes_at": "13:00"}]
    response = client.post(url, json={**GYM, "opening_hours": overlapping}, headers=headers)
    assert response.status_code == 422 and "opening_hours" in response.json["errors"]
    touching = [{"weekday": 2, "opens_at": "08:00", "closes_at": "12:00"},
                {"weekday": 2, "opens_at": "12:00", "closes_at": "13:00"},
                {"weekday": 3, "opens_at": "11:00", "closes_at": "13:00"}]
    assert client.post(url, json={**GYM, "opening_hours": touching}, headers=headers).status_code == 201


@pytest.mark.parametrize("role", [None, StaffRole.GUARD, StaffRole.MAINTENANCE])
def test_only_managers_open_or_edit_amenities(client, community, role):
    user = household(community)[0] if role is None else staff_of(community, role)
    amenity = AmenityFactory(community=community)
    url = f"/api/communities/{community.id}/amenities"
    assert client.post(url, json=GYM, headers=bearer(user.id)).status_code == 403
    assert client.patch(f"{url}/{amenity.id}", json={"capacity": 9}, headers=bearer(user.id)).status_code == 403


def test_editing_replaces_the_week_and_keeps_what_is_not_sent(client, community):
    amenity = AmenityFactory(community=community, capacity=4, fee=100)
    url = f"/api/communities/{community.id}/amenities/{amenity.id}"
    response = client.patch(url, json={"opening_hours": [{"weekday": 6, "opens_at": "09:00", "closes_at": "17:00"}],
                                       "weekly_limit": 1}, headers=bearer(staff_of(community).id))
    assert response.status_code == 200
    assert response.json["opening_hours"] == [{"weekday": 6, "opens_at": "09:00", "closes_at": "17:00"}]
    assert (response.json["weekly_limit"], response.json["capacity"], response.json["fee"]) == (1, 4, 100)


def test_retired_amenities_are_listed_for_managers_only(client, community):
    AmenityFactory(community=community, name="旧乒乓球室", active=False)
    AmenityFactory(community=community, name="健身房")
    resident, _ = household(community)
    url = f"/api/communities/{community.id}/amenities"
    assert [a["name"] for a in client.get(url, headers=bearer(resident.id)).json["items"]] == ["健身房"]
    assert client.get(url, headers=bearer(staff_of(community).id)).json["total"] == 2


def test_the_slot_length_is_fixed_while_future_bookings_exist(client, community):
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    booking = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=slot(1, 9))
    url = f"/api/communities/{community.id}/amenities/{amenity.id}"
    headers = bearer(staff_of(community).id)
    locked = client.patch(url, json={"slot_minutes": 90}, headers=headers)
    assert locked.status_code == 409 and locked.json["code"] == "slot_length_locked"
    assert client.patch(url, json={"slot_minutes": 60, "capacity": 6}, headers=headers).status_code == 200
    assert client.post(f"/api/communities/{community.id}/bookings/{booking.id}/cancel", json={},
                       headers=headers).status_code == 200
    assert client.patch(url, json={"slot_minutes": 90}, headers=headers).json["slot_minutes"] == 90
