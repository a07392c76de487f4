"""Campaigns through the API: a store owner creates one, each targeted community's manager approves or
rejects it (again after an edit), settings that cannot make sense are 422 naming the field, and nobody
else sees or decides another store's campaigns."""
from __future__ import annotations

import pytest

from tests.commerce.factories import CouponFactory, product_of, staff_of_store, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of, staff_of


@pytest.fixture
def shop(connection):
    community, other = CommunityFactory(), CommunityFactory()
    store, owner = store_serving(community, other)
    return community, other, store, owner


def _body(community_ids, **overrides):
    return {"name": "秋季水果促销", "pricing": "cpc", "bid": 50, "daily_budget": 5_000,
            "targeting": {"community_ids": community_ids}, "frequency_cap": {"impressions": 3, "per": "day"},
            "creative": {"title": "新鲜苹果 8 折"}, **overrides}


def _create(client, store, owner, body):
    return client.post(f"/api/stores/{store.id}/ads/campaigns", json=body, headers=bearer(owner.id))


def test_a_campaign_serves_only_where_a_manager_approved_it_and_an_edit_asks_again(client, shop):
    community, other, store, owner = shop
    created = _create(client, store, owner, _body([community.id, other.id]))
    assert created.status_code == 201, created.json
    campaign = created.json
    assert campaign["status"] == "pending" and campaign["frequency_cap"] == {"impressions": 3, "per": "day"}
    manager, other_manager = staff_of(community), staff_of(other)
    queue = client.get(f"/api/communities/{community.id}/ads/campaigns", headers=bearer(manager.id)).json
    assert [c["id"] for c in queue["items"]] == [campaign["id"]]

    path = f"/api/communities/{community.id}/ads/campaigns/{campaign['id']}"
    assert client.post(f"{path}/approve", json={}, headers=bearer(other_manager.id)).status_code == 403
    assert client.post(f"{path}/approve", json={}, headers=bearer(manager.id)).json["status"] == "approved"
    assert client.post(f"{path}/approve", json={}, headers=bearer(manager.id)).status_code == 409
    rejected = client.post(f"/api/communities/{other.id}/ads/campaigns/{campaign['id']}/reject", json={},
                           headers=bearer(other_manager.id))
    assert rejected.status_code == 422 and "reason" in rejected.json["errors"]  # a rejection says why
    rejected = client.post(f"/api/communities/{other.id}/ads/campaigns/{campaign['id']}/reject",
                           json={"reason": "与社区规定不符"}, headers=bearer(other_manager.id))
    assert rejected.json["status"] == "rejected"
    seen = client.get(f"/api/stores/{store.id}/ads/campaigns/{campaign['id']}", headers=bearer(owner.id)).json
    assert seen["status"] == "approved"
    assert {(r["community_id"], r["status"], r["reason"]) for r in seen["reviews"]} == {
        (community.id, "approved", None), (other.id, "rejected", "与社区规定不符")}

    paused = client.patch(f"/api/stores/{store.id}/ads/campaigns/{campaign['id']}", json={"paused": True},
                          headers=bearer(owner.id)).json
    assert paused["status"] == "paused" and {r["status"] for r in paused["reviews"]} == {"approved", "rejected"}
    edited = client.patch(f"/api/stores/{store.id}/ads/campaigns/{campaign['id']}",
                          json={"paused": False, "creative": {"title": "新鲜苹果 7 折"}}, headers=bearer(owner.id))
    assert edited.status_code == 200, edited.json
    edited = edited.json
    assert {r["status"] for r in edited["reviews"]} == {"pending"}  # reviewed again everywhere


@pytest.mark.parametrize(("overrides", "field"), [
    ({"bid": 6_000}, "bid"),  # above the daily budget
    ({"bid": 5}, "bid"),  # below the reserve
    ({"pricing": "cpm", "bid": 300, "daily_budget": 400}, "daily_budget"),  # cannot buy 1,000 impressions
    ({"starts_at": "2027-01-10T00:00:00+08:00", "ends_at": "2027-01-09T00:00:00+08:00"}, "ends_at"),
    ({"targeting": {"community_ids": [], "radius_m": 500}}, "targeting"),
    ({"targeting": {"radius_m": 50_000}}, "targeting.radius_m"),
    ({"total_budget": 1_000}, "total_budget"),
])
def test_settings_that_cannot_make_sense_are_422_naming_the_field(client, shop, overrides, field):
    community, _other, store, owner = shop
    body = _body([community.id], **overrides)
    if field == "targeting.radius_m":
        body["targeting"] = {"community_ids": [community.id], "radius_m": 50_000}
    response = _create(client, store, owner, body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json


def test_a_campaign_may_target_only_communities_the_store_serves_and_link_only_its_own_things(client, shop):
    community, _other, store, owner = shop
    stranger = CommunityFactory()
    response = _create(client, store, owner, _body([community.id, stranger.id]))
    assert response.status_code == 422 and "targeting.community_ids" in response.json["errors"]
    other_store, _ = store_serving(community)
    theirs, ours = product_of(other_store), product_of(store)
    for link, ok in (({"kind": "product", "id": theirs.id}, False), ({"kind": "product", "id": ours.id}, True),
                     ({"kind": "store", "id": other_store.id}, False), ({"kind": "store", "id": store.id}, True),
                     ({"kind": "coupon", "id": CouponFactory(store=other_store).id}, False)):
        response = _create(client, store, owner, _body([community.id], creative={"title": "t", "link": link}))
        assert (response.status_code == 201) is ok, (link, response.json)
        if not ok:
            assert "creative.link" in response.json["errors"]


def test_nobody_else_sees_or_makes_a_store_s_campaigns(client, shop):
    community, _other, store, owner = shop
    campaign = _create(client, store, owner, _body([community.id])).json
    staff, resident = staff_of_store(store), resident_of(community)
    _another, another_owner = store_serving(community)
    assert client.get(f"/api/stores/{store.id}/ads/campaigns", headers=bearer(staff.id)).json["total"] == 1
    assert _create(client, store, staff, _body([community.id])).status_code == 403  # staff do not buy ads
    for user in (resident, another_owner):
        assert client.get(f"/api/stores/{store.id}/ads/campaigns/{campaign['id']}",
                          headers=bearer(user.id)).status_code == 404
        assert _create(client, store, user, _body([community.id])).status_code == 404
    assert client.get(f"/api/communities/{community.id}/ads/campaigns", headers=bearer(resident.id)).status_code == 403
