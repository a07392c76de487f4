"""Tenant isolation of commerce: people of community A reach nothing of community B (404), a merchant
reaches nothing of another store (404), a resident nothing of another resident (404), and the wrong
role gets 403. Every endpoint of commerce is listed."""
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.groupbuy.models import GroupDeal, GroupJoin, PickupPoint
from commerce.orders.models import ReturnRequest
from commerce.stores.models import StoreCommunity, StoreStaff
from core.models import utcnow
from tests.commerce.factories import (
    CategoryFactory,
    CouponFactory,
    order_of,
    product_of,
    slot_of,
    staff_of_store,
    store_serving,
)
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of, staff_of


@dataclass
class World:
    people: dict
    ids: dict


def _deal(store, community, product, host):
    session = current_session()
    point = PickupPoint(community_id=community.id, name="便利点", location="大堂", host_user_id=host.id,
                        commission_bps=500)
    session.add(point)
    session.flush()
    deal = GroupDeal(store_id=store.id, community_id=community.id, product_id=product.id,
                     variant_id=product.variants[0].id, pickup_point_id=point.id, title="团购", price=100,
                     min_participants=2, cut_off_at=utcnow() + timedelta(days=1))
    session.add(deal)
    session.flush()
    join = GroupJoin(deal_id=deal.id, user_id=host.id, quantity=1, amount=100)
    session.add(join)
    session.commit()
    return point, deal, join


def _return(order):
    session = current_session()
    found = ReturnRequest(order_id=order.id, store_id=order.store_id, community_id=order.community_id,
                          user_id=order.user_id, kind="refund_only", reason="damaged", photos=[],
                          lines=[{"line_id": order.lines[0].id, "quantity": 1}], amount=order.total)
    session.add(found)
    session.commit()
    return found


@pytest.fixture
def world(connection):
    a, b = CommunityFactory(), CommunityFactory()
    category = CategoryFactory()
    store_a, owner_a = store_serving(a)
    store_b, owner_b = store_serving(b)
    clerk_a = staff_of_store(store_a)
    product_a = product_of(store_a, category=category)
    product_b = product_of(store_b, category=category)
    service_b = product_of(store_b, name="保洁", kind="service", category=category)
    slot_b = slot_of(service_b)
    resident_a, neighbour_a, resident_b = resident_of(a), resident_of(a), resident_of(b)
    order_a = order_of(store_a, a, resident_a, product=product_a)
    neighbour_order = order_of(store_a, a, neighbour_a, product=product_a)
    order_b = order_of(store_b, b, resident_b, product=product_b)
    coupon_a, coupon_b = CouponFactory(store=store_a), CouponFactory(store=store_b)
    claimable_a, claimable_b = (CouponFactory(store=store, claimable=True, per_resident_limit=1)
                                for store in (store_a, store_b))
    point_a, deal_a, _join_a = _deal(store_a, a, product_a, neighbour_a)
    return_a, neighbour_return, return_b = (_return(o) for o in (order_a, neighbour_order, order_b))
    point_b, deal_b, join_b = _deal(store_b, b, product_b, resident_b)
    session = current_session()
    app_a = session.scalar(select(StoreCommunity.id).where(StoreCommunity.store_id == store_a.id))
    app_b = session.scalar(select(StoreCommunity.id).where(StoreCommunity.store_id == store_b.id))
    staff_b = session.scalar(select(StoreStaff.id).where(StoreStaff.store_id == store_b.id))
    clerk_row = session.scalar(select(StoreStaff.id).where(StoreStaff.user_id == clerk_a.id))
    people = {"manager_a": staff_of(a), "resident_a": resident_a, "neighbour_a": neighbour_a,
              "owner_a": owner_a, "clerk_a": clerk_a, "owner_b": owner_b, "stranger": UserFactory()}
    ids = {
        "a": a.id, "b": b.id, "store_a": store_a.id, "store_b": store_b.id, "product_a": product_a.id,
        "product_b": product_b.id, "service_b": service_b.id, "slot_b": slot_b.id,
        "variant_a": product_a.variants[0].id, "variant_b": product_b.variants[0].id, "order_a": order_a.id,
        "neighbour_order": neighbour_order.id, "order_b": order_b.id, "coupon_a": coupon_a.id,
        "coupon_b": coupon_b.id, "claimable_a": claimable_a.id, "claimable_b": claimable_b.id,
        "point_a": point_a.id, "point_b": point_b.id, "deal_a": deal_a.id,
        "deal_b": deal_b.id, "join_b": join_b.id, "app_a": app_a, "app_b": app_b, "staff_b": staff_b,
        "clerk_row": clerk_row, "category": category.id, "return_a": return_a.id,
        "neighbour_return": neighbour_return.id, "return_b": return_b.id,
    }
    return World(people, ids)


STORE = {"name": "X", "licence_number": "1", "contact_name": "X", "contact_phone": "13900000000",
         "categories": ["x"]}
PRODUCT = {"category_id": "{category}", "name": "X", "variants": [{"sku": "NEW-1", "name": "X", "price": 100}]}
SLOTS = {"slots": [{"starts_at": "2030-01-01T10:00:00+08:00", "ends_at": "2030-01-01T12:00:00+08:00",
                    "capacity": 1}]}
COUPON = {"code": "NEWONE", "kind": "fixed", "value": 100}
DEAL = {"community_id": "{b}", "variant_id": "{variant_b}", "pickup_point_id": "{point_b}", "title": "X",
        "price": 100, "min_participants": 1, "cut_off_at": "2030-01-01T00:00:00+08:00"}
POINT = {"name": "X", "location": "X", "host_login": "nobody@example.cn", "commission_bps": 100}
RETURN = {"kind": "refund_only", "reason": "damaged", "lines": [{"line_id": 1, "quantity": 1}]}

# B's store, as a merchant of another store sees it: always 404.
STORE_B = [
    ("GET", "/api/stores/{store_b}", None),
    ("PATCH", "/api/stores/{store_b}", {"delivery_fee": 1}),
    ("GET", "/api/stores/{store_b}/staff", None),
    ("POST", "/api/stores/{store_b}/staff", {"login": "x@example.cn", "role": "staff"}),
    ("DELETE", "/api/stores/{store_b}/staff/{staff_b}", None),
    ("GET", "/api/stores/{store_b}/applications", None),
    ("POST", "/api/stores/{store_b}/applications", {"community_id": "{a}"}),
    ("POST", "/api/stores/{store_b}/applications/{app_b}/withdraw", None),
    ("GET", "/api/stores/{store_b}/settlement", None),
    ("GET", "/api/stores/{store_b}/products", None),
    ("GET", "/api/stores/{store_b}/products?archived=true", None),
    ("POST", "/api/stores/{store_b}/products", PRODUCT),
    ("GET", "/api/stores/{store_b}/products/{product_b}", None),
    ("PATCH", "/api/stores/{store_b}/products/{product_b}", {"published": False}),
    ("DELETE", "/api/stores/{store_b}/products/{product_b}", None),
    ("POST", "/api/stores/{store_b}/products/{product_b}/variants", {"sku": "V2", "name": "X", "price": 1}),
    ("PATCH", "/api/stores/{store_b}/variants/{variant_b}", {"stock": 0}),
    ("GET", "/api/stores/{store_b}/products/{service_b}/slots", None),
    ("POST", "/api/stores/{store_b}/products/{service_b}/slots", SLOTS),
    ("PATCH", "/api/stores/{store_b}/products/{service_b}/slots/{slot_b}", {"capacity": 3}),
    ("DELETE", "/api/stores/{store_b}/products/{service_b}/slots/{slot_b}", None),
    ("GET", "/api/stores/{store_b}/orders", None),
    ("GET", "/api/stores/{store_b}/orders/{order_b}", None),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/accept", None),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/ready", None),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/out-for-delivery", None),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/delivered", None),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/pickup", {"code": "123456"}),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/cancel", {"reason": "x"}),
    ("POST", "/api/stores/{store_b}/orders/{order_b}/refunds", {"reason": "x", "amount": 1}),
    ("GET", "/api/stores/{store_b}/coupons", None),
    ("POST", "/api/stores/{store_b}/coupons", COUPON),
    ("PATCH", "/api/stores/{store_b}/coupons/{coupon_b}", {"active": False}),
    ("GET", "/api/stores/{store_b}/group-deals", None),
    ("POST", "/api/stores/{store_b}/group-deals", DEAL),
    ("POST", "/api/stores/{store_b}/group-deals/{deal_b}/cancel", None),
    ("GET", "/api/stores/{store_b}/returns", None),
    ("GET", "/api/stores/{store_b}/returns/{return_b}", None),
    ("POST", "/api/stores/{store_b}/returns/{return_b}/approve", {}),
    ("POST", "/api/stores/{store_b}/returns/{return_b}/reject", {"reason": "x"}),
    # A's store with B's things in the URL.
    ("GET", "/api/stores/{store_a}/products/{product_b}", None),
    ("DELETE", "/api/stores/{store_a}/products/{product_b}", None),
    ("PATCH", "/api/stores/{store_a}/variants/{variant_b}", {"stock": 0}),
    ("PATCH", "/api/stores/{store_a}/products/{service_b}/slots/{slot_b}", {"capacity": 3}),
    ("GET", "/api/stores/{store_a}/orders/{order_b}", None),
    ("POST", "/api/stores/{store_a}/orders/{order_b}/accept", None),
    ("POST", "/api/stores/{store_a}/orders/{order_b}/refunds", {"reason": "x", "amount": 1}),
    ("PATCH", "/api/stores/{store_a}/coupons/{coupon_b}", {"active": False}),
    ("POST", "/api/stores/{store_a}/group-deals/{deal_b}/cancel", None),
    ("GET", "/api/stores/{store_a}/returns/{return_b}", None),
    ("POST", "/api/stores/{store_a}/returns/{return_b}/approve", {}),
    ("POST", "/api/stores/{store_a}/returns/{return_b}/reject", {"reason": "x"}),
    ("DELETE", "/api/stores/{store_a}/staff/{staff_b}", None),
    ("POST", "/api/stores/{store_a}/applications/{app_b}/withdraw", None),
]

# Community B's things, asked for by people of community A: always 404.
COMMUNITY_B = [
    ("GET", "/api/communities/{b}/store-applications", None),
    ("POST", "/api/communities/{b}/store-applications/{app_b}/approve", None),
    ("POST", "/api/communities/{b}/store-applications/{app_b}/reject", {"reason": "x"}),
    ("POST", "/api/communities/{b}/store-applications/{app_b}/suspend", {"reason": "x"}),
    ("POST", "/api/communities/{b}/store-applications/{app_b}/reinstate", None),
    ("GET", "/api/communities/{b}/stores", None),
    ("GET", "/api/communities/{b}/stores/{store_b}", None),
    ("GET", "/api/communities/{b}/products", None),
    ("GET", "/api/communities/{b}/products/{product_b}", None),
    ("GET", "/api/communities/{b}/products/{service_b}/slots", None),
    ("GET", "/api/communities/{b}/stores/{store_b}/cart", None),
    ("DELETE", "/api/communities/{b}/stores/{store_b}/cart", None),
    ("PUT", "/api/communities/{b}/stores/{store_b}/cart/lines", {"variant_id": "{variant_b}", "quantity": 1}),
    ("POST", "/api/communities/{b}/stores/{store_b}/checkout", {"fulfilment": "pickup"}),
    ("GET", "/api/communities/{b}/stores/{store_b}/reviews", None),
    ("GET", "/api/communities/{b}/orders", None),
    ("GET", "/api/communities/{b}/orders/{order_b}", None),
    ("POST", "/api/communities/{b}/orders/{order_b}/cancel", {}),
    ("POST", "/api/communities/{b}/orders/{order_b}/confirm", None),
    ("POST", "/api/communities/{b}/orders/{order_b}/review", {"rating": 5}),
    ("GET", "/api/communities/{b}/pickup-points", None),
    ("POST", "/api/communities/{b}/pickup-points", POINT),
    ("PATCH", "/api/communities/{b}/pickup-points/{point_b}", {"active": False}),
    ("GET", "/api/communities/{b}/pickup-points/{point_b}/orders", None),
    ("POST", "/api/communities/{b}/pickup-points/{point_b}/hand-over", {"order_id": "{order_b}", "code": "123456"}),
    ("GET", "/api/communities/{b}/group-deals", None),
    ("GET", "/api/communities/{b}/group-deals/{deal_b}", None),
    ("POST", "/api/communities/{b}/group-deals/{deal_b}/joins", {"quantity": 1}),
    ("POST", "/api/communities/{b}/group-deals/{deal_b}/joins/{join_b}/leave", None),
    ("GET", "/api/communities/{b}/group-joins", None),
    ("POST", "/api/communities/{b}/orders/{order_b}/returns", RETURN),
    ("GET", "/api/communities/{b}/returns", None),
    ("GET", "/api/communities/{b}/returns/{return_b}", None),
    ("POST", "/api/communities/{b}/returns/{return_b}/withdraw", None),
    ("GET", "/api/communities/{b}/coupons", None),
    ("GET", "/api/communities/{b}/stores/{store_b}/coupons", None),
    ("POST", "/api/communities/{b}/coupons/{claimable_b}/claim", None),
    ("GET", "/api/me/coupons?community_id={b}", None),
    # B's things through A's URLs.
    ("POST", "/api/communities/{a}/store-applications/{app_b}/approve", None),
    ("GET", "/api/communities/{a}/stores/{store_b}", None),
    ("GET", "/api/communities/{a}/products/{product_b}", None),
    ("GET", "/api/communities/{a}/products/{service_b}/slots", None),
    ("GET", "/api/communities/{a}/stores/{store_b}/cart", None),
    ("PUT", "/api/communities/{a}/stores/{store_b}/cart/lines", {"variant_id": "{variant_b}", "quantity": 1}),
    ("POST", "/api/communities/{a}/stores/{store_b}/checkout", {"fulfilment": "pickup"}),
    ("GET", "/api/communities/{a}/stores/{store_b}/reviews", None),
    ("GET", "/api/communities/{a}/orders/{order_b}", None),
    ("POST", "/api/communities/{a}/orders/{order_b}/cancel", {}),
    ("PATCH", "/api/communities/{a}/pickup-points/{point_b}", {"active": False}),
    ("GET", "/api/communities/{a}/pickup-points/{point_b}/orders", None),
    ("GET", "/api/communities/{a}/group-deals/{deal_b}", None),
    ("POST", "/api/communities/{a}/group-deals/{deal_b}/joins", {"quantity": 1}),
    ("POST", "/api/communities/{a}/orders/{order_b}/returns", RETURN),
    ("GET", "/api/communities/{a}/returns/{return_b}", None),
    ("POST", "/api/communities/{a}/returns/{return_b}/withdraw", None),
    ("GET", "/api/communities/{a}/stores/{store_b}/coupons", None),
    ("POST", "/api/communities/{a}/coupons/{claimable_b}/claim", None),
]


def _fill(value, ids):
    if isinstance(value, str):
        filled = value.format(**ids) if "{" in value else value
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(client, world, who, method, url, body):
    return client.open(_fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=bearer(world.people[who].id))


def _not_found_everywhere(client, world, who, endpoints):
    """Every endpoint answers 404 problem+json; the failures are listed together."""
    wrong = []
    for method, url, body in endpoints:
        response = _call(client, world, who, method, url, body)
        if response.status_code != 404 or response.json["code"] != "not_found":
            wrong.append((method, url, response.status_code, response.json))
    assert wrong == []


@pytest.mark.parametrize("who", ["owner_a", "clerk_a", "stranger"])
def test_people_of_another_store_get_404(client, world, who):
    _not_found_everywhere(client, world, who, STORE_B)


@pytest.mark.parametrize("who", ["manager_a", "resident_a", "owner_a"])
def test_people_of_another_community_get_404(client, world, who):
    _not_found_everywhere(client, world, who, COMMUNITY_B)


# (who, method, url, body, expected): residents never reach a neighbour's order; roles stop at their powers.
WITHIN = [
    ("resident_a", "GET", "/api/communities/{a}/orders/{neighbour_order}", None, 404),
    ("resident_a", "POST", "/api/communities/{a}/orders/{neighbour_order}/cancel", {}, 404),
    ("resident_a", "POST", "/api/communities/{a}/orders/{neighbour_order}/confirm", None, 404),
    ("resident_a", "POST", "/api/communities/{a}/orders/{neighbour_order}/review", {"rating": 5}, 404),
    ("resident_a", "POST", "/api/communities/{a}/orders/{neighbour_order}/returns", RETURN, 404),
    ("resident_a", "GET", "/api/communities/{a}/returns/{neighbour_return}", None, 404),
    ("resident_a", "POST", "/api/communities/{a}/returns/{neighbour_return}/withdraw", None, 404),
    ("resident_a", "GET", "/api/stores/{store_a}/returns", None, 404),
    ("clerk_a", "POST", "/api/stores/{store_a}/returns/{return_a}/approve", {}, 403),
    ("resident_a", "GET", "/api/communities/{a}/store-applications", None, 403),
    ("resident_a", "POST", "/api/communities/{a}/store-applications/{app_a}/suspend", {"reason": "x"}, 403),
    ("resident_a", "POST", "/api/communities/{a}/pickup-points", POINT, 403),
    ("resident_a", "PATCH", "/api/communities/{a}/pickup-points/{point_a}", {"active": False}, 403),
    ("resident_a", "GET", "/api/communities/{a}/pickup-points/{point_a}/orders", None, 403),
    ("resident_a", "POST", "/api/commerce/categories", {"slug": "x", "name": "x", "name_en": "x"}, 403),
    ("manager_a", "PATCH", "/api/commerce/categories/{category}", {"name": "x"}, 403),
    ("owner_a", "DELETE", "/api/commerce/categories/{category}", None, 403),
    ("resident_a", "PATCH", "/api/commerce/categories/{category}", {"parent_id": None}, 403),
    ("resident_a", "DELETE", "/api/commerce/categories/{category}", None, 403),
    ("resident_a", "POST", "/api/communities/{a}/coupons/{coupon_a}/claim", None, 404),  # code-only: not listed
    ("manager_a", "POST", "/api/communities/{a}/coupons/{claimable_a}/claim", None, 403),
    ("owner_a", "POST", "/api/communities/{a}/coupons/{claimable_a}/claim", None, 404),
    ("manager_a", "GET", "/api/communities/{a}/stores/{store_a}/cart", None, 403),
    ("manager_a", "POST", "/api/communities/{a}/stores/{store_a}/checkout", {"fulfilment": "pickup"}, 403),
    ("manager_a", "GET", "/api/stores/{store_a}", None, 404),
    ("owner_a", "GET", "/api/communities/{a}/stores", None, 404),
    ("owner_a", "POST", "/api/stores/{store_a}/suspend", {"reason": "x"}, 403),
    ("owner_a", "POST", "/api/stores/{store_a}/reinstate", None, 403),
    ("clerk_a", "PATCH", "/api/stores/{store_a}", {"delivery_fee": 1}, 403),
    ("clerk_a", "POST", "/api/stores/{store_a}/staff", {"login": "x@example.cn", "role": "staff"}, 403),
    ("clerk_a", "DELETE", "/api/stores/{store_a}/staff/{clerk_row}", None, 403),
    ("clerk_a", "POST", "/api/stores/{store_a}/applications", {"community_id": "{b}"}, 403),
    ("clerk_a", "GET", "/api/stores/{store_a}/settlement", None, 403),
    ("clerk_a", "GET", "/api/stores/{store_a}/coupons", None, 403),
    ("clerk_a", "POST", "/api/stores/{store_a}/coupons", COUPON, 403),
    ("clerk_a", "PATCH", "/api/stores/{store_a}/coupons/{coupon_a}", {"active": False}, 403),
    ("clerk_a", "POST", "/api/stores/{store_a}/orders/{order_a}/refunds", {"reason": "x", "amount": 1}, 403),
]


def test_within_a_community_residents_see_only_their_own_and_roles_stop_at_their_powers(client, world):
    got = [(who, method, url, _call(client, world, who, method, url, body).status_code)
           for who, method, url, body, _expected in WITHIN]
    assert got == [(who, method, url, expected) for who, method, url, _body, expected in WITHIN]


def test_the_people_entitled_do_reach_their_things(client, world):
    for who, url in (("owner_a", "/api/stores/{store_a}/settlement"), ("clerk_a", "/api/stores/{store_a}/orders"),
                     ("manager_a", "/api/communities/{a}/store-applications"),
                     ("neighbour_a", "/api/communities/{a}/pickup-points/{point_a}/orders"),
                     ("resident_a", "/api/communities/{a}/orders/{order_a}"),
                     ("resident_a", "/api/communities/{a}/coupons"),
                     ("resident_a", "/api/communities/{a}/stores/{store_a}/coupons"),
                     ("resident_a", "/api/me/coupons?community_id={a}"),
                     ("resident_a", "/api/communities/{a}/returns/{return_a}"),
                     ("clerk_a", "/api/stores/{store_a}/returns/{return_a}")):
        assert _call(client, world, who, "GET", url, None).status_code == 200, (who, url)


def test_a_resident_s_lists_never_show_a_neighbour(client, world):
    own = _call(client, world, "resident_a", "GET", "/api/communities/{a}/orders", None).json
    assert [o["id"] for o in own["items"]] == [world.ids["order_a"]]
    returns = _call(client, world, "resident_a", "GET", "/api/communities/{a}/returns", None).json
    assert [r["id"] for r in returns["items"]] == [world.ids["return_a"]]
    neighbour = world.people["neighbour_a"]
    text = _call(client, world, "resident_a", "GET", "/api/communities/{a}/group-deals", None).get_data(as_text=True)
    assert neighbour.display_name not in text and neighbour.phone not in text
