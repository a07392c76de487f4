"""The manager's queue (filters and sorts) and per-category statistics over a date range."""
from datetime import UTC, datetime, timedelta

import pytest

from community.models import StaffRole
from core.models import utcnow
from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of, staff_of


@pytest.fixture
def queue(connection):
    community = CommunityFactory()
    manager = staff_of(community)
    alice = staff_of(community, StaffRole.MAINTENANCE)
    alice.display_name = "A 师傅"
    zed = staff_of(community, StaffRole.MAINTENANCE)
    zed.display_name = "Z 师傅"
    current_session().commit()
    lift = CategoryFactory(community=community, name="A 电梯")
    water = CategoryFactory(community=community, name="B 水电")
    now = utcnow()
    rows = {
        "old_breached": ServiceRequestFactory(category=lift, created_at=now - timedelta(hours=50),
                                              assignee_id=zed.id, first_response_breached_at=now),
        "held": ServiceRequestFactory(category=water, created_at=now - timedelta(hours=30), status="on_hold",
                                      assignee_id=alice.id),
        "fresh": ServiceRequestFactory(category=water, created_at=now - timedelta(hours=1)),
        "closed": ServiceRequestFactory(category=lift, created_at=now - timedelta(hours=5), status="closed"),
    }
    return {"community": community, "manager": manager, "alice": alice, "zed": zed, "lift": lift, "water": water,
            "rows": rows}


def _ids(client, queue, query, who="manager"):
    response = client.get(f"/api/communities/{queue['community'].id}/service-requests?{query}",
                          headers=bearer(queue[who].id))
    assert response.status_code == 200, response.json
    names = {v.id: k for k, v in queue["rows"].items()}
    return [names[r["id"]] for r in response.json["items"]]


@pytest.mark.parametrize("query, expected", [
    ("", ["fresh", "closed", "held", "old_breached"]),
    ("sort=created_at", ["old_breached", "held", "closed", "fresh"]),
    ("open=true", ["fresh", "held", "old_breached"]),
    ("open=false", ["closed"]),
    ("status=on_hold&status=closed", ["closed", "held"]),
    ("breached=true", ["old_breached"]),
    ("breached=false&open=true", ["fresh", "held"]),
    ("unassigned=true", ["fresh", "closed"]),
    ("min_age_hours=24", ["held", "old_breached"]),
    ("sort=-breach&open=true", ["old_breached", "fresh", "held"]),
    ("sort=status", ["fresh", "old_breached", "held", "closed"]),
    ("sort=assignee&open=true", ["held", "old_breached", "fresh"]),
    ("sort=category&open=true", ["old_breached", "fresh", "held"]),
    ("sort=-deadline&open=true", ["fresh", "held", "old_breached"]),
])
def test_the_queue_filters_and_sorts(client, queue, query, expected):
    assert _ids(client, queue, query) == expected


def test_the_queue_filters_by_category_and_assignee(client, queue):
    assert _ids(client, queue, f"category_id={queue['lift'].id}") == ["closed", "old_breached"]
    assert _ids(client, queue, f"assignee_id={queue['alice'].id}") == ["held"]
    for bad in ("status=lost", "sort=price", "min_age_hours=-1", "breached=maybe", "category_id=0"):
        response = client.get(f"/api/communities/{queue['community'].id}/service-requests?{bad}",
                              headers=bearer(queue["manager"].id))
        assert response.status_code == 422, bad


def test_a_resident_s_queue_is_their_own_requests(client, queue):
    resident = resident_of(queue["community"])
    mine = ServiceRequestFactory(category=queue["water"], requester=resident)
    listing = client.get(f"/api/communities/{queue['community'].id}/service-requests",
                         headers=bearer(resident.id)).json
    assert [r["id"] for r in listing["items"]] == [mine.id]


def _at(day, hour=2):
    return datetime(2026, 5, day, hour, 0, tzinfo=UTC)


def test_managers_see_per_category_statistics_over_local_days(client):
    community = CommunityFactory(timezone="Asia/Shanghai")
    manager = staff_of(community)
    lift = CategoryFactory(community=community, name="电梯")
    water = CategoryFactory(community=community, name="水电")
    CategoryFactory(community=community, name="已停用", active=False)
    minutes = timedelta(minutes=1)
    for day, response, resolution, breached, rating in ((1, 10, 100, False, 5), (2, 30, 300, True, 3),
                                                          (3, 20, None, False, None)):
        created = _at(day)
        ServiceRequestFactory(
            category=lift, created_at=created, first_responded_at=created + response * minutes,
            resolved_at=created + resolution * minutes if resolution else None,
            status="closed" if resolution else "in_progress", rating=rating,
            resolution_breached_at=created if breached else None,
        )
    ServiceRequestFactory(category=water, created_at=_at(9))  # outside the range
    ServiceRequestFactory(category=lift, created_at=datetime(2026, 4, 30, 17, tzinfo=UTC))  # May 1st in Shanghai

    response = client.get(f"/api/communities/{community.id}/service-request-stats?from=2026-05-01&to=2026-05-03",
                          headers=bearer(manager.id))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["from"], body["to"], body["timezone"]) == ("2026-05-01", "2026-05-03", "Asia/Shanghai")
    by_name = {c["name"]: c for c in body["categories"]}
    assert set(by_name) == {"电梯", "水电"}
    assert by_name["电梯"] == {
        "category_id": lift.id, "code": lift.code, "name": "电梯", "count": 4, "open": 2, "resolved": 2,
        "median_first_response_minutes": 20.0, "median_resolution_minutes": 200.0, "breached": 1,
        "breach_rate": 0.25, "average_rating": 4.0, "ratings": 2,
    }
    assert by_name["水电"]["count"] == 0 and by_name["水电"]["breach_rate"] is None


@pytest.mark.parametrize("query", ["from=2026-05-03&to=2026-05-01", "from=2025-01-01&to=2026-05-01",
                                   "from=yesterday", "to=2026-13-01"])
def test_statistics_need_a_sane_range(client, query):
    community = CommunityFactory()
    response = client.get(f"/api/communities/{community.id}/service-request-stats?{query}",
                          headers=bearer(staff_of(community).id))
    assert response.status_code == 422


def test_statistics_are_for_managers(client):
    community = CommunityFactory()
    for person in (staff_of(community, StaffRole.MAINTENANCE), resident_of(community)):
        response = client.get(f"/api/communities/{community.id}/service-request-stats", headers=bearer(person.id))
        assert response.status_code == 403
