"""What commerce does when a payment for an order changes, inside payments' transaction.

Subscribed by `subscribe_to_payments`, which create_app calls. Each handler is safe to run twice:
a repeated event finds the order already moved and does nothing.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.orders import lifecycle, refunds
from commerce.orders.models import Order, OrderStatus
from payments import events
from payments import service as payments

log = logging.getLogger(__name__)
PREFIX = "order:"


def _order(session: Session, payment, order_id: int) -> Order | None:
    """The order a payment pays for, locked (after the payment); None if it is no order of this payment."""
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                           .execution_options(populate_existing=True))
    if order is None or order.payment_id != payment.id:
        log.warning("payment %s names %s, which is no order of this payment", payment.id, payment.reference)
        return None
    return order


def on_payment_succeeded(session: Session, payment, order_id: int, **_details) -> None:
    order = _order(session, payment, order_id)
    if order is None:
        return
    if order.status == OrderStatus.AWAITING_PAYMENT:
        lifecycle.mark_paid(session, order)
    elif order.status == OrderStatus.CANCELLED and order.paid_at is None:
        # Paid after it expired or was cancelled, its stock already back on sale: the money goes back.
        log.info("order %s was paid after it was cancelled; refunding it", order.id)
        # Booked now; its job sends it to Stripe after this transaction commits.
        payments.request_refund(session, payment.id, amount=payment.amount_captured,
                                reason="paid after the order was cancelled", key=f"order:{order.id}:late-payment")


def on_payment_canceled(session: Session, payment, order_id: int, *, reason: str = "payment cancelled",
                        actor_user_id: int | None = None, **_details) -> None:
    """Commerce's own cancellations pass their reason along; Stripe's (an expired hold) do not."""
    order = _order(session, payment, order_id)
    if order is not None and order.status == OrderStatus.AWAITING_PAYMENT:
        lifecycle.cancel_unpaid(session, order, reason=reason, actor_user_id=actor_user_id)


def on_payment_refunded(session: Session, payment, order_id: int, **_details) -> None:
    """A refund made outside commerce (platform support) still shows on the order."""
    order = _order(session, payment, order_id)
    if order is None:
        return
    if payment.amount_refunded > order.refunded:
        order.refunded = min(order.total, payment.amount_refunded)
        if order.refunded == order.total and order.status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            lifecycle.set_status(session, order, OrderStatus.REFUNDED, actor_user_id=None,
                                 note="refunded by the platform")


def on_refund_failed(session: Session, payment, order_id: int, *, refund, **_details) -> None:
    """Stripe refused or failed a refund of the order's payment: the money never left, so the
    order's refunded amount (and the refunded lines of a store's refund) go back down."""
    order = _order(session, payment, order_id)
    if order is not None:
        refunds.undo_refund(session, order, refund_id=refund.id, amount=refund.amount)


def subscribe_to_payments() -> None:
    events.subscribe(events.SUCCEEDED, on_payment_succeeded, reference_prefix=PREFIX)
    events.subscribe(events.CANCELED, on_payment_canceled, reference_prefix=PREFIX)
    events.subscribe(events.REFUNDED, on_payment_refunded, reference_prefix=PREFIX)
    events.subscribe(events.REFUND_FAILED, on_refund_failed, reference_prefix=PREFIX)
