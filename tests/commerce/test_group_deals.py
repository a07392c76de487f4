"""Group deals: residents join by authorising payment; at the cut-off every hold is captured and the
orders created, or every hold is released; pickup is verified by code at the pickup point."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce import jobs
from commerce.catalog.models import Variant
from commerce.groupbuy.models import GroupJoin
from commerce.orders.models import Order
from community.notifications.models import Notification
from core.models import utcnow
from payments import ledger
from payments.models import Payment
from tests.commerce.conftest import pay
from tests.commerce.factories import product_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of, staff_of


@pytest.fixture
def world(client):
    community = CommunityFactory()
    store, owner = store_serving(community)
    product = product_of(store, name="阳澄湖大闸蟹", price=16800, stock=20)
    host = resident_of(community)
    point = client.post(f"/api/communities/{community.id}/pickup-points", headers=bearer(staff_of(community).id),
                        json={"name": "3号楼便利点", "location": "3号楼大堂", "host_login": host.email,
                              "commission_bps": 500})
    assert point.status_code == 201, point.json
    return community, store, owner, product, host, point.json


def _deal(client, world, **fields):
    community, store, owner, product, _host, point = world
    body = {"community_id": community.id, "variant_id": product.variants[0].id, "pickup_point_id": point["id"],
            "title": "大闸蟹团购", "price": 9900, "min_participants": 2,
            "cut_off_at": (utcnow() + timedelta(hours=1)).isoformat(), **fields}
    response = client.post(f"/api/stores/{store.id}/group-deals", json=body, headers=bearer(owner.id))
    assert response.status_code == 201, response.json
    return response.json


def _join(client, community, deal, user, quantity=1):
    response = client.post(f"/api/communities/{community.id}/group-deals/{deal['id']}/joins",
                           json={"quantity": quantity}, headers=bearer(user.id))
    assert response.status_code == 201, response.json
    return response.json


def _payment_of(join):
    current_session().expire_all()
    return current_session().get(GroupJoin, join["id"]).payment_id


def _close(app, hours=2):
    with app.app_context():
        return jobs.close_due_group_deals(now=utcnow() + timedelta(hours=hours))


def _stock(product):
    current_session().expire_all()
    return current_session().get(Variant, product.variants[0].id).stock


def test_a_deal_that_reaches_its_minimum_captures_every_hold_and_creates_the_orders(
    app, client, world, stripe_client, run_jobs
):
    community, store, owner, product, host, point = world
    deal = _deal(client, world)
    buyers = [resident_of(community) for _ in range(2)]
    joins = [_join(client, community, deal, buyer, quantity=2) for buyer in buyers]
    assert all(j["client_secret"] and j["amount"] == 19800 for j in joins)
    for join in joins:
        intent = pay(client, stripe_client, _payment_of(join))
        assert intent["status"] == "requires_capture"
    seen = client.get(f"/api/communities/{community.id}/group-deals/{deal['id']}", headers=bearer(buyers[0].id))
    assert seen.json["participants"] == 2 and _stock(product) == 16

    assert _close(app, hours=0) == []  # before the cut-off nothing happens
    assert _close(app) == ["succeeded"]

    orders = current_session().scalars(select(Order).where(Order.group_deal_id == deal["id"])).all()
    assert sorted(o.user_id for o in orders) == sorted(b.id for b in buyers)
    assert {(o.status, o.total, o.pickup_point_id) for o in orders} == {("paid", 19800, point["id"])}
    for order in orders:
        payment = current_session().get(Payment, order.payment_id)
        assert payment.status == "succeeded" and payment.amount_captured == 19800
        assert order.host_commission == 990
    assert ledger.balance(current_session(), f"payable:pickup_host:{host.id}", "CNY") == -1980
    assert not ledger.check_books(current_session()).problems
    assert _close(app) == []  # safe to run twice

    order = orders[0]
    for step in ("accept", "ready"):
        response = client.post(f"/api/stores/{store.id}/orders/{order.id}/{step}", headers=bearer(owner.id))
        assert response.status_code == 200
    waiting = client.get(f"/api/communities/{community.id}/pickup-points/{point['id']}/orders",
                         headers=bearer(host.id)).json
    assert order.id in [o["id"] for o in waiting["items"]]
    handed = client.post(f"/api/communities/{community.id}/pickup-points/{point['id']}/hand-over",
                         json={"order_id": order.id, "code": order.pickup_code}, headers=bearer(host.id))
    assert handed.status_code == 200 and handed.json["status"] == "delivered"
    run_jobs()
    kinds = set(current_session().scalars(select(Notification.kind)))
    assert {"group_deal.succeeded", "group_deal.closed"} <= kinds


def test_a_deal_short_of_its_minimum_releases_every_hold_and_returns_the_stock(
    app, client, world, stripe_client, run_jobs
):
    community, _store, _owner, product, _host, _point = world
    deal = _deal(client, world, min_participants=3)
    authorised = _join(client, community, deal, resident_of(community))
    pay(client, stripe_client, _payment_of(authorised))
    never_paid = _join(client, community, deal, resident_of(community))
    assert _stock(product) == 18

    assert _close(app) == ["failed"]

    for join in (authorised, never_paid):
        assert current_session().get(Payment, _payment_of(join)).status == "canceled"
        assert current_session().get(GroupJoin, join["id"]).status == "cancelled"
    assert _stock(product) == 20
    assert current_session().scalar(select(Order.id).where(Order.group_deal_id == deal["id"])) is None
    run_jobs()
    failed = current_session().scalars(select(Notification).where(Notification.kind == "group_deal.failed")).all()
    assert len(failed) == 2


def test_joins_unauthorised_at_the_cut_off_of_a_successful_deal_are_dropped(app, client, world, stripe_client):
    community, _store, _owner, product, _host, _point = world
    deal = _deal(client, world, min_participants=1)
    paid = _join(client, community, deal, resident_of(community))
    pay(client, stripe_client, _payment_of(paid))
    unpaid = _join(client, community, deal, resident_of(community))
    assert _close(app) == ["succeeded"]
    assert current_session().get(GroupJoin, paid["id"]).status == "captured"
    assert current_session().get(GroupJoin, unpaid["id"]).status == "cancelled"
    assert _stock(product) == 19


def test_a_resident_joins_once_leaves_before_the_cut_off_and_cannot_join_a_closed_deal(
    app, client, world, stripe_client
):
    community, _store, _owner, product, _host, _point = world
    deal = _deal(client, world)
    resident = resident_of(community)
    join = _join(client, community, deal, resident)
    twice = client.post(f"/api/communities/{community.id}/group-deals/{deal['id']}/joins", json={},
                        headers=bearer(resident.id))
    assert twice.status_code == 409 and twice.json["code"] == "already_joined"
    left = client.post(f"/api/communities/{community.id}/group-deals/{deal['id']}/joins/{join['id']}/leave",
                       headers=bearer(resident.id))
    assert left.status_code == 200 and left.json["status"] == "cancelled"
    assert _stock(product) == 20
    _close(app)
    late = client.post(f"/api/communities/{community.id}/group-deals/{deal['id']}/joins", json={},
                       headers=bearer(resident.id))
    assert late.status_code in (404, 409)


def test_only_the_host_or_a_manager_hands_over_and_only_with_the_right_code(app, client, world, stripe_client):
    community, store, owner, _product, _host, point = world
    deal = _deal(client, world, min_participants=1)
    buyer = resident_of(community)
    join = _join(client, community, deal, buyer)
    pay(client, stripe_client, _payment_of(join))
    _close(app)
    order = current_session().scalar(select(Order).where(Order.group_deal_id == deal["id"]))
    for step in ("accept", "ready"):
        client.post(f"/api/stores/{store.id}/orders/{order.id}/{step}", headers=bearer(owner.id))
    url = f"/api/communities/{community.id}/pickup-points/{point['id']}/hand-over"
    body = {"order_id": order.id, "code": order.pickup_code}
    assert client.post(url, json=body, headers=bearer(buyer.id)).status_code == 403
    wrong = "000000" if order.pickup_code != "000000" else "111111"
    manager = staff_of(community)
    assert client.post(url, json={**body, "code": wrong}, headers=bearer(manager.id)).status_code == 422
    assert client.post(url, json=body, headers=bearer(manager.id)).status_code == 200


def test_a_deal_needs_a_community_the_store_serves_and_a_future_cut_off(client, world):
    _community, store, owner, product, _host, point = world
    elsewhere = CommunityFactory()
    body = {"community_id": elsewhere.id, "variant_id": product.variants[0].id, "pickup_point_id": point["id"],
            "title": "x", "price": 100, "min_participants": 1,
            "cut_off_at": (utcnow() + timedelta(hours=1)).isoformat()}
    response = client.post(f"/api/stores/{store.id}/group-deals", json=body, headers=bearer(owner.id))
    assert response.status_code == 409 and response.json["code"] == "store_not_serving"
    past = {**body, "community_id": _community.id, "cut_off_at": (utcnow() - timedelta(hours=1)).isoformat()}
    assert client.post(f"/api/stores/{store.id}/group-deals", json=past, headers=bearer(owner.id)).status_code == 422


def test_when_stripe_fails_a_join_ends_and_its_units_come_back(client, world, stripe_down):
    community, _store, _owner, product, _host, _point = world
    deal = _deal(client, world)
    resident = resident_of(community)
    url = f"/api/communities/{community.id}/group-deals/{deal['id']}/joins"

    stripe_down.down()
    failed = client.post(url, json={"quantity": 2}, headers=bearer(resident.id))
    assert failed.status_code == 502 and failed.json["code"] == "payment_provider_error"
    ended = current_session().scalars(select(GroupJoin).where(GroupJoin.user_id == resident.id)).one()
    assert ended.status == "cancelled" and current_session().get(Payment, ended.payment_id).status == "canceled"
    assert _stock(product) == 20

    stripe_down.back()
    joined = _join(client, community, deal, resident, quantity=2)
    assert joined["client_secret"] and _stock(product) == 18


def test_a_product_on_an_open_deal_cannot_be_deleted_and_a_deleted_one_gets_no_deal(client, world):
    _community, store, owner, product, _host, _point = world
    deal = _deal(client, world)
    url = f"/api/stores/{store.id}/products/{product.id}"

    refused = client.delete(url, headers=bearer(owner.id))
    assert refused.status_code == 409 and refused.json["code"] == "product_in_group_deal"
    assert client.post(f"/api/stores/{store.id}/group-deals/{deal['id']}/cancel",
                       headers=bearer(owner.id)).status_code == 200
    assert client.delete(url, headers=bearer(owner.id)).status_code == 204

    community, _store, _owner, _product, _host, point = world
    body = {"community_id": community.id, "variant_id": product.variants[0].id, "pickup_point_id": point["id"],
            "title": "再来一团", "price": 9900, "min_participants": 2,
            "cut_off_at": (utcnow() + timedelta(hours=1)).isoformat()}
    again = client.post(f"/api/stores/{store.id}/group-deals", json=body, headers=bearer(owner.id))
    assert again.status_code == 409 and again.json["code"] == "product_archived"


def test_a_join_counts_as_soon_as_the_resident_reports_the_hold_without_waiting_for_reconciliation(
    client, world, stripe_client
):
    from tests.payments.conftest import confirm_with_card

    community, _store, _owner, _product, _host, _point = world
    deal = _deal(client, world)
    first, second = resident_of(community), resident_of(community)
    by_test_card = _join(client, community, deal, first)
    held = client.post("/api/payments/test-mode/confirm", headers=bearer(first.id),
                       json={"client_secret": by_test_card["client_secret"], "payment_method": "pm_card_visa"})
    assert held.status_code == 200 and held.json["status"] == "requires_capture", held.json
    assert held.json["payment_status"] == "authorized"

    by_the_app = _join(client, community, deal, second)
    payment = current_session().get(Payment, _payment_of(by_the_app))
    confirm_with_card(stripe_client, payment.stripe_payment_intent_id)  # the app confirms with Stripe itself
    reported = client.post("/api/payments/confirmations", headers=bearer(second.id),
                           json={"client_secret": by_the_app["client_secret"]})
    assert reported.status_code == 200 and reported.json["status"] == "authorized", reported.json
    assert client.post("/api/payments/confirmations", headers=bearer(first.id),
                       json={"client_secret": by_the_app["client_secret"]}).status_code == 404

    seen = client.get(f"/api/communities/{community.id}/group-deals/{deal['id']}", headers=bearer(first.id))
    assert seen.json["participants"] == 2
