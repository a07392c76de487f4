"""The cached actor: loaded once, and stale never, whatever changes a user's roles or account."""
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import create_app
from community.models import Community, StaffMember, StaffRole
from core.auth import issue_access_token
from core.db import db
from identity.models import User
from tests.community.bookings.factories import AmenityFactory
from tests.conftest import SECRET, bearer
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
)


def _staff_list(client, user, community_id):
    return client.get(f"/api/communities/{community_id}/staff", headers=bearer(user.id))


def test_the_actor_is_cached(client, connection):
    """What makes the tests below mean something: behind the session's back (raw SQL, no events),
    a change is not seen, so only the invalidation can be what makes them pass."""
    manager = StaffFactory()
    assert _staff_list(client, manager.user, manager.community_id).status_code == 200
    connection.execute(text("DELETE FROM staff_members WHERE id = :id"), {"id": manager.id})
    assert _staff_list(client, manager.user, manager.community_id).status_code == 200


def test_a_removed_manager_loses_the_role_at_once(client):
    admin = UserFactory(platform_role="admin")
    manager = StaffFactory()
    assert _staff_list(client, manager.user, manager.community_id).status_code == 200
    removed = client.delete(f"/api/communities/{manager.community_id}/staff/{manager.id}", headers=bearer(admin.id))
    assert removed.status_code == 204
    assert _staff_list(client, manager.user, manager.community_id).status_code == 404


def test_an_appointed_manager_has_the_role_at_once(client):
    admin = UserFactory(platform_role="admin")
    community = CommunityFactory()
    user = UserFactory()
    assert _staff_list(client, user, community.id).status_code == 404
    appointed = client.post(f"/api/communities/{community.id}/staff", headers=bearer(admin.id),
                            json={"login": user.email, "role": "manager"})
    assert appointed.status_code == 201
    assert _staff_list(client, user, community.id).status_code == 200


def test_an_approved_claim_makes_a_member_and_an_ended_one_unmakes_it(client):
    community = CommunityFactory()
    manager = StaffFactory(community=community)
    unit = UnitFactory(building=BuildingFactory(community=community))
    resident = UserFactory()
    amenities = f"/api/communities/{manager.community_id}/amenities"
    assert client.get(amenities, headers=bearer(resident.id)).status_code == 404
    claim = client.post(f"/api/communities/{manager.community_id}/residencies", headers=bearer(resident.id),
                        json={"unit_id": unit.id, "relation": "owner"}).json
    assert client.get(amenities, headers=bearer(resident.id)).status_code == 404  # pending: not yet
    approved = client.post(f"/api/communities/{manager.community_id}/residencies/{claim['id']}/approve",
                           headers=bearer(manager.user.id))
    assert approved.status_code == 200
    assert client.get(amenities, headers=bearer(resident.id)).status_code == 200
    ended = client.post(f"/api/communities/{manager.community_id}/residencies/{claim['id']}/end",
                        headers=bearer(manager.user.id), json={})
    assert ended.status_code == 200
    assert client.get(amenities, headers=bearer(resident.id)).status_code == 404


def test_roles_changed_by_any_session_are_seen_at_once(client, connection):
    """Factories, jobs, the CLI: every session's commits invalidate, not only the services'."""
    user = UserFactory()
    community = CommunityFactory()
    assert _staff_list(client, user, community.id).status_code == 404
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    member = StaffMember(community_id=community.id, user_id=user.id, role=StaffRole.MANAGER)
    session.add(member)
    session.commit()
    assert _staff_list(client, user, community.id).status_code == 200
    session.get(User, user.id).platform_role = "admin"
    session.delete(member)
    session.commit()
    assert _staff_list(client, user, community.id).status_code == 200  # the platform sees every community
    session.get(User, user.id).platform_role = None
    session.commit()
    assert _staff_list(client, user, community.id).status_code == 404


def test_a_deactivated_account_stops_working_at_once(client, connection):
    resident = ResidencyFactory()
    assert client.get("/api/me", headers=bearer(resident.user_id)).status_code == 200
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    session.get(User, resident.user_id).is_active = False
    session.commit()
    assert client.get("/api/me", headers=bearer(resident.user_id)).status_code == 401


def test_a_deleted_community_takes_its_memberships_along(client, connection):
    """ON DELETE CASCADE ends the memberships where no session sees them: the community's
    deletion bumps every actor."""
    manager = StaffFactory()
    assert _staff_list(client, manager.user, manager.community_id).status_code == 200
    other = CommunityFactory()
    StaffFactory(user=manager.user, community=other)
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    session.delete(session.get(Community, manager.community_id))
    session.commit()
    assert client.get(f"/api/communities/{other.id}/staff", headers=bearer(manager.user_id)).status_code == 200
    me = client.get("/api/me", headers=bearer(manager.user_id)).json
    assert [m["community_id"] for m in me["memberships"]] == [other.id]


def test_a_logged_out_login_stops_at_once_though_its_actor_is_cached(client):
    user = UserFactory()
    tokens = client.post("/api/auth/token", json={"login": user.email, "password": PASSWORD}).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.get("/api/me", headers=headers).status_code == 200  # from the cache
    assert client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_with_redis_down_every_read_comes_from_the_database(database_url, connection):
    """Actors and cached reads alike: Redis failing costs speed, never an answer."""
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0", "LOG_LEVEL": "ERROR",
                      "SECRET_KEY": SECRET})
    with app.app_context():  # sees the test's rows, as the fixtures' app does
        db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    community = CommunityFactory()
    manager = StaffFactory(community=community)
    unit = UnitFactory(building=BuildingFactory(community=community))
    resident = ResidencyFactory(unit=unit).user
    amenity = AmenityFactory(community=community)
    client = app.test_client()
    assert _staff_list(client, manager.user, manager.community_id).status_code == 200
    assert client.get("/api/me", headers=bearer(manager.user_id)).json["memberships"][0]["role"] == "manager"
    base = f"/api/communities/{community.id}"
    for path in (f"{base}/buildings/{unit.building_id}/units", f"{base}/residencies", f"{base}/products",
                 f"{base}/amenities/{amenity.id}/availability"):
        response = client.get(path, headers=bearer(resident.id))
        assert response.status_code == 200 and response.headers["ETag"], path
        again = client.get(path, headers={**bearer(resident.id), "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, path


def test_a_remembered_token_still_expires(client):
    """Verified tokens are remembered per process; their expiry is checked on every request."""
    user = UserFactory()
    headers = {"Authorization": f"Bearer {issue_access_token(user.id, ttl_seconds=1, secret=SECRET)}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    time.sleep(1.1)
    expired = client.get("/api/me", headers=headers)
    assert expired.status_code == 401 and expired.json["code"] == "unauthenticated"


def test_a_token_signed_with_another_secret_is_refused_though_a_valid_one_is_remembered(client):
    user = UserFactory()
    good = issue_access_token(user.id, ttl_seconds=600, secret=SECRET)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    forged = issue_access_token(user.id, ttl_seconds=600, secret="another-secret-that-is-long-enough-too")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
