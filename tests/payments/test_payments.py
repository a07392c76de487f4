"""PaymentIntents through the real stripe SDK on localstripe: create, confirm, capture, cancel."""
import pytest

from core.errors import InvalidInput
from payments import events, ledger, service, webhooks
from payments.errors import PaymentNotCancelable, PaymentNotCapturable
from payments.models import JournalEntry, Payment, PaymentStatus
from tests.factories import CommunityFactory, resident_of
from tests.payments.conftest import confirm_with_card, deliver, start, stripe_event


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    return community, resident_of(community)


def test_the_intent_is_created_for_the_amount_the_server_computed(session, world, stripe_client):
    community, payer = world
    payment = start(session, payer, community, amount=12_345, reference="order:42", description="两斤苹果")

    intent = stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
    assert intent["amount"] == 12_345 and intent["currency"] == "cny"
    assert intent["capture_method"] == "automatic"
    assert intent["metadata"] == {"payment_id": str(payment.id), "reference": "order:42", "description": "两斤苹果"}
    assert payment.client_secret == intent["client_secret"]
    assert payment.status == PaymentStatus.PENDING


def test_confirming_with_a_test_card_and_the_webhook_capture_the_payment_and_post_it(
    session, client, world, stripe_client
):
    community, payer = world
    payment = start(session, payer, community, amount=10_000, payee="store:3")
    intent = confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
    assert intent["status"] == "succeeded"

    assert deliver(client, stripe_event("payment_intent.succeeded", intent)).status_code == 200

    session.expire_all()
    payment = session.get(Payment, payment.id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_captured == 10_000
    # Default rates: 5 % to the platform, 1 % to the community, the rest owed to the store.
    assert (payment.platform_fee, payment.community_fee) == (500, 100)
    entry = session.query(JournalEntry).filter_by(key=f"payment:{payment.id}:capture").one()
    assert sorted((p.account.code, p.amount) for p in entry.postings) == [
        ("clearing:stripe", 10_000),
        ("merchant_payable:store:3", -9_400),
        (f"revenue:community:{community.id}", -100),
        ("revenue:platform_commission", -500),
    ]


def test_a_declined_card_fails_the_payment_and_a_later_success_still_counts(session, client, world, stripe_client):
    community, payer = world
    payment = start(session, payer, community)
    declined = confirm_with_card(stripe_client, payment.stripe_payment_intent_id, "pm_card_chargeCustomerFail")
    assert declined["status"] == "requires_payment_method"

    assert deliver(client, stripe_event("payment_intent.payment_failed", declined)).status_code == 200
    session.expire_all()
    assert session.get(Payment, payment.id).status == PaymentStatus.FAILED

    succeeded = {**declined, "status": "succeeded", "amount_received": declined["amount"], "last_payment_error": None}
    deliver(client, stripe_event("payment_intent.succeeded", succeeded))
    session.expire_all()
    assert session.get(Payment, payment.id).status == PaymentStatus.SUCCEEDED


def test_manual_capture_holds_then_captures_part_of_the_amount(session, client, world, stripe_client):
    community, payer = world
    seen = []

    def on_authorized(_session, p):
        seen.append(("authorized", p.id))

    def on_succeeded(_session, p):
        seen.append(("succeeded", p.id))

    events.subscribe(events.AUTHORIZED, on_authorized)
    events.subscribe(events.SUCCEEDED, on_succeeded)
    try:
        payment = start(session, payer, community, amount=8_000, capture_method="manual")
        intent = confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
        assert intent["status"] == "requires_capture"
        deliver(client, stripe_event("payment_intent.amount_capturable_updated", intent))
        session.expire_all()
        assert session.get(Payment, payment.id).status == PaymentStatus.AUTHORIZED
        assert ledger.balance(session, "clearing:stripe", "CNY") == 0  # a hold moves no money

        captured = service.capture_payment(session, payment.id, amount=6_000)
        session.commit()
    finally:
        events.unsubscribe(events.AUTHORIZED, on_authorized)
        events.unsubscribe(events.SUCCEEDED, on_succeeded)

    assert captured.status == PaymentStatus.SUCCEEDED and captured.amount_captured == 6_000
    assert stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).status == "succeeded"
    assert ledger.balance(session, "clearing:stripe", "CNY") == 6_000
    assert seen == [("authorized", payment.id), ("succeeded", payment.id)]


@pytest.mark.parametrize(
    "configured, capture_method, offered",
    [
        (["card"], "automatic", ["card"]),
        (["card", "wechat_pay", "alipay"], "automatic", ["card", "wechat_pay", "alipay"]),
        (["card", "wechat_pay", "alipay"], "manual", ["card"]),
        (["wechat_pay"], "manual", ["card"]),
    ],
)
def test_wallets_are_offered_only_where_the_money_is_taken_at_once(configured, capture_method, offered):
    # localstripe accepts payment_method_types but does not keep them, so this is checked here.
    assert service.method_types(configured, capture_method) == offered


def test_canceling_releases_a_hold_and_a_captured_payment_cannot_be_canceled(session, world, stripe_client):
    community, payer = world
    held = start(session, payer, community, capture_method="manual")
    confirm_with_card(stripe_client, held.stripe_payment_intent_id)
    webhooks.reconcile_payment(session, held.id)
    canceled = service.cancel_payment(session, held.id)
    session.commit()
    assert canceled.status == PaymentStatus.CANCELED
    assert stripe_client.v1.payment_intents.retrieve(held.stripe_payment_intent_id).status == "canceled"
    assert service.cancel_payment(session, held.id).status == PaymentStatus.CANCELED  # again: unchanged
    with pytest.raises(PaymentNotCapturable):
        service.capture_payment(session, held.id)

    paid = start(session, payer, community)
    confirm_with_card(stripe_client, paid.stripe_payment_intent_id)
    webhooks.reconcile_payment(session, paid.id)
    with pytest.raises(PaymentNotCancelable):
        service.cancel_payment(session, paid.id)


def test_an_unpaid_payment_can_be_canceled_before_the_payer_confirms(session, world, stripe_client):
    community, payer = world
    payment = start(session, payer, community)
    assert service.cancel_payment(session, payment.id).status == PaymentStatus.CANCELED


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": 0}, "amount"),
        ({"amount": 100_000_000}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"currency": "cny"}, "currency"),
        ({"capture_method": "later"}, "capture_method"),
        ({"payee": "store 3"}, "payee"),
        ({"reference": ""}, "reference"),
        ({"description": "x" * 256}, "description"),
    ],
)
def test_a_payment_with_bad_arguments_is_refused_before_stripe_is_called(session, world, changes, field):
    community, payer = world
    arguments = {"reference": "order:1", "payer_user_id": payer.id, "community_id": community.id, "amount": 100,
                 **changes}
    with pytest.raises(InvalidInput) as raised:
        service.record_payment(session, **arguments)
    assert field in raised.value.errors
    assert session.query(Payment).count() == 0
