"""Tenant isolation of service requests: other communities get 404 for everything private, residents get
404 for a neighbour's requests, and the wrong role gets 403. Every endpoint of the package is listed."""
from dataclasses import dataclass

import pytest

from community.models import StaffRole
from tests.community.requests.factories import CategoryFactory, Open311KeyFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of, staff_of
from tests.helpers import fill as _fill


@dataclass
class World:
    people: dict
    ids: dict


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    category_a, category_b = CategoryFactory(community=a), CategoryFactory(community=b)
    resident_a, neighbour_a = resident_of(a), resident_of(a)
    people = {
        "manager_a": staff_of(a),
        "plumber_a": staff_of(a, StaffRole.MAINTENANCE),
        "guard_a": staff_of(a, StaffRole.GUARD),
        "resident_a": resident_a,
        "manager_b": staff_of(b),
    }
    request_b = ServiceRequestFactory(category=category_b, requester=resident_of(b))
    ids = {
        "a": a.id, "b": b.id, "cat_a": category_a.id, "cat_b": category_b.id, "req_b": request_b.id,
        "req_a": ServiceRequestFactory(category=category_a, requester=resident_a).id,
        "neighbour_req": ServiceRequestFactory(category=category_a, requester=neighbour_a).id,
        "key_b": Open311KeyFactory(community=b).id,
    }
    return World(people, ids)


FILE = {"category_id": "{cat_b}", "description": "x", "location": {"kind": "common_area", "place": "x"}}
EVERY_ENDPOINT = [
    ("GET", "/request-categories", None),
    ("POST", "/request-categories", {"code": "x", "name": "x"}),
    ("GET", "/request-categories/{cat_b}", None),
    ("PATCH", "/request-categories/{cat_b}", {"name": "hijacked"}),
    ("GET", "/service-requests", None),
    ("POST", "/service-requests", FILE),
    ("GET", "/service-requests/{req_b}", None),
    ("POST", "/service-requests/{req_b}/transitions", {"action": "acknowledge"}),
    ("PUT", "/service-requests/{req_b}/assignment", {"assignee_id": None}),
    ("GET", "/service-requests/{req_b}/comments", None),
    ("POST", "/service-requests/{req_b}/comments", {"body": "x"}),
    ("POST", "/service-requests/{req_b}/rating", {"score": 1}),
    ("POST", "/service-requests/{req_b}/merge", {"original_id": "{req_b}"}),
    ("GET", "/service-requests/{req_b}/history", None),
    ("GET", "/service-requests/{req_b}/possible-duplicates", None),
    ("GET", "/service-request-stats", None),
    ("GET", "/service-request-settings", None),
    ("PATCH", "/service-request-settings", {"daily_limit_per_resident": 99}),
    ("GET", "/open311-keys", None),
    ("POST", "/open311-keys", {"name": "x"}),
    ("DELETE", "/open311-keys/{key_b}", None),
]
OUTSIDERS = ("manager_a", "plumber_a", "guard_a", "resident_a")




@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("method, path, body", EVERY_ENDPOINT, ids=[f"{m} {p}" for m, p, _ in EVERY_ENDPOINT])
def test_people_of_another_community_get_404_everywhere(client, world, who, method, path, body):
    url = "/api/communities/{b}".format(**world.ids) + _fill(path, world.ids)
    response = client.open(url, method=method, json=_fill(body, world.ids), headers=bearer(world.people[who].id))
    assert response.status_code == 404, response.json
    assert response.json["code"] == "not_found"


B_THROUGH_A = [
    ("GET", "/request-categories/{cat_b}", None),
    ("PATCH", "/request-categories/{cat_b}", {"name": "hijacked"}),
    ("GET", "/service-requests/{req_b}", None),
    ("POST", "/service-requests/{req_b}/transitions", {"action": "acknowledge"}),
    ("PUT", "/service-requests/{req_b}/assignment", {"assignee_id": None}),
    ("POST", "/service-requests/{req_b}/comments", {"body": "x"}),
    ("GET", "/service-requests/{req_b}/history", None),
    ("POST", "/service-requests/{req_b}/merge", {"original_id": "{req_a}"}),
    ("DELETE", "/open311-keys/{key_b}", None),
]


@pytest.mark.parametrize("method, path, body", B_THROUGH_A, ids=[f"{m} {p}" for m, p, _ in B_THROUGH_A])
def test_another_community_s_things_through_one_s_own_urls_are_404(client, world, method, path, body):
    url = "/api/communities/{a}".format(**world.ids) + _fill(path, world.ids)
    response = client.open(url, method=method, json=_fill(body, world.ids),
                           headers=bearer(world.people["manager_a"].id))
    assert response.status_code == 404, response.json


def test_another_community_s_ids_in_bodies_are_refused(client, world):
    headers = bearer(world.people["manager_a"].id)
    a = world.ids["a"]
    filed = client.post(f"/api/communities/{a}/service-requests", headers=headers, json=_fill(FILE, world.ids))
    assert filed.status_code == 422 and "category_id" in filed.json["errors"]
    merged = client.post(f"/api/communities/{a}/service-requests/{world.ids['req_a']}/merge", headers=headers,
                         json={"original_id": world.ids["req_b"]})
    assert merged.status_code == 422 and "original_id" in merged.json["errors"]
    assigned = client.put(f"/api/communities/{a}/service-requests/{world.ids['req_a']}/assignment", headers=headers,
                          json={"assignee_id": world.people["manager_b"].id})
    assert assigned.status_code == 422


NEIGHBOUR = [
    ("GET", "/service-requests/{neighbour_req}", None),
    ("POST", "/service-requests/{neighbour_req}/transitions", {"action": "reopen", "reason": "x"}),
    ("GET", "/service-requests/{neighbour_req}/comments", None),
    ("POST", "/service-requests/{neighbour_req}/comments", {"body": "x"}),
    ("POST", "/service-requests/{neighbour_req}/rating", {"score": 1}),
    ("GET", "/service-requests/{neighbour_req}/history", None),
    ("GET", "/service-requests/{neighbour_req}/possible-duplicates", None),
    ("POST", "/service-requests/{neighbour_req}/merge", {"original_id": "{req_a}"}),
    ("PUT", "/service-requests/{neighbour_req}/assignment", {"assignee_id": None}),
]


@pytest.mark.parametrize("who", ["resident_a", "guard_a"])
@pytest.mark.parametrize("method, path, body", NEIGHBOUR, ids=[f"{m} {p}" for m, p, _ in NEIGHBOUR])
def test_a_neighbour_s_requests_do_not_exist_for_a_resident(client, world, who, method, path, body):
    url = "/api/communities/{a}".format(**world.ids) + _fill(path, world.ids)
    response = client.open(url, method=method, json=_fill(body, world.ids), headers=bearer(world.people[who].id))
    assert response.status_code == 404, response.json


WRONG_ROLE = [
    ("resident_a", "POST", "/request-categories", {"code": "x", "name": "x"}),
    ("resident_a", "PATCH", "/request-categories/{cat_a}", {"name": "x"}),
    ("resident_a", "POST", "/service-requests/{req_a}/transitions", {"action": "acknowledge"}),
    ("resident_a", "PUT", "/service-requests/{req_a}/assignment", {"assignee_id": None}),
    ("resident_a", "POST", "/service-requests/{req_a}/comments", {"body": "x", "internal": True}),
    ("resident_a", "POST", "/service-requests/{req_a}/merge", {"original_id": "{neighbour_req}"}),
    ("resident_a", "GET", "/service-requests/{req_a}/possible-duplicates", None),
    ("resident_a", "GET", "/service-request-stats", None),
    ("resident_a", "PATCH", "/service-request-settings", {"daily_limit_per_resident": 9}),
    ("resident_a", "GET", "/open311-keys", None),
    ("resident_a", "POST", "/open311-keys", {"name": "x"}),
    ("plumber_a", "POST", "/request-categories", {"code": "x", "name": "x"}),
    ("plumber_a", "POST", "/service-requests/{req_a}/transitions", {"action": "decline", "reason": "x"}),
    ("plumber_a", "PUT", "/service-requests/{req_a}/assignment", {"assignee_id": None}),
    ("plumber_a", "POST", "/service-requests/{req_a}/rating", {"score": 1}),
    ("plumber_a", "GET", "/service-request-stats", None),
    ("plumber_a", "GET", "/open311-keys", None),
    ("plumber_a", "POST", "/service-requests/{req_a}/merge", {"original_id": "{neighbour_req}"}),
    ("manager_a", "POST", "/service-requests/{req_a}/rating", {"score": 1}),
    ("manager_a", "POST", "/service-requests/{req_a}/transitions", {"action": "reopen", "reason": "x"}),
]


@pytest.mark.parametrize("who, method, path, body", WRONG_ROLE, ids=[f"{w} {m} {p}" for w, m, p, _ in WRONG_ROLE])
def test_the_wrong_role_gets_403(client, world, who, method, path, body):
    url = "/api/communities/{a}".format(**world.ids) + _fill(path, world.ids)
    response = client.open(url, method=method, json=_fill(body, world.ids), headers=bearer(world.people[who].id))
    assert response.status_code == 403, response.json


def test_staff_of_the_community_do_reach_its_requests(client, world):
    a = world.ids["a"]
    for who in ("manager_a", "plumber_a"):
        listing = client.get(f"/api/communities/{a}/service-requests", headers=bearer(world.people[who].id)).json
        assert listing["total"] == 2
    guard = client.get(f"/api/communities/{a}/service-requests", headers=bearer(world.people["guard_a"].id)).json
    assert guard["total"] == 0


def test_anonymous_callers_get_401(client, world):
    for method, path, body in EVERY_ENDPOINT:
        url = "/api/communities/{a}".format(**world.ids) + _fill(path, world.ids).replace(
            str(world.ids["req_b"]), str(world.ids["req_a"]))
        assert client.open(url, method=method, json=_fill(body, world.ids)).status_code == 401, (method, path)
