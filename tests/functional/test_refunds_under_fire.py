"""Merchants and platform admins refunding one order at once, and a process that dies around Stripe's
answer: afterwards what Stripe paid back is exactly what the payment, the order and the ledger say,
and never more than was captured."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commerce.orders.models import Cart, CartLine, Order
from core.db import db
from core.models import utcnow
from payments import ledger, refunds
from payments.models import JournalEntry, Payment, Posting, Refund, RefundStatus
from tests.commerce.factories import product_of, store_serving
from tests.conftest import SECRET, bearer, on_both_databases
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of
from tests.helpers import fire_together
from tests.payments.conftest import confirm_with_card, deliver, ledger_check, stripe_event

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 100_000


@pytest.fixture
def paid_order(app, committed, stripe_client):
    """An order of 100,000 fen, paid through localstripe, with its store's owner and an admin."""
    community = CommunityFactory()
    store, owner = store_serving(community, min_order=0)
    product = product_of(store, name="电视机", price=TOTAL, stock=5)
    resident = resident_of(community)
    admin = UserFactory(platform_role="admin")
    session = current_session()
    cart = Cart(user_id=resident.id, store_id=store.id, community_id=community.id)
    cart.lines = [CartLine(variant_id=product.variants[0].id, quantity=1)]
    session.add(cart)
    session.commit()
    client = app.test_client()
    order = client.post(f"/api/communities/{community.id}/stores/{store.id}/checkout", json={"fulfilment": "pickup"},
                        headers=bearer(resident.id))
    assert order.status_code == 201, order.json
    payment_id = session.get(Order, order.json["id"]).payment_id
    intent_id = session.get(Payment, payment_id).stripe_payment_intent_id
    session.commit()  # ends the read: on SQLite an open transaction holds the write lock
    paid = deliver(client, stripe_event("payment_intent.succeeded", confirm_with_card(stripe_client, intent_id)))
    assert paid.status_code == 200, paid.json
    return {"store": store.id, "order": order.json["id"], "payment": payment_id, "owner": owner, "admin": admin}


def _stripe_refunded(stripe_client, intent_id: str) -> tuple[int, int]:
    """(sum, count) of the refunds Stripe holds for an intent."""
    found = [r for r in stripe_client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).data]
    return sum(r.amount for r in found), len(found)


def _books(app, payment_id: int) -> dict:
    with app.app_context():
        session = db.session
        payment = session.get(Payment, payment_id)
        order = session.scalar(select(Order).where(Order.payment_id == payment_id))
        booked = session.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment_id, Refund.status != RefundStatus.FAILED))
        paid_back = session.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment_id, Refund.status == RefundStatus.SUCCEEDED))
        # What the journal says left through Stripe for this payment's refunds.
        refund_ids = session.scalars(select(Refund.id).where(Refund.payment_id == payment_id)).all()
        keys = [f"refund:{i}:paid" for i in refund_ids]
        journal = -session.scalar(
            select(func.coalesce(func.sum(Posting.amount), 0))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.key.in_(keys), Posting.amount < 0)
        ) if keys else 0
        return {"payment": payment.amount_refunded, "order": order.refunded, "refunds": booked,
                "paid_back": paid_back, "journal": journal, "intent": payment.stripe_payment_intent_id,
                "captured": payment.amount_captured}


@on_both_databases
def test_merchants_and_admins_refunding_one_order_at_once_book_exactly_what_stripe_paid_back(
        app, paid_order, stripe_client):
    store_url = f"/api/stores/{paid_order['store']}/orders/{paid_order['order']}/refunds"
    admin_url = f"/api/payments/payments/{paid_order['payment']}/refunds"
    requests = []
    for index in range(30):
        requests.append((store_url, {"reason": "商家退款", "amount": 7_000}, paid_order["owner"]))
        requests.append((admin_url, {"reason": "客服退款", "amount": 3_000 + index}, paid_order["admin"]))

    responses = fire_together(app, requests)

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409, 422}, [r.json for r in responses if r.status_code not in (201, 409, 422)]
    granted = sum(body["amount"] for (_url, body, _user), r in zip(requests, responses, strict=True)
                  if r.status_code == 201)
    assert 0 < granted <= TOTAL
    books = _books(app, paid_order["payment"])
    at_stripe, count = _stripe_refunded(stripe_client, books["intent"])
    assert count == statuses.count(201)
    assert at_stripe == granted == books["payment"] == books["order"] == books["refunds"] == books["paid_back"]
    assert books["journal"] == at_stripe <= books["captured"]
    result = ledger_check(app)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert ledger.balance(db.session, ledger.REFUNDS, "CNY") == 0  # everything granted was paid back


_DIES_AROUND_STRIPE = textwrap.dedent("""
    import json, os, signal, sys
    from app import create_app
    from commerce.orders import refunds
    from community import queries
    from core.db import db
    from payments.gateway import _EXTENSION, gateway

    config, when, ids = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    app = create_app(config)
    with app.app_context():
        real = gateway()

        class DiesAroundStripe:
            # The process is killed (SIGKILL: no cleanup, no rollback handler) just before or just
            # after Stripe answers the refund, before the answer is committed.
            def __getattr__(self, name):
                return getattr(real, name)

            def refund(self, *args, **kwargs):
                if when == "before":
                    os.kill(os.getpid(), signal.SIGKILL)
                real.refund(*args, **kwargs)
                os.kill(os.getpid(), signal.SIGKILL)

        app.extensions[_EXTENSION] = DiesAroundStripe()
        actor = queries.load_actor(db.session, ids["owner"])
        refunds.refund_order(db.session, actor, ids["store"], ids["order"], reason="坏了", amount=ids["amount"])
    print("survived")
""")


def _refund_in_a_process_that_dies(app, paid_order, when: str) -> subprocess.CompletedProcess:
    config = {"DATABASE_URL": app.config["SQLALCHEMY_URL"], "REDIS_URL": app.config.get("REDIS_URL"),
              "SECRET_KEY": SECRET, "STRIPE_API_KEY": app.config["STRIPE_API_KEY"],
              "STRIPE_API_BASE": app.config["STRIPE_API_BASE"], "LOG_LEVEL": "WARNING"}
    ids = {"owner": paid_order["owner"].id, "store": paid_order["store"], "order": paid_order["order"],
           "amount": 25_000}
    args = [sys.executable, "-c", _DIES_AROUND_STRIPE, json.dumps(config), when, json.dumps(ids)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


@on_both_databases
@pytest.mark.parametrize("repair", ["reconciliation", "webhook"])
def test_a_refund_whose_process_died_after_stripe_answered_is_booked_once(app, paid_order, stripe_client, repair):
    died = _refund_in_a_process_that_dies(app, paid_order, "after")
    assert died.returncode == -9, died.stdout + died.stderr
    books = _books(app, paid_order["payment"])
    assert _stripe_refunded(stripe_client, books["intent"]) == (25_000, 1)
    # Recorded and booked before Stripe was asked: the refund is owed, only Stripe's answer is missing.
    assert books["refunds"] == books["payment"] == books["order"] == 25_000 and books["paid_back"] == 0

    if repair == "reconciliation":
        with app.app_context():
            done = refunds.reconcile_refunds(db.session)
            again = refunds.reconcile_refunds(db.session, now=utcnow() + refunds.SEND_LEASE * 2)
        assert done["applied"] == 1 and done["errors"] == 0
        assert again["sent"] == 0  # matched to Stripe's refund: never sent a second time
    else:
        (stripe_refund,) = stripe_client.v1.refunds.list(params={"payment_intent": books["intent"]}).data
        response = deliver(app.test_client(), stripe_event("refund.created", stripe_refund.to_dict()))
        assert response.json["outcome"] == "applied"

    books = _books(app, paid_order["payment"])
    assert _stripe_refunded(stripe_client, books["intent"]) == (25_000, 1)
    assert books["refunds"] == books["paid_back"] == books["journal"] == books["order"] == 25_000
    assert ledger_check(app).exit_code == 0


@on_both_databases
def test_a_refund_whose_process_died_before_stripe_was_asked_is_sent_once_its_lease_runs_out(
        app, paid_order, stripe_client):
    died = _refund_in_a_process_that_dies(app, paid_order, "before")
    assert died.returncode == -9, died.stdout + died.stderr
    intent = _books(app, paid_order["payment"])["intent"]
    assert _stripe_refunded(stripe_client, intent) == (0, 0)

    with app.app_context():
        early = refunds.reconcile_refunds(db.session)
        late = refunds.reconcile_refunds(db.session, now=utcnow() + refunds.SEND_LEASE * 2)
        later = refunds.reconcile_refunds(db.session, now=utcnow() + refunds.SEND_LEASE * 4)
    assert early["sent"] == 0  # the dead sender's lease still runs: it might yet have had an answer
    assert late["sent"] == 1 and later["sent"] == 0
    books = _books(app, paid_order["payment"])
    assert _stripe_refunded(stripe_client, intent) == (25_000, 1)
    assert books["refunds"] == books["paid_back"] == books["journal"] == books["order"] == 25_000
    assert ledger_check(app).exit_code == 0
