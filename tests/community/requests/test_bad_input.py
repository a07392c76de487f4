"""Whatever a client sends to the service-request endpoints, it gets a 4xx problem, never a 500."""
import pytest

from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of, staff_of


@pytest.fixture
def place(connection):
    community = CommunityFactory()
    category = CategoryFactory(community=community)
    resident = resident_of(community)
    return {"community": community, "category": category, "resident": resident, "manager": staff_of(community),
            "request": ServiceRequestFactory(category=category, requester=resident)}


def _good(place):
    return {"category_id": place["category"].id, "description": "路灯坏了",
            "location": {"kind": "point", "latitude": 31.2, "longitude": 121.4}}


BAD_FILINGS = [
    ({"category_id": "one"}, "category_id"),
    ({"category_id": 2**70}, "category_id"),
    ({"category_id": None}, "category_id"),
    ({"description": ""}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"description": 42}, "description"),
    ({"location": "here"}, "location"),
    ({"location": {"kind": "roof"}}, "location"),
    ({"location": {"kind": "point", "latitude": 91, "longitude": 0}}, "location"),
    ({"location": {"kind": "point", "latitude": 10}}, "location"),
    ({"location": {"kind": "common_area"}}, "location"),
    ({"location": {"kind": "common_area", "place": "x", "building_id": 10**15}}, "location"),
    ({"photos": ["ftp://x.cn/a.jpg"]}, "photos"),
    ({"photos": ["https://x.cn/a.jpg"] * 10}, "photos"),
    ({"photos": "https://x.cn/a.jpg"}, "photos"),
    ({"visit_from": "2030-01-01T10:00:00"}, "visit_from"),
    ({"visit_from": "2030-01-01T10:00:00+08:00"}, "visit_to"),
    ({"visit_from": "2030-01-01T10:00:00+08:00", "visit_to": "2030-01-01T09:00:00+08:00"}, "visit_to"),
    ({"answers": []}, "answers"),
    ({"answers": {"nope": 1}}, "answers"),
    ({"answers": {f"k{i}": 1 for i in range(21)}}, "answers"),
    ({"owner_id": 1}, "owner_id"),
]


@pytest.mark.parametrize("change, field", BAD_FILINGS, ids=[f for _, f in BAD_FILINGS])
def test_bad_filings_are_422_naming_the_field(client, place, change, field):
    response = client.post(f"/api/communities/{place['community'].id}/service-requests",
                           json={**_good(place), **change}, headers=bearer(place["resident"].id))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]


@pytest.mark.parametrize("missing", ["category_id", "description", "location"])
def test_missing_fields_are_422(client, place, missing):
    body = _good(place)
    del body[missing]
    response = client.post(f"/api/communities/{place['community'].id}/service-requests", json=body,
                           headers=bearer(place["resident"].id))
    assert response.status_code == 422 and missing in response.json["errors"]


@pytest.mark.parametrize("suffix, method, body", [
    ("/transitions", "POST", {"action": 5}),
    ("/transitions", "POST", {"action": "hold", "reason": "x", "hold_until": "soon"}),
    ("/transitions", "POST", {"action": "decline", "reason": "x" * 501}),
    ("/assignment", "PUT", {"assignee_id": "me"}),
    ("/assignment", "PUT", {}),
    ("/comments", "POST", {"body": ""}),
    ("/comments", "POST", {"body": "x" * 2001}),
    ("/comments", "POST", {"body": "x", "internal": "perhaps"}),
    ("/rating", "POST", {"score": 0}),
    ("/rating", "POST", {"score": "5"}),
    ("/rating", "POST", {"score": 5, "comment": "x" * 501}),
    ("/merge", "POST", {"original_id": -1}),
    ("/merge", "POST", {}),
    ("/comments?page=0", "GET", None),
    ("/history?page_size=1000", "GET", None),
])
def test_bad_input_to_request_actions_is_422(client, place, suffix, method, body):
    url = f"/api/communities/{place['community'].id}/service-requests/{place['request'].id}{suffix}"
    response = client.open(url, method=method, json=body, headers=bearer(place["manager"].id))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"


def test_malformed_json_is_400_and_odd_ids_are_404(client, place):
    url = f"/api/communities/{place['community'].id}/service-requests"
    response = client.post(url, data='{"description": ', content_type="application/json",
                           headers=bearer(place["resident"].id))
    assert response.status_code == 400 and response.json["code"] == "malformed_json"
    for odd in ("0", "-1", "abc", str(2**64)):
        assert client.get(f"{url}/{odd}", headers=bearer(place["manager"].id)).status_code == 404
