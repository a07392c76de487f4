"""Payment outcomes announced to higher floors, inside the transaction that changes the payment.

A higher floor subscribes when the app is created (app.py), naming the references it handles:

    payments.events.subscribe("payment.succeeded", on_payment_succeeded, reference_prefix="order:")

and `on_payment_succeeded(session, payment, order_id, **details)` then runs for payments whose
reference is "order:<id>", in the same database transaction as the state change, whatever caused
it: a webhook, the reconciliation job, or `capture_payment`, `cancel_payment` and
`request_refund` called by that floor itself. `details` are what the caller passed along (a
cancellation's `reason` and `actor_user_id`). Without a prefix the handler gets every payment,
`handler(session, payment, **details)`. The payment is locked when a handler runs: a handler
locks what the payment pays for after it (payments/state.py). A handler must not commit; if it
raises, the whole change (and the webhook delivery) rolls back and Stripe delivers again.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.events import EventBus, Handler

AUTHORIZED = "payment.authorized"  # manual capture: the amount is held (requires_capture)
SUCCEEDED = "payment.succeeded"  # captured (automatic or manual)
FAILED = "payment.failed"  # an attempt failed; the payer may still retry
CANCELED = "payment.canceled"  # details: reason, actor_user_id when the payer's side cancelled it
REFUNDED = "payment.refunded"  # after each refund is booked, partial or full; see payment.amount_refunded
# A booked refund that Stripe refused or failed: the money never left. details: refund (the Refund).
REFUND_FAILED = "payment.refund_failed"

NAMES = frozenset({AUTHORIZED, SUCCEEDED, FAILED, CANCELED, REFUNDED, REFUND_FAILED})
_bus = EventBus(NAMES)


def _referring_to(prefix: str):
    def select(payment: Any) -> tuple[int] | None:
        reference = payment.reference or ""
        if reference.startswith(prefix) and reference[len(prefix):].isdigit():
            return (int(reference[len(prefix):]),)
        return None

    return select


def subscribe(name: str, handler: Handler, *, reference_prefix: str | None = None) -> None:
    """Registers a handler for one of `NAMES`, for the payments whose reference starts with
    `reference_prefix` and a number (or for all); registering twice is harmless."""
    _bus.subscribe(name, handler, select=_referring_to(reference_prefix) if reference_prefix else None)


def unsubscribe(name: str, handler: Handler) -> None:
    _bus.unsubscribe(name, handler)


def emit(session: Session, name: str, payment: Any, **details: Any) -> None:
    _bus.emit(session, name, payment, **details)
