"""An order's life: its statuses and their history, its row lock, and what every step shares
(stock back, the resident told, the payment cancelled). Nothing here commits.

Contention: an order's steps lock its row after its payment's (`lock_order`), the order every
path takes, payments' webhooks included; stock and slot places come back with conditional updates.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commerce.catalog.models import ServiceSlot, Variant
from commerce.orders import events
from commerce.orders.models import (
    Coupon,
    CouponRedemption,
    Order,
    OrderEvent,
    OrderStatus,
)
from commerce.stores import queries as store_queries
from commerce.stores.models import Store
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from core.errors import NotFound
from core.models import utcnow
from payments import service as payments

log = logging.getLogger(__name__)


RESERVATION = timedelta(minutes=15)  # how long checkout holds stock for an unpaid order


COMPLETE_AFTER = timedelta(days=3)  # a delivered order completes by itself after this

# The merchant's steps: from which statuses each one may be taken.


STEPS: dict[str, tuple[str, ...]] = {
    OrderStatus.ACCEPTED: (OrderStatus.PAID,),
    OrderStatus.READY: (OrderStatus.ACCEPTED,),
    OrderStatus.OUT_FOR_DELIVERY: (OrderStatus.READY,),
    OrderStatus.DELIVERED: (OrderStatus.OUT_FOR_DELIVERY,),
}


kinds.register("order.paid", title=N_("New order #%(order)s"),
               body=N_("%(items)s item(s), %(total)s paid, %(fulfilment)s. Accept it to start."))


kinds.register("order.accepted", title=N_("Order #%(order)s accepted"),
               body=N_("%(store)s accepted your order and is preparing it."))


kinds.register("order.ready", title=N_("Order #%(order)s is ready"),
               body=N_("%(store)s has your order ready. Pickup code: %(code)s"))


kinds.register("order.out_for_delivery", title=N_("Order #%(order)s is on its way"),
               body=N_("%(store)s is delivering your order."))


kinds.register("order.delivered", title=N_("Order #%(order)s delivered"),
               body=N_("Your order from %(store)s was handed over. Enjoy, and leave a review."))


kinds.register("order.cancelled", title=N_("Order #%(order)s cancelled"),
               body=N_("Your order from %(store)s was cancelled: %(reason)s"))


kinds.register("order.cancelled_by_resident", title=N_("Order #%(order)s cancelled by the resident"),
               body=N_("The resident cancelled order #%(order)s: %(reason)s"))


kinds.register("order.refunded", title=N_("Refund on order #%(order)s"),
               body=N_("%(store)s refunded %(amount)s: %(reason)s"))


def money(amount: int, currency: str = "CNY") -> str:
    """An amount for a notification's text: ¥12.50."""
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{symbol}{amount // 100}.{amount % 100:02d}"


def release_stock(session: Session, order: Order) -> None:
    """Gives an order's units and slot places back (it was cancelled before anything left the store)."""
    for line in sorted(order.lines, key=lambda ln: (ln.slot_id or 0, ln.variant_id)):
        if line.slot_id is not None:
            session.execute(update(ServiceSlot).where(ServiceSlot.id == line.slot_id)
                            .values(booked=ServiceSlot.booked - line.quantity)
                            .execution_options(synchronize_session=False))
        else:
            session.execute(update(Variant).where(Variant.id == line.variant_id)
                            .values(stock=Variant.stock + line.quantity)
                            .execution_options(synchronize_session=False))
    redemption = session.scalar(select(CouponRedemption).where(CouponRedemption.order_id == order.id,
                                                               CouponRedemption.released_at.is_(None)))
    if redemption is not None:
        redemption.released_at = utcnow()
        session.execute(update(Coupon).where(Coupon.id == redemption.coupon_id)
                        .values(redeemed=Coupon.redeemed - 1).execution_options(synchronize_session=False))


def set_status(session: Session, order: Order, to_status: str, *, actor_user_id: int | None,
               note: str | None = None) -> None:
    """The only writer of an order's status: its history gets the step, and `order.<to_status>` is
    announced (commerce/orders/events.py), a new order's first status included. Does not commit."""
    from_status = order.status
    order.history.append(OrderEvent(from_status=from_status, to_status=to_status, actor_user_id=actor_user_id,
                                    note=note))
    order.status = to_status
    if order.id is None:
        session.add(order)
        # flush: the subscribers of the event get an order with its id
        session.flush()
    events.emit(session, events.name_of(to_status), order, from_status=from_status, actor_user_id=actor_user_id)


def lock_order(session: Session, order_id: int) -> Order:
    """The order, row-locked after its payment: payments' lock order (the payment, then what it pays
    for) is the one every path takes, webhooks and platform refunds included, so none deadlocks."""
    payment_id = session.scalar(select(Order.payment_id).where(Order.id == order_id))
    if payment_id is not None:
        payments.lock_payment(session, payment_id)
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                           .execution_options(populate_existing=True))
    if order is None:
        raise NotFound()
    return order


def mark_paid(session: Session, order: Order, now: datetime | None = None) -> None:
    """The order's money arrived: the merchant's staff are told to start. Does not commit."""
    set_status(session, order, OrderStatus.PAID, actor_user_id=None)
    order.paid_at, order.reserved_until = now or utcnow(), None
    store = session.get(Store, order.store_id)
    notify(session, user_ids=store_queries.staff_user_ids(session, order.store_id), kind="order.paid",
           params={"order": order.id, "items": sum(ln.quantity for ln in order.lines),
                   "total": money(order.total, order.currency), "fulfilment": order.fulfilment,
                   "store": store.name},
           community_id=order.community_id, subject=("order", order.id), dedupe_key=f"order.paid:{order.id}")


def cancel_payment_of(session: Session, payment_id: int, *, reason: str, actor_user_id: int | None) -> None:
    """Cancels an unpaid order's PaymentIntent; its "canceled" event ends the order with this reason."""
    payments.cancel_payment(session, payment_id, reason=reason, actor_user_id=actor_user_id)


def cancel_unpaid(session: Session, order: Order, *, reason: str, actor_user_id: int | None = None) -> None:
    """An unpaid order ends: its stock and coupon come back. Does not commit."""
    release_stock(session, order)
    order.cancel_reason, order.reserved_until = reason, None
    set_status(session, order, OrderStatus.CANCELLED, actor_user_id=actor_user_id, note=reason)


def tell_resident(session: Session, order: Order, kind: str, **params) -> None:
    store = session.get(Store, order.store_id)
    notify(session, user_ids=[order.user_id], kind=kind,
           params={"order": order.id, "store": store.name, "code": order.pickup_code or "", **params},
           community_id=order.community_id, subject=("order", order.id),
           dedupe_key=f"{kind}:{order.id}:{len(order.history)}")


def end_unpaid(session: Session, order_id: int, *, reason: str, actor_user_id: int | None) -> Order:
    """Cancels an unpaid order's payment, then the order if its payment's event has not. Does not commit."""
    order = session.get(Order, order_id)
    if order.payment_id is not None:
        cancel_payment_of(session, order.payment_id, reason=reason, actor_user_id=actor_user_id)
    order = lock_order(session, order_id)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        cancel_unpaid(session, order, reason=reason, actor_user_id=actor_user_id)
    return order
