"""Announcements and tenancy: people of another community get 404 for every endpoint, residents
of another building get 404 for what is aimed elsewhere, and non-managers get 403 for managing."""
import pytest

from community.models import StaffRole
from tests.community.announcements.factories import AnnouncementFactory
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, resident_of, staff_of


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    tower, other_tower = BuildingFactory(community=a), BuildingFactory(community=a)
    people = {
        "manager_a": staff_of(a),
        "guard_a": staff_of(a, StaffRole.GUARD),
        "resident_a": resident_of(a),
        "resident_of_other_tower": ResidencyFactory(unit=UnitFactory(building=other_tower)).user,
        "manager_b": staff_of(b),
        "resident_b": resident_of(b),
    }
    ids = {
        "a": a.id,
        "b": b.id,
        "of_b": AnnouncementFactory(community=b).id,
        "tower_only": AnnouncementFactory(community=a, buildings=[tower]).id,
        "whole_a": AnnouncementFactory(community=a).id,
    }
    return people, ids


ENDPOINTS = [
    ("GET", "/api/communities/{b}/announcements", None),
    ("POST", "/api/communities/{b}/announcements", {"title": "x", "body": "y"}),
    ("GET", "/api/communities/{b}/announcements/{of_b}", None),
    ("DELETE", "/api/communities/{b}/announcements/{of_b}", None),
    ("POST", "/api/communities/{b}/announcements/{of_b}/read", None),
    ("GET", "/api/communities/{b}/announcements/{of_b}/read-stats", None),
    # B's announcement addressed through A's URLs.
    ("GET", "/api/communities/{a}/announcements/{of_b}", None),
    ("DELETE", "/api/communities/{a}/announcements/{of_b}", None),
    ("POST", "/api/communities/{a}/announcements/{of_b}/read", None),
    ("GET", "/api/communities/{a}/announcements/{of_b}/read-stats", None),
]


@pytest.mark.parametrize("who", ["manager_a", "guard_a", "resident_a"])
@pytest.mark.parametrize("method, url, body", ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_people_of_another_community_get_404(client, world, who, method, url, body):
    people, ids = world
    response = client.open(url.format(**ids), method=method, json=body, headers=bearer(people[who].id))
    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/api/communities/{a}/announcements/{tower_only}"),
        ("POST", "/api/communities/{a}/announcements/{tower_only}/read"),
        ("DELETE", "/api/communities/{a}/announcements/{tower_only}"),
        ("GET", "/api/communities/{a}/announcements/{tower_only}/read-stats"),
    ],
)
def test_residents_of_another_building_get_404_for_what_is_aimed_elsewhere(client, world, method, url):
    people, ids = world
    response = client.open(url.format(**ids), method=method, headers=bearer(people["resident_of_other_tower"].id))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["guard_a", "resident_a"])
@pytest.mark.parametrize(
    "method, url, body",
    [
        ("POST", "/api/communities/{a}/announcements", {"title": "x", "body": "y"}),
        ("DELETE", "/api/communities/{a}/announcements/{whole_a}", None),
        ("GET", "/api/communities/{a}/announcements/{whole_a}/read-stats", None),
    ],
)
def test_people_who_see_an_announcement_but_do_not_manage_get_403(client, world, who, method, url, body):
    people, ids = world
    assert client.get(f"/api/communities/{ids['a']}/announcements/{ids['whole_a']}",
                      headers=bearer(people[who].id)).status_code == 200
    response = client.open(url.format(**ids), method=method, json=body, headers=bearer(people[who].id))
    assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_the_manager_of_the_community_does_reach_the_same_things(client, world):
    people, ids = world
    headers = bearer(people["manager_b"].id)
    b, of_b = ids["b"], ids["of_b"]
    assert client.get(f"/api/communities/{b}/announcements/{of_b}", headers=headers).status_code == 200
    assert client.get(f"/api/communities/{b}/announcements/{of_b}/read-stats", headers=headers).status_code == 200
    assert client.post(f"/api/communities/{b}/announcements/{of_b}/read", headers=headers).status_code == 204
    assert client.delete(f"/api/communities/{b}/announcements/{of_b}", headers=headers).status_code == 204
    resident = bearer(people["resident_b"].id)
    assert client.get(f"/api/communities/{b}/announcements/{of_b}", headers=resident).status_code == 404
