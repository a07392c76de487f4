"""Bad input to announcements gets a 422 problem naming the field, never a 500."""
from datetime import timedelta

import pytest

from core.models import utcnow
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, staff_of
from tests.helpers import assert_invalid as _problem


@pytest.fixture
def manager_url(connection):
    community = CommunityFactory()
    return bearer(staff_of(community).id), f"/api/communities/{community.id}/announcements"




def _soon(**delta):
    return (utcnow() + timedelta(**delta)).isoformat()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"body": "正文"}, "title"),
        ({"title": "标题"}, "body"),
        ({"title": "", "body": "正文"}, "title"),
        ({"title": "x" * 121, "body": "正文"}, "title"),
        ({"title": "标题", "body": "x" * 5001}, "body"),
        ({"title": 5, "body": "正文"}, "title"),
        ({"title": "标题", "body": "正文", "emergency": "maybe"}, "emergency"),
        ({"title": "标题", "body": "正文", "building_ids": "1"}, "building_ids"),
        ({"title": "标题", "body": "正文", "building_ids": [0]}, "building_ids"),
        ({"title": "标题", "body": "正文", "building_ids": [2**70]}, "building_ids"),
        ({"title": "标题", "body": "正文", "building_ids": list(range(1, 202))}, "building_ids"),
        ({"title": "标题", "body": "正文", "publish_at": "tomorrow"}, "publish_at"),
        ({"title": "标题", "body": "正文", "publish_at": "2030-01-01T08:00:00"}, "publish_at"),  # no offset
        ({"title": "标题", "body": "正文", "publish_at": "0001-01-01T00:00:00+01:00"}, "publish_at"),
        ({"title": "标题", "body": "正文", "expires_at": "9999-12-31T23:59:59-05:00"}, "expires_at"),
        ({"title": "标题", "body": "正文", "author_id": 1}, "author_id"),
    ],
)
def test_malformed_announcements_are_422_per_field(client, manager_url, body, field):
    headers, url = manager_url
    _problem(client.post(url, headers=headers, json=body), field)


def test_times_must_make_sense(client, manager_url):
    headers, url = manager_url
    base = {"title": "标题", "body": "正文"}
    _problem(client.post(url, headers=headers, json={**base, "publish_at": _soon(hours=-2)}), "publish_at")
    _problem(client.post(url, headers=headers, json={**base, "expires_at": _soon(hours=-1)}), "expires_at")
    _problem(client.post(url, headers=headers, json={**base, "publish_at": _soon(days=2),
                                                     "expires_at": _soon(days=1)}), "expires_at")


def test_buildings_of_another_community_are_refused(client, manager_url):
    headers, url = manager_url
    elsewhere = BuildingFactory()
    _problem(client.post(url, headers=headers, json={"title": "标题", "body": "正文",
                                                     "building_ids": [elsewhere.id]}), "building_ids")


@pytest.mark.parametrize("query", ["state=pending", "page=0", "page_size=1000", "page=x"])
def test_bad_list_arguments_are_422(client, manager_url, query):
    headers, url = manager_url
    response = client.get(f"{url}?{query}", headers=headers)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
