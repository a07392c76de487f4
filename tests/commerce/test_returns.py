"""After-sales (售后): a resident asks for lines of a delivered order back within 7 days; the store
approves (a refund through Stripe, a restock if the goods came back) or rejects with a reason."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.catalog.models import Variant
from commerce.orders.models import Order, ReturnRequest
from community.notifications.models import Notification
from core.db import db
from core.models import utcnow
from payments import ledger
from payments.models import Payment, Refund
from tests.commerce.conftest import pay
from tests.commerce.factories import order_of, product_of, slot_of, staff_of_store, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of
from tests.helpers import fire_together
from tests.payments.conftest import ledger_check


def _shop(store_fee=0):
    community = CommunityFactory()
    store, owner = store_serving(community, delivery_fee=store_fee, min_order=0)
    apples = product_of(store, name="红富士苹果", price=1200, stock=10)
    pears = product_of(store, name="雪梨", price=800, stock=5)
    return community, store, owner, apples, pears, resident_of(community)


def _delivered(client, stripe_client, community, store, owner, resident, *items):
    """An order checked out, paid through Stripe and delivered, as the apps and the store would do it."""
    base = f"/api/communities/{community.id}/stores/{store.id}"
    for variant_id, quantity in items:
        put = client.put(f"{base}/cart/lines", json={"variant_id": variant_id, "quantity": quantity},
                         headers=bearer(resident.id))
        assert put.status_code == 200, put.json
    order = client.post(f"{base}/checkout", json={"fulfilment": "delivery", "delivery_address": "1号楼 101"},
                        headers=bearer(resident.id)).json
    order["payment_id"] = current_session().get(Order, order["id"]).payment_id
    pay(client, stripe_client, order["payment_id"])
    for step in ("accept", "ready", "out-for-delivery", "delivered"):
        moved = client.post(f"/api/stores/{store.id}/orders/{order['id']}/{step}", headers=bearer(owner.id))
        assert moved.status_code == 200, moved.json
    return order


def _line(order, name):
    return next(line["id"] for line in order["lines"] if line["product_name"] == name)


@pytest.fixture
def shop(connection):
    return _shop()


@pytest.fixture
def delivered(client, stripe_client, shop):
    community, store, owner, apples, pears, resident = shop
    return _delivered(client, stripe_client, community, store, owner, resident,
                      (apples.variants[0].id, 3), (pears.variants[0].id, 2))


def _ask(client, shop, order, *, kind="return_and_refund", reason="spoiled", lines=None, user=None):
    community, *_rest, resident = shop
    body = {"kind": kind, "reason": reason, "description": "打开就坏了", "photos": ["https://img.example.cn/1.jpg"],
            "lines": lines or [{"line_id": _line(order, "红富士苹果"), "quantity": 2}]}
    return client.post(f"/api/communities/{community.id}/orders/{order['id']}/returns", json=body,
                       headers=bearer((user or resident).id))


def test_a_resident_returns_spoiled_fruit_and_the_store_refunds_and_restocks_it(client, shop, delivered, run_jobs):
    community, store, owner, apples, _pears, resident = shop
    asked = _ask(client, shop, delivered)
    assert asked.status_code == 201, asked.json
    assert (asked.json["status"], asked.json["amount"], asked.json["lines"][0]["quantity"]) == ("requested", 2400, 2)
    assert _stock(apples) == 7

    queue = client.get(f"/api/stores/{store.id}/returns?status=requested", headers=bearer(owner.id)).json
    assert [r["id"] for r in queue["items"]] == [asked.json["id"]]
    assert resident.phone not in str(queue) and resident.display_name not in str(queue)
    approved = client.post(f"/api/stores/{store.id}/returns/{asked.json['id']}/approve", json={"restock": True},
                           headers=bearer(owner.id))

    assert approved.status_code == 200, approved.json
    assert (approved.json["status"], approved.json["restocked"]) == ("approved", True)
    assert _stock(apples) == 9
    order = current_session().get(Order, delivered["id"])
    assert order.refunded == 2400 and order.status == "delivered"
    payment = current_session().get(Payment, order.payment_id)
    assert payment.amount_refunded == 2400
    mine = client.get(f"/api/communities/{community.id}/returns/{asked.json['id']}", headers=bearer(resident.id))
    assert [e["to_status"] for e in mine.json["history"]] == ["requested", "approved"]
    run_jobs()
    told = {(n.user_id, n.kind) for n in current_session().scalars(select(Notification))}
    assert {(owner.id, "return.requested"), (resident.id, "return.approved")} <= told
    assert (resident.id, "order.refunded") not in told  # one message for one refund
    inbox = client.get("/api/me/notifications", headers=bearer(owner.id)).json["items"]
    asked_note = next(n for n in inbox if n["kind"] == "return.requested")
    assert "变质或过期" in asked_note["body"]  # the reason, in the store's language
    assert not ledger.check_books(current_session()).problems


def test_a_refund_only_request_gives_money_back_without_restocking(client, shop, delivered):
    _community, store, owner, _apples, pears, _resident = shop
    asked = _ask(client, shop, delivered, kind="refund_only", reason="missing_item",
                 lines=[{"line_id": _line(delivered, "雪梨"), "quantity": 1}]).json
    approved = client.post(f"/api/stores/{store.id}/returns/{asked['id']}/approve", json={"restock": True},
                           headers=bearer(owner.id)).json
    assert (approved["status"], approved["restocked"]) == ("approved", False)
    assert _stock(pears) == 3 and current_session().get(Order, delivered["id"]).refunded == 800


def test_one_open_request_per_order_and_never_more_than_is_left_to_refund(client, shop, delivered):
    _community, store, owner, *_rest = shop
    first = _ask(client, shop, delivered).json
    again = _ask(client, shop, delivered)
    assert again.status_code == 409 and again.json["code"] == "return_already_open"
    rejected = client.post(f"/api/stores/{store.id}/returns/{first['id']}/reject", json={"reason": "照片看不出问题"},
                           headers=bearer(owner.id))
    assert rejected.json["status"] == "rejected" and rejected.json["decision_note"] == "照片看不出问题"

    apple = _line(delivered, "红富士苹果")
    for lines in ([{"line_id": apple, "quantity": 4}], [{"line_id": apple, "quantity": 1}, {"line_id": apple,
                                                                                             "quantity": 1}],
                  [{"line_id": 999_999, "quantity": 1}]):
        refused = _ask(client, shop, delivered, lines=lines)
        assert refused.status_code == 422 and "lines" in refused.json["errors"], lines
    second = _ask(client, shop, delivered, lines=[{"line_id": apple, "quantity": 3}])
    assert second.status_code == 201
    client.post(f"/api/stores/{store.id}/returns/{second.json['id']}/approve", json={}, headers=bearer(owner.id))
    nothing_left = _ask(client, shop, delivered, lines=[{"line_id": apple, "quantity": 1}])
    assert nothing_left.status_code == 422


def test_only_a_delivered_order_within_seven_days_can_be_returned(client, stripe_client, shop, delivered):
    community, store, _owner, apples, _pears, resident = shop
    base = f"/api/communities/{community.id}/stores/{store.id}"
    client.put(f"{base}/cart/lines", json={"variant_id": apples.variants[0].id, "quantity": 1},
               headers=bearer(resident.id))
    unpaid = client.post(f"{base}/checkout", json={"fulfilment": "pickup"}, headers=bearer(resident.id)).json
    too_early = _ask(client, shop, unpaid, lines=[{"line_id": unpaid["lines"][0]["id"], "quantity": 1}])
    assert too_early.status_code == 409 and too_early.json["code"] == "return_not_allowed"
    assert unpaid["returnable_until"] is None

    order = current_session().get(Order, delivered["id"])
    order.delivered_at = utcnow() - timedelta(days=7, minutes=1)
    current_session().commit()
    shown = client.get(f"/api/communities/{community.id}/orders/{delivered['id']}", headers=bearer(resident.id)).json
    assert shown["returnable_until"] == (order.delivered_at + timedelta(days=7)).isoformat()
    too_late = _ask(client, shop, delivered)
    assert too_late.status_code == 409 and too_late.json["code"] == "return_not_allowed"


def test_an_order_picked_up_and_confirmed_can_still_be_returned_within_the_window(client, stripe_client, shop):
    community, store, owner, apples, _pears, resident = shop
    base = f"/api/communities/{community.id}/stores/{store.id}"
    client.put(f"{base}/cart/lines", json={"variant_id": apples.variants[0].id, "quantity": 2},
               headers=bearer(resident.id))
    order = client.post(f"{base}/checkout", json={"fulfilment": "pickup"}, headers=bearer(resident.id)).json
    pay(client, stripe_client, current_session().get(Order, order["id"]).payment_id)
    url, mine = f"/api/stores/{store.id}/orders/{order['id']}", f"/api/communities/{community.id}/orders/{order['id']}"
    for step in ("accept", "ready"):
        client.post(f"{url}/{step}", headers=bearer(owner.id))
    code = client.get(mine, headers=bearer(resident.id)).json["pickup_code"]
    assert client.post(f"{url}/pickup", json={"code": code}, headers=bearer(owner.id)).json["status"] == "delivered"
    confirmed = client.post(f"{mine}/confirm", headers=bearer(resident.id)).json
    assert confirmed["status"] == "completed" and confirmed["returnable_until"] is not None

    asked = _ask(client, shop, order, kind="refund_only", lines=[{"line_id": order["lines"][0]["id"], "quantity": 1}])

    assert asked.status_code == 201 and asked.json["amount"] == 1200


def test_a_service_can_be_refunded_but_not_sent_back(client, shop):
    community, store, _owner, *_rest, resident = shop
    cleaning = product_of(store, name="日常保洁", kind="service", price=12000)
    order = order_of(store, community, resident, status="delivered", product=cleaning)
    order.lines[0].slot_id = slot_of(cleaning).id
    order.delivered_at = utcnow()
    current_session().commit()
    booked, lines = {"id": order.id}, [{"line_id": order.lines[0].id, "quantity": 1}]

    sent_back = _ask(client, shop, booked, kind="return_and_refund", lines=lines)
    assert sent_back.status_code == 422 and "kind" in sent_back.json["errors"]
    assert _ask(client, shop, booked, kind="refund_only", reason="not_as_described", lines=lines).status_code == 201


def test_lines_that_cost_nothing_have_nothing_to_return(client, shop):
    community, store, _owner, apples, *_rest, resident = shop
    order = order_of(store, community, resident, status="delivered", product=apples)
    order.lines[0].discount = order.lines[0].unit_price  # free with a coupon
    order.subtotal = order.total = 0
    order.delivered_at = utcnow()
    current_session().commit()

    free = _ask(client, shop, {"id": order.id}, lines=[{"line_id": order.lines[0].id, "quantity": 1}])

    assert free.status_code == 422 and "lines" in free.json["errors"]


def test_money_the_store_already_gave_back_by_amount_cannot_be_asked_for_again(client, shop, delivered):
    _community, store, owner, *_rest = shop
    refunded = client.post(f"/api/stores/{store.id}/orders/{delivered['id']}/refunds",
                           json={"reason": "少送了", "amount": 4000}, headers=bearer(owner.id))
    assert refunded.status_code == 201, refunded.json

    too_much = _ask(client, shop, delivered)  # 2 apples, 2400, of the 1200 left

    assert too_much.status_code == 422 and "lines" in too_much.json["errors"]
    one = _ask(client, shop, delivered, lines=[{"line_id": _line(delivered, "红富士苹果"), "quantity": 1}])
    assert one.status_code == 201 and one.json["amount"] == 1200


def test_the_resident_withdraws_and_roles_stop_at_their_powers(client, shop, delivered, run_jobs):
    community, store, owner, *_rest, resident = shop
    clerk = staff_of_store(store)
    asked = _ask(client, shop, delivered).json
    approve = f"/api/stores/{store.id}/returns/{asked['id']}/approve"
    assert client.post(approve, json={}, headers=bearer(clerk.id)).status_code == 403  # money: owners only
    withdrawn = client.post(f"/api/communities/{community.id}/returns/{asked['id']}/withdraw",
                            headers=bearer(resident.id))
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    for url, body, who in ((f"/api/communities/{community.id}/returns/{asked['id']}/withdraw", None, resident),
                           (approve, {}, owner),
                           (f"/api/stores/{store.id}/returns/{asked['id']}/reject", {"reason": "x"}, clerk)):
        late = client.post(url, json=body, headers=bearer(who.id))
        assert late.status_code == 409 and late.json["code"] == "return_not_open", url
    assert current_session().get(Order, delivered["id"]).refunded == 0
    run_jobs()
    told = {(n.user_id, n.kind) for n in current_session().scalars(select(Notification))}
    assert {(owner.id, "return.withdrawn"), (clerk.id, "return.withdrawn")} <= told


def _stock(product):
    current_session().expire_all()
    return current_session().get(Variant, product.variants[0].id).stock


def test_simultaneous_decisions_on_one_request_refund_it_exactly_once(app, committed, stripe_client):
    community, store, owner, apples, pears, resident = _shop()
    client = app.test_client()
    order = _delivered(client, stripe_client, community, store, owner, resident, (apples.variants[0].id, 3))
    asked = _ask(client, (community, store, owner, apples, pears, resident), order).json
    approve = (f"/api/stores/{store.id}/returns/{asked['id']}/approve", {"restock": True}, owner)
    reject = (f"/api/stores/{store.id}/returns/{asked['id']}/reject", {"reason": "不同意"}, owner)
    withdraw = (f"/api/communities/{community.id}/returns/{asked['id']}/withdraw", None, resident)

    responses = fire_together(app, [approve] * 8 + [reject] * 3 + [withdraw] * 2)

    assert sorted(r.status_code for r in responses) == [200] + [409] * 12, [r.json for r in responses]
    with app.app_context():
        decided = db.session.get(ReturnRequest, asked["id"])
        refunds = db.session.scalars(select(Refund).where(Refund.payment_id == order["payment_id"])).all()
        stock = db.session.get(Variant, apples.variants[0].id).stock
    if decided.status == "approved":
        assert [r.amount for r in refunds] == [2400] and stock == 9
    else:
        assert refunds == [] and stock == 7
    assert ledger_check(app).exit_code == 0


def test_simultaneous_requests_on_one_order_open_exactly_one(app, committed, stripe_client):
    shop = _shop()
    community, store, owner, apples, _pears, resident = shop
    client = app.test_client()
    order = _delivered(client, stripe_client, community, store, owner, resident, (apples.variants[0].id, 3))
    body = {"kind": "refund_only", "reason": "damaged", "lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}]}
    url = f"/api/communities/{community.id}/orders/{order['id']}/returns"

    responses = fire_together(app, [(url, body, resident)] * 10)

    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"return_already_open"}
