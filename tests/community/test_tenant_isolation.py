"""Tenant isolation: people of community A reach nothing private of community B (404), and a
resident reaches nothing private of another resident. Every endpoint of the floor is listed."""
from dataclasses import dataclass

import pytest

from community.models import StaffRole
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    StaffFactory,
    UnitFactory,
    resident_of,
    staff_of,
)
from tests.helpers import fill as _fill


@dataclass
class World:
    a: object
    b: object
    people: dict
    ids: dict


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    building_b = BuildingFactory(community=b)
    unit_b = UnitFactory(building=building_b)
    claim_b = ResidencyFactory(unit=unit_b, status="pending")
    resident_b_home = ResidencyFactory(unit=UnitFactory(building=building_b))
    guard_b = StaffFactory(community=b, role=StaffRole.GUARD)
    resident_a = resident_of(a)
    neighbour_a = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=a)))
    people = {
        "manager_a": staff_of(a),
        "guard_a": staff_of(a, StaffRole.GUARD),
        "resident_a": resident_a,
        "manager_b": staff_of(b),
    }
    ids = {
        "a": a.id, "b": b.id, "building_b": building_b.id, "unit_b": unit_b.id, "claim_b": claim_b.id,
        "home_b": resident_b_home.id, "guard_b": guard_b.id, "neighbour_a": neighbour_a.id,
    }
    return World(a, b, people, ids)


OUTSIDERS = ("manager_a", "guard_a", "resident_a")

# Private things of B, asked for by people of A: always 404, existence not revealed.
PRIVATE_OF_B = [
    ("PATCH", "/api/communities/{b}", {"name": "hijacked"}),
    ("POST", "/api/communities/{b}/buildings", {"name": "X"}),
    ("POST", "/api/communities/{b}/buildings/{building_b}/units", {"number": "999"}),
    ("GET", "/api/communities/{b}/staff", None),
    ("POST", "/api/communities/{b}/staff", {"login": "x@example.cn", "role": "guard"}),
    ("DELETE", "/api/communities/{b}/staff/{guard_b}", None),
    ("GET", "/api/communities/{b}/residencies/{claim_b}", None),
    ("GET", "/api/communities/{b}/residencies/{home_b}", None),
    ("POST", "/api/communities/{b}/residencies/{claim_b}/approve", None),
    ("POST", "/api/communities/{b}/residencies/{claim_b}/reject", {"reason": "no"}),
    ("POST", "/api/communities/{b}/residencies/{home_b}/end", {}),
    # B's objects addressed through A's URLs.
    ("GET", "/api/communities/{a}/residencies/{claim_b}", None),
    ("POST", "/api/communities/{a}/residencies/{claim_b}/approve", None),
    ("POST", "/api/communities/{a}/residencies/{home_b}/end", {}),
    ("DELETE", "/api/communities/{a}/staff/{guard_b}", None),
    ("GET", "/api/communities/{a}/buildings/{building_b}/units", None),
    ("POST", "/api/communities/{a}/buildings/{building_b}/units", {"number": "999"}),
    ("POST", "/api/communities/{a}/residencies", {"unit_id": "{unit_b}", "relation": "owner"}),
]




@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method, url, body", PRIVATE_OF_B, ids=[f"{m} {u}" for m, u, _ in PRIVATE_OF_B])
def test_people_of_another_community_get_404(client, world, who, method, url, body):
    response = client.open(_fill(url, world.ids), method=method, json=_fill(body, world.ids),
                           headers=bearer(world.people[who].id))
    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_lists_of_another_community_show_nothing_private(client, world, who):
    headers = bearer(world.people[who].id)
    residencies = client.get(f"/api/communities/{world.ids['b']}/residencies", headers=headers)
    assert residencies.status_code == 200 and residencies.json["items"] == []


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(
    "url",
    [
        "/api/communities",
        "/api/communities/{b}",
        "/api/communities/{b}/buildings",
        "/api/communities/{b}/buildings/{building_b}/units",
    ],
)
def test_the_public_directory_shows_places_but_never_people(client, world, who, url):
    response = client.get(_fill(url, world.ids), headers=bearer(world.people[who].id))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for person in world.people.values():
        assert person.phone not in text and person.email not in text


@pytest.mark.parametrize(
    "method, url, body, expected",
    [
        ("GET", "/api/communities/{a}/residencies/{neighbour_a}", None, 404),
        ("POST", "/api/communities/{a}/residencies/{neighbour_a}/end", {}, 404),
        ("POST", "/api/communities/{a}/residencies/{neighbour_a}/approve", None, 404),
        ("GET", "/api/communities/{a}/staff", None, 403),
        ("PATCH", "/api/communities/{a}", {"name": "mine now"}, 403),
        ("POST", "/api/communities/{a}/buildings", {"name": "X"}, 403),
        ("POST", "/api/communities/{a}/staff", {"login": "x@example.cn", "role": "guard"}, 403),
    ],
)
def test_a_resident_reaches_nothing_of_a_neighbour_nor_manager_powers(client, world, method, url, body, expected):
    response = client.open(_fill(url, world.ids), method=method, json=_fill(body, world.ids),
                           headers=bearer(world.people["resident_a"].id))
    assert response.status_code == expected


def test_a_guard_does_not_get_manager_powers(client, world):
    headers = bearer(world.people["guard_a"].id)
    assert client.get(f"/api/communities/{world.ids['a']}/staff", headers=headers).status_code == 403
    assert client.post(f"/api/communities/{world.ids['a']}/residencies/{world.ids['neighbour_a']}/end",
                       headers=headers, json={}).status_code == 404


def test_the_manager_of_the_community_does_reach_the_same_things(client, world):
    headers = bearer(world.people["manager_b"].id)
    b = world.ids["b"]
    assert client.get(f"/api/communities/{b}/residencies/{world.ids['claim_b']}", headers=headers).status_code == 200
    assert client.get(f"/api/communities/{b}/staff", headers=headers).status_code == 200
    assert client.post(f"/api/communities/{b}/residencies/{world.ids['claim_b']}/approve",
                       headers=headers).status_code == 200
