"""Bad input to commerce gets 422 problem+json naming the field, never a 500."""
import pytest

from core.models import utcnow
from tests.commerce.factories import CategoryFactory, CouponFactory, product_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of

BIG = 2**70


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community)
    product = product_of(store)
    other_store, _ = store_serving(community)
    deleted = product_of(store, name="下架的梨")
    deleted.archived_at, deleted.published = utcnow(), False
    coupon = CouponFactory(store=store, code="LIVE")
    current_session().commit()
    return {"c": community.id, "s": store.id, "p": product.id, "v": product.variants[0].id,
            "owner": owner, "resident": resident_of(community), "cat": CategoryFactory().id,
            "admin": UserFactory(platform_role="admin"), "theirs": product_of(other_store).id,
            "deleted": deleted.id, "coupon": coupon.id, "service": product_of(store, name="保洁", kind="service").id}


_PAST_SLOT = {"slots": [{"starts_at": "2020-01-01T10:00:00+08:00", "ends_at": "2020-01-01T12:00:00+08:00",
                         "capacity": 1}]}


CASES = [
    # (who, method, url, body, field)
    ("owner", "POST", "/api/stores", {"name": "x"}, "licence_number"),
    ("owner", "POST", "/api/stores", {"name": "x", "licence_number": "1", "contact_name": "x",
                                      "contact_phone": "call me", "categories": ["x"]}, "contact_phone"),
    ("owner", "PATCH", "/api/stores/{s}", {"fulfilment": "drone"}, "fulfilment"),
    ("owner", "PATCH", "/api/stores/{s}", {"delivery_fee": -1}, "delivery_fee"),
    ("owner", "PATCH", "/api/stores/{s}", {"opening_hours": [{"weekday": 8, "opens_at": "08:00",
                                                              "closes_at": "09:00"}]}, "opening_hours"),
    ("owner", "PATCH", "/api/stores/{s}", {"timezone": "Mars/Olympus"}, "timezone"),
    ("owner", "POST", "/api/stores/{s}/applications", {"community_id": "1"}, "community_id"),
    ("owner", "POST", "/api/stores/{s}/applications", {"community_id": BIG}, "community_id"),
    ("owner", "POST", "/api/stores/{s}/products", {"category_id": "{cat}", "name": "x", "variants": []}, "variants"),
    ("owner", "POST", "/api/stores/{s}/products", {"category_id": "{cat}", "name": "x", "images": ["ftp://x"],
                                                   "variants": [{"sku": "A", "name": "a", "price": 1}]}, "images"),
    ("owner", "POST", "/api/stores/{s}/products", {"category_id": "{cat}", "name": "x", "kind": "rental",
                                                   "variants": [{"sku": "A", "name": "a", "price": 1}]}, "kind"),
    ("owner", "PATCH", "/api/stores/{s}/variants/{v}", {"price": 0}, "price"),
    ("owner", "PATCH", "/api/stores/{s}/variants/{v}", {"price": 1.5}, "price"),
    ("owner", "PATCH", "/api/stores/{s}/variants/{v}", {"stock": BIG}, "stock"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "x", "kind": "fixed", "value": 1}, "code"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "bogo", "value": 1}, "kind"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "percent", "value": 101}, "value"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "fixed", "value": 1,
                                                  "starts_at": "2030-01-02T00:00:00Z",
                                                  "ends_at": "2030-01-01T00:00:00Z"}, "ends_at"),
    # An end that has already passed: the coupon could never be used.
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "fixed", "value": 1,
                                                  "ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
    ("owner", "PATCH", "/api/stores/{s}/coupons/{coupon}", {"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
    # Restricted to what the store cannot sell: another store's product, a deleted one, no product at all.
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "fixed", "value": 1,
                                                  "product_ids": ["{theirs}"]}, "product_ids"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "fixed", "value": 1,
                                                  "product_ids": ["{p}", "{deleted}"]}, "product_ids"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "fixed", "value": 1,
                                                  "product_ids": [BIG // 2**10]}, "product_ids"),
    ("owner", "POST", "/api/stores/{s}/coupons", {"code": "ABC", "kind": "fixed", "value": 1,
                                                  "category_ids": [BIG // 2**10]}, "category_ids"),
    ("owner", "POST", "/api/stores/{s}/products/{service}/slots", _PAST_SLOT, "slots"),
    ("owner", "POST", "/api/stores/{s}/orders/1/refunds", {"reason": "x"}, "amount"),
    ("owner", "POST", "/api/stores/{s}/orders/1/pickup", {"code": "12"}, "code"),
    ("resident", "PUT", "/api/communities/{c}/stores/{s}/cart/lines", {"variant_id": "{v}", "quantity": -1},
     "quantity"),
    ("resident", "PUT", "/api/communities/{c}/stores/{s}/cart/lines", {"quantity": 1}, "variant_id"),
    ("resident", "PUT", "/api/communities/{c}/stores/{s}/cart/lines", {"variant_id": 999_999, "quantity": 1},
     "variant_id"),
    ("resident", "POST", "/api/communities/{c}/stores/{s}/checkout", {"fulfilment": "teleport"}, "fulfilment"),
    ("resident", "POST", "/api/communities/{c}/stores/{s}/checkout", {"fulfilment": "pickup", "total": 1}, "total"),
    ("resident", "POST", "/api/communities/{c}/orders/1/review", {"rating": 6}, "rating"),
    ("resident", "GET", "/api/communities/{c}/products?min_price=-5", None, "min_price"),
    ("resident", "GET", "/api/communities/{c}/products?sort=random", None, "sort"),
    ("resident", "GET", "/api/communities/{c}/products?q=" + "x" * 101, None, "q"),
    ("resident", "GET", "/api/communities/{c}/products?category_id=abc", None, "category_id"),
    ("resident", "GET", "/api/communities/{c}/products?page=101&page_size=100", None, "page"),
    ("resident", "POST", "/api/communities/{c}/orders/1/returns", {"kind": "swap", "reason": "damaged",
                                                                  "lines": [{"line_id": 1, "quantity": 1}]}, "kind"),
    ("resident", "POST", "/api/communities/{c}/orders/1/returns", {"kind": "refund_only", "reason": "bored",
                                                                  "lines": [{"line_id": 1, "quantity": 1}]}, "reason"),
    ("resident", "POST", "/api/communities/{c}/orders/1/returns", {"kind": "refund_only", "reason": "damaged",
                                                                  "lines": []}, "lines"),
    ("resident", "POST", "/api/communities/{c}/orders/1/returns", {"kind": "refund_only", "reason": "damaged",
                                                                  "photos": ["file:///etc/passwd"],
                                                                  "lines": [{"line_id": 1, "quantity": 1}]}, "photos"),
    ("resident", "POST", "/api/communities/{c}/orders/1/returns", {"kind": "refund_only", "reason": "damaged",
                                                                  "lines": [{"line_id": 1, "quantity": 0}]}, "lines"),
    ("resident", "GET", "/api/communities/{c}/returns?status=lost", None, "status"),
    ("owner", "GET", "/api/stores/{s}/returns?status=lost", None, "status"),
    ("owner", "POST", "/api/stores/{s}/returns/1/reject", {"reason": ""}, "reason"),
    ("owner", "POST", "/api/stores/{s}/returns/1/approve", {"restock": "perhaps"}, "restock"),
    ("owner", "GET", "/api/stores/{s}/products?archived=maybe", None, "archived"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"name": ""}, "name"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"slug": "Not A Slug"}, "slug"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"position": -1}, "position"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"parent_id": "{cat}"}, "parent_id"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"parent_id": BIG}, "parent_id"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"name_en": "x" * 61}, "name_en"),
    ("admin", "PATCH", "/api/commerce/categories/{cat}", {"slug": None}, "slug"),
    ("admin", "POST", "/api/commerce/categories", {"slug": "new", "name": "新", "name_en": "New", "parent_id": BIG},
     "parent_id"),
]


def _fill(value, ids):
    if isinstance(value, str) and "{" in value:
        filled = value.format(**ids)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("who, method, url, body, field", CASES, ids=[f"{m} {u} {f}" for _, m, u, _, f in CASES])
def test_bad_input_is_422_problem_json_naming_the_field(client, world, who, method, url, body, field):
    ids = {k: v for k, v in world.items() if isinstance(v, int)}
    response = client.open(_fill(url, ids), method=method, json=_fill(body, ids), headers=bearer(world[who].id))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert field in str(response.json.get("errors", {})), response.json


def test_a_body_that_is_not_json_is_a_problem_too(client, world):
    response = client.post(f"/api/communities/{world['c']}/stores/{world['s']}/checkout", data="{",
                           content_type="application/json", headers=bearer(world["resident"].id))
    assert response.status_code in (400, 422) and response.content_type == "application/problem+json"
