"""`/api/me`, the unit directory and the residency lists: cached, conditional, never stale, never shared."""
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from community.models import Building, Community, Unit
from identity.models import User
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
    resident_of,
    staff_of,
)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def session(connection):
    """A session of its own, as a job or another request would change rows."""
    return Session(bind=connection, join_transaction_mode="create_savepoint")


def _units(client, user, building, **headers):
    return client.get(f"/api/communities/{building.community_id}/buildings/{building.id}/units",
                      headers={**bearer(user.id), **headers})


def _numbers(response):
    return [unit["number"] for unit in response.json["items"]]


def test_me_is_cached_so_the_tests_below_test_the_invalidation(client, connection, community):
    resident = resident_of(community)
    assert client.get("/api/me", headers=bearer(resident.id)).json["display_name"] == resident.display_name
    connection.execute(text("UPDATE users SET display_name = 'behind its back' WHERE id = :id"), {"id": resident.id})
    assert client.get("/api/me", headers=bearer(resident.id)).json["display_name"] == resident.display_name


def test_me_shows_a_changed_account_community_and_unit_at_once(client, session, community):
    resident = resident_of(community)
    me = client.get("/api/me", headers=bearer(resident.id)).json
    unit_id = me["residencies"][0]["unit"]["id"]
    session.get(User, resident.id).display_name = "新名字"
    session.commit()
    assert client.get("/api/me", headers=bearer(resident.id)).json["display_name"] == "新名字"
    session.get(Community, community.id).name = "新社区"
    session.commit()
    assert client.get("/api/me", headers=bearer(resident.id)).json["memberships"][0]["community_name"] == "新社区"
    session.get(Unit, unit_id).number = "9999"
    session.commit()
    assert client.get("/api/me", headers=bearer(resident.id)).json["residencies"][0]["unit"]["number"] == "9999"


def test_me_shows_a_new_claim_and_its_decision_at_once(client, community):
    manager = staff_of(community)
    unit = UnitFactory(building=BuildingFactory(community=community))
    resident = resident_of(community)
    assert len(client.get("/api/me", headers=bearer(resident.id)).json["residencies"]) == 1
    claim = client.post(f"/api/communities/{community.id}/residencies", headers=bearer(resident.id),
                        json={"unit_id": unit.id, "relation": "tenant"}).json
    residencies = client.get("/api/me", headers=bearer(resident.id)).json["residencies"]
    assert [r["status"] for r in residencies if r["id"] == claim["id"]] == ["pending"]
    client.post(f"/api/communities/{community.id}/residencies/{claim['id']}/reject", headers=bearer(manager.id),
                json={"reason": "不是这里的住户"})
    residencies = client.get("/api/me", headers=bearer(resident.id)).json["residencies"]
    assert [r["status"] for r in residencies if r["id"] == claim["id"]] == ["rejected"]


def test_each_user_gets_their_own_me(client, community):
    first, second = resident_of(community), resident_of(community)
    assert client.get("/api/me", headers=bearer(first.id)).json["id"] == first.id
    assert client.get("/api/me", headers=bearer(second.id)).json["id"] == second.id


def test_reads_carry_an_etag_and_answer_304_to_a_client_that_has_them(client, community):
    resident = resident_of(community)
    building = BuildingFactory(community=community)
    UnitFactory(building=building, number="101")
    for path in ("/api/me", f"/api/communities/{community.id}/buildings/{building.id}/units",
                 f"/api/communities/{community.id}/residencies"):
        first = client.get(path, headers=bearer(resident.id))
        assert first.status_code == 200 and first.headers["ETag"].startswith('"')
        assert first.headers["Cache-Control"] == "private, no-cache"
        assert "Authorization" in first.headers["Vary"] and "Accept-Language" in first.headers["Vary"]
        again = client.get(path, headers={**bearer(resident.id), "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == first.headers["ETag"]
        stale = client.get(path, headers={**bearer(resident.id), "If-None-Match": '"something-older"'})
        assert stale.status_code == 200 and stale.get_data() == first.get_data()


def test_the_etag_names_the_language_of_the_representation(client, community):
    resident = resident_of(community)
    building = BuildingFactory(community=community)
    chinese = _units(client, resident, building, **{"Accept-Language": "zh"})
    english = _units(client, resident, building, **{"Accept-Language": "en"})
    assert chinese.headers["ETag"] != english.headers["ETag"]
    crossed = _units(client, resident, building, **{"Accept-Language": "en", "If-None-Match": chinese.headers["ETag"]})
    assert crossed.status_code == 200


def test_the_directory_shows_a_new_unit_and_a_renamed_building_at_once(client, session, community):
    manager = staff_of(community)
    building = BuildingFactory(community=community)
    UnitFactory(building=building, number="101")
    first = _units(client, manager, building)
    assert _numbers(first) == ["101"]
    added = client.post(f"/api/communities/{community.id}/buildings/{building.id}/units", headers=bearer(manager.id),
                        json={"number": "102", "floor": 1})
    assert added.status_code == 201
    second = _units(client, manager, building, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and _numbers(second) == ["101", "102"]
    session.get(Building, building.id).name = "新楼"
    session.commit()
    assert {u["building_name"] for u in _units(client, manager, building).json["items"]} == {"新楼"}


def test_the_directory_is_keyed_by_community_building_and_page(client, community):
    resident = resident_of(community)
    building, other_building = BuildingFactory(community=community), BuildingFactory(community=community)
    elsewhere = BuildingFactory(community=CommunityFactory())
    for number in ("101", "102", "103"):
        UnitFactory(building=building, number=number)
    UnitFactory(building=other_building, number="201")
    UnitFactory(building=elsewhere, number="301")
    assert _numbers(_units(client, resident, building)) == ["101", "102", "103"]
    assert _numbers(_units(client, resident, other_building)) == ["201"]
    path = f"/api/communities/{community.id}/buildings/{building.id}/units?page=2&page_size=2"
    assert _numbers(client.get(path, headers=bearer(resident.id))) == ["103"]
    # A building of another community, asked for through this one: still no such building.
    wrong = client.get(f"/api/communities/{community.id}/buildings/{elsewhere.id}/units", headers=bearer(resident.id))
    assert wrong.status_code == 404


def test_managers_and_residents_never_get_each_others_residency_list(client, community):
    manager = staff_of(community)
    resident, neighbour = resident_of(community), resident_of(community)
    path = f"/api/communities/{community.id}/residencies"
    assert {r["resident"]["id"] for r in client.get(path, headers=bearer(manager.id)).json["items"]} == {
        resident.id, neighbour.id}
    assert [r["resident"]["id"] for r in client.get(path, headers=bearer(resident.id)).json["items"]] == [resident.id]
    assert [r["resident"]["id"] for r in client.get(path, headers=bearer(neighbour.id)).json["items"]] == [
        neighbour.id]


def test_the_managers_list_shows_new_claims_and_changed_contacts_at_once(client, session, community):
    manager = staff_of(community)
    resident = resident_of(community)
    unit = UnitFactory(building=BuildingFactory(community=community))
    path = f"/api/communities/{community.id}/residencies"
    assert len(client.get(path, headers=bearer(manager.id)).json["items"]) == 1
    newcomer = resident_of(CommunityFactory())
    client.post(path, headers=bearer(newcomer.id), json={"unit_id": unit.id, "relation": "tenant"})
    assert len(client.get(path, headers=bearer(manager.id)).json["items"]) == 2
    session.get(User, resident.id).phone = "+8613912345678"
    session.commit()
    phones = {r["resident"]["phone"] for r in client.get(path, headers=bearer(manager.id)).json["items"]}
    assert "+8613912345678" in phones


def test_a_removed_manager_gets_only_their_own_list_at_once(client, community):
    admin = UserFactory(platform_role="admin")
    manager = StaffFactory(community=community)
    resident_of(community)
    path = f"/api/communities/{community.id}/residencies"
    assert len(client.get(path, headers=bearer(manager.user_id)).json["items"]) == 1
    removed = client.delete(f"/api/communities/{community.id}/staff/{manager.id}", headers=bearer(admin.id))
    assert removed.status_code == 204
    assert client.get(path, headers=bearer(manager.user_id)).json["items"] == []
