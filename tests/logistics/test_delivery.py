"""A resident's order delivered by a courier end to end, through the API: ready -> task -> dispatched ->
accepted -> collected -> delivered on the resident's code, with ETA, tracking and the courier's fee on
the ledger; declined and unanswered offers go to another courier; nobody sees more than is theirs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.orders.models import Order, OrderStatus
from core.db import db
from core.models import utcnow
from logistics import jobs as logistics_jobs
from logistics import service
from logistics.models import Courier, DeliveryTask, TaskStatus
from payments import jobs as payment_jobs
from payments import ledger
from tests.commerce.factories import order_of, product_of, store_serving
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    UserFactory,
    current_session,
    resident_of,
    staff_of,
)
from tests.payments.conftest import ledger_check

CENTRE = (31.1880, 121.4370)


@pytest.fixture
def place(connection):
    community = CommunityFactory(latitude=CENTRE[0], longitude=CENTRE[1])
    building = BuildingFactory(community=community, latitude=CENTRE[0] + 0.002, longitude=CENTRE[1] + 0.001)
    resident = ResidencyFactory(unit=UnitFactory(building=building, number="1201")).user
    store, merchant = store_serving(community, fulfilment="both", delivery_fee=500)
    manager = staff_of(community)
    return community, building, resident, store, merchant, manager


def _courier(client, community, manager, *, at=CENTRE, vehicle="ebike"):
    user = UserFactory()
    response = client.post(f"/api/communities/{community.id}/couriers",
                           json={"login": user.email, "vehicle": vehicle, "capacity": 3}, headers=bearer(manager.id))
    assert response.status_code == 201, response.json
    response = client.put("/api/couriers/me/duty", json={"on_duty": True, "location_consent": True,
                                                         "latitude": at[0], "longitude": at[1]},
                          headers=bearer(user.id))
    assert response.status_code == 200 and response.json["on_duty"], response.json
    return user


def _ready_order(client, community, resident, store, merchant):
    order = order_of(store, community, resident, status=OrderStatus.ACCEPTED, fulfilment="delivery",
                     product=product_of(store, price=3_000))
    order.delivery_fee, order.total = 500, order.total + 500
    current_session().commit()
    response = client.post(f"/api/stores/{store.id}/orders/{order.id}/ready", headers=bearer(merchant.id))
    assert response.status_code == 200, response.json
    return order


def _dispatch(app, community):
    with app.app_context():
        return service.dispatch_community(db.session, community.id)


def _task(app, order) -> DeliveryTask:
    with app.app_context():
        return db.session.scalar(select(DeliveryTask).where(DeliveryTask.order_id == order.id))


def test_an_order_is_delivered_by_a_courier_on_the_resident_s_code_and_the_fee_is_on_the_ledger(
        app, client, place, monkeypatch):
    community, _building, resident, store, merchant, manager = place
    courier = _courier(client, community, manager)
    order = _ready_order(client, community, resident, store, merchant)
    task = _task(app, order)
    assert task.status == TaskStatus.OPEN and task.drop_label.endswith("1201") and task.fee == 500

    assert _dispatch(app, community)["offered"] == 1
    route = client.get("/api/couriers/me/route", headers=bearer(courier.id)).json
    assert [t["order_id"] for t in route["tasks"]] == [order.id] and route["next"]["status"] == "offered"
    assert route["next"]["eta"] is not None
    task_id = route["next"]["id"]
    me = {"headers": bearer(courier.id)}

    assert client.post(f"/api/couriers/me/tasks/{task_id}/accept", **me).json["status"] == "accepted"
    tracking = client.get(f"/api/communities/{community.id}/orders/{order.id}/delivery", headers=bearer(resident.id))
    assert tracking.status_code == 200 and tracking.json["status"] == "accepted" and tracking.json["eta"]
    assert tracking.json["courier"]["location"] is None  # not on its way yet

    assert client.post(f"/api/couriers/me/tasks/{task_id}/pickup", **me).json["status"] == "picked_up"
    with app.app_context():
        assert db.session.get(Order, order.id).status == OrderStatus.OUT_FOR_DELIVERY
    client.put("/api/couriers/me/location", json={"latitude": CENTRE[0] + 0.001, "longitude": CENTRE[1]}, **me)
    tracking = client.get(f"/api/communities/{community.id}/orders/{order.id}/delivery",
                          headers=bearer(resident.id)).json
    assert tracking["status"] == "picked_up" and tracking["courier"]["location"]["latitude"] == pytest.approx(
        CENTRE[0])

    wrong = client.post(f"/api/couriers/me/tasks/{task_id}/deliver", json={"code": "000000"}, **me)
    assert wrong.status_code == 422 and wrong.json["code"] == "wrong_delivery_code"
    with app.app_context():
        code = db.session.get(Order, order.id).pickup_code
    done = client.post(f"/api/couriers/me/tasks/{task_id}/deliver", json={"code": code}, **me)
    assert done.status_code == 200 and done.json["status"] == "delivered"
    with app.app_context():
        delivered = db.session.get(Order, order.id)
        assert delivered.status == OrderStatus.DELIVERED
        assert [e.to_status for e in delivered.history][-3:] == ["ready", "out_for_delivery", "delivered"]
        assert ledger.balance(db.session, f"payable:courier:{courier.id}", "CNY") == -500
    earnings = client.get("/api/couriers/me/earnings", **me).json
    assert earnings["balance"] == 500 and [(line["kind"], line["amount"]) for line in earnings["lines"]] == [
        ("delivery_fee", 500)]
    assert ledger_check(app).exit_code == 0
    # Paid out like a store: the courier's own payout account, then settlement.
    monkeypatch.setitem(app.config, "PAYOUT_MINIMUM", 500)
    account = client.post("/api/couriers/me/payout-account", json={}, **me)
    assert account.status_code == 200 and account.json["stripe_account_id"], account.json
    with app.app_context():
        paid = payment_jobs.settle_payouts()
        assert paid["errors"] == 0 and ledger.balance(db.session, f"payable:courier:{courier.id}", "CNY") == 0
    assert client.get("/api/couriers/me/earnings", **me).json["balance"] == 0
    tracking = client.get(f"/api/communities/{community.id}/orders/{order.id}/delivery",
                          headers=bearer(resident.id)).json
    assert tracking["status"] == "delivered" and tracking["courier"] is None  # no location once it is over


def test_a_declined_or_unanswered_offer_goes_to_another_courier(app, client, place):
    community, _building, resident, store, merchant, manager = place
    first = _courier(client, community, manager, at=CENTRE)
    second = _courier(client, community, manager, at=(CENTRE[0] + 0.01, CENTRE[1] + 0.01))  # farther
    order = _ready_order(client, community, resident, store, merchant)
    _dispatch(app, community)
    task = _task(app, order)
    with app.app_context():
        offered_to = db.session.get(Courier, task.courier_id).user_id
    assert offered_to == first.id  # the nearer
    assert client.post(f"/api/couriers/me/tasks/{task.id}/decline", headers=bearer(first.id)).status_code == 200
    _dispatch(app, community)
    with app.app_context():
        assert db.session.get(Courier, _task(app, order).courier_id).user_id == second.id
        # Not accepted within the offer's time: it goes back, and not to whoever let it lapse.
        lapsed = db.session.get(DeliveryTask, task.id)
        lapsed.offered_at -= timedelta(seconds=service.OFFER_SECONDS + 1)
        db.session.commit()
    result = _dispatch(app, community)
    assert result["expired"] == 1 and _task(app, order).status == TaskStatus.OPEN  # both passed on it
    assert sorted(_task(app, order).declined_by) == sorted(
        [c for c in _courier_ids(app, first, second)])


def _courier_ids(app, *users):
    with app.app_context():
        return list(db.session.scalars(select(Courier.id).where(Courier.user_id.in_([u.id for u in users]))))


def test_couriers_see_only_their_own_tasks_and_nobody_sees_a_location_outside_a_delivery(app, client, place):
    community, _building, resident, store, merchant, manager = place
    courier = _courier(client, community, manager)
    other = _courier(client, community, manager, at=(CENTRE[0] + 0.05, CENTRE[1]))
    order = _ready_order(client, community, resident, store, merchant)
    _dispatch(app, community)
    task = _task(app, order)
    for step in ("accept", "decline", "pickup"):
        assert client.post(f"/api/couriers/me/tasks/{task.id}/{step}", headers=bearer(other.id)).status_code == 404
    assert client.get("/api/couriers/me/route", headers=bearer(other.id)).json["tasks"] == []
    assert [t["id"] for t in client.get("/api/couriers/me/route", headers=bearer(courier.id)).json["tasks"]] == [
        task.id]
    assert client.get("/api/couriers/me/route", headers=bearer(resident.id)).status_code == 403  # not a courier
    neighbour = resident_of(community)
    path = f"/api/communities/{community.id}/orders/{order.id}/delivery"
    assert client.get(path, headers=bearer(neighbour.id)).status_code == 404
    assert client.get(path, headers=bearer(merchant.id)).status_code == 404
    roster = client.get(f"/api/communities/{community.id}/couriers", headers=bearer(manager.id))
    assert roster.status_code == 200 and len(roster.json) == 2
    assert all("latitude" not in str(entry) and "location" not in entry for entry in roster.json)
    assert client.get(f"/api/communities/{community.id}/couriers", headers=bearer(resident.id)).status_code == 403
    other_community = CommunityFactory()
    assert client.get(f"/api/communities/{other_community.id}/couriers",
                      headers=bearer(manager.id)).status_code == 403

    # Off duty, the location is gone; without consent none is taken.
    client.put("/api/couriers/me/duty", json={"on_duty": False}, headers=bearer(other.id))
    with app.app_context():
        db.session.expire_all()
        gone = db.session.scalar(select(Courier).where(Courier.user_id == other.id))
        assert (gone.latitude, gone.longitude, gone.located_at) == (None, None, None)
    response = client.put("/api/couriers/me/location", json={"latitude": 31.0, "longitude": 121.0},
                          headers=bearer(other.id))
    assert response.status_code == 409


def test_a_location_is_kept_at_most_every_ten_seconds_and_forgotten_after_fifteen_minutes(app, client, place):
    community, *_rest, manager = place
    courier = _courier(client, community, manager)
    first = client.put("/api/couriers/me/location", json={"latitude": 31.0, "longitude": 121.0},
                       headers=bearer(courier.id))
    assert first.status_code == 200 and first.json == {"kept": False}  # the duty call's point is 0 s old
    with app.app_context():
        row = db.session.scalar(select(Courier).where(Courier.user_id == courier.id))
        row.located_at -= service.LOCATION_KEPT + timedelta(seconds=1)
        db.session.commit()
        assert logistics_jobs.forget_stale_locations() == 1
        db.session.expire_all()
        row = db.session.scalar(select(Courier).where(Courier.user_id == courier.id))
        assert row.latitude is None


def test_a_cancelled_order_cancels_its_task_and_a_failed_delivery_can_be_sent_again(app, client, place):
    community, _building, resident, store, merchant, manager = place
    courier = _courier(client, community, manager)
    cancelled = _ready_order(client, community, resident, store, merchant)
    response = client.post(f"/api/stores/{store.id}/orders/{cancelled.id}/cancel", json={"reason": "缺货 out of stock"},
                           headers=bearer(merchant.id))
    assert response.status_code == 200, response.json
    assert _task(app, cancelled).status == TaskStatus.CANCELLED

    order = _ready_order(client, community, resident, store, merchant)
    _dispatch(app, community)
    task = _task(app, order)
    me = {"headers": bearer(courier.id)}
    client.post(f"/api/couriers/me/tasks/{task.id}/accept", **me)
    client.post(f"/api/couriers/me/tasks/{task.id}/pickup", **me)
    failed = client.post(f"/api/couriers/me/tasks/{task.id}/fail", json={"reason": "无人在家 nobody home"}, **me)
    assert failed.status_code == 200 and failed.json["status"] == "failed"
    again = client.post(f"/api/stores/{store.id}/deliveries/{task.id}/redispatch", headers=bearer(merchant.id))
    assert again.status_code == 200 and again.json["status"] == "open"
    _dispatch(app, community)
    client.post(f"/api/couriers/me/tasks/{task.id}/accept", **me)
    assert client.post(f"/api/couriers/me/tasks/{task.id}/pickup", **me).json["status"] == "picked_up"


def _deal_orders(community, store, host, residents, *, weight="2kg"):
    from commerce.groupbuy.models import DealStatus, GroupDeal, PickupPoint

    product = product_of(store, price=4_000)
    product.variants[0].attributes = {"weight": weight}
    point = PickupPoint(community_id=community.id, name="2号楼团购点", location="2号楼大堂", host_user_id=host.id,
                        commission_bps=0)
    current_session().add(point)
    current_session().flush()
    deal = GroupDeal(store_id=store.id, community_id=community.id, product_id=product.id,
                     variant_id=product.variants[0].id, pickup_point_id=point.id, title="团购", price=4_000,
                     min_participants=2, cut_off_at=utcnow(), status=DealStatus.SUCCEEDED)
    current_session().add(deal)
    current_session().flush()
    orders = []
    for resident in residents:
        order = order_of(store, community, resident, status=OrderStatus.ACCEPTED, fulfilment="pickup", product=product)
        order.group_deal_id, order.pickup_point_id = deal.id, point.id
        orders.append(order)
    current_session().commit()
    return deal, orders


def test_a_group_deal_s_ready_orders_travel_as_one_haul_to_its_pickup_point_on_the_host_s_code(app, client, place):
    community, _building, _resident, store, merchant, manager = place
    courier = _courier(client, community, manager)
    host = resident_of(community)
    deal, orders = _deal_orders(community, store, host, [resident_of(community) for _ in range(3)])
    for order in orders:
        response = client.post(f"/api/stores/{store.id}/orders/{order.id}/ready", headers=bearer(merchant.id))
        assert response.status_code == 200, response.json
    with app.app_context():
        [haul] = db.session.scalars(select(DeliveryTask).where(DeliveryTask.group_deal_id == deal.id)).all()
        assert haul.kind == "haul" and sorted(haul.order_ids) == sorted(o.id for o in orders)
        assert haul.weight_grams == 3 * 2_000 and haul.fee == app.config["LOGISTICS_HAUL_FEE"]
    incoming = client.get("/api/pickup-hosts/me/hauls", headers=bearer(host.id)).json
    assert [h["id"] for h in incoming] == [haul.id] and incoming[0]["handover_code"]
    assert client.get("/api/pickup-hosts/me/hauls", headers=bearer(courier.id)).json == []  # not its point

    _dispatch(app, community)
    me = {"headers": bearer(courier.id)}
    for step in ("accept", "pickup"):
        assert client.post(f"/api/couriers/me/tasks/{haul.id}/{step}", **me).status_code == 200
    assert client.post(f"/api/couriers/me/tasks/{haul.id}/deliver", json={"code": "999999"}, **me).status_code == 422
    done = client.post(f"/api/couriers/me/tasks/{haul.id}/deliver", json={"code": incoming[0]["handover_code"]}, **me)
    assert done.status_code == 200 and done.json["status"] == "delivered"
    with app.app_context():
        assert {db.session.get(Order, o.id).status for o in orders} == {OrderStatus.READY}  # to collect at the point
        assert ledger.balance(db.session, f"payable:courier:{courier.id}", "CNY") == -app.config["LOGISTICS_HAUL_FEE"]
    assert ledger_check(app).exit_code == 0


def test_a_courier_works_in_several_communities_and_is_never_loaded_beyond_its_weight(app, client, place):
    community, _building, resident, store, merchant, manager = place
    second = CommunityFactory(latitude=CENTRE[0], longitude=CENTRE[1])
    second_manager = staff_of(second)
    user = UserFactory()
    for where, boss in ((community, manager), (second, second_manager)):
        response = client.post(f"/api/communities/{where.id}/couriers",
                               json={"login": user.email, "capacity": 5, "max_weight_grams": 5_000},
                               headers=bearer(boss.id))
        assert response.status_code == 201, response.json
    assert sorted(response.json["community_ids"]) == sorted([community.id, second.id])
    again = client.post(f"/api/communities/{second.id}/couriers", json={"login": user.email},
                        headers=bearer(second_manager.id))
    assert again.status_code == 409
    client.put("/api/couriers/me/duty", json={"on_duty": True, "location_consent": True, "latitude": CENTRE[0],
                                              "longitude": CENTRE[1]}, headers=bearer(user.id))
    heavy = product_of(store, price=2_000)
    heavy.variants[0].attributes = {"weight": "3kg"}
    current_session().commit()
    for _ in range(2):
        order = order_of(store, community, resident, status=OrderStatus.ACCEPTED, fulfilment="delivery", product=heavy)
        client.post(f"/api/stores/{store.id}/orders/{order.id}/ready", headers=bearer(merchant.id))
    assert _dispatch(app, community) == {"offered": 1, "expired": 0, "waiting": 1}  # 6 kg is over its 5
    assert client.get(f"/api/communities/{second.id}/couriers", headers=bearer(second_manager.id)).json[0][
        "active_tasks"] == 0


def test_a_task_starts_at_the_store_s_own_point_and_promises_its_preparation_time(app, client, place):
    community, _building, resident, store, merchant, _manager = place
    response = client.patch(f"/api/stores/{store.id}", json={"latitude": 31.19, "longitude": 121.44,
                                                             "preparation_minutes": 40}, headers=bearer(merchant.id))
    assert response.status_code == 200 and response.json["preparation_minutes"] == 40
    half = client.patch(f"/api/stores/{store.id}", json={"latitude": 31.19}, headers=bearer(merchant.id))
    assert half.status_code == 422 and "longitude" in half.json["errors"]
    before = utcnow()
    task = _task(app, _ready_order(client, community, resident, store, merchant))
    assert (task.pickup_latitude, task.pickup_longitude) == (31.19, 121.44)
    ride = timedelta(seconds=service.dispatch.detour_distance(
        (31.19, 121.44), (task.drop_latitude, task.drop_longitude)) / service.dispatch.SPEEDS["ebike"])
    expected = before + timedelta(minutes=40) + ride + service.SLACK
    assert abs((task.promised_by - expected).total_seconds()) < 5
