"""Partial and full refunds: never more than was captured, also when requested at once."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.db import db
from payments import events, ledger, webhooks
from payments.errors import PaymentNotRefundable, RefundExceedsCaptured, RefundKeyReused
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of
from tests.payments.conftest import confirm_with_card, ledger_check, refund, start


def _captured(session, stripe_client, community, amount=10_000):
    payment = start(session, resident_of(community), community, amount=amount)
    confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
    webhooks.reconcile_payment(session, payment.id)
    return payment


@pytest.fixture
def community(connection):
    return CommunityFactory()


def test_partial_refunds_then_the_rest_refund_everything_and_reverse_the_shares(session, community, stripe_client):
    payment = _captured(session, stripe_client, community)
    refunded = []
    events.subscribe(events.REFUNDED, handler := lambda _s, p: refunded.append(p.amount_refunded))
    try:
        first = refund(session, payment.id, amount=3_333, reason="少了一个", key="order:1:r1")
        session.commit()
        assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_refunded == 3_333
        second = refund(session, payment.id, amount=6_667, reason="全退", key="order:1:r2")
        session.commit()
    finally:
        events.unsubscribe(events.REFUNDED, handler)

    assert first.status == second.status == RefundStatus.SUCCEEDED
    assert payment.status == PaymentStatus.REFUNDED and refunded == [3_333, 10_000]
    stripe_refunds = [stripe_client.v1.refunds.retrieve(r.stripe_refund_id).amount for r in (first, second)]
    assert stripe_refunds == [3_333, 6_667]
    # Everything captured went back: every account of the sale is at zero again.
    for code in ("clearing:stripe", "merchant_payable:store:3", "revenue:platform_commission",
                 f"revenue:community:{community.id}", "refunds"):
        assert ledger.balance(session, code, "CNY") == 0, code


def test_a_refund_above_what_remains_is_refused(session, community, stripe_client):
    payment = _captured(session, stripe_client, community, amount=1_000)
    refund(session, payment.id, amount=600, reason="坏了", key="k1")
    session.commit()
    with pytest.raises(RefundExceedsCaptured):
        refund(session, payment.id, amount=401, reason="再退", key="k2")
    refund(session, payment.id, amount=400, reason="再退", key="k3")
    with pytest.raises(RefundExceedsCaptured):
        refund(session, payment.id, amount=1, reason="又退", key="k4")


def test_the_same_refund_key_returns_the_same_refund(session, community, stripe_client):
    payment = _captured(session, stripe_client, community)
    first = refund(session, payment.id, amount=100, reason="x", key="order:9:refund:1")
    session.commit()
    again = refund(session, payment.id, amount=100, reason="x", key="order:9:refund:1")
    assert again.id == first.id
    assert session.get(Payment, payment.id).amount_refunded == 100
    other = _captured(session, stripe_client, community)
    with pytest.raises(RefundKeyReused):
        refund(session, other.id, amount=100, reason="x", key="order:9:refund:1")


def test_an_uncaptured_payment_cannot_be_refunded(session, community):
    payment = start(session, resident_of(community), community)
    with pytest.raises(PaymentNotRefundable):
        refund(session, payment.id, amount=1, reason="x", key="k")


def test_simultaneous_refunds_never_exceed_the_captured_amount(app, committed, stripe_client):
    community = CommunityFactory()
    payer = resident_of(community)
    admin = UserFactory(platform_role="admin")
    current_session().commit()
    with app.app_context():
        payment = _captured(db.session, stripe_client, community, amount=10_000)
        payment_id = payment.id
    url = f"/api/payments/payments/{payment_id}/refunds"
    assert payer  # the payer's money comes back through Stripe, not through this endpoint

    def refund(_):
        return app.test_client().post(url, json={"amount": 3_000, "reason": "部分退款"}, headers=bearer(admin.id))

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(refund, range(8)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 5, [r.json for r in responses]
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"refund_exceeds_captured"}
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment.amount_refunded == 9_000 and payment.status == PaymentStatus.SUCCEEDED
        assert db.session.query(Refund).filter_by(payment_id=payment_id).count() == 3
        assert ledger.balance(db.session, "clearing:stripe", "CNY") == 1_000
    stripe_total = sum(r.amount for r in stripe_client.v1.refunds.list().data
                       if r.payment_intent == payment.stripe_payment_intent_id)
    assert stripe_total == 9_000
    result = ledger_check(app)
    assert result.exit_code == 0, result.output
    assert "checked 7 journal entries" in result.output  # the capture, and 3 refunds granted and paid
