"""A resident pays with a test card, the store refunds part, sets up its payout account and is paid
out, and reads a statement that ties to the ledger; the community's manager reads its revenue; the
platform reads its totals. Every figure through the API, every one tied to the journal."""
from __future__ import annotations

import csv
import io
from contextlib import contextmanager

import pytest

from commerce.orders.models import Order
from core.models import utcnow
from core.timeutil import local_date
from payments import jobs as payment_jobs
from payments import ledger
from payments.models import Payment
from tests.commerce.factories import product_of, store_serving
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of, staff_of


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community, min_order=0, delivery_fee=0, name="鲜果铺")
    product = product_of(store, price=10_000, stock=20)
    return community, store, owner, product


def _pay_an_order(client, community, store, product, resident, card="pm_card_visa"):
    base = f"/api/communities/{community.id}/stores/{store.id}"
    client.put(f"{base}/cart/lines", json={"variant_id": product.variants[0].id, "quantity": 1},
               headers=bearer(resident.id))
    order = client.post(f"{base}/checkout", json={"fulfilment": "pickup"}, headers=bearer(resident.id)).json
    paid = client.post("/api/payments/test-mode/confirm", headers=bearer(resident.id),
                       json={"client_secret": order["client_secret"], "payment_method": card})
    assert paid.status_code == 200, paid.json
    return order, paid.json


def _today(store):
    """The store's local day (Shanghai's runs ahead of UTC's from 16:00 UTC)."""
    return local_date(utcnow(), store.timezone).isoformat()


@contextmanager
def _config(app, **values):
    saved = {name: app.config[name] for name in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(saved)


def test_a_test_card_pays_a_declining_one_does_not_and_3ds_asks_for_action(client, world):
    community, store, _owner, product = world
    resident = resident_of(community)
    order, paid = _pay_an_order(client, community, store, product, resident)
    assert (paid["status"], paid["payment_status"]) == ("succeeded", "succeeded")
    current_session().expire_all()
    assert current_session().get(Order, order["id"]).status == "paid"  # at once, without a webhook

    declined_order, declined = _pay_an_order(client, community, store, product, resident, "pm_card_chargeDeclined")
    assert declined["status"] == "requires_payment_method" and declined["payment_status"] in ("failed", "pending")
    current_session().expire_all()
    assert current_session().get(Order, declined_order["id"]).status == "awaiting_payment"

    _asked, action = _pay_an_order(client, community, store, product, resident, "pm_card_authenticationRequired")
    assert action["status"] == "requires_action"

    stranger = resident_of(community)
    foreign = client.post("/api/payments/test-mode/confirm", headers=bearer(stranger.id),
                          json={"client_secret": declined_order["client_secret"], "payment_method": "pm_card_visa"})
    assert foreign.status_code == 404  # only the payer confirms their own payment
    bad = client.post("/api/payments/test-mode/confirm", headers=bearer(resident.id),
                      json={"client_secret": order["client_secret"], "payment_method": "pm_card_amex"})
    assert bad.status_code == 422


def test_outside_test_mode_the_test_confirm_does_not_exist(app, client, world):
    community, _store, _owner, _product = world
    resident = resident_of(community)
    with _config(app, STRIPE_API_KEY="sk_live_not_a_real_key"):
        response = client.post("/api/payments/test-mode/confirm", headers=bearer(resident.id),
                               json={"client_secret": "pi_x_secret_y", "payment_method": "pm_card_visa"})
    assert response.status_code == 404


def test_a_store_is_paid_out_and_reads_a_statement_that_ties_to_the_ledger(app, client, world, run_jobs):
    community, store, owner, product = world
    resident = resident_of(community)
    first, _ = _pay_an_order(client, community, store, product, resident)
    second, _ = _pay_an_order(client, community, store, product, resident)
    refunded = client.post(f"/api/stores/{store.id}/orders/{second['id']}/refunds", headers=bearer(owner.id),
                           json={"reason": "少了一个", "amount": 2_500})
    assert refunded.status_code == 201, refunded.json

    account = client.post(f"/api/stores/{store.id}/payout-account", json={}, headers=bearer(owner.id))
    assert account.status_code == 200, account.json
    assert account.json["stripe_account_id"].startswith("acct_") and account.json["payouts_enabled"]
    clerk = UserFactory()
    assert client.post(f"/api/stores/{store.id}/payout-account", json={},
                       headers=bearer(clerk.id)).status_code == 404
    with app.app_context():
        assert payment_jobs.settle_payouts()["payouts"] >= 1

    url = f"/api/stores/{store.id}/settlement?from={_today(store)}&to={_today(store)}"
    statement = client.get(url, headers=bearer(owner.id))
    assert statement.status_code == 200, statement.json
    body = statement.json
    kinds = [line["kind"] for line in body["lines"]]
    assert {"payment", "platform_commission", "community_commission", "refund", "commission_returned",
            "payout"} <= set(kinds)
    assert body["opening_balance"] + sum(line["amount"] for line in body["lines"]) == body["closing_balance"]
    owed = -ledger.balance(current_session(), f"merchant_payable:store:{store.id}", "CNY")
    assert body["closing_balance"] == body["balance"] == owed == 0  # everything owed was paid out
    payments = [line for line in body["lines"] if line["kind"] == "payment"]
    assert sorted(line["order_id"] for line in payments) == sorted([first["id"], second["id"]])
    assert sum(line["amount"] for line in payments) == 20_000
    assert body["totals"]["refund"] == -2_500 and len(body["payouts"]) == 1
    assert client.get(url, headers=bearer(resident.id)).status_code == 404

    exported = client.get(url + "&format=csv", headers=bearer(owner.id))
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["occurred_at", "kind", "amount_fen"] and rows[1][1] == "opening_balance"
    assert sum(int(r[2]) for r in rows[2:-1]) == int(rows[-1][2]) - int(rows[1][2])

    with _config(app, EXPORT_INLINE_ROWS=3):
        started = client.get(url + "&format=csv", headers=bearer(owner.id))
    assert started.status_code == 202, started.json
    download = started.json["download"]
    assert client.get(download, headers=bearer(owner.id)).status_code == 202  # still being made
    run_jobs()
    made = client.get(download, headers=bearer(owner.id))
    assert made.status_code == 200 and made.get_data() == exported.get_data()
    assert client.get(download, headers=bearer(resident.id)).status_code == 404


def test_a_manager_reads_the_communitys_revenue_by_month_and_store_and_exports_it(client, world):
    community, store, owner, product = world
    other_store, _ = store_serving(community, min_order=0, name="家政")
    other_product = product_of(other_store, price=30_000, stock=5)
    resident = resident_of(community)
    apple, _ = _pay_an_order(client, community, store, product, resident)
    cleaning, _ = _pay_an_order(client, community, other_store, other_product, resident)
    client.post(f"/api/stores/{store.id}/orders/{apple['id']}/refunds", headers=bearer(owner.id),
                json={"reason": "坏了", "amount": 10_000})
    manager = staff_of(community)

    url = f"/api/communities/{community.id}/revenue?from={_today(community)}&to={_today(community)}"
    revenue = client.get(url, headers=bearer(manager.id))
    assert revenue.status_code == 200, revenue.json
    body = revenue.json
    share = -ledger.balance(current_session(), f"revenue:community:{community.id}", "CNY")
    assert body["total"] == share == 300  # 1 % of 30,000; the refunded 10,000 gave its 100 back
    assert sum(s["amount"] for s in body["by_store"]) == sum(m["amount"] for m in body["by_month"]) == share
    by_store = {s["store_id"]: s for s in body["by_store"]}
    assert by_store[other_store.id]["order_ids"] == [cleaning["id"]] and by_store[store.id]["amount"] == 0
    assert by_store[other_store.id]["store_name"] == "家政"

    csv_text = client.get(url + "&format=csv", headers=bearer(manager.id)).get_data().decode("utf-8")
    assert csv_text.startswith("\ufeff") and "家政" in csv_text
    assert client.get(url, headers=bearer(resident.id)).status_code == 403
    elsewhere = staff_of(CommunityFactory())
    assert client.get(url, headers=bearer(elsewhere.id)).status_code == 403
    assert client.get(url, headers=bearer(owner.id)).status_code == 403


def test_platform_admins_read_gmv_commission_shares_refunds_and_payouts_per_month(client, world):
    community, store, owner, product = world
    resident = resident_of(community)
    order, _ = _pay_an_order(client, community, store, product, resident)
    client.post(f"/api/stores/{store.id}/orders/{order['id']}/refunds", headers=bearer(owner.id),
                json={"reason": "坏了", "amount": 1_000})
    admin = UserFactory(platform_role="admin")
    summary = client.get("/api/payments/summary", headers=bearer(admin.id))
    assert summary.status_code == 200, summary.json
    [totals] = summary.json["totals"]
    assert (totals["currency"], totals["gmv"], totals["platform_commission"], totals["community_shares"],
            totals["refunds"]) == ("CNY", 10_000, 500 - 50, 100 - 10, 1_000)
    assert summary.json["months"][-1]["gmv"] == 10_000
    assert client.get("/api/payments/summary", headers=bearer(staff_of(community).id)).status_code == 403
    assert current_session().get(Payment, current_session().get(Order, order["id"]).payment_id).amount_refunded == 1_000
