"""Use cases of an order's refunds: an amount or lines back, a paid order cancelled, a refund that failed.

A refund is booked with the order locked (its payment first), committed, then sent to Stripe with no
lock held (`send_refunds`; payments/refunds.py keeps it in the books whatever fails after that).
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.errors import (
    OrderStateConflict,
    RefundTooLarge,
)
from commerce.orders import pricing, queries
from commerce.orders.lifecycle import lock_order, money, release_stock, set_status, tell_resident
from commerce.orders.models import (
    REFUNDABLE,
    Order,
    OrderEvent,
    OrderRefund,
    OrderStatus,
)
from commerce.policy import Permission
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from payments import ledger
from payments import service as payments

log = logging.getLogger(__name__)



def host_payee(order: Order) -> str:
    return f"pickup_host:{order.pickup_host_id}"


def _reverse_host_commission(session: Session, order: Order, amount: int, key: str) -> None:
    """A refund of `amount` (already in `order.refunded`) takes back the pickup host's commission in
    proportion (cumulative: exact in the end); a negative amount (a refund that failed) gives it back."""
    if not order.host_commission or not order.pickup_host_id or not order.total:
        return
    before = order.host_commission * (order.refunded - amount) // order.total
    share = order.host_commission * order.refunded // order.total - before
    if share != 0:
        ledger.post_entry(session, key=key, description=f"order:{order.id} refund: pickup host's share back",
                          postings=[(ledger.payee_account(host_payee(order)), share, order.currency),
                                    (ledger.payee_account(f"store:{order.store_id}"), -share, order.currency)])


def cancel_paid(session: Session, order: Order, *, reason: str, actor_user_id: int) -> int | None:
    """A paid order ends before anything left the store: a full refund, and the stock comes back.

    Does not commit. Returns the payment refund to send (`payments.send_refund`) once committed.
    """
    refund_amount = order.total - order.refunded
    release_stock(session, order)
    order.cancel_reason = reason
    order.refunded = order.total
    _reverse_host_commission(session, order, refund_amount, f"order:{order.id}:cancel:host")
    for line in order.lines:
        line.refunded_quantity, line.refunded = line.quantity, line.line_total
    set_status(session, order, OrderStatus.CANCELLED, actor_user_id=actor_user_id, note=reason)
    if refund_amount > 0 and order.payment_id is not None:
        return payments.request_refund(session, order.payment_id, amount=refund_amount, reason=reason[:200],
                                       key=f"order:{order.id}:cancel").id
    return None


def send_refunds(session: Session, *refund_ids: int | None) -> None:
    """After the commit that booked them: Stripe pays the refunds back, with no lock held. Commits.

    Stripe's refusal has reversed the refund (the order's books follow through its event) and is a
    502; no answer leaves it pending, and reconciliation sends it again.
    """
    for refund_id in refund_ids:
        if refund_id is not None:
            payments.send_refund(session, refund_id)


def refund_order(session: Session, actor: Actor, store_id: int, order_id: int, *, reason: str,
                 amount: int | None = None, lines: list[dict] | None = None) -> OrderRefund:
    """The store's owner refunds part or all of a paid order: an amount, or units of its lines.

    Commits. Calls Stripe (through payments, which posts the reversal of the sale); notifies the
    resident. Refunding everything makes the order "refunded". Stock is not returned: the goods
    left the store.
    """
    order = lock_order(session, queries.get_store_order(session, actor, store_id, order_id,
                                                        Permission.ORDER_REFUND).id)
    refund = grant_refund(session, order, reason=reason, amount=amount, lines=lines, actor_user_id=actor.user_id)
    session.commit()
    send_refunds(session, refund.payment_refund_id)
    return refund


def grant_refund(session: Session, order: Order, *, reason: str, actor_user_id: int, amount: int | None = None,
                 lines: list[dict] | None = None, tell: bool = True) -> OrderRefund:
    """Refunds an amount, or units of lines, of an order the caller has locked (`lock_order`).

    Does not commit. Books the refund through payments (which posts the reversal of the sale);
    the caller commits, then has Stripe pay it back with `send_refunds(session,
    refund.payment_refund_id)`. Tells the resident unless `tell` is false (the caller tells them
    in its own words).
    """
    if order.status not in REFUNDABLE:
        raise OrderStateConflict()
    by_line: list[dict] = []
    if lines:
        owned = {line.id: line for line in order.lines}
        amount = 0
        for item in lines:
            line = owned.get(item["line_id"])
            if line is None:
                raise InvalidInput(errors={"lines": [str(_l("This order has no such line."))]})
            if line.refunded_quantity + item["quantity"] > line.quantity:
                raise RefundTooLarge()
            share = pricing.refund_for_units(line.line_total, line.quantity, line.refunded_quantity,
                                             item["quantity"])
            line.refunded_quantity += item["quantity"]
            line.refunded += share
            amount += share
            by_line.append({"line_id": line.id, "quantity": item["quantity"], "amount": share})
    if not amount or order.refunded + amount > order.total:
        raise RefundTooLarge(remaining=order.total - order.refunded)
    number = len(session.scalars(select(OrderRefund.id).where(OrderRefund.order_id == order.id)).all()) + 1
    # The order's books first: the payment's "refunded" event then finds them already up to date.
    order.refunded += amount
    _reverse_host_commission(session, order, amount, f"order:{order.id}:refund:{number}:host")
    refund = OrderRefund(order_id=order.id, amount=amount, reason=reason, lines=by_line, created_by=actor_user_id)
    session.add(refund)
    if order.refunded == order.total:
        set_status(session, order, OrderStatus.REFUNDED, actor_user_id=actor_user_id, note=reason)
    else:
        order.history.append(OrderEvent(from_status=order.status, to_status=order.status,
                                        actor_user_id=actor_user_id, note=f"refunded {amount}: {reason}"[:255]))
    if order.payment_id is not None:
        paid_back = payments.request_refund(session, order.payment_id, amount=amount, reason=reason,
                                            key=f"order:{order.id}:refund:{number}")
        refund.payment_refund_id = paid_back.id
    if tell:
        tell_resident(session, order, "order.refunded", amount=money(amount, order.currency), reason=reason)
    return refund


def undo_refund(session: Session, order: Order, *, refund_id: int, amount: int) -> None:
    """A booked refund of the order's payment failed at Stripe: the order's books take it back.

    Does not commit (runs in the payment's "refund_failed" event, the payment and order locked).
    A store's refund gives its lines back; a cancellation's stays cancelled, with the money still
    held, and is logged for the platform's staff to settle with the resident.
    """
    taken_back = min(order.refunded, amount)
    order.refunded -= taken_back
    _reverse_host_commission(session, order, -taken_back, f"order:{order.id}:refund-failed:{refund_id}:host")
    granted = session.scalar(select(OrderRefund).where(OrderRefund.order_id == order.id,
                                                       OrderRefund.payment_refund_id == refund_id))
    if granted is not None:
        lines = {line.id: line for line in order.lines}
        for item in granted.lines or []:
            line = lines.get(item["line_id"])
            if line is not None:
                line.refunded_quantity -= item["quantity"]
                line.refunded -= item["amount"]
    if order.status == OrderStatus.REFUNDED:
        before = next((e.from_status for e in reversed(order.history) if e.to_status == OrderStatus.REFUNDED),
                      OrderStatus.COMPLETED)
        set_status(session, order, before, actor_user_id=None,
                   note=f"refund of {amount} failed at the payment provider")
    else:
        if order.status == OrderStatus.CANCELLED:
            log.error("order %s: the refund of its cancellation (%s) failed; the resident is still owed it",
                      order.id, amount)
        order.history.append(OrderEvent(from_status=order.status, to_status=order.status, actor_user_id=None,
                                        note=f"refund of {amount} failed at the payment provider"))
