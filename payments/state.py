"""A payment's states, the moves between them, and its row lock: the first lock of anything that
changes a payment or what it pays for.

Lock order, on every path: the payment, then what it pays for (commerce's order or group join,
which `lock_payment` callers lock next), then ledger accounts (in id order, by `post_entry`).
Webhooks, reconciliation, refunds and commerce's own steps all take them in this order, so none
waits on another in a circle. No lock is held while Stripe answers: callers ask Stripe first (or
record what they will ask and commit), then lock and apply the answer.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from payments import events
from payments.models import Payment, PaymentStatus

log = logging.getLogger(__name__)

# A payment only moves forward: a late or repeated webhook cannot take it back, so a
# `payment_intent.succeeded` that arrives after the refund leaves it refunded.
NEXT: dict[str, frozenset[str]] = {
    PaymentStatus.PENDING: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED}
    ),
    PaymentStatus.FAILED: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED}),
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED}),
    PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.CANCELED: frozenset(),
    PaymentStatus.REFUNDED: frozenset(),
}
OPEN = (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.FAILED)

_ANNOUNCE = {
    PaymentStatus.AUTHORIZED: events.AUTHORIZED,
    PaymentStatus.SUCCEEDED: events.SUCCEEDED,
    PaymentStatus.FAILED: events.FAILED,
    PaymentStatus.CANCELED: events.CANCELED,
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in NEXT[from_status]


def lock_payment(session: Session, payment_id: int) -> Payment:
    """The payment, row-locked and reloaded; NotFound (404) if there is none."""
    payment = session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        raise NotFound()
    return payment


def payment_for_intent(session: Session, intent_id: Any) -> Payment | None:
    """The payment of a Stripe PaymentIntent id, locked; None for an intent that is not ours."""
    if not isinstance(intent_id, str):
        return None
    payment_id = session.scalar(select(Payment.id).where(Payment.stripe_payment_intent_id == intent_id))
    return None if payment_id is None else lock_payment(session, payment_id)


def move(session: Session, payment: Payment, status: str, *, announce: bool = True, **details: Any) -> bool:
    """Moves a locked payment forward; a move `NEXT` does not allow is ignored (late or repeated news).

    `details` go to the handlers of the event it announces (events.emit)."""
    if not can_move(payment.status, status):
        if status != payment.status:
            log.info("payment %s stays %s (ignored a move to %s)", payment.id, payment.status, status)
        return False
    payment.status = status
    if announce and status in _ANNOUNCE:
        events.emit(session, _ANNOUNCE[status], payment, **details)
    return True
