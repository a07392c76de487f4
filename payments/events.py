"""Payment outcomes announced to higher floors, inside the transaction that changes the payment.

A higher floor (commerce) subscribes at import time:

    payments.events.subscribe("payment.succeeded", on_payment_succeeded)

and `on_payment_succeeded(session, payment)` then runs in the same database transaction as the
state change, whatever caused it: a webhook, the reconciliation job, or `capture_payment`,
`cancel_payment` and `request_refund` called by that floor itself. The payment is locked when a
handler runs: a handler locks what the payment pays for after it (payments/state.py). A handler must not commit; if
it raises, the whole change (and the webhook delivery) rolls back and Stripe delivers again.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

AUTHORIZED = "payment.authorized"  # manual capture: the amount is held (requires_capture)
SUCCEEDED = "payment.succeeded"  # captured (automatic or manual)
FAILED = "payment.failed"  # an attempt failed; the payer may still retry
CANCELED = "payment.canceled"
REFUNDED = "payment.refunded"  # after each refund is booked, partial or full; see payment.amount_refunded
# A booked refund that Stripe refused or failed: the money never left. The handler gets the
# Refund (its payment is locked), not the payment.
REFUND_FAILED = "payment.refund_failed"

NAMES = frozenset({AUTHORIZED, SUCCEEDED, FAILED, CANCELED, REFUNDED, REFUND_FAILED})
Handler = Callable[[Session, Any], None]
_HANDLERS: dict[str, list[Handler]] = {name: [] for name in NAMES}


def subscribe(name: str, handler: Handler) -> None:
    """Registers `handler(session, payment)` for one of `NAMES`; registering twice is harmless."""
    if name not in NAMES:
        raise ValueError(f"unknown payment event {name!r}; one of {sorted(NAMES)}")
    if handler not in _HANDLERS[name]:
        _HANDLERS[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _HANDLERS.get(name, []):
        _HANDLERS[name].remove(handler)


def emit(session: Session, name: str, payment: Any) -> None:
    for handler in list(_HANDLERS[name]):
        handler(session, payment)

