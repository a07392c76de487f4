"""What the payer's app does with a PaymentIntent's client secret: report that it confirmed (the
server asks Stripe at once instead of waiting for a webhook), and, in test mode only, confirm with
one of Stripe's test cards as the app would.
"""
from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Actor
from core.errors import NotFound
from payments import webhooks
from payments.gateway import TEST_CARDS, gateway, in_test_mode
from payments.models import Payment

TEST_PAYMENT_METHODS = tuple(TEST_CARDS)


def _payers_payment(session: Session, actor: Actor, client_secret: str) -> Payment:
    """The actor's own payment with this client secret; anyone else's does not exist (404)."""
    payment = session.scalar(select(Payment).where(Payment.client_secret == client_secret))
    if payment is None or payment.payer_user_id != actor.user_id or payment.stripe_payment_intent_id is None:
        raise NotFound()
    return payment


def report_confirmed(session: Session, actor: Actor, *, client_secret: str) -> dict:
    """The payer's app confirmed: Stripe is asked now and its answer applied, as a webhook would be.

    Commits. Calls Stripe (a retrieve). A group-deal join counts as soon as its hold is reported,
    not at the next reconciliation (localstripe sends no event for a manual-capture hold).
    """
    payment = _payers_payment(session, actor, client_secret)
    return {"payment_id": payment.id, "status": webhooks.reconcile_payment(session, payment.id)}


def confirm_in_test_mode(session: Session, actor: Actor, *, client_secret: str, payment_method: str) -> dict:
    """Test mode only (a `sk_test_` key, localstripe included; 404 otherwise): confirms the actor's
    PaymentIntent with a Stripe test card, then applies Stripe's answer. Commits. Calls Stripe.

    `status` is the intent's: succeeded, requires_capture (a hold), requires_payment_method (the card
    was declined), requires_action (3-D Secure needed).
    """
    if not in_test_mode(current_app):
        raise NotFound()
    payment = _payers_payment(session, actor, client_secret)
    intent = gateway().confirm_with_test_card(payment.stripe_payment_intent_id, payment_method,
                                              key=f"payment:{payment.id}:test-confirm:{uuid.uuid4().hex}")
    return {"payment_id": payment.id, "status": intent.get("status"),
            "payment_status": webhooks.reconcile_payment(session, payment.id),
            "decline_code": (intent.get("last_payment_error") or {}).get("code")}
