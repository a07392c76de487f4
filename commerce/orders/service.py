"""Use cases of an order's steps: the resident cancels or confirms, the store accepts, readies, sends
out, hands over or cancels, and the jobs expire unpaid orders and complete delivered ones.
Each commits once, then sends what it refunded to Stripe."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.errors import (
    OrderStateConflict,
    WrongPickupCode,
)
from commerce.orders import queries
from commerce.orders.lifecycle import (
    COMPLETE_AFTER,
    STEPS,
    cancel_payment_of,
    cancel_unpaid,
    end_unpaid,
    lock_order,
    set_status,
    tell_resident,
)
from commerce.orders.models import (
    Order,
    OrderStatus,
)
from commerce.orders.refunds import cancel_paid, send_refunds
from commerce.stores import queries as store_queries
from community.notifications.service import notify
from core.auth import Actor
from core.i18n import lazy_gettext as _l
from core.models import utcnow

log = logging.getLogger(__name__)



def cancel_my_order(session: Session, actor: Actor, community_id: int, order_id: int, *,
                    reason: str | None = None) -> Order:
    """The resident cancels until the merchant accepts: an unpaid order is dropped, a paid one refunded.

    Commits. Calls Stripe (cancels the PaymentIntent, or refunds it in full); notifies the store
    when it was paid.
    """
    order = queries.get_my_order(session, actor, community_id, order_id)
    reason = reason or str(_l("Cancelled by the resident"))
    if order.status == OrderStatus.AWAITING_PAYMENT and order.payment_id is not None:
        # The payment first (its lock, then the order's), as its webhook does.
        cancel_payment_of(session, order.payment_id, reason=reason, actor_user_id=actor.user_id)
    order = lock_order(session, order.id)
    refund_id = None
    if order.status == OrderStatus.AWAITING_PAYMENT:
        cancel_unpaid(session, order, reason=reason, actor_user_id=actor.user_id)
    elif order.status == OrderStatus.PAID:
        refund_id = cancel_paid(session, order, reason=reason, actor_user_id=actor.user_id)
        notify(session, user_ids=store_queries.staff_user_ids(session, order.store_id),
               kind="order.cancelled_by_resident", params={"order": order.id, "reason": reason},
               community_id=order.community_id, subject=("order", order.id),
               dedupe_key=f"order.cancelled_by_resident:{order.id}")
    elif order.status != OrderStatus.CANCELLED:
        raise OrderStateConflict()
    session.commit()
    send_refunds(session, refund_id)
    return order


def confirm_receipt(session: Session, actor: Actor, community_id: int, order_id: int) -> Order:
    """The resident confirms a delivered order, which completes it. Commits."""
    order = lock_order(session, queries.get_my_order(session, actor, community_id, order_id).id)
    if order.status != OrderStatus.DELIVERED:
        raise OrderStateConflict()
    order.completed_at = utcnow()
    set_status(session, order, OrderStatus.COMPLETED, actor_user_id=actor.user_id)
    session.commit()
    return order


def advance_order(session: Session, actor: Actor, store_id: int, order_id: int, *, to_status: str) -> Order:
    """The store takes the order's next step: accept, ready, out for delivery, delivered.

    Commits; notifies the resident. Pickup orders skip "out for delivery" and are handed over with
    the pickup code (`hand_over`); delivery orders go out and are marked delivered (by the store's
    own staff here, by a courier through `mark_out_for_delivery` and `mark_delivered`).
    """
    order = lock_order(session, queries.get_store_order(session, actor, store_id, order_id).id)
    _step(session, order, to_status, actor_user_id=actor.user_id)
    session.commit()
    return order


def _step(session: Session, order: Order, to_status: str, *, actor_user_id: int | None,
          note: str | None = None) -> None:
    if order.status not in STEPS[to_status]:
        raise OrderStateConflict()
    if order.fulfilment == "pickup" and to_status in (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
        raise OrderStateConflict(detail=str(_l("Pickup orders are handed over with their pickup code.")))
    set_status(session, order, to_status, actor_user_id=actor_user_id, note=note)
    if to_status == OrderStatus.DELIVERED:
        order.delivered_at = utcnow()
    tell_resident(session, order, f"order.{to_status}")


def mark_out_for_delivery(session: Session, order_id: int, *, courier_id: int) -> Order:
    """A courier collected a ready delivery order at the store (for logistics; no store actor).

    Does not commit: the courier's use case checks that the courier holds the order's delivery and
    commits. Notifies the resident. OrderStateConflict (409) unless the order is ready for delivery.
    """
    order = lock_order(session, order_id)
    _step(session, order, OrderStatus.OUT_FOR_DELIVERY, actor_user_id=courier_id, note="collected by the courier")
    return order


def mark_delivered(session: Session, order_id: int, *, courier_id: int) -> Order:
    """A courier handed a delivery order over (for logistics, which verified the proof). Does not commit.

    Notifies the resident. OrderStateConflict (409) unless the order is out for delivery.
    """
    order = lock_order(session, order_id)
    _step(session, order, OrderStatus.DELIVERED, actor_user_id=courier_id, note="delivered by the courier")
    return order


def hand_over(session: Session, order: Order, *, code: str, actor_user_id: int) -> Order:
    """The resident shows the pickup code and takes the goods. Does not commit."""
    order = lock_order(session, order.id)
    if order.status != OrderStatus.READY:
        raise OrderStateConflict()
    if not secrets.compare_digest(code, order.pickup_code or ""):
        raise WrongPickupCode(errors={"code": [str(_l("This pickup code does not match the order."))]})
    set_status(session, order, OrderStatus.DELIVERED, actor_user_id=actor_user_id, note="pickup code verified")
    order.delivered_at = utcnow()
    tell_resident(session, order, "order.delivered")
    return order


def pick_up(session: Session, actor: Actor, store_id: int, order_id: int, *, code: str) -> Order:
    """At the store, staff verify the resident's pickup code and hand the order over. Commits."""
    order = queries.get_store_order(session, actor, store_id, order_id)
    order = hand_over(session, order, code=code, actor_user_id=actor.user_id)
    session.commit()
    return order


def cancel_store_order(session: Session, actor: Actor, store_id: int, order_id: int, *, reason: str) -> Order:
    """The store cancels an order it has not sent out yet, with a reason: a full refund.

    Commits. Calls Stripe (the refund); notifies the resident.
    """
    order = lock_order(session, queries.get_store_order(session, actor, store_id, order_id).id)
    if order.status not in (OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.READY):
        raise OrderStateConflict()
    refund_id = cancel_paid(session, order, reason=reason, actor_user_id=actor.user_id)
    tell_resident(session, order, "order.cancelled", reason=reason)
    session.commit()
    send_refunds(session, refund_id)
    return order


def expired_orders(session: Session, now: datetime, limit: int = 500) -> list[int]:
    return list(session.scalars(
        select(Order.id).where(Order.status == OrderStatus.AWAITING_PAYMENT, Order.reserved_until < now)
        .order_by(Order.id).limit(limit)
    ))


def expire_order(session: Session, order_id: int, now: datetime) -> str:
    """An unpaid order past its reservation: the payment is cancelled, the stock returned. Commits.

    If the payment succeeded meanwhile, Stripe refuses the cancel and the success is applied
    instead: the order is paid, and nothing is returned.
    """
    order = session.get(Order, order_id)
    if order is None or order.status != OrderStatus.AWAITING_PAYMENT:
        return "skipped"
    order = end_unpaid(session, order_id, reason="expired", actor_user_id=None)
    session.commit()
    return order.status


def delivered_orders_due(session: Session, now: datetime, limit: int = 500) -> list[int]:
    return list(session.scalars(
        select(Order.id).where(Order.status == OrderStatus.DELIVERED, Order.delivered_at < now - COMPLETE_AFTER)
        .order_by(Order.id).limit(limit)
    ))


def complete_order(session: Session, order_id: int, now: datetime) -> str:
    """A delivered order nobody complained about completes after its window. Commits."""
    order = lock_order(session, order_id)
    if order.status == OrderStatus.DELIVERED and order.delivered_at < now - COMPLETE_AFTER:
        order.completed_at = now
        set_status(session, order, OrderStatus.COMPLETED, actor_user_id=None, note="completed automatically")
    session.commit()
    return order.status
