"""Every change of an order's status is announced once, as `order.<status>`, inside its transaction:
what logistics, risk and ads subscribe to."""
from contextlib import contextmanager

import pytest

from commerce.errors import OrderStateConflict
from commerce.orders import events, service
from commerce.orders.models import Order
from core.db import db
from tests.commerce.conftest import pay
from tests.commerce.factories import product_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of


@contextmanager
def recorded():
    """Subscribes to every order event while the block runs; yields what arrived, in order."""
    seen: list[tuple[int, str, str | None]] = []

    def record(session, order, *, from_status, actor_user_id):
        assert order.id is not None and session is not None
        seen.append((order.id, order.status, from_status))

    for name in events.NAMES:
        events.subscribe(name, record)
    try:
        yield seen
    finally:
        for name in events.NAMES:
            events.unsubscribe(name, record)


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community, min_order=0, delivery_fee=0)
    product = product_of(store, price=1500, stock=5)
    return community, store, owner, product, resident_of(community)


def _buy(client, world):
    community, store, _owner, product, resident = world
    base = f"/api/communities/{community.id}/stores/{store.id}"
    client.put(f"{base}/cart/lines", json={"variant_id": product.variants[0].id, "quantity": 1},
               headers=bearer(resident.id))
    placed = client.post(f"{base}/checkout", json={"fulfilment": "delivery", "delivery_address": "1-101"},
                         headers=bearer(resident.id))
    assert placed.status_code == 201, placed.json
    return placed.json["id"]


def test_each_step_of_an_order_is_announced_once_with_the_status_it_left(client, world, stripe_client):
    community, store, owner, _product, resident = world
    with recorded() as seen:
        order_id = _buy(client, world)
        pay(client, stripe_client, current_session().get(Order, order_id).payment_id)
        for step in ("accept", "ready", "out-for-delivery", "delivered"):
            assert client.post(f"/api/stores/{store.id}/orders/{order_id}/{step}",
                               headers=bearer(owner.id)).status_code == 200
        client.post(f"/api/communities/{community.id}/orders/{order_id}/confirm", headers=bearer(resident.id))

    assert seen == [
        (order_id, "awaiting_payment", None), (order_id, "paid", "awaiting_payment"), (order_id, "accepted", "paid"),
        (order_id, "ready", "accepted"), (order_id, "out_for_delivery", "ready"),
        (order_id, "delivered", "out_for_delivery"), (order_id, "completed", "delivered"),
    ]
    history = client.get(f"/api/communities/{community.id}/orders/{order_id}", headers=bearer(resident.id)).json
    assert [e["to_status"] for e in history["history"]] == [status for _id, status, _from in seen]


def test_a_cancellation_is_announced_and_a_handler_that_raises_undoes_it(client, world):
    community, _store, _owner, _product, resident = world
    order_id = _buy(client, world)

    def refuse(session, order, **_details):
        raise RuntimeError("a subscriber failed")

    events.subscribe("order.cancelled", refuse)
    try:
        failed = client.post(f"/api/communities/{community.id}/orders/{order_id}/cancel", json={},
                             headers=bearer(resident.id))
        assert failed.status_code == 500
    finally:
        events.unsubscribe("order.cancelled", refuse)
    current_session().expire_all()
    assert current_session().get(Order, order_id).status == "awaiting_payment"  # rolled back with it

    with recorded() as seen:
        cancelled = client.post(f"/api/communities/{community.id}/orders/{order_id}/cancel", json={},
                                headers=bearer(resident.id))
    assert cancelled.status_code == 200, cancelled.json
    assert seen == [(order_id, "cancelled", "awaiting_payment")]


def test_a_courier_takes_a_ready_order_out_and_delivers_it_without_a_store_actor(app, client, world, stripe_client):

    community, store, owner, _product, resident = world
    order_id = _buy(client, world)
    pay(client, stripe_client, current_session().get(Order, order_id).payment_id)
    courier = resident_of(community)  # any account: logistics decides who may carry the order
    with app.app_context(), pytest.raises(OrderStateConflict):
        service.mark_out_for_delivery(db.session, order_id, courier_id=courier.id)  # not ready yet
    for step in ("accept", "ready"):
        client.post(f"/api/stores/{store.id}/orders/{order_id}/{step}", headers=bearer(owner.id))

    with recorded() as seen, app.app_context():
        service.mark_out_for_delivery(db.session, order_id, courier_id=courier.id)
        with pytest.raises(OrderStateConflict):
            service.mark_out_for_delivery(db.session, order_id, courier_id=courier.id)
        service.mark_delivered(db.session, order_id, courier_id=courier.id)
        db.session.commit()

    assert [status for _id, status, _from in seen] == ["out_for_delivery", "delivered"]
    order = client.get(f"/api/communities/{community.id}/orders/{order_id}", headers=bearer(resident.id)).json
    assert order["status"] == "delivered"
    assert [(e["to_status"], e.get("note")) for e in order["history"][-2:]] == [
        ("out_for_delivery", "collected by the courier"), ("delivered", "delivered by the courier")]
