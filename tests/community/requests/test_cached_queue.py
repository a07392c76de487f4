"""The service-request queue is cached per reader: never stale after a change, never another's page."""
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from community.models import StaffRole
from community.requests.models import ServiceRequest
from core.models import utcnow
from identity.models import User
from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, StaffFactory, UserFactory, resident_of, staff_of


@pytest.fixture
def home(connection):
    community = CommunityFactory()
    resident, neighbour = resident_of(community), resident_of(community)
    lights = CategoryFactory(community=community)
    return {"community": community, "resident": resident, "neighbour": neighbour, "lights": lights,
            "manager": staff_of(community), "plumber": staff_of(community, StaffRole.MAINTENANCE),
            "mine": ServiceRequestFactory(category=lights, requester=resident),
            "theirs": ServiceRequestFactory(category=lights, requester=neighbour)}


@pytest.fixture
def session(connection):
    """A session of its own, as a job or another request would change rows."""
    return Session(bind=connection, join_transaction_mode="create_savepoint")


def _queue(client, home, who, **query):
    response = client.get(f"/api/communities/{home['community'].id}/service-requests", query_string=query,
                          headers=bearer(who.id))
    assert response.status_code == 200, response.json
    return response.json["items"]


def _ids(items):
    return {item["id"] for item in items}


def test_a_resident_never_gets_the_managers_or_a_neighbours_cached_page(client, home):
    assert _ids(_queue(client, home, home["manager"])) == {home["mine"].id, home["theirs"].id}
    assert _ids(_queue(client, home, home["resident"])) == {home["mine"].id}
    assert _ids(_queue(client, home, home["neighbour"])) == {home["theirs"].id}
    assert _ids(_queue(client, home, home["manager"])) == {home["mine"].id, home["theirs"].id}


def test_a_filed_request_and_a_triage_show_in_the_queue_at_once(client, home):
    url = f"/api/communities/{home['community'].id}/service-requests"
    assert len(_queue(client, home, home["manager"], open="true")) == 2
    filed = client.post(url, json={"category_id": home["lights"].id, "description": "电梯异响",
                                   "location": {"kind": "common_area", "place": "电梯"}},
                        headers=bearer(home["resident"].id))
    assert filed.status_code == 201, filed.json
    assert len(_queue(client, home, home["manager"], open="true")) == 3
    moved = client.post(f"{url}/{filed.json['id']}/transitions", json={"action": "decline", "reason": "重复"},
                        headers=bearer(home["manager"].id))
    assert moved.status_code == 200, moved.json
    assert len(_queue(client, home, home["manager"], open="true")) == 2


def test_the_sla_jobs_bulk_update_and_a_changed_phone_show_at_once(client, session, home):
    assert not any(item["breached"] for item in _queue(client, home, home["manager"]))
    session.execute(update(ServiceRequest).where(ServiceRequest.id == home["mine"].id)
                    .values(resolution_breached_at=utcnow()))
    session.commit()
    assert {item["id"] for item in _queue(client, home, home["manager"]) if item["breached"]} == {home["mine"].id}
    session.get(User, home["resident"].id).phone = "+8613900000000"
    session.commit()
    phones = {item["requester"]["phone"] for item in _queue(client, home, home["manager"])}
    assert "+8613900000000" in phones


def test_an_assignment_gives_the_assignee_the_contact_and_a_removed_manager_loses_the_queue(client, home):
    assert all(item["requester"] is None for item in _queue(client, home, home["plumber"]))
    client.put(f"/api/communities/{home['community'].id}/service-requests/{home['mine'].id}/assignment",
               json={"assignee_id": home["plumber"].id}, headers=bearer(home["manager"].id))
    contacts = {item["id"]: item["requester"] for item in _queue(client, home, home["plumber"])}
    assert contacts[home["mine"].id]["phone"] == home["resident"].phone and contacts[home["theirs"].id] is None

    admin, manager = UserFactory(platform_role="admin"), StaffFactory(community=home["community"])
    assert len(_queue(client, home, manager.user)) == 2
    removed = client.delete(f"/api/communities/{home['community'].id}/staff/{manager.id}", headers=bearer(admin.id))
    assert removed.status_code == 204
    gone = client.get(f"/api/communities/{home['community'].id}/service-requests", headers=bearer(manager.user_id))
    assert gone.status_code == 404  # no longer a member: not the page cached while they were


def test_the_queue_answers_304_to_a_client_that_has_it(client, home):
    url = f"/api/communities/{home['community'].id}/service-requests"
    first = client.get(url, headers=bearer(home["manager"].id))
    again = client.get(url, headers={**bearer(home["manager"].id), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = CommunityFactory()
    assert client.get(f"/api/communities/{other.id}/service-requests",
                      headers=bearer(home["manager"].id)).status_code in (403, 404)
