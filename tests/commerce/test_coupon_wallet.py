"""Residents discover the claimable coupons of their community and its stores, claim them into their
wallet once, and checkout applies the best one of the wallet by itself; a typed code works as before."""
from datetime import timedelta

import pytest

from commerce.orders.models import Coupon, CouponClaim
from core.models import utcnow
from tests.commerce.factories import CouponFactory, product_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community, delivery_fee=500, min_order=0)
    bakery, baker = store_serving(community)
    apples = product_of(store, name="红富士苹果", price=1200, stock=50)
    bread = product_of(bakery, name="全麦面包", price=1500, stock=50)
    return {"community": community, "store": store, "owner": owner, "bakery": bakery, "baker": baker,
            "apples": apples, "bread": bread, "resident": resident_of(community)}


def _offer(client, world, store="store", owner="owner", **body):
    body = {"kind": "fixed", "value": 500, "claimable": True, **body}
    response = client.post(f"/api/stores/{world[store].id}/coupons", json=body, headers=bearer(world[owner].id))
    assert response.status_code == 201, response.json
    return response.json


def _base(world):
    return f"/api/communities/{world['community'].id}"


def _get(client, world, url, who="resident"):
    response = client.get(url, headers=bearer(world[who].id))
    assert response.status_code == 200, response.json
    return response.json


def _claim(client, world, coupon_id, who="resident"):
    return client.post(f"{_base(world)}/coupons/{coupon_id}/claim", headers=bearer(world[who].id))


def _cart(client, world, apples=1, **query):
    response = client.put(f"{_base(world)}/stores/{world['store'].id}/cart/lines", headers=bearer(world["resident"].id),
                          json={"variant_id": world["apples"].variants[0].id, "quantity": apples})
    assert response.status_code == 200, response.json
    url = f"{_base(world)}/stores/{world['store'].id}/cart"
    return client.get(url, query_string=query, headers=bearer(world["resident"].id)).json


def _checkout(client, world, **body):
    return client.post(f"{_base(world)}/stores/{world['store'].id}/checkout", json={"fulfilment": "pickup", **body},
                       headers=bearer(world["resident"].id))


def test_residents_browse_claim_once_and_checkout_applies_the_best_coupon_of_their_wallet(client, world):
    five = _offer(client, world, code="FIVEOFF", description="满20减5", min_spend=2000, total_limit=10)
    tenth = _offer(client, world, code="TENTH", kind="percent", value=10, ends_at=(utcnow() + timedelta(days=2))
                   .isoformat())
    _offer(client, world, code="SECRET", claimable=False)  # code-only: never listed
    bread = _offer(client, world, store="bakery", owner="baker", code="BREAD3", value=300)

    listed = _get(client, world, f"{_base(world)}/coupons")
    assert [c["code"] for c in listed["items"]] == ["BREAD3", "TENTH", "FIVEOFF"]
    assert listed["items"][2] | {"id": 0} == {
        "id": 0, "store": {"id": world["store"].id, "name": world["store"].name}, "code": "FIVEOFF",
        "description": "满20减5", "kind": "fixed", "value": 500, "min_spend": 2000, "starts_at": None,
        "ends_at": None, "product_ids": [], "category_ids": [], "left": 10, "claimed_at": None, "state": "available"}
    at_store = _get(client, world, f"{_base(world)}/stores/{world['store'].id}/coupons")
    assert [c["code"] for c in at_store["items"]] == ["TENTH", "FIVEOFF"]
    by_filter = _get(client, world, f"{_base(world)}/coupons?store_id={world['bakery'].id}")
    assert [c["code"] for c in by_filter["items"]] == ["BREAD3"]

    first = _claim(client, world, five["id"])
    assert first.status_code == 201, first.json
    assert first.json["claimed_at"] and first.json["left"] == 9 and first.json["state"] == "available"
    again = _claim(client, world, five["id"])
    assert again.status_code == 200 and again.json["claimed_at"] == first.json["claimed_at"]
    assert _claim(client, world, tenth["id"]).status_code == 201
    assert _claim(client, world, bread["id"]).status_code == 201
    merchant_view = _get(client, world, f"/api/stores/{world['store'].id}/coupons", who="owner")["items"]
    assert {c["code"]: c["claimed"] for c in merchant_view} == {"FIVEOFF": 1, "TENTH": 1, "SECRET": 0}
    wallet = _get(client, world, "/api/me/coupons")
    assert [c["code"] for c in wallet["items"]] == ["BREAD3", "TENTH", "FIVEOFF"]

    small = _cart(client, world, apples=3)  # 36.00: 5.00 off beats 10 % (3.60)
    assert small["discount"] == 500 and small["coupon_code"] == "FIVEOFF"
    assert small["coupon"] == {"id": five["id"], "code": "FIVEOFF", "description": "满20减5", "ends_at": None,
                               "from_wallet": True}
    large = _cart(client, world, apples=5)  # 60.00: 10 % (6.00) beats 5.00 off
    assert large["discount"] == 600 and large["coupon"]["code"] == "TENTH"
    assert _cart(client, world, apples=5, use_wallet="false")["discount"] == 0
    assert _cart(client, world, apples=5, coupon_code="fiveoff")["coupon"]["from_wallet"] is False

    order = _checkout(client, world)
    assert order.status_code == 201, order.json
    assert order.json["discount"] == 600 and order.json["coupon_code"] == "TENTH"
    states = {c["code"]: c["state"] for c in _get(client, world, "/api/me/coupons")["items"]}
    assert states == {"BREAD3": "available", "TENTH": "used", "FIVEOFF": "available"}
    used = _get(client, world, "/api/me/coupons?state=used")
    assert [c["code"] for c in used["items"]] == ["TENTH"]
    mine_here = _get(client, world, f"/api/me/coupons?community_id={world['community'].id}&store_id="
                                    f"{world['store'].id}&state=available")
    assert [c["code"] for c in mine_here["items"]] == ["FIVEOFF"]

    # Used once at a time: the next checkout gets the other coupon; a cancelled order gives it back.
    assert _cart(client, world, apples=5)["coupon"]["code"] == "FIVEOFF"
    cancelled = client.post(f"{_base(world)}/orders/{order.json['id']}/cancel", json={},
                            headers=bearer(world["resident"].id))
    assert cancelled.status_code == 200, cancelled.json
    assert _cart(client, world, apples=5)["coupon"]["code"] == "TENTH"


def test_of_coupons_taking_off_as_much_the_one_expiring_first_is_used(client, world):
    later = _offer(client, world, code="LATER", ends_at=(utcnow() + timedelta(days=9)).isoformat())
    never = _offer(client, world, code="NEVER")
    soon = _offer(client, world, code="SOON", ends_at=(utcnow() + timedelta(days=1)).isoformat())
    for coupon in (later, never, soon):
        assert _claim(client, world, coupon["id"]).status_code == 201

    assert _cart(client, world, apples=2)["coupon"]["code"] == "SOON"
    order = _checkout(client, world)
    assert order.json["coupon_code"] == "SOON" and order.json["discount"] == 500


def test_a_wallet_coupon_that_does_not_apply_is_left_alone(client, world):
    big = _offer(client, world, code="BIG", min_spend=10_000)
    pears = product_of(world["store"], name="雪梨", price=800)
    pears_only = _offer(client, world, code="PEARS", product_ids=[pears.id])
    later = _offer(client, world, code="LATER", starts_at=(utcnow() + timedelta(days=1)).isoformat())
    for coupon in (big, pears_only, later):
        assert _claim(client, world, coupon["id"]).status_code == 201  # one that starts later may be claimed
    assert {c["code"]: c["state"] for c in _get(client, world, "/api/me/coupons")["items"]}["LATER"] == "upcoming"

    cart = _cart(client, world, apples=2)

    assert cart["discount"] == 0 and cart["coupon"] is None and cart["coupon_error"] is None
    order = _checkout(client, world)
    assert order.status_code == 201 and order.json["discount"] == 0 and order.json["coupon_code"] is None


def test_a_given_code_still_works_and_typing_a_claimable_one_claims_it(client, world):
    CouponFactory(store=world["store"], code="PLAIN", value=100)
    _cart(client, world, apples=2)
    assert _checkout(client, world, coupon_code="plain").json["discount"] == 100

    listed = _offer(client, world, code="LISTED", value=300, total_limit=2)
    _cart(client, world, apples=2)
    typed = _checkout(client, world, coupon_code="LISTED")
    assert typed.status_code == 201 and typed.json["discount"] == 300
    wallet = _get(client, world, "/api/me/coupons")["items"]
    assert [(c["code"], c["state"]) for c in wallet] == [("LISTED", "used")]
    assert current_session().get(Coupon, listed["id"]).claimed == 1

    neighbour = resident_of(world["community"])
    world["neighbour"] = neighbour
    assert _claim(client, world, listed["id"], who="neighbour").status_code == 201  # the last one
    late = resident_of(world["community"])
    world["late"] = late
    refused = _claim(client, world, listed["id"], who="late")
    assert refused.status_code == 409 and refused.json["code"] == "coupon_exhausted"
    assert _get(client, world, f"{_base(world)}/coupons", who="late")["items"][0]["state"] == "exhausted"
    url = f"{_base(world)}/stores/{world['store'].id}"
    client.put(f"{url}/cart/lines", json={"variant_id": world["apples"].variants[0].id, "quantity": 1},
               headers=bearer(late.id))
    typed_late = client.post(f"{url}/checkout", json={"fulfilment": "pickup", "coupon_code": "LISTED"},
                             headers=bearer(late.id))
    assert typed_late.status_code == 409 and typed_late.json["code"] == "coupon_exhausted"


def test_ended_switched_off_and_code_only_coupons_cannot_be_claimed(client, world):
    off = _offer(client, world, code="OFF")
    client.patch(f"/api/stores/{world['store'].id}/coupons/{off['id']}", json={"active": False},
                 headers=bearer(world["owner"].id))
    ended = CouponFactory(store=world["store"], code="ENDED", claimable=True, per_resident_limit=1,
                          ends_at=utcnow() - timedelta(minutes=1))
    secret = CouponFactory(store=world["store"], code="SECRET")

    assert _get(client, world, f"{_base(world)}/coupons")["items"] == []
    assert _claim(client, world, off["id"]).json["code"] == "coupon_invalid"
    assert _claim(client, world, ended.id).json["code"] == "coupon_invalid"
    assert _claim(client, world, secret.id).status_code == 404
    assert current_session().query(CouponClaim).count() == 0


def test_a_claimable_coupon_is_used_once_by_each_holder_and_holds_what_was_claimed(client, world):
    url = f"/api/stores/{world['store'].id}/coupons"
    headers = bearer(world["owner"].id)
    body = {"code": "MANY", "kind": "fixed", "value": 100, "claimable": True}
    refused = client.post(url, json={**body, "per_resident_limit": 3}, headers=headers)
    assert refused.status_code == 422 and "per_resident_limit" in refused.json["errors"]
    created = client.post(url, json={**body, "total_limit": 5}, headers=headers).json
    assert created["per_resident_limit"] == 1 and created["claimable"] is True and created["claimed"] == 0
    for _ in range(3):
        world["someone"] = resident_of(world["community"])
        assert _claim(client, world, created["id"], who="someone").status_code == 201
    below = client.patch(f"{url}/{created['id']}", json={"total_limit": 2}, headers=headers)
    assert below.status_code == 422 and "total_limit" in below.json["errors"]
    assert client.patch(f"{url}/{created['id']}", json={"total_limit": 3}, headers=headers).status_code == 200
    more = client.patch(f"{url}/{created['id']}", json={"per_resident_limit": 2}, headers=headers)
    assert more.status_code == 422
    fixed = client.patch(f"{url}/{created['id']}", json={"claimable": False}, headers=headers)
    assert fixed.status_code == 422 and "claimable" in fixed.json["errors"]


def test_a_resident_s_wallet_is_their_own(client, world):
    coupon = _offer(client, world, code="MINE")
    world["neighbour"] = resident_of(world["community"])
    assert _claim(client, world, coupon["id"], who="neighbour").status_code == 201

    assert _get(client, world, "/api/me/coupons")["items"] == []
    listed = _get(client, world, f"{_base(world)}/coupons")["items"]
    assert listed[0]["claimed_at"] is None and listed[0]["state"] == "available"


def test_a_suspended_store_s_coupons_leave_the_lists_and_cannot_be_claimed(client, world):
    coupon = _offer(client, world, code="GONE")
    world["store"].status = "suspended"
    current_session().commit()

    assert _get(client, world, f"{_base(world)}/coupons")["items"] == []
    assert _claim(client, world, coupon["id"]).status_code == 404
    assert client.get(f"{_base(world)}/stores/{world['store'].id}/coupons",
                      headers=bearer(world["resident"].id)).status_code == 404


@pytest.mark.parametrize("used_up", ["all_claimed", "all_redeemed"])
def test_the_cart_says_a_typed_code_is_used_up_before_checkout_does(client, world, used_up):
    coupon = _offer(client, world, code="LAST", total_limit=1)
    other = resident_of(world["community"])
    assert client.post(f"{_base(world)}/coupons/{coupon['id']}/claim", headers=bearer(other.id)).status_code == 201
    if used_up == "all_redeemed":
        current_session().get(Coupon, coupon["id"]).redeemed = 1
        current_session().commit()

    cart = _cart(client, world, apples=2, coupon_code="last")

    assert cart["coupon_error"] == "coupon_exhausted"
    assert cart["coupon"] is None and cart["discount"] == 0 and cart["total"] == cart["subtotal"]
    refused = _checkout(client, world, coupon_code="LAST")
    assert refused.status_code == 409 and refused.json["code"] == "coupon_exhausted"
