"""Parcels and tenancy: people of another community get 404 for every endpoint, residents get 404
for other households' parcels, and residents get 403 for the desk's powers."""
import pytest

from community.models import StaffRole
from tests.community.parcels.factories import ParcelFactory
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, staff_of
from tests.helpers import fill as _fill


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    unit_b = UnitFactory(building=BuildingFactory(community=b))
    home_a = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=a)))
    neighbour_unit = UnitFactory(building=BuildingFactory(community=a))
    people = {
        "manager_a": staff_of(a),
        "guard_a": staff_of(a, StaffRole.GUARD),
        "maintenance_a": staff_of(a, StaffRole.MAINTENANCE),
        "resident_a": home_a.user,
        "household_b": ResidencyFactory(unit=unit_b).user,
        "guard_b": staff_of(b, StaffRole.GUARD),
    }
    parcel_b = ParcelFactory(unit=unit_b)
    ids = {
        "a": a.id, "b": b.id, "unit_b": unit_b.id, "parcel_b": parcel_b.id, "code_b": parcel_b.pickup_code,
        "neighbour_parcel": ParcelFactory(unit=neighbour_unit).id,
        "own_parcel": ParcelFactory(unit=home_a.unit).id,
        "unit_a": home_a.unit_id,
    }
    return people, ids


ENDPOINTS = [
    ("GET", "/api/communities/{b}/parcels", None),
    ("POST", "/api/communities/{b}/parcels", {"unit_id": "{unit_b}", "carrier": "x", "tracking_number": "ABCD1"}),
    ("POST", "/api/communities/{b}/parcels/pickup", {"pickup_code": "{code_b}", "collector_name": "x"}),
    ("GET", "/api/communities/{b}/parcels/mine", None),
    ("GET", "/api/communities/{b}/parcels/uncollected", None),
    ("GET", "/api/communities/{b}/parcels/{parcel_b}", None),
    # B's things addressed through A's URLs.
    ("GET", "/api/communities/{a}/parcels/{parcel_b}", None),
    ("POST", "/api/communities/{a}/parcels", {"unit_id": "{unit_b}", "carrier": "x", "tracking_number": "ABCD1"}),
]




@pytest.mark.parametrize("who", ["manager_a", "guard_a", "resident_a"])
@pytest.mark.parametrize("method, url, body", ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_people_of_another_community_get_404(client, world, who, method, url, body):
    people, ids = world
    response = client.open(_fill(url, ids), method=method, json=_fill(body, ids), headers=bearer(people[who].id))
    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"


def test_a_code_of_another_community_finds_nothing_at_this_desk(client, world):
    people, ids = world
    response = client.post(f"/api/communities/{ids['a']}/parcels/pickup", headers=bearer(people["guard_a"].id),
                           json={"pickup_code": ids["code_b"], "collector_name": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["resident_a", "guard_a", "manager_a"])
def test_another_household_s_parcel_is_404(client, world, who):
    people, ids = world
    response = client.get(f"/api/communities/{ids['a']}/parcels/{ids['neighbour_parcel']}",
                          headers=bearer(people[who].id))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "who, method, url, body, expected",
    [
        ("resident_a", "GET", "/api/communities/{a}/parcels", None, 403),
        ("resident_a", "POST", "/api/communities/{a}/parcels",
         {"unit_id": "{unit_a}", "carrier": "x", "tracking_number": "ABCD1"}, 403),
        ("resident_a", "POST", "/api/communities/{a}/parcels/pickup", {"pickup_code": "123456", "collector_name": "x"},
         403),
        ("resident_a", "GET", "/api/communities/{a}/parcels/uncollected", None, 403),
        ("guard_a", "GET", "/api/communities/{a}/parcels/uncollected", None, 403),
        ("maintenance_a", "GET", "/api/communities/{a}/parcels/uncollected", None, 403),
    ],
)
def test_wrong_roles_get_403(client, world, who, method, url, body, expected):
    people, ids = world
    response = client.open(_fill(url, ids), method=method, json=_fill(body, ids), headers=bearer(people[who].id))
    assert response.status_code == expected


def test_the_people_of_the_community_do_reach_the_same_things(client, world):
    people, ids = world
    a, b = ids["a"], ids["b"]
    assert client.get(f"/api/communities/{a}/parcels/{ids['own_parcel']}",
                      headers=bearer(people["resident_a"].id)).status_code == 200
    assert client.get(f"/api/communities/{b}/parcels/{ids['parcel_b']}",
                      headers=bearer(people["household_b"].id)).status_code == 200
    for who in ("guard_a", "maintenance_a", "manager_a"):
        assert client.get(f"/api/communities/{a}/parcels", headers=bearer(people[who].id)).json["total"] == 2
    assert client.get(f"/api/communities/{a}/parcels/uncollected",
                      headers=bearer(people["manager_a"].id)).status_code == 200
    assert client.post(f"/api/communities/{b}/parcels/pickup", headers=bearer(people["guard_b"].id),
                       json={"pickup_code": ids["code_b"], "collector_name": "x"}).status_code == 200
