"""The periodic job asks Stripe for the truth of payments whose webhook never came."""
from datetime import timedelta

import pytest

from core.models import utcnow
from payments import jobs, ledger
from payments.models import Payment, PaymentStatus
from tests.factories import CommunityFactory, resident_of
from tests.payments.conftest import confirm_with_card, start


@pytest.fixture
def community(connection):
    return CommunityFactory()


def test_a_payment_whose_webhook_never_came_is_fixed_by_reconciliation(app, session, community, stripe_client):
    paid = start(session, resident_of(community), community, amount=4_200)
    confirm_with_card(stripe_client, paid.stripe_payment_intent_id)
    held = start(session, resident_of(community), community, amount=900, capture_method="manual")
    confirm_with_card(stripe_client, held.stripe_payment_intent_id)
    abandoned = start(session, resident_of(community), community, amount=300)

    with app.app_context():
        done = jobs.reconcile_with_stripe(now=utcnow() + timedelta(minutes=11))

    assert done == {"payments": 3, "refunds": 0, "errors": 0}
    session.expire_all()
    assert session.get(Payment, paid.id).status == PaymentStatus.SUCCEEDED
    assert session.get(Payment, held.id).status == PaymentStatus.AUTHORIZED
    assert session.get(Payment, abandoned.id).status == PaymentStatus.PENDING
    assert ledger.balance(session, "clearing:stripe", "CNY") == 4_200


def test_reconciliation_leaves_payments_whose_webhook_may_still_come(app, session, community, stripe_client):
    young = start(session, resident_of(community), community)
    confirm_with_card(stripe_client, young.stripe_payment_intent_id)
    with app.app_context():
        assert jobs.reconcile_with_stripe(now=utcnow() + timedelta(minutes=5))["payments"] == 0
        assert jobs.reconcile_with_stripe(now=utcnow() + timedelta(days=9))["payments"] == 0
    session.expire_all()
    assert session.get(Payment, young.id).status == PaymentStatus.PENDING


def test_reconciling_twice_posts_once(app, session, community, stripe_client):
    paid = start(session, resident_of(community), community, amount=1_000)
    confirm_with_card(stripe_client, paid.stripe_payment_intent_id)
    later = utcnow() + timedelta(minutes=11)
    with app.app_context():
        jobs.reconcile_with_stripe(now=later)
        assert jobs.reconcile_with_stripe(now=later)["payments"] == 0  # no longer open
    assert ledger.balance(session, "clearing:stripe", "CNY") == 1_000


def test_the_reconciliation_and_settlement_jobs_are_scheduled(app):
    with app.app_context():
        from core.jobs import jobs as runner

        ids = {p.id for p in runner.schedule}
    assert {"payments.reconcile-with-stripe", "payments.settle-payouts"} <= ids
