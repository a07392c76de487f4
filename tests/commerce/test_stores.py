"""Merchants open stores, apply to communities, managers decide; staff roles; suspension hides at once."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from commerce.stores.models import Store, StoreHours, StoreStaff
from community.notifications.models import Notification
from tests.commerce.factories import CategoryFactory, product_of, staff_of_store, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of, staff_of

STORE = {
    "name": "阿强水果店", "licence_number": "91310115MA1K3Y5X2B", "contact_name": "陈强",
    "contact_phone": "+8613912345678", "categories": ["fresh"], "fulfilment": "both",
    "delivery_fee": 500, "min_order": 2000,
    "opening_hours": [{"weekday": d, "opens_at": "08:00", "closes_at": "21:00"} for d in range(1, 8)],
}


@pytest.fixture
def community(connection):
    CategoryFactory(slug="fresh", name="生鲜", name_en="Fresh")
    return CommunityFactory()


def test_a_merchant_opens_a_store_applies_and_a_manager_approves_it(client, community, run_jobs):
    merchant, manager, resident = UserFactory(), staff_of(community), resident_of(community)
    created = client.post("/api/stores", json=STORE, headers=bearer(merchant.id))
    assert created.status_code == 201, created.json
    store = created.json
    assert store["status"] == "active" and store["delivery_fee"] == 500
    assert store["opening_hours"][0] == {"weekday": 1, "opens_at": "08:00", "closes_at": "21:00"}
    assert client.get(f"/api/communities/{community.id}/stores", headers=bearer(resident.id)).json["total"] == 0

    applied = client.post(f"/api/stores/{store['id']}/applications", json={"community_id": community.id,
                                                                           "message": "新鲜水果 送货上门"},
                          headers=bearer(merchant.id))
    assert applied.status_code == 201 and applied.json["status"] == "pending"
    again = client.post(f"/api/stores/{store['id']}/applications", json={"community_id": community.id},
                        headers=bearer(merchant.id))
    assert again.status_code == 409 and again.json["code"] == "store_already_applied"

    listed = client.get(f"/api/communities/{community.id}/store-applications?status=pending",
                        headers=bearer(manager.id)).json
    assert listed["items"][0]["store"]["licence_number"] == STORE["licence_number"]
    approved = client.post(f"/api/communities/{community.id}/store-applications/{applied.json['id']}/approve",
                           headers=bearer(manager.id))
    assert approved.status_code == 200 and approved.json["status"] == "approved"

    stores = client.get(f"/api/communities/{community.id}/stores", headers=bearer(resident.id)).json
    assert [s["name"] for s in stores["items"]] == ["阿强水果店"]
    assert "licence_number" not in stores["items"][0] and "contact_phone" not in stores["items"][0]
    run_jobs()
    kinds = set(current_session().scalars(select(Notification.kind)))
    assert {"store.application_received", "store.application_approved"} <= kinds


def test_a_rejection_carries_its_reason_and_the_store_may_apply_again(client, community):
    store, owner = store_serving()
    manager = staff_of(community)
    application = client.post(f"/api/stores/{store.id}/applications", json={"community_id": community.id},
                              headers=bearer(owner.id)).json
    rejected = client.post(f"/api/communities/{community.id}/store-applications/{application['id']}/reject",
                           json={"reason": "营业执照不清晰"}, headers=bearer(manager.id))
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "营业执照不清晰"
    twice = client.post(f"/api/communities/{community.id}/store-applications/{application['id']}/approve",
                        headers=bearer(manager.id))
    assert twice.status_code == 409 and twice.json["code"] == "application_not_pending"
    assert client.post(f"/api/stores/{store.id}/applications", json={"community_id": community.id},
                       headers=bearer(owner.id)).status_code == 201


def test_a_merchant_serves_several_communities(client, community):
    other = CommunityFactory()
    store, _owner = store_serving(community, other)
    for c in (community, other):
        stores = client.get(f"/api/communities/{c.id}/stores", headers=bearer(resident_of(c).id)).json
        assert [s["id"] for s in stores["items"]] == [store.id]


def test_a_suspended_store_disappears_from_residents_at_once_and_comes_back_when_reinstated(client, community):
    store, _owner = store_serving(community)
    product = product_of(store, name="有机菠菜")
    resident, manager = resident_of(community), staff_of(community)
    headers = bearer(resident.id)
    base = f"/api/communities/{community.id}"
    application_id = client.get(f"{base}/store-applications", headers=bearer(manager.id)).json["items"][0]["id"]

    suspended = client.post(f"{base}/store-applications/{application_id}/suspend", json={"reason": "食品安全投诉"},
                            headers=bearer(manager.id))
    assert suspended.status_code == 200 and suspended.json["status"] == "suspended"
    assert client.get(f"{base}/stores", headers=headers).json["total"] == 0
    assert client.get(f"{base}/stores/{store.id}", headers=headers).status_code == 404
    assert client.get(f"{base}/products", headers=headers).json["total"] == 0
    assert client.get(f"{base}/products?q=菠菜", headers=headers).json["total"] == 0
    assert client.get(f"{base}/products/{product.id}", headers=headers).status_code == 404

    client.post(f"{base}/store-applications/{application_id}/reinstate", headers=bearer(manager.id))
    assert client.get(f"{base}/products/{product.id}", headers=headers).status_code == 200


def test_the_platform_suspends_a_store_everywhere(client, community):
    other = CommunityFactory()
    store, _owner = store_serving(community, other)
    admin = UserFactory(platform_role="admin")
    response = client.post(f"/api/stores/{store.id}/suspend", json={"reason": "证照过期"}, headers=bearer(admin.id))
    assert response.status_code == 200 and response.json["status"] == "suspended"
    for c in (community, other):
        assert client.get(f"/api/communities/{c.id}/stores", headers=bearer(resident_of(c).id)).json["total"] == 0
    assert client.post(f"/api/stores/{store.id}/reinstate", headers=bearer(admin.id)).json["status"] == "active"


def test_staff_operate_the_store_but_only_owners_run_it(client, community):
    store, owner = store_serving(community)
    clerk = staff_of_store(store)
    category = CategoryFactory()
    product = {"category_id": category.id, "name": "酱油", "variants": [{"sku": "JY-1", "name": "500ml", "price": 990}]}
    assert client.post(f"/api/stores/{store.id}/products", json=product, headers=bearer(clerk.id)).status_code == 201
    assert client.patch(f"/api/stores/{store.id}", json={"delivery_fee": 0},
                        headers=bearer(clerk.id)).status_code == 403
    assert client.get(f"/api/stores/{store.id}/settlement", headers=bearer(clerk.id)).status_code == 403
    added = client.post(f"/api/stores/{store.id}/staff", json={"login": UserFactory().email, "role": "staff"},
                        headers=bearer(clerk.id))
    assert added.status_code == 403
    updated = client.patch(f"/api/stores/{store.id}", json={"delivery_fee": 0, "fulfilment": "pickup"},
                           headers=bearer(owner.id))
    assert updated.status_code == 200 and updated.json["fulfilment"] == "pickup"


def test_the_last_owner_cannot_be_removed(client, community):
    store, owner = store_serving(community)
    own_row = current_session().scalar(select(StoreStaff).where(StoreStaff.user_id == owner.id))
    response = client.delete(f"/api/stores/{store.id}/staff/{own_row.id}", headers=bearer(owner.id))
    assert response.status_code == 409 and response.json["code"] == "last_owner"
    partner = UserFactory()
    added = client.post(f"/api/stores/{store.id}/staff", json={"login": partner.email, "role": "owner"},
                        headers=bearer(owner.id))
    assert added.status_code == 201
    assert client.delete(f"/api/stores/{store.id}/staff/{own_row.id}", headers=bearer(partner.id)).status_code == 204


def test_a_store_is_open_within_its_hours_in_its_own_zone():
    store = Store(timezone="Asia/Shanghai")
    assert store.is_open_at(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # no hours: never closes
    store.opening_hours = [StoreHours(weekday=1, opens_minute=8 * 60, closes_minute=21 * 60)]
    assert store.is_open_at(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Monday 09:00 in Shanghai
    assert not store.is_open_at(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))  # Monday 21:30
    assert not store.is_open_at(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))  # Monday 07:30
    assert not store.is_open_at(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday


def test_a_store_must_name_known_categories(client, community):
    response = client.post("/api/stores", json={**STORE, "categories": ["no-such"]}, headers=bearer(UserFactory().id))
    assert response.status_code == 422 and response.json["code"] == "unknown_category"
