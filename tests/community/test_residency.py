"""Communities, places, staff appointments and residency claims, through the API."""
import pytest

from community.models import StaffRole
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    UserFactory,
    resident_of,
    staff_of,
)


@pytest.fixture
def admin():
    return UserFactory(platform_role="admin")


def test_platform_admin_opens_a_community_and_appoints_its_manager(client, admin):
    created = client.post("/api/communities", headers=bearer(admin.id), json={
        "slug": "garden", "name": "花园小区", "address": "杭州市西湖区 9 号", "latitude": 30.25, "longitude": 120.16,
    })
    assert created.status_code == 201
    assert created.json["timezone"] == "Asia/Shanghai"
    community_id = created.json["id"]

    future_manager = UserFactory()
    appointed = client.post(f"/api/communities/{community_id}/staff", headers=bearer(admin.id),
                            json={"login": future_manager.email, "role": "manager"})
    assert appointed.status_code == 201 and appointed.json["role"] == "manager"

    me = client.get("/api/me", headers=bearer(future_manager.id)).json
    assert me["memberships"] == [{"community_id": community_id, "community_slug": "garden",
                                  "community_name": "花园小区", "role": "manager"}]


def test_slug_must_be_unique_and_well_formed(client, admin):
    CommunityFactory(slug="taken")
    body = {"slug": "taken", "name": "x", "address": "y"}
    assert client.post("/api/communities", headers=bearer(admin.id), json=body).status_code == 409
    body["slug"] = "Bad Slug!"
    response = client.post("/api/communities", headers=bearer(admin.id), json=body)
    assert response.status_code == 422 and "slug" in response.json["errors"]
    body.update(slug="fine", timezone="Nowhere/City")
    response = client.post("/api/communities", headers=bearer(admin.id), json=body)
    assert response.status_code == 422 and "timezone" in response.json["errors"]


def test_only_the_platform_opens_communities(client):
    manager = staff_of(CommunityFactory())
    response = client.post("/api/communities", headers=bearer(manager.id),
                           json={"slug": "mine", "name": "x", "address": "y"})
    assert response.status_code == 403


def test_manager_builds_places_and_appoints_guards_but_not_managers(client):
    community = CommunityFactory()
    manager = staff_of(community)
    headers = bearer(manager.id)
    building = client.post(f"/api/communities/{community.id}/buildings", headers=headers, json={"name": "A座"})
    assert building.status_code == 201
    unit = client.post(f"/api/communities/{community.id}/buildings/{building.json['id']}/units", headers=headers,
                       json={"number": "1502", "floor": 15})
    assert unit.status_code == 201 and unit.json["building_name"] == "A座"
    duplicate = client.post(f"/api/communities/{community.id}/buildings/{building.json['id']}/units",
                            headers=headers, json={"number": "1502"})
    assert duplicate.status_code == 409

    guard = UserFactory()
    assert client.post(f"/api/communities/{community.id}/staff", headers=headers,
                       json={"login": guard.phone, "role": "guard"}).status_code == 201
    other = UserFactory()
    refused = client.post(f"/api/communities/{community.id}/staff", headers=headers,
                          json={"login": other.email, "role": "manager"})
    assert refused.status_code == 403
    unknown = client.post(f"/api/communities/{community.id}/staff", headers=headers,
                          json={"login": "ghost@example.cn", "role": "guard"})
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_user"

    staff = client.get(f"/api/communities/{community.id}/staff", headers=headers).json
    assert {s["role"] for s in staff["items"]} == {"manager", "guard"}


def test_a_resident_claims_a_unit_and_the_manager_approves(client):
    community = CommunityFactory()
    manager = staff_of(community)
    unit = UnitFactory(building=BuildingFactory(community=community))
    newcomer = UserFactory()

    directory = client.get(f"/api/communities/{community.id}/buildings/{unit.building_id}/units",
                           headers=bearer(newcomer.id))
    assert directory.status_code == 200 and directory.json["total"] == 1
    assert "resident" not in str(directory.json)

    claim = client.post(f"/api/communities/{community.id}/residencies", headers=bearer(newcomer.id),
                        json={"unit_id": unit.id, "relation": "tenant", "note": "租客, 合同到 2027 年"})
    assert claim.status_code == 201 and claim.json["status"] == "pending"
    again = client.post(f"/api/communities/{community.id}/residencies", headers=bearer(newcomer.id),
                        json={"unit_id": unit.id, "relation": "tenant"})
    assert again.status_code == 409

    # Pending is not membership yet.
    assert client.get("/api/me", headers=bearer(newcomer.id)).json["memberships"] == []

    queue = client.get(f"/api/communities/{community.id}/residencies?status=pending", headers=bearer(manager.id))
    assert [r["id"] for r in queue.json["items"]] == [claim.json["id"]]
    assert queue.json["items"][0]["resident"]["phone"] == newcomer.phone  # the manager may see it

    approved = client.post(f"/api/communities/{community.id}/residencies/{claim.json['id']}/approve",
                           headers=bearer(manager.id))
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    me = client.get("/api/me", headers=bearer(newcomer.id)).json
    assert me["memberships"][0]["role"] == "resident"
    assert client.post(f"/api/communities/{community.id}/residencies/{claim.json['id']}/approve",
                       headers=bearer(manager.id)).status_code == 409

    ended = client.post(f"/api/communities/{community.id}/residencies/{claim.json['id']}/end",
                        headers=bearer(newcomer.id), json={"reason": "搬走了"})
    assert ended.status_code == 200 and ended.json["status"] == "ended"
    assert client.get("/api/me", headers=bearer(newcomer.id)).json["memberships"] == []


def test_manager_rejects_with_a_reason(client):
    community = CommunityFactory()
    manager = staff_of(community)
    residency = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community)), status="pending")
    no_reason = client.post(f"/api/communities/{community.id}/residencies/{residency.id}/reject",
                            headers=bearer(manager.id), json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    rejected = client.post(f"/api/communities/{community.id}/residencies/{residency.id}/reject",
                           headers=bearer(manager.id), json={"reason": "房产证信息不符"})
    assert rejected.status_code == 200 and rejected.json["reason"] == "房产证信息不符"


def test_a_resident_cannot_approve_claims_or_see_other_residents(client):
    community = CommunityFactory()
    resident = resident_of(community)
    neighbour_claim = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community)),
                                       status="pending")
    listing = client.get(f"/api/communities/{community.id}/residencies", headers=bearer(resident.id)).json
    assert [r["resident"]["id"] for r in listing["items"]] == [resident.id]
    assert client.get(f"/api/communities/{community.id}/residencies/{neighbour_claim.id}",
                      headers=bearer(resident.id)).status_code == 404
    assert client.post(f"/api/communities/{community.id}/residencies/{neighbour_claim.id}/approve",
                       headers=bearer(resident.id)).status_code == 404
    assert client.get(f"/api/communities/{community.id}/staff", headers=bearer(resident.id)).status_code == 403


def test_pending_claims_are_capped(client):
    community = CommunityFactory()
    building = BuildingFactory(community=community)
    user = UserFactory()
    for _ in range(5):
        unit = UnitFactory(building=building)
        assert client.post(f"/api/communities/{community.id}/residencies", headers=bearer(user.id),
                           json={"unit_id": unit.id, "relation": "owner"}).status_code == 201
    unit = UnitFactory(building=building)
    response = client.post(f"/api/communities/{community.id}/residencies", headers=bearer(user.id),
                           json={"unit_id": unit.id, "relation": "owner"})
    assert response.status_code == 429 and response.json["code"] == "too_many_pending_claims"


def test_staff_removal(client):
    community = CommunityFactory()
    manager = staff_of(community)
    guard = staff_of(community, StaffRole.GUARD)
    staff = client.get(f"/api/communities/{community.id}/staff", headers=bearer(manager.id)).json["items"]
    guard_row = next(s for s in staff if s["person"]["id"] == guard.id)
    manager_row = next(s for s in staff if s["person"]["id"] == manager.id)
    assert client.delete(f"/api/communities/{community.id}/staff/{manager_row['id']}",
                         headers=bearer(manager.id)).status_code == 403
    assert client.delete(f"/api/communities/{community.id}/staff/{guard_row['id']}",
                         headers=bearer(manager.id)).status_code == 204
    assert client.get("/api/me", headers=bearer(guard.id)).json["memberships"] == []


def test_lists_are_paginated_consistently(client):
    community = CommunityFactory()
    building = BuildingFactory(community=community)
    for _ in range(7):
        UnitFactory(building=building)
    user = UserFactory()
    url = f"/api/communities/{community.id}/buildings/{building.id}/units"
    page = client.get(f"{url}?page=2&page_size=3", headers=bearer(user.id)).json
    assert (page["page"], page["page_size"], page["total"], len(page["items"])) == (2, 3, 7, 3)
    last = client.get(f"{url}?page=3&page_size=3", headers=bearer(user.id)).json
    assert len(last["items"]) == 1
    for bad in ("page=0", "page_size=101", "page=abc"):
        response = client.get(f"{url}?{bad}", headers=bearer(user.id))
        assert response.status_code == 422, bad
