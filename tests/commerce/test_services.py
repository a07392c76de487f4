"""Service products (housekeeping, repairs): the store opens time slots, residents book a place in one."""
from datetime import timedelta

import pytest

from commerce.catalog.models import Product, ServiceSlot
from core.models import utcnow
from tests.commerce.factories import CategoryFactory, slot_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of


@pytest.fixture
def world(client):
    community = CommunityFactory()
    store, owner = store_serving(community)
    body = {"category_id": CategoryFactory(name="家政", name_en="Housekeeping").id, "kind": "service",
            "name": "日常保洁", "published": True,
            "variants": [{"sku": "BJ-2H", "name": "2小时", "price": 9900}]}
    product = client.post(f"/api/stores/{store.id}/products", json=body, headers=bearer(owner.id)).json
    return community, store, owner, product


def _at(hours):
    return (utcnow() + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def test_staff_open_slots_and_residents_book_a_place_in_one(client, world):
    community, store, owner, product = world
    starts = _at(30)
    opened = client.post(f"/api/stores/{store.id}/products/{product['id']}/slots", headers=bearer(owner.id),
                         json={"slots": [{"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2))
                                          .isoformat(), "capacity": 1},
                                         {"starts_at": _at(54).isoformat(), "ends_at": _at(56).isoformat(),
                                          "capacity": 2}]})
    assert opened.status_code == 201, opened.json
    resident = resident_of(community)
    listed = client.get(f"/api/communities/{community.id}/products/{product['id']}/slots",
                        headers=bearer(resident.id)).json
    assert [s["remaining"] for s in listed["items"]] == [1, 2]
    slot_id = listed["items"][0]["id"]
    base = f"/api/communities/{community.id}/stores/{store.id}"
    variant_id = product["variants"][0]["id"]
    missing = client.put(f"{base}/cart/lines", json={"variant_id": variant_id, "quantity": 1},
                         headers=bearer(resident.id))
    assert missing.status_code == 422 and missing.json["code"] == "slot_required"
    client.put(f"{base}/cart/lines", json={"variant_id": variant_id, "quantity": 1, "slot_id": slot_id},
               headers=bearer(resident.id))
    order = client.post(f"{base}/checkout", json={"fulfilment": "delivery"}, headers=bearer(resident.id))
    assert order.status_code == 201, order.json
    assert order.json["lines"][0]["slot_starts_at"] is not None
    after = client.get(f"/api/communities/{community.id}/products/{product['id']}/slots",
                       headers=bearer(resident.id)).json
    assert [s["id"] for s in after["items"]] == [listed["items"][1]["id"]]  # the full slot is no longer offered

    other = resident_of(community)
    client.put(f"{base}/cart/lines", json={"variant_id": variant_id, "quantity": 1, "slot_id": slot_id},
               headers=bearer(other.id))
    full = client.post(f"{base}/checkout", json={"fulfilment": "delivery"}, headers=bearer(other.id))
    assert full.status_code == 409 and full.json["code"] == "slot_full"


def test_a_booked_slot_keeps_its_bookings(client, world):
    _community, store, owner, product = world
    slot = slot_of(current_session().get(Product, product["id"]), capacity=3, booked=2)
    url = f"/api/stores/{store.id}/products/{product['id']}/slots/{slot.id}"
    assert client.patch(url, json={"capacity": 1}, headers=bearer(owner.id)).json["code"] == "slot_booked"
    assert client.patch(url, json={"capacity": 5}, headers=bearer(owner.id)).json["capacity"] == 5
    assert client.delete(url, headers=bearer(owner.id)).status_code == 409
    current_session().get(ServiceSlot, slot.id).booked = 0
    current_session().commit()
    assert client.delete(url, headers=bearer(owner.id)).status_code == 204


def test_slots_are_only_for_services_and_never_twice_at_one_time(client, world):
    _community, store, owner, product = world
    starts = _at(10)
    slot = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat(), "capacity": 1}
    url = f"/api/stores/{store.id}/products/{product['id']}/slots"
    assert client.post(url, json={"slots": [slot]}, headers=bearer(owner.id)).status_code == 201
    assert client.post(url, json={"slots": [slot]}, headers=bearer(owner.id)).json["code"] == "slot_taken"
    goods = client.post(f"/api/stores/{store.id}/products", headers=bearer(owner.id), json={
        "category_id": CategoryFactory().id, "name": "拖把", "variants": [{"sku": "TB", "name": "1", "price": 100}]})
    response = client.post(f"/api/stores/{store.id}/products/{goods.json['id']}/slots", json={"slots": [slot]},
                           headers=bearer(owner.id))
    assert response.status_code == 409 and response.json["code"] == "not_a_service"


def test_the_slots_of_a_deleted_service_are_neither_opened_changed_nor_removed(client, world):
    community, store, owner, product = world
    slot = slot_of(current_session().get(Product, product["id"]), capacity=2)
    url = f"/api/stores/{store.id}/products/{product['id']}"
    assert client.delete(url, headers=bearer(owner.id)).status_code == 204

    new = {"starts_at": _at(80).isoformat(), "ends_at": _at(82).isoformat(), "capacity": 1}
    for method, path, body in (("POST", f"{url}/slots", {"slots": [new]}),
                               ("PATCH", f"{url}/slots/{slot.id}", {"capacity": 5}),
                               ("DELETE", f"{url}/slots/{slot.id}", None)):
        refused = client.open(path, method=method, json=body, headers=bearer(owner.id))
        assert refused.status_code == 409 and refused.json["code"] == "product_archived", (method, path)
    assert current_session().get(ServiceSlot, slot.id).capacity == 2
    listed = client.get(f"/api/communities/{community.id}/products/{product['id']}/slots",
                        headers=bearer(resident_of(community).id))
    assert listed.status_code == 404
