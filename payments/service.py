"""Use cases of payments: PaymentIntents, capture and cancel, and what Stripe's answers do to a
payment. The floor's other rooms: refunds.py, webhooks.py (webhooks and reconciliation),
commission.py, settlement.py (payout accounts and payouts), state.py (states and the lock).

The contract for higher floors (`record_payment`, then `request_intent` once the caller has
committed what it reserved; `capture_payment`, `cancel_payment`; and, re-exported here from their
rooms, `lock_payment`, refunds' `request_refund`/`send_refund` and settlement's
`set_up_payout_account`) takes no actor and does not commit: the calling use case checks its own
policy and commits.

A payment only moves forward (payments/state.py): a late or repeated webhook cannot take it back.
Stripe is asked with no row lock held; its answer is applied under the payment's lock.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from core.db import db
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from core.jobs import job, jobs
from payments import ledger
from payments.commission import rates, split
from payments.errors import PaymentNotCancelable, PaymentNotCapturable, PaymentProviderError
from payments.gateway import MANUAL_CAPTURE_TYPES, gateway
from payments.models import (
    CaptureMethod,
    Payment,
    PaymentStatus,
)
from payments.refunds import request_refund as request_refund
from payments.refunds import send_refund as send_refund
from payments.settlement import set_up_payout_account as set_up_payout_account
from payments.state import OPEN, can_move, move
from payments.state import lock_payment as lock_payment
from payments.validation import check_amount, check_text, invalid

log = logging.getLogger(__name__)

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Re-exported above (`x as x`): refunds' `request_refund`/`send_refund` and the payment's
# `lock_payment` are part of this floor's contract for higher floors, from the rooms they live in.

_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --- the contract: payments ------------------------------------------------------------------


def method_types(configured: list[str], capture_method: str) -> list[str]:
    """The payment method types offered: the configured ones, only cards when capture is manual."""
    if capture_method == CaptureMethod.MANUAL:
        return [t for t in configured if t in MANUAL_CAPTURE_TYPES] or ["card"]
    return list(configured)


def record_payment(
    session: Session,
    *,
    reference: str,
    payer_user_id: int,
    community_id: int,
    amount: int,
    currency: str = "CNY",
    capture_method: str = CaptureMethod.AUTOMATIC,
    description: str = "",
    payee: str | None = None,
    store_category: str | None = None,
) -> Payment:
    """Records a pending Payment of `amount` (computed by the caller), without calling Stripe yet.

    Does not commit (flushes to get the id). The caller commits what it reserved for the payment,
    then calls `request_intent`: Stripe is never called while the caller holds its row locks.
    `reference` names what is paid ("order:42", "groupjoin:7"); `payee` who is owed the money
    ("store:3"; None means the platform itself); `store_category` picks the commission rates,
    which are fixed now. `capture_method` is "automatic" or "manual" (hold now, `capture_payment`
    later: group deals); manual capture offers only the method types that can hold money (cards).
    Raises InvalidInput (422) for a bad argument, PaymentProviderError (502) if Stripe refuses.
    """
    check_text(reference, "reference", min_length=1, max_length=100)
    check_amount(amount)
    check_text(description, "description", min_length=0, max_length=255)
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise invalid("currency", _l("Must be a three-letter currency code such as CNY."))
    if capture_method not in set(CaptureMethod):
        raise invalid("capture_method", _l("Must be automatic or manual."))
    if payee is not None and not ledger.is_valid_payee(payee):
        raise invalid("payee", _l("Must look like store:3."))
    if store_category is not None:
        check_text(store_category, "store_category", min_length=1, max_length=40)
    platform_bps, community_bps = rates(session, community_id, store_category) if payee else (0, 0)
    payment = Payment(
        reference=reference, payer_user_id=payer_user_id, community_id=community_id, amount=amount,
        currency=currency, capture_method=capture_method, description=description, payee=payee,
        store_category=store_category, status=PaymentStatus.PENDING, amount_captured=0, amount_refunded=0,
        platform_rate_bps=platform_bps, community_rate_bps=community_bps,
    )
    session.add(payment)
    # flush: the PaymentIntent's idempotency key is derived from the payment's id
    session.flush()
    return payment


def request_intent(session: Session, payment_id: int) -> Payment:
    """Creates the Stripe PaymentIntent of a recorded payment.

    Does not commit. Calls Stripe (key `payment:<id>:create`, so a retry gets the same intent).
    Returns the payment with `client_secret` (for the mobile client to confirm) and
    `stripe_payment_intent_id`. Raises PaymentProviderError (502) if Stripe refuses or is down.
    """
    payment = session.get(Payment, payment_id)
    intent = gateway().create_intent(
        amount=payment.amount, currency=payment.currency, capture_method=payment.capture_method,
        payment_method_types=method_types(current_app.config["PAYMENT_METHOD_TYPES"], payment.capture_method),
        metadata={"payment_id": str(payment.id), "reference": payment.reference, "description": payment.description},
        key=f"payment:{payment.id}:create",
    )
    payment.stripe_payment_intent_id = intent["id"]
    payment.client_secret = intent["client_secret"]
    return payment


def _current(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id, populate_existing=True)
    if payment is None:
        raise NotFound()
    return payment


def capture_payment(session: Session, payment_id: int, *, amount: int | None = None) -> Payment:
    """Captures an authorized (manual-capture) payment, all of it or `amount` of it.

    Does not commit. Calls Stripe (key `payment:<id>:capture`) with no lock of payments held, then
    locks the payment and applies Stripe's answer: the capture entry and the "payment.succeeded"
    handlers. Raises PaymentNotCapturable (409) unless authorized.
    """
    payment = _current(session, payment_id)
    if payment.status != PaymentStatus.AUTHORIZED:
        raise PaymentNotCapturable()
    if amount is not None:
        check_amount(amount)
        if amount > payment.amount:
            raise invalid("amount", _l("Cannot capture more than was authorized."))
    captured = payment.amount if amount is None else amount
    intent = gateway().capture_intent(payment.stripe_payment_intent_id, amount=captured,
                                      key=f"payment:{payment.id}:capture")
    payment = lock_payment(session, payment_id)
    if intent.get("status") == "succeeded":
        _mark_succeeded(session, payment, captured)  # what we captured, whatever else the intent says
    else:
        _apply_intent(session, payment, intent)
    return payment


def cancel_payment(session: Session, payment_id: int, **details: Any) -> Payment:
    """Cancels a payment that was not captured (pending, failed or authorized: the hold is released).

    Does not commit. Calls Stripe (key `payment:<id>:cancel`) with no lock of payments held, then
    locks the payment and applies the answer: the "payment.canceled" handlers, which get `details`
    (e.g. the caller's `reason` and `actor_user_id`). Canceling a
    canceled payment returns it unchanged; a captured one raises PaymentNotCancelable (409):
    refund it instead. If the payer paid just before, Stripe refuses, and the payment's success is
    applied instead (its "payment.succeeded" handlers run, and the caller finds it paid).
    """
    payment = _current(session, payment_id)
    if payment.status == PaymentStatus.CANCELED:
        return payment
    if payment.status not in OPEN:
        raise PaymentNotCancelable()
    # Without an intent id (Stripe failed or never answered) nobody holds a client secret: an
    # intent Stripe may have made can never be confirmed, so there is nothing to cancel there.
    intent = None
    if payment.stripe_payment_intent_id is not None:
        try:
            intent = gateway().cancel_intent(payment.stripe_payment_intent_id, key=f"payment:{payment.id}:cancel")
        except PaymentProviderError as exc:
            if exc.uncertain:
                raise
            # Refused: the intent is past cancelling (paid a moment ago, or cancelled by an earlier
            # attempt whose transaction rolled back). What it is now is applied instead.
            intent = gateway().retrieve_intent(payment.stripe_payment_intent_id,
                                               key=f"payment:{payment.id}:cancel-refused")
    payment = lock_payment(session, payment_id)
    if intent is None:
        move(session, payment, PaymentStatus.CANCELED, **details)
    else:
        _apply_intent(session, payment, intent, **details)
    return payment


# --- state changes, entries and handlers -------------------------------------------------------


def _mark_succeeded(session: Session, payment: Payment, captured: int) -> None:
    if not can_move(payment.status, PaymentStatus.SUCCEEDED):
        move(session, payment, PaymentStatus.SUCCEEDED)  # only logs: late or repeated news
        return
    payment.amount_captured = max(1, min(int(captured), payment.amount))
    payment.failure_code = None
    currency = payment.currency
    if payment.payee is None:
        postings = [(ledger.CLEARING, payment.amount_captured, currency),
                    (ledger.PLATFORM_SALES, -payment.amount_captured, currency)]
    else:
        payment.platform_fee, payment.community_fee = split(
            payment.amount_captured, payment.platform_rate_bps, payment.community_rate_bps
        )
        merchant = payment.amount_captured - payment.platform_fee - payment.community_fee
        postings = [
            (ledger.CLEARING, payment.amount_captured, currency),
            (ledger.payee_account(payment.payee), -merchant, currency),
            (ledger.PLATFORM_COMMISSION, -payment.platform_fee, currency),
            (ledger.community_revenue(payment.community_id), -payment.community_fee, currency),
        ]
    ledger.post_entry(
        session, key=f"payment:{payment.id}:capture", description=f"{payment.reference} paid",
        postings=[p for p in postings if p[1] != 0],
    )
    move(session, payment, PaymentStatus.SUCCEEDED)
    jobs.enqueue_after_commit(session, record_stripe_fee, payment.id)


def _received(intent: dict, payment: Payment) -> int:
    return int(intent.get("amount_received") or payment.amount_captured or intent.get("amount") or payment.amount)


def _apply_intent(session: Session, payment: Payment, intent: dict, status: str | None = None, **details: Any) -> None:
    """Brings the payment to what Stripe says of its intent (only ever forward); `details` go to the
    handlers of a cancellation."""
    status = status or intent.get("status")
    if status == "succeeded":
        _mark_succeeded(session, payment, _received(intent, payment))
    elif status == "requires_capture":
        move(session, payment, PaymentStatus.AUTHORIZED)
    elif status == "canceled":
        move(session, payment, PaymentStatus.CANCELED, **details)
    elif status == "requires_payment_method" and intent.get("last_payment_error"):
        if can_move(payment.status, PaymentStatus.FAILED):
            payment.failure_code = str((intent["last_payment_error"] or {}).get("code") or "failed")[:100]
        move(session, payment, PaymentStatus.FAILED)


# Webhook event types and the intent status each one reports.
@job("low", timeout=60)
def record_stripe_fee(payment_id: int) -> int:
    """Posts Stripe's fee on a captured payment (once: the entry key is per payment)."""
    session = db.session
    payment = session.get(Payment, payment_id)
    if payment is None or payment.amount_captured == 0:
        return 0
    intent = gateway().retrieve_intent(payment.stripe_payment_intent_id, key=f"payment:{payment.id}:fee-intent")
    charge = intent.get("latest_charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge
    if not charge_id:
        return 0
    fee, currency = gateway().charge_fee(charge_id, key=f"payment:{payment.id}:fee-charge")
    if fee > 0:
        ledger.post_entry(
            session, key=f"payment:{payment.id}:fee", description=f"Stripe fee on {payment.reference}",
            postings=[(ledger.STRIPE_FEES, fee, currency), (ledger.CLEARING, -fee, currency)],
        )
        session.commit()
    return fee

