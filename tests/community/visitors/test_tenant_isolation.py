"""Visitor passes and tenancy: people of another community get 404 for every endpoint, a resident
gets 404 for a neighbour's passes, and only gate staff admit visitors (403 for residents)."""
from datetime import timedelta

import pytest

from community.models import StaffRole
from core.models import utcnow
from tests.community.visitors.factories import VisitorPassFactory
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, resident_of, staff_of
from tests.helpers import fill as _fill


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    home_b = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=b)))
    neighbour_a = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=a)))
    pass_b = VisitorPassFactory(residency=home_b)
    people = {
        "manager_a": staff_of(a),
        "guard_a": staff_of(a, StaffRole.GUARD),
        "maintenance_a": staff_of(a, StaffRole.MAINTENANCE),
        "resident_a": resident_of(a),
        "host_b": home_b.user,
        "guard_b": staff_of(b, StaffRole.GUARD),
    }
    neighbour_pass = VisitorPassFactory(residency=neighbour_a)
    ids = {
        "a": a.id, "b": b.id, "pass_b": pass_b.id, "code_b": pass_b.code, "unit_b": home_b.unit_id,
        "neighbour_pass": neighbour_pass.id, "neighbour_code": neighbour_pass.code,
        "until": (utcnow() + timedelta(hours=2)).isoformat(),
    }
    return people, ids


NEW_PASS = {"unit_id": "{unit_b}", "visitor_name": "x", "valid_until": "{until}"}
ENDPOINTS = [
    ("GET", "/api/communities/{b}/visitor-passes", None),
    ("POST", "/api/communities/{b}/visitor-passes", NEW_PASS),
    ("GET", "/api/communities/{b}/visitor-passes/{pass_b}", None),
    ("POST", "/api/communities/{b}/visitor-passes/{pass_b}/revoke", None),
    ("GET", "/api/communities/{b}/visitor-passes/{pass_b}/entries", None),
    ("POST", "/api/communities/{b}/visitor-entries", {"code": "{code_b}"}),
    # B's pass addressed through A's URLs.
    ("GET", "/api/communities/{a}/visitor-passes/{pass_b}", None),
    ("POST", "/api/communities/{a}/visitor-passes/{pass_b}/revoke", None),
    ("GET", "/api/communities/{a}/visitor-passes/{pass_b}/entries", None),
    ("POST", "/api/communities/{a}/visitor-passes", NEW_PASS),
]




@pytest.mark.parametrize("who", ["manager_a", "guard_a", "resident_a"])
@pytest.mark.parametrize("method, url, body", ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_people_of_another_community_get_404(client, world, who, method, url, body):
    people, ids = world
    response = client.open(_fill(url, ids), method=method, json=_fill(body, ids), headers=bearer(people[who].id))
    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/api/communities/{a}/visitor-passes/{neighbour_pass}"),
        ("POST", "/api/communities/{a}/visitor-passes/{neighbour_pass}/revoke"),
        ("GET", "/api/communities/{a}/visitor-passes/{neighbour_pass}/entries"),
    ],
)
@pytest.mark.parametrize("who", ["resident_a", "guard_a", "maintenance_a"])
def test_nobody_but_the_host_and_managers_reaches_a_pass(client, world, who, method, url):
    people, ids = world
    response = client.open(_fill(url, ids), method=method, headers=bearer(people[who].id))
    assert response.status_code == 404


def test_a_neighbour_s_pass_is_not_in_a_resident_s_list(client, world):
    people, ids = world
    listing = client.get(f"/api/communities/{ids['a']}/visitor-passes", headers=bearer(people["resident_a"].id))
    assert listing.status_code == 200 and listing.json["items"] == []


@pytest.mark.parametrize("who", ["resident_a", "maintenance_a"])
def test_only_gate_staff_admit_visitors(client, world, who):
    people, ids = world
    response = client.post(f"/api/communities/{ids['a']}/visitor-entries", headers=bearer(people[who].id),
                           json={"code": ids["neighbour_code"]})
    assert response.status_code == 403
    guard = client.post(f"/api/communities/{ids['a']}/visitor-entries", headers=bearer(people["guard_a"].id),
                        json={"code": ids["neighbour_code"]})
    assert guard.status_code == 201


def test_the_people_of_the_community_do_reach_the_same_things(client, world):
    people, ids = world
    b, pass_b = ids["b"], ids["pass_b"]
    host = bearer(people["host_b"].id)
    assert client.get(f"/api/communities/{b}/visitor-passes/{pass_b}", headers=host).status_code == 200
    assert client.post(f"/api/communities/{b}/visitor-entries", headers=bearer(people["guard_b"].id),
                       json={"code": ids["code_b"]}).status_code == 201
    assert client.get(f"/api/communities/{b}/visitor-passes/{pass_b}/entries", headers=host).json["total"] == 1
    assert client.post(f"/api/communities/{b}/visitor-passes/{pass_b}/revoke", headers=host).status_code == 200
