"""Idempotency-Key: a retried create returns the first response and creates nothing more."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from community.models import Building
from core.db import db
from core.idempotency import idempotent
from tests.conftest import bearer, on_both_databases
from tests.factories import CommunityFactory, current_session, staff_of
from tests.outage import outage_app


def _count_buildings(app, community_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Building.community_id == community_id))


def test_a_retry_with_the_same_key_replays_the_first_response(app, client):
    community = CommunityFactory()
    headers = {**bearer(staff_of(community).id), "Idempotency-Key": "create-building-1"}
    first = client.post(f"/api/communities/{community.id}/buildings", json={"name": "5号楼"}, headers=headers)
    second = client.post(f"/api/communities/{community.id}/buildings", json={"name": "5号楼"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count_buildings(app, community.id) == 1


def test_the_same_key_with_another_body_is_422(client):
    community = CommunityFactory()
    headers = {**bearer(staff_of(community).id), "Idempotency-Key": "k"}
    assert client.post(f"/api/communities/{community.id}/buildings", json={"name": "A"},
                       headers=headers).status_code == 201
    response = client.post(f"/api/communities/{community.id}/buildings", json={"name": "B"}, headers=headers)
    assert response.status_code == 422 and response.json["code"] == "idempotency_key_reused"


def test_keys_belong_to_their_user(client):
    community = CommunityFactory()
    url = f"/api/communities/{community.id}/buildings"
    one = client.post(url, json={"name": "A"}, headers={**bearer(staff_of(community).id), "Idempotency-Key": "k"})
    two = client.post(url, json={"name": "B"}, headers={**bearer(staff_of(community).id), "Idempotency-Key": "k"})
    assert one.status_code == two.status_code == 201 and one.json["id"] != two.json["id"]


def test_a_failed_request_does_not_burn_the_key(client):
    community = CommunityFactory()
    headers = {**bearer(staff_of(community).id), "Idempotency-Key": "retry-me"}
    url = f"/api/communities/{community.id}/buildings"
    assert client.post(url, json={"name": ""}, headers=headers).status_code == 422
    assert client.post(url, json={"name": ""}, headers=headers).status_code == 422


def test_an_invalid_key_is_400(client):
    community = CommunityFactory()
    headers = {**bearer(staff_of(community).id), "Idempotency-Key": "x" * 300}
    response = client.post(f"/api/communities/{community.id}/buildings", json={"name": "A"}, headers=headers)
    assert response.status_code == 400 and response.json["code"] == "idempotency_key_invalid"


@on_both_databases
def test_simultaneous_retries_create_exactly_one(app, committed):
    community = CommunityFactory()
    manager = staff_of(community)
    current_session().commit()
    headers = {**bearer(manager.id), "Idempotency-Key": "flaky-network"}
    url = f"/api/communities/{community.id}/buildings"

    def post(_):
        return app.test_client().post(url, json={"name": "8号楼"}, headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(16)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    ids = {r.json["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1
    assert _count_buildings(app, community.id) == 1


def test_a_request_that_fails_after_its_use_case_committed_replays_its_answer_instead_of_redoing_it(
        database_url, redis_url, committed):
    community = CommunityFactory()
    manager = staff_of(community)
    current_session().commit()
    app = outage_app(database_url, redis_url, LOG_LEVEL="CRITICAL")

    @app.post("/test/buildings")
    @idempotent
    def build_then_fail():
        db.session.add(Building(community_id=community.id, name="9号楼"))
        db.session.commit()
        raise RuntimeError("something after the commit failed")

    headers = {**bearer(manager.id), "Idempotency-Key": "build-once"}
    first = app.test_client().post("/test/buildings", headers=headers)
    retry = app.test_client().post("/test/buildings", headers=headers)
    assert first.status_code == retry.status_code == 500
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json == first.json
    assert _count_buildings(app, community.id) == 1
