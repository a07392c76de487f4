"""Stripe's webhook: verified, applied once, safe when late, repeated or out of order."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from core.db import db
from payments.models import JournalEntry, Payment, PaymentStatus, Refund, StripeEvent
from tests.factories import CommunityFactory, current_session, resident_of
from tests.payments.conftest import (
    WEBHOOK_URL,
    confirm_with_card,
    deliver,
    ledger_check,
    refund,
    signed,
    start,
    stripe_event,
)


@pytest.fixture
def paid(session, connection, stripe_client):
    """A payment the payer confirmed with a card; Stripe's intent is succeeded, ours still pending."""
    community = CommunityFactory()
    payment = start(session, resident_of(community), community, amount=5_000)
    intent = confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
    return payment.id, intent


def _payment(session, payment_id) -> Payment:
    session.expire_all()
    return session.get(Payment, payment_id)


def _entries(session, payment_id) -> list[str]:
    return sorted(session.scalars(
        JournalEntry.__table__.select().with_only_columns(JournalEntry.key)
        .where(JournalEntry.key.like(f"payment:{payment_id}:%") | JournalEntry.key.like("refund:%"))
    ))


@pytest.mark.parametrize(
    "how",
    ["forged", "wrong secret", "stale", "no signature", "tampered body"],
)
def test_a_forged_or_stale_delivery_is_refused_and_changes_nothing(client, session, paid, how):
    payment_id, intent = paid
    event = stripe_event("payment_intent.succeeded", intent)
    payload, headers = signed(event)
    if how == "forged":
        headers["Stripe-Signature"] = headers["Stripe-Signature"][:-6] + "abcdef"
    elif how == "wrong secret":
        payload, headers = signed(event, secret="whsec_someone_else")
    elif how == "stale":
        payload, headers = signed(event, timestamp=int(time.time()) - 301)
    elif how == "no signature":
        del headers["Stripe-Signature"]
    else:
        payload = payload.replace('"amount": 5000', '"amount": 1')

    response = client.post(WEBHOOK_URL, data=payload, headers=headers)

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "invalid_webhook"
    assert _payment(session, payment_id).status == PaymentStatus.PENDING
    assert session.get(StripeEvent, event["id"]) is None


def test_the_webhook_needs_no_bearer_token_and_is_documented_as_public(client):
    spec = client.get("/api/openapi.json").json
    operation = spec["paths"][WEBHOOK_URL]["post"]
    assert operation["security"] == []
    assert "400" in operation["responses"]


def test_the_same_event_twice_is_applied_once(client, session, paid):
    payment_id, intent = paid
    event = stripe_event("payment_intent.succeeded", intent)

    first, second = deliver(client, event), deliver(client, event)

    assert first.json == {"received": True, "duplicate": False, "outcome": "applied"}
    assert second.json == {"received": True, "duplicate": True, "outcome": "duplicate"}
    assert _entries(session, payment_id) == [f"payment:{payment_id}:capture"]


def test_a_success_arriving_after_the_refund_does_not_resurrect_the_payment(client, session, paid, stripe_client):
    payment_id, intent = paid
    deliver(client, stripe_event("payment_intent.succeeded", intent))
    booked = refund(session, payment_id, amount=5_000, reason="缺货", key="order:1:refund")
    session.commit()
    charge = stripe_client.v1.charges.retrieve(intent["latest_charge"]["id"]).to_dict()
    assert charge["refunded"] is True
    assert deliver(client, stripe_event("charge.refunded", charge)).json["outcome"] == "applied"

    late = deliver(client, stripe_event("payment_intent.succeeded", intent))  # a new event id: a redelivery

    assert late.status_code == 200 and late.json["duplicate"] is False
    payment = _payment(session, payment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.amount_refunded == 5_000
    assert _entries(session, payment_id) == [
        f"payment:{payment_id}:capture", f"refund:{booked.id}", f"refund:{booked.id}:paid"
    ]


def test_a_refund_that_overtakes_the_success_still_books_the_capture_first(client, session, paid, stripe_client):
    payment_id, intent = paid
    charge = intent["latest_charge"]

    deliver(client, stripe_event("charge.refunded", {**charge, "amount_refunded": 0, "refunds": {"data": []}}))
    assert _payment(session, payment_id).status == PaymentStatus.SUCCEEDED
    deliver(client, stripe_event("payment_intent.succeeded", intent))

    payment = _payment(session, payment_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_captured == 5_000
    assert _entries(session, payment_id) == [f"payment:{payment_id}:capture"]


def test_a_failure_arriving_after_the_success_is_ignored(client, session, paid):
    payment_id, intent = paid
    deliver(client, stripe_event("payment_intent.succeeded", intent))
    failed = {**intent, "status": "requires_payment_method", "last_payment_error": {"code": "card_declined"}}

    deliver(client, stripe_event("payment_intent.payment_failed", failed))

    assert _payment(session, payment_id).status == PaymentStatus.SUCCEEDED


@pytest.mark.parametrize("kind", ["payment_intent.succeeded", "charge.refunded", "refund.updated"])
def test_an_event_for_an_unknown_intent_is_acknowledged_and_ignored(client, session, kind):
    obj = {"id": "pi_nobodyknowsme", "object": "payment_intent", "status": "succeeded", "amount": 100,
           "payment_intent": "pi_nobodyknowsme"}
    event = stripe_event(kind, obj)

    response = deliver(client, event)

    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    assert session.get(StripeEvent, event["id"]).outcome == "ignored"


def test_an_event_type_we_do_not_use_is_acknowledged(client):
    response = deliver(client, stripe_event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200 and response.json["outcome"] == "ignored"


def test_a_signed_delivery_without_an_event_shape_is_refused(client):
    payload, headers = signed({"id": "evt_1", "type": "payment_intent.succeeded"})
    assert client.post(WEBHOOK_URL, data=payload, headers=headers).status_code == 400


def test_simultaneous_deliveries_of_one_event_apply_it_once_and_the_books_balance(app, committed, stripe_client):
    community = CommunityFactory()
    payer = resident_of(community)
    current_session().commit()
    with app.app_context():
        payment = start(db.session, payer, community, amount=7_700)
        payment_id = payment.id
    intent = confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
    event = stripe_event("payment_intent.succeeded", intent)
    payload, headers = signed(event)

    def post(_):
        return app.test_client().post(WEBHOOK_URL, data=payload, headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(8)))

    assert all(r.status_code == 200 for r in responses), [r.json for r in responses]
    assert sorted(r.json["duplicate"] for r in responses) == [False] + [True] * 7
    with app.app_context():
        keys = db.session.scalars(JournalEntry.__table__.select().with_only_columns(JournalEntry.key)).all()
        assert keys == [f"payment:{payment_id}:capture"]
        assert db.session.get(Payment, payment_id).status == PaymentStatus.SUCCEEDED
    result = ledger_check(app)
    assert result.exit_code == 0, result.output
    assert "checked 1 journal entries" in result.output


def test_a_refund_made_on_the_stripe_dashboard_is_booked_once(client, session, paid, stripe_client, app):
    payment_id, intent = paid
    deliver(client, stripe_event("payment_intent.succeeded", intent))
    # Support refunds part of it on the Dashboard: Linli hears of it only through the webhook.
    outside = stripe_client.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 2_000}).to_dict()

    assert deliver(client, stripe_event("refund.created", outside)).json["outcome"] == "applied"
    charge = stripe_client.v1.charges.retrieve(intent["latest_charge"]["id"]).to_dict()
    assert deliver(client, stripe_event("charge.refunded", charge)).json["outcome"] == "applied"

    payment = _payment(session, payment_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_refunded == 2_000
    (imported,) = session.scalars(select(Refund).where(Refund.payment_id == payment_id)).all()
    assert (imported.key, imported.amount, imported.stripe_refund_id) == (f"stripe:{outside['id']}", 2_000,
                                                                          outside["id"])
    assert f"refund:{imported.id}" in _entries(session, payment_id)
    assert ledger_check(app).exit_code == 0
    # Linli's own refund of the rest still fits what was captured.
    refund(session, payment_id, amount=3_000, reason="缺货", key="order:9:refund")
    session.commit()
    assert _payment(session, payment_id).status == PaymentStatus.REFUNDED


def test_a_dashboard_refund_for_a_payment_linli_does_not_know_is_ignored(client):
    unknown = {"id": "re_elsewhere", "object": "refund", "amount": 100, "currency": "cny",
               "payment_intent": "pi_not_ours", "status": "succeeded"}
    assert deliver(client, stripe_event("refund.created", unknown)).json["outcome"] == "ignored"
