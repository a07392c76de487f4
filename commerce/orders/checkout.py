"""Checkout: a resident's cart becomes an order, its stock reserved, and a PaymentIntent to confirm.

Contention is settled per case, always in the same order (cart, coupon, variants and slots by
id, then the payment) so that two checkouts never wait on each other in a circle:
- Stock and a service slot's places are taken with conditional updates
  (`UPDATE ... SET stock = stock - n WHERE stock >= n`): of simultaneous checkouts for the last
  units exactly the stock is sold, and the check constraints are the last guard.
- A coupon's total and per-resident limits are counted under a row lock on the coupon, so
  simultaneous redemptions take turns on it and never exceed either limit. Without a code, the
  resident's claimed coupons of the store are all locked, in id order, and the best one is used.
- The resident's cart is locked for the checkout, so two checkouts of one cart make one order;
  `Idempotency-Key` on the request makes a retried checkout return the first order.
- An order's own steps lock its row; the payment's events (which lock the payment first) and
  the expiry job (which cancels the payment first) reach the order after the payment.
Checkout commits twice: the reservation (order, stock, coupon, a pending payment), then the
PaymentIntent's client secret, so no row lock is held while Stripe answers. If Stripe fails, the
order is cancelled, the reservation returned and the cart restored (the request is a 502 that the
client may retry with the same Idempotency-Key); if the process dies in between, the order has no
client secret, nobody can pay it, and the expiry job returns its stock.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commerce.catalog.models import ProductKind, ServiceSlot, Variant
from commerce.errors import (
    AddressRequired,
    BelowMinimumOrder,
    CartEmpty,
    FulfilmentUnavailable,
    NotPurchasable,
    OutOfStock,
    SlotFull,
    StoreClosed,
)
from commerce.orders.carts import check_slot, priced_lines, quote, shop
from commerce.orders.coupons import best_claimed, find_coupon, hold, redeem
from commerce.orders.lifecycle import RESERVATION, end_unpaid, mark_paid, set_status
from commerce.orders.models import (
    Cart,
    CartLine,
    CouponRedemption,
    Order,
    OrderLine,
    OrderStatus,
)
from community.models import Residency, ResidencyStatus
from core.auth import Actor
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from identity.models import User
from payments import service as payments
from payments.errors import PaymentProviderError

log = logging.getLogger(__name__)



def _home_address(session: Session, actor: Actor, community_id: int) -> str | None:
    residency = session.scalar(
        select(Residency).where(Residency.user_id == actor.user_id, Residency.community_id == community_id,
                                Residency.status == ResidencyStatus.APPROVED).order_by(Residency.id)
    )
    return f"{residency.unit.building.name} {residency.unit.number}" if residency else None


def _reserve(session: Session, rows) -> None:
    """Takes the units (or slot places) off, in id order; a shortfall rolls the whole checkout back."""
    wanted: dict[int, int] = {}
    places: dict[int, int] = {}
    for line, variant, product in rows:
        if product.kind == ProductKind.SERVICE:
            places[line.slot_id] = places.get(line.slot_id, 0) + line.quantity
        else:
            wanted[variant.id] = wanted.get(variant.id, 0) + line.quantity
    for variant_id in sorted(wanted):
        taken = session.execute(
            update(Variant).where(Variant.id == variant_id, Variant.stock >= wanted[variant_id])
            .values(stock=Variant.stock - wanted[variant_id]).execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise OutOfStock(variant_id=variant_id)
    for slot_id in sorted(places):
        taken = session.execute(
            update(ServiceSlot)
            .where(ServiceSlot.id == slot_id, ServiceSlot.booked + places[slot_id] <= ServiceSlot.capacity)
            .values(booked=ServiceSlot.booked + places[slot_id]).execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise SlotFull(slot_id=slot_id)


def checkout(session: Session, actor: Actor, community_id: int, store_id: int, *, fulfilment: str,
             coupon_code: str | None = None, use_wallet: bool = True, delivery_address: str | None = None,
             note: str | None = None, now: datetime | None = None) -> Order:
    """Turns the resident's cart into an order, reserving its stock, and asks them to pay.

    Commits. Calls Stripe (a PaymentIntent for the total, to be confirmed by the resident's app
    with `client_secret`); redeems the coupon given, or without one (unless `use_wallet` is false)
    the best coupon of the resident's wallet; empties the cart. The order waits for payment for
    RESERVATION, then expires and gives its stock back.
    """
    now = now or utcnow()
    store = shop(session, actor, community_id, store_id)
    if not store.is_open_at(now):
        raise StoreClosed()
    if (fulfilment == "delivery" and not store.delivers) or (fulfilment == "pickup" and not store.offers_pickup):
        raise FulfilmentUnavailable()
    if fulfilment == "delivery":
        delivery_address = delivery_address or _home_address(session, actor, community_id)
        if not delivery_address:
            raise AddressRequired(errors={"delivery_address": [str(_l("Give the address to deliver to."))]})
    cart = session.scalar(
        select(Cart).where(Cart.user_id == actor.user_id, Cart.store_id == store_id,
                           Cart.community_id == community_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    rows = priced_lines(session, cart) if cart else []
    if not rows:
        raise CartEmpty()
    for line, variant, product in rows:
        if not (product.published and variant.active and product.store_id == store_id):
            raise NotPurchasable(variant_id=variant.id)
        check_slot(session, product, line.slot_id, now)
    coupon = find_coupon(session, store_id, coupon_code, now, lock=True) if coupon_code else None
    if coupon is None and use_wallet:
        best = best_claimed(session, actor, store_id, lambda c: quote(store, rows, fulfilment, c), now, lock=True)
        coupon = best[0] if best else None
    quoted = quote(store, rows, fulfilment, coupon)
    if quoted.subtotal < store.min_order:
        raise BelowMinimumOrder(min_order=store.min_order)
    if coupon is not None:
        redeem(session, actor, coupon, quoted)
        if coupon.claimable:
            # Typing a claimable coupon's code claims it, if any are left: every use is a holder's.
            hold(session, actor, coupon)
    _reserve(session, rows)
    user = session.get(User, actor.user_id)
    order = Order(
        community_id=community_id, store_id=store_id, user_id=actor.user_id, fulfilment=fulfilment,
        recipient_name=user.display_name, recipient_phone=user.phone,
        delivery_address=delivery_address if fulfilment == "delivery" else None, note=note,
        subtotal=quoted.subtotal, discount=quoted.discount, delivery_fee=quoted.delivery_fee, total=quoted.total,
        refunded=0, currency=store.currency, coupon_code=coupon.code if coupon else None,
        reserved_until=now + RESERVATION, pickup_code=f"{secrets.randbelow(10**6):06d}",
    )
    order.lines = [
        OrderLine(product_id=product.id, variant_id=variant.id, slot_id=line.slot_id,
                  slot_starts_at=session.get(ServiceSlot, line.slot_id).starts_at if line.slot_id else None,
                  product_name=product.name, variant_name=variant.name, sku=variant.sku, unit_price=variant.price,
                  quantity=line.quantity, discount=quoted.line_discounts.get(line.id, 0),
                  refunded_quantity=0, refunded=0)
        for line, variant, product in rows
    ]
    # Adds and flushes it: the payment's reference and the coupon's redemption name the order's id.
    set_status(session, order, OrderStatus.AWAITING_PAYMENT, actor_user_id=actor.user_id)
    if coupon is not None:
        session.add(CouponRedemption(coupon_id=coupon.id, user_id=actor.user_id, order_id=order.id,
                                     discount=quoted.discount))
    session.delete(cart)
    order.client_secret = None
    if order.total > 0:
        payment = payments.record_payment(
            session, reference=f"order:{order.id}", payer_user_id=actor.user_id, community_id=community_id,
            amount=order.total, currency=order.currency, description=f"{store.name} #{order.id}",
            payee=f"store:{store.id}", store_category=store.category,
        )
        order.payment_id = payment.id
    else:
        mark_paid(session, order, now)
    # The reservation is committed before Stripe is called: the stock, slot and coupon rows are
    # free again while Stripe answers, so other checkouts of the same goods do not queue behind it.
    session.commit()
    if order.payment_id is not None:
        _open_intent(session, order)
    return order


def _open_intent(session: Session, order: Order) -> None:
    """Asks Stripe for the order's PaymentIntent; if Stripe fails, the checkout is undone. Commits."""
    try:
        payment = payments.request_intent(session, order.payment_id)
    except PaymentProviderError:
        session.rollback()
        end_unpaid(session, order.id, reason="payment provider unavailable", actor_user_id=None)
        _restore_cart(session, order)
        session.commit()
        raise
    order.client_secret = payment.client_secret
    session.commit()


def _restore_cart(session: Session, order: Order) -> None:
    """Puts an undone checkout's lines back in the resident's cart, so trying again is one tap."""
    cart = session.scalar(select(Cart).where(Cart.user_id == order.user_id, Cart.store_id == order.store_id,
                                             Cart.community_id == order.community_id))
    if cart is None:
        cart = Cart(user_id=order.user_id, store_id=order.store_id, community_id=order.community_id)
        session.add(cart)
    kept = {(line.variant_id, line.slot_id) for line in cart.lines}
    cart.lines.extend(CartLine(variant_id=line.variant_id, slot_id=line.slot_id, quantity=line.quantity)
                      for line in order.lines if (line.variant_id, line.slot_id) not in kept)
