"""Tenant isolation of bookings: people of community A reach nothing of community B (404), a
resident reaches nothing of another resident (404), and the wrong role gets 403. Every endpoint
of community/bookings is listed."""
from dataclasses import dataclass
from datetime import timedelta

import pytest

from community.bookings.models import Block, Closure
from community.models import StaffRole
from core.models import utcnow
from tests.community.bookings.factories import AmenityFactory, BookingFactory, household, iso, slot, text_of
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, staff_of
from tests.helpers import fill as _fill


@dataclass
class World:
    people: dict
    ids: dict


def _closure(amenity):
    closure = Closure(community_id=amenity.community_id, amenity_id=amenity.id, starts_at=slot(5, 8),
                      ends_at=slot(5, 12), reason="维修")
    current_session().add(closure)
    return closure


def _block(amenity, unit):
    block = Block(community_id=amenity.community_id, amenity_id=amenity.id, unit_id=unit.id, starts_at=utcnow(),
                  ends_at=utcnow() + timedelta(days=7), no_shows=3)
    current_session().add(block)
    return block


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    amenity_a, amenity_b = AmenityFactory(community=a), AmenityFactory(community=b)
    resident_b, home_b = household(b)
    booking_b = BookingFactory(amenity=amenity_b, user=resident_b, unit=home_b, starts_at=slot(1, 9))
    resident_a, home_a = household(a)
    neighbour_a, neighbour_home = household(a)
    own_a = BookingFactory(amenity=amenity_a, user=resident_a, unit=home_a, starts_at=utcnow())
    neighbour_booking = BookingFactory(amenity=amenity_a, user=neighbour_a, unit=neighbour_home,
                                       starts_at=slot(2, 9))
    closure_a, closure_b = _closure(amenity_a), _closure(amenity_b)
    block_a, block_b = _block(amenity_a, neighbour_home), _block(amenity_b, home_b)
    current_session().commit()
    people = {
        "manager_a": staff_of(a),
        "guard_a": staff_of(a, StaffRole.GUARD),
        "maintenance_a": staff_of(a, StaffRole.MAINTENANCE),
        "resident_a": resident_a,
        "neighbour_a": neighbour_a,
    }
    ids = {
        "a": a.id, "b": b.id, "amenity_a": amenity_a.id, "amenity_b": amenity_b.id, "booking_b": booking_b.id,
        "closure_a": closure_a.id, "closure_b": closure_b.id, "block_a": block_a.id, "block_b": block_b.id,
        "own_a": own_a.id, "neighbour_booking": neighbour_booking.id, "slot": iso(slot(1, 10)),
    }
    return World(people, ids)


AMENITY = {"name": "X", "kind": "gym", "capacity": 1,
           "opening_hours": [{"weekday": 1, "opens_at": "08:00", "closes_at": "09:00"}]}
CLOSURE = {"starts_at": "2030-01-01T00:00:00+08:00", "ends_at": "2030-01-02T00:00:00+08:00", "reason": "x"}
BOOK = {"starts_at": "{slot}"}

# Every endpoint, on B's things, asked for by people of A: always 404, existence not revealed.
PRIVATE_OF_B = [
    ("GET", "/api/communities/{b}/amenities", None),
    ("POST", "/api/communities/{b}/amenities", AMENITY),
    ("GET", "/api/communities/{b}/amenities/{amenity_b}", None),
    ("PATCH", "/api/communities/{b}/amenities/{amenity_b}", {"capacity": 9}),
    ("GET", "/api/communities/{b}/amenities/{amenity_b}/availability", None),
    ("GET", "/api/communities/{b}/amenities/{amenity_b}/closures", None),
    ("POST", "/api/communities/{b}/amenities/{amenity_b}/closures", CLOSURE),
    ("DELETE", "/api/communities/{b}/amenities/{amenity_b}/closures/{closure_b}", None),
    ("POST", "/api/communities/{b}/amenities/{amenity_b}/bookings", BOOK),
    ("POST", "/api/communities/{b}/amenities/{amenity_b}/wait-list", BOOK),
    ("GET", "/api/communities/{b}/amenities/{amenity_b}/blocks", None),
    ("POST", "/api/communities/{b}/amenities/{amenity_b}/blocks/{block_b}/lift", None),
    ("GET", "/api/communities/{b}/bookings", None),
    ("GET", "/api/communities/{b}/bookings/{booking_b}", None),
    ("POST", "/api/communities/{b}/bookings/{booking_b}/cancel", {}),
    ("POST", "/api/communities/{b}/bookings/{booking_b}/check-in", None),
    # B's things addressed through A's URLs.
    ("GET", "/api/communities/{a}/amenities/{amenity_b}", None),
    ("PATCH", "/api/communities/{a}/amenities/{amenity_b}", {"capacity": 9}),
    ("GET", "/api/communities/{a}/amenities/{amenity_b}/availability", None),
    ("GET", "/api/communities/{a}/amenities/{amenity_b}/closures", None),
    ("POST", "/api/communities/{a}/amenities/{amenity_b}/closures", CLOSURE),
    ("DELETE", "/api/communities/{a}/amenities/{amenity_a}/closures/{closure_b}", None),
    ("POST", "/api/communities/{a}/amenities/{amenity_b}/bookings", BOOK),
    ("POST", "/api/communities/{a}/amenities/{amenity_b}/wait-list", BOOK),
    ("GET", "/api/communities/{a}/amenities/{amenity_b}/blocks", None),
    ("POST", "/api/communities/{a}/amenities/{amenity_a}/blocks/{block_b}/lift", None),
    ("GET", "/api/communities/{a}/bookings/{booking_b}", None),
    ("POST", "/api/communities/{a}/bookings/{booking_b}/cancel", {}),
    ("POST", "/api/communities/{a}/bookings/{booking_b}/check-in", None),
]
OUTSIDERS = ("manager_a", "guard_a", "resident_a")




def _call(client, world, who, method, url, body):
    return client.open(_fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=bearer(world.people[who].id))


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method, url, body", PRIVATE_OF_B, ids=[f"{m} {u}" for m, u, _ in PRIVATE_OF_B])
def test_people_of_another_community_get_404(client, world, who, method, url, body):
    response = _call(client, world, who, method, url, body)
    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"


# (who, method, url, body, expected): a resident never reaches a neighbour's booking; each role
# stops at its powers.
WITHIN_A = [
    ("resident_a", "GET", "/api/communities/{a}/bookings/{neighbour_booking}", None, 404),
    ("resident_a", "POST", "/api/communities/{a}/bookings/{neighbour_booking}/cancel", {}, 404),
    ("resident_a", "POST", "/api/communities/{a}/bookings/{neighbour_booking}/check-in", None, 404),
    ("resident_a", "POST", "/api/communities/{a}/bookings/{own_a}/check-in", None, 403),
    ("resident_a", "POST", "/api/communities/{a}/amenities", AMENITY, 403),
    ("resident_a", "PATCH", "/api/communities/{a}/amenities/{amenity_a}", {"capacity": 9}, 403),
    ("resident_a", "POST", "/api/communities/{a}/amenities/{amenity_a}/closures", CLOSURE, 403),
    ("resident_a", "DELETE", "/api/communities/{a}/amenities/{amenity_a}/closures/{closure_a}", None, 403),
    ("resident_a", "GET", "/api/communities/{a}/amenities/{amenity_a}/blocks", None, 403),
    ("resident_a", "POST", "/api/communities/{a}/amenities/{amenity_a}/blocks/{block_a}/lift", None, 403),
    ("guard_a", "POST", "/api/communities/{a}/amenities", AMENITY, 403),
    ("guard_a", "PATCH", "/api/communities/{a}/amenities/{amenity_a}", {"capacity": 9}, 403),
    ("guard_a", "POST", "/api/communities/{a}/amenities/{amenity_a}/closures", CLOSURE, 403),
    ("guard_a", "GET", "/api/communities/{a}/amenities/{amenity_a}/blocks", None, 403),
    ("guard_a", "POST", "/api/communities/{a}/amenities/{amenity_a}/bookings", BOOK, 403),
    ("guard_a", "POST", "/api/communities/{a}/amenities/{amenity_a}/wait-list", BOOK, 403),
    ("guard_a", "POST", "/api/communities/{a}/bookings/{neighbour_booking}/cancel", {}, 403),
    ("maintenance_a", "POST", "/api/communities/{a}/amenities/{amenity_a}/blocks/{block_a}/lift", None, 403),
    ("maintenance_a", "POST", "/api/communities/{a}/bookings/{neighbour_booking}/cancel", {}, 403),
]


@pytest.mark.parametrize("who, method, url, body, expected", WITHIN_A,
                         ids=[f"{w} {m} {u}" for w, m, u, _, _ in WITHIN_A])
def test_within_a_community_residents_see_only_their_own_and_roles_stop_at_their_powers(
    client, world, who, method, url, body, expected
):
    assert _call(client, world, who, method, url, body).status_code == expected


def test_a_resident_s_lists_and_availability_never_show_a_neighbour(client, world):
    neighbour = world.people["neighbour_a"]
    for url in ("/api/communities/{a}/bookings", "/api/communities/{a}/amenities/{amenity_a}/availability",
                "/api/communities/{a}/amenities"):
        response = _call(client, world, "resident_a", "GET", url, None)
        assert response.status_code == 200
        text = text_of(response)
        assert neighbour.display_name not in text and neighbour.phone not in text and neighbour.email not in text
    own = _call(client, world, "resident_a", "GET", "/api/communities/{a}/bookings", None).json
    assert [b["id"] for b in own["items"]] == [world.ids["own_a"]]


@pytest.mark.parametrize("who", ["guard_a", "maintenance_a", "manager_a"])
def test_staff_see_bookings_with_names_but_never_phones(client, world, who):
    response = _call(client, world, who, "GET", "/api/communities/{a}/bookings", None)
    assert response.status_code == 200 and response.json["total"] == 2
    text = text_of(response)
    for person in ("resident_a", "neighbour_a"):
        assert world.people[person].display_name in text
        assert world.people[person].phone not in text and world.people[person].email not in text


def test_the_manager_of_the_community_does_reach_its_things(client, world):
    manager = "manager_a"
    assert _call(client, world, manager, "GET", "/api/communities/{a}/amenities/{amenity_a}/blocks",
                 None).json["total"] == 1
    assert _call(client, world, manager, "POST", "/api/communities/{a}/bookings/{own_a}/check-in",
                 None).status_code == 200
    assert _call(client, world, manager, "POST", "/api/communities/{a}/bookings/{neighbour_booking}/cancel",
                 {}).status_code == 200
    assert _call(client, world, manager, "DELETE", "/api/communities/{a}/amenities/{amenity_a}/closures/{closure_a}",
                 None).status_code == 204
