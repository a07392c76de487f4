"""Use cases of carts, checkout, coupons, orders, refunds and reviews. Each commits once but checkout.

Contention is settled per case, always in the same order (cart, coupon, variants and slots by
id, then the payment) so that two checkouts never wait on each other in a circle:
- Stock and a service slot's places are taken with conditional updates
  (`UPDATE ... SET stock = stock - n WHERE stock >= n`): of simultaneous checkouts for the last
  units exactly the stock is sold, and the check constraints are the last guard.
- A coupon's total and per-resident limits are counted under a row lock on the coupon, so
  simultaneous redemptions take turns on it and never exceed either limit.
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
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from commerce.catalog.models import Product, ProductKind, ServiceSlot, Variant
from commerce.errors import (
    AddressRequired,
    AlreadyReviewed,
    BelowMinimumOrder,
    CartEmpty,
    CouponCodeTaken,
    CouponExhausted,
    CouponInvalid,
    CouponLimitReached,
    CouponMinimumNotMet,
    FulfilmentUnavailable,
    NotPurchasable,
    OrderStateConflict,
    OutOfStock,
    RefundTooLarge,
    SlotFull,
    SlotRequired,
    StoreClosed,
    WrongPickupCode,
)
from commerce.orders import pricing, queries
from commerce.orders.models import (
    REFUNDABLE,
    Cart,
    CartLine,
    Coupon,
    CouponRedemption,
    Order,
    OrderEvent,
    OrderLine,
    OrderRefund,
    OrderStatus,
    ProductReview,
    StoreReview,
)
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from commerce.stores.models import Store
from community.models import Residency, ResidencyStatus
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from core.auth import Actor
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require
from identity.models import User
from payments import ledger
from payments import service as payments
from payments.errors import PaymentProviderError

log = logging.getLogger(__name__)

# session.info key: why commerce itself is cancelling an order's payment (reason, actor), read by
# the payment's "canceled" event, which then ends the order on commerce's terms.
CANCELLING = "commerce.cancelling"
RESERVATION = timedelta(minutes=15)  # how long checkout holds stock for an unpaid order
COMPLETE_AFTER = timedelta(days=3)  # a delivered order completes by itself after this

# The merchant's steps: from which statuses each one may be taken.
_STEPS: dict[str, tuple[str, ...]] = {
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


# Carts ---------------------------------------------------------------------------------------

def _shop(session: Session, actor: Actor, community_id: int, store_id: int) -> Store:
    store = store_queries.get_serving_store(session, actor, community_id, store_id)
    require(actor, Permission.SHOP, community_id)
    return store


def _purchasable(session: Session, store_id: int, variant_id: int) -> tuple[Variant, Product]:
    row = session.execute(
        select(Variant, Product).join(Product, Product.id == Variant.product_id).where(Variant.id == variant_id)
    ).first()
    if row is None or row[0].store_id != store_id:
        raise InvalidInput(errors={"variant_id": [str(_l("This store sells no such variant."))]})
    variant, product = row
    if not (product.published and variant.active):
        raise NotPurchasable()
    return variant, product


def _check_slot(session: Session, product: Product, slot_id: int | None, now: datetime) -> ServiceSlot | None:
    if product.kind != ProductKind.SERVICE:
        if slot_id is not None:
            raise InvalidInput(errors={"slot_id": [str(_l("Only services are booked into slots."))]})
        return None
    if slot_id is None:
        raise SlotRequired(errors={"slot_id": [str(_l("Choose a time slot."))]})
    slot = session.get(ServiceSlot, slot_id)
    if slot is None or slot.product_id != product.id:
        raise InvalidInput(errors={"slot_id": [str(_l("This service has no such slot."))]})
    if slot.starts_at <= now:
        raise NotPurchasable()
    return slot


def set_cart_line(session: Session, actor: Actor, community_id: int, store_id: int, *, variant_id: int,
                  quantity: int, slot_id: int | None = None) -> Cart:
    """Puts `quantity` of a variant (in a slot, for a service) in the cart; 0 takes it out. Commits."""
    _shop(session, actor, community_id, store_id)
    variant, product = _purchasable(session, store_id, variant_id)
    if quantity > 0:
        _check_slot(session, product, slot_id, utcnow())
    cart = queries.find_cart(session, actor, community_id, store_id)
    if cart is None:
        if quantity == 0:
            return Cart(user_id=actor.user_id, store_id=store_id, community_id=community_id, lines=[])
        cart = Cart(user_id=actor.user_id, store_id=store_id, community_id=community_id)
        session.add(cart)
    line = next((ln for ln in cart.lines if ln.variant_id == variant.id and ln.slot_id == slot_id), None)
    if quantity == 0:
        if line is not None:
            cart.lines.remove(line)
    elif line is None:
        cart.lines.append(CartLine(variant_id=variant.id, slot_id=slot_id, quantity=quantity))
    else:
        line.quantity = quantity
    cart.updated_at = utcnow()
    session.commit()
    return cart


def clear_cart(session: Session, actor: Actor, community_id: int, store_id: int) -> None:
    """Commits."""
    _shop(session, actor, community_id, store_id)
    session.execute(delete(Cart).where(Cart.user_id == actor.user_id, Cart.store_id == store_id,
                                       Cart.community_id == community_id))
    session.commit()


def _priced_lines(session: Session, cart: Cart) -> list[tuple[CartLine, Variant, Product]]:
    if not cart.lines:
        return []
    ids = [line.variant_id for line in cart.lines]
    rows = {v.id: (v, p) for v, p in session.execute(
        select(Variant, Product).join(Product, Product.id == Variant.product_id).where(Variant.id.in_(ids))
    )}
    return [(line, *rows[line.variant_id]) for line in cart.lines]


def _find_coupon(session: Session, store_id: int, code: str, now: datetime, *, lock: bool) -> Coupon:
    query = select(Coupon).where(Coupon.store_id == store_id, Coupon.code == code.strip().upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    coupon = session.scalar(query)
    if (coupon is None or not coupon.active or (coupon.starts_at and now < coupon.starts_at)
            or (coupon.ends_at and now >= coupon.ends_at)):
        raise CouponInvalid()
    return coupon


def _terms(coupon: Coupon) -> pricing.CouponTerms:
    return pricing.CouponTerms(kind=coupon.kind, value=coupon.value, min_spend=coupon.min_spend,
                               product_ids=frozenset(coupon.product_ids or ()),
                               category_ids=frozenset(coupon.category_ids or ()))


def _quote(store: Store, rows, fulfilment: str, coupon: Coupon | None) -> pricing.Quote:
    lines = [pricing.Line(key=line.id or index, product_id=product.id, category_id=product.category_id,
                          unit_price=variant.price, quantity=line.quantity)
             for index, (line, variant, product) in enumerate(rows)]
    fee = store.delivery_fee if fulfilment == "delivery" else 0
    return pricing.quote(lines, delivery_fee=fee, coupon=_terms(coupon) if coupon else None)


def _coupon_problem(quoted: pricing.Quote, coupon: Coupon) -> Exception | None:
    if quoted.eligible_subtotal == 0:
        return CouponInvalid()
    if quoted.eligible_subtotal < coupon.min_spend:
        return CouponMinimumNotMet(min_spend=coupon.min_spend)
    return None


def view_cart(session: Session, actor: Actor, community_id: int, store_id: int, *, fulfilment: str | None = None,
              coupon_code: str | None = None) -> dict:
    """The cart with its amounts as checkout would compute them now (a coupon is tried, not used)."""
    store = _shop(session, actor, community_id, store_id)
    cart = queries.find_cart(session, actor, community_id, store_id)
    rows = _priced_lines(session, cart) if cart else []
    fulfilment = fulfilment or ("pickup" if store.offers_pickup else "delivery")
    coupon, coupon_error = None, None
    if coupon_code:
        try:
            coupon = _find_coupon(session, store_id, coupon_code, utcnow(), lock=False)
        except CouponInvalid as exc:
            coupon_error = exc
    quoted = _quote(store, rows, fulfilment, coupon)
    if coupon is not None:
        coupon_error = _coupon_problem(quoted, coupon)
    return {
        "store_id": store_id, "community_id": community_id, "fulfilment": fulfilment,
        "lines": [
            {"variant_id": variant.id, "slot_id": line.slot_id, "product_id": product.id,
             "product_name": product.name, "variant_name": variant.name, "unit_price": variant.price,
             "quantity": line.quantity, "amount": variant.price * line.quantity,
             "available": product.published and variant.active and (
                 product.kind == ProductKind.SERVICE or variant.stock >= line.quantity)}
            for line, variant, product in rows
        ],
        "subtotal": quoted.subtotal, "discount": quoted.discount, "delivery_fee": quoted.delivery_fee,
        "total": quoted.total, "currency": store.currency, "min_order": store.min_order,
        "coupon_code": coupon.code if coupon and not coupon_error else None,
        "coupon_error": getattr(coupon_error, "code", None),
    }


# Checkout ------------------------------------------------------------------------------------

def _home_address(session: Session, actor: Actor, community_id: int) -> str | None:
    residency = session.scalar(
        select(Residency).where(Residency.user_id == actor.user_id, Residency.community_id == community_id,
                                Residency.status == ResidencyStatus.APPROVED).order_by(Residency.id)
    )
    return f"{residency.unit.building.name} {residency.unit.number}" if residency else None


def _redeem(session: Session, actor: Actor, coupon: Coupon, quoted: pricing.Quote) -> None:
    problem = _coupon_problem(quoted, coupon)
    if problem is not None:
        raise problem
    if coupon.total_limit is not None and coupon.redeemed >= coupon.total_limit:
        raise CouponExhausted()
    if coupon.per_resident_limit is not None:
        used = session.scalar(
            select(func.count()).where(CouponRedemption.coupon_id == coupon.id,
                                       CouponRedemption.user_id == actor.user_id,
                                       CouponRedemption.released_at.is_(None))
        )
        if used >= coupon.per_resident_limit:
            raise CouponLimitReached()
    coupon.redeemed += 1


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


def _release(session: Session, order: Order) -> None:
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


def record(order: Order, to_status: str, actor_user_id: int | None, note: str | None = None) -> None:
    order.history.append(OrderEvent(from_status=order.status, to_status=to_status,
                                    actor_user_id=actor_user_id, note=note))
    order.status = to_status


def checkout(session: Session, actor: Actor, community_id: int, store_id: int, *, fulfilment: str,
             coupon_code: str | None = None, delivery_address: str | None = None, note: str | None = None,
             now: datetime | None = None) -> Order:
    """Turns the resident's cart into an order, reserving its stock, and asks them to pay.

    Commits. Calls Stripe (a PaymentIntent for the total, to be confirmed by the resident's app
    with `client_secret`); redeems the coupon; empties the cart. The order waits for payment for
    RESERVATION, then expires and gives its stock back.
    """
    now = now or utcnow()
    store = _shop(session, actor, community_id, store_id)
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
    rows = _priced_lines(session, cart) if cart else []
    if not rows:
        raise CartEmpty()
    for line, variant, product in rows:
        if not (product.published and variant.active and product.store_id == store_id):
            raise NotPurchasable(variant_id=variant.id)
        _check_slot(session, product, line.slot_id, now)
    coupon = _find_coupon(session, store_id, coupon_code, now, lock=True) if coupon_code else None
    quoted = _quote(store, rows, fulfilment, coupon)
    if quoted.subtotal < store.min_order:
        raise BelowMinimumOrder(min_order=store.min_order)
    if coupon is not None:
        _redeem(session, actor, coupon, quoted)
    _reserve(session, rows)
    user = session.get(User, actor.user_id)
    order = Order(
        community_id=community_id, store_id=store_id, user_id=actor.user_id, fulfilment=fulfilment,
        recipient_name=user.display_name, recipient_phone=user.phone,
        delivery_address=delivery_address if fulfilment == "delivery" else None, note=note,
        subtotal=quoted.subtotal, discount=quoted.discount, delivery_fee=quoted.delivery_fee, total=quoted.total,
        refunded=0, currency=store.currency, coupon_code=coupon.code if coupon else None,
        reserved_until=now + RESERVATION, pickup_code=f"{secrets.randbelow(10**6):06d}",
        status=OrderStatus.AWAITING_PAYMENT,
    )
    order.lines = [
        OrderLine(product_id=product.id, variant_id=variant.id, slot_id=line.slot_id,
                  slot_starts_at=session.get(ServiceSlot, line.slot_id).starts_at if line.slot_id else None,
                  product_name=product.name, variant_name=variant.name, sku=variant.sku, unit_price=variant.price,
                  quantity=line.quantity, discount=quoted.line_discounts.get(line.id, 0),
                  refunded_quantity=0, refunded=0)
        for line, variant, product in rows
    ]
    order.history = [OrderEvent(from_status=None, to_status=OrderStatus.AWAITING_PAYMENT,
                                actor_user_id=actor.user_id)]
    session.add(order)
    # flush: the payment's reference and the coupon's redemption name the order's id
    session.flush()
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
        _end_unpaid(session, order.id, reason="payment provider unavailable", actor_user_id=None)
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


# Payment outcomes (called by commerce/orders/events.py inside payments' transaction) ----------

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
    record(order, OrderStatus.PAID, None)
    order.paid_at, order.reserved_until = now or utcnow(), None
    store = session.get(Store, order.store_id)
    notify(session, user_ids=store_queries.staff_user_ids(session, order.store_id), kind="order.paid",
           params={"order": order.id, "items": sum(ln.quantity for ln in order.lines),
                   "total": money(order.total, order.currency), "fulfilment": order.fulfilment,
                   "store": store.name},
           community_id=order.community_id, subject=("order", order.id), dedupe_key=f"order.paid:{order.id}")


def _cancel_payment(session: Session, payment_id: int, *, reason: str, actor_user_id: int | None) -> None:
    """Cancels an unpaid order's PaymentIntent; its "canceled" event ends the order with this reason."""
    session.info[CANCELLING] = (reason, actor_user_id)
    try:
        payments.cancel_payment(session, payment_id)
    finally:
        session.info.pop(CANCELLING, None)


def cancel_unpaid(session: Session, order: Order, *, reason: str, actor_user_id: int | None = None) -> None:
    """An unpaid order ends: its stock and coupon come back. Does not commit."""
    _release(session, order)
    order.cancel_reason, order.reserved_until = reason, None
    record(order, OrderStatus.CANCELLED, actor_user_id, reason)


# Resident's steps ----------------------------------------------------------------------------

def _tell_resident(session: Session, order: Order, kind: str, **params) -> None:
    store = session.get(Store, order.store_id)
    notify(session, user_ids=[order.user_id], kind=kind,
           params={"order": order.id, "store": store.name, "code": order.pickup_code or "", **params},
           community_id=order.community_id, subject=("order", order.id),
           dedupe_key=f"{kind}:{order.id}:{len(order.history)}")


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


def _cancel_paid(session: Session, order: Order, *, reason: str, actor_user_id: int) -> int | None:
    """A paid order ends before anything left the store: a full refund, and the stock comes back.

    Does not commit. Returns the payment refund to send (`payments.send_refund`) once committed.
    """
    refund_amount = order.total - order.refunded
    _release(session, order)
    order.cancel_reason = reason
    order.refunded = order.total
    _reverse_host_commission(session, order, refund_amount, f"order:{order.id}:cancel:host")
    for line in order.lines:
        line.refunded_quantity, line.refunded = line.quantity, line.line_total
    record(order, OrderStatus.CANCELLED, actor_user_id, reason)
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
        _cancel_payment(session, order.payment_id, reason=reason, actor_user_id=actor.user_id)
    order = lock_order(session, order.id)
    refund_id = None
    if order.status == OrderStatus.AWAITING_PAYMENT:
        cancel_unpaid(session, order, reason=reason, actor_user_id=actor.user_id)
    elif order.status == OrderStatus.PAID:
        refund_id = _cancel_paid(session, order, reason=reason, actor_user_id=actor.user_id)
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
    record(order, OrderStatus.COMPLETED, actor.user_id)
    session.commit()
    return order


def review_order(session: Session, actor: Actor, community_id: int, order_id: int, *, rating: int,
                 text: str | None = None, products: list[dict] | None = None) -> StoreReview:
    """The resident rates the store of a completed order and, optionally, its products. Commits."""
    order = lock_order(session, queries.get_my_order(session, actor, community_id, order_id).id)
    if order.status != OrderStatus.COMPLETED:
        raise OrderStateConflict()
    if session.scalar(select(StoreReview.id).where(StoreReview.order_id == order.id)) is not None:
        raise AlreadyReviewed()
    bought = {line.product_id for line in order.lines}
    products = products or []
    if any(p["product_id"] not in bought for p in products) or len({p["product_id"] for p in products}) != len(
            products):
        raise InvalidInput(errors={"products": [str(_l("Review each product of this order at most once."))]})
    review = StoreReview(order_id=order.id, store_id=order.store_id, user_id=actor.user_id, rating=rating, text=text)
    session.add(review)
    session.execute(update(Store).where(Store.id == order.store_id).values(
        rating_total=Store.rating_total + rating, rating_count=Store.rating_count + 1))
    for item in products:
        session.add(ProductReview(order_id=order.id, product_id=item["product_id"], user_id=actor.user_id,
                                  rating=item["rating"], text=item.get("text")))
        session.execute(update(Product).where(Product.id == item["product_id"]).values(
            rating_total=Product.rating_total + item["rating"], rating_count=Product.rating_count + 1))
    session.commit()
    return review


# Merchant's steps ----------------------------------------------------------------------------

def advance_order(session: Session, actor: Actor, store_id: int, order_id: int, *, to_status: str) -> Order:
    """The store takes the order's next step: accept, ready, out for delivery, delivered.

    Commits; notifies the resident. Pickup orders skip "out for delivery" and are handed over with
    the pickup code (`hand_over`); delivery orders go out and are marked delivered.
    """
    order = lock_order(session, queries.get_store_order(session, actor, store_id, order_id).id)
    allowed = _STEPS[to_status]
    if order.status not in allowed:
        raise OrderStateConflict()
    if order.fulfilment == "pickup" and to_status in (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
        raise OrderStateConflict(detail=str(_l("Pickup orders are handed over with their pickup code.")))
    record(order, to_status, actor.user_id)
    if to_status == OrderStatus.DELIVERED:
        order.delivered_at = utcnow()
    _tell_resident(session, order, f"order.{to_status}")
    session.commit()
    return order


def hand_over(session: Session, order: Order, *, code: str, actor_user_id: int) -> Order:
    """The resident shows the pickup code and takes the goods. Does not commit."""
    order = lock_order(session, order.id)
    if order.status != OrderStatus.READY:
        raise OrderStateConflict()
    if not secrets.compare_digest(code, order.pickup_code or ""):
        raise WrongPickupCode(errors={"code": [str(_l("This pickup code does not match the order."))]})
    record(order, OrderStatus.DELIVERED, actor_user_id, "pickup code verified")
    order.delivered_at = utcnow()
    _tell_resident(session, order, "order.delivered")
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
    refund_id = _cancel_paid(session, order, reason=reason, actor_user_id=actor.user_id)
    _tell_resident(session, order, "order.cancelled", reason=reason)
    session.commit()
    send_refunds(session, refund_id)
    return order


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
        record(order, OrderStatus.REFUNDED, actor_user_id, reason)
    else:
        order.history.append(OrderEvent(from_status=order.status, to_status=order.status,
                                        actor_user_id=actor_user_id, note=f"refunded {amount}: {reason}"[:255]))
    if order.payment_id is not None:
        paid_back = payments.request_refund(session, order.payment_id, amount=amount, reason=reason,
                                            key=f"order:{order.id}:refund:{number}")
        refund.payment_refund_id = paid_back.id
    if tell:
        _tell_resident(session, order, "order.refunded", amount=money(amount, order.currency), reason=reason)
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
        record(order, before, None, f"refund of {amount} failed at the payment provider")
    else:
        if order.status == OrderStatus.CANCELLED:
            log.error("order %s: the refund of its cancellation (%s) failed; the resident is still owed it",
                      order.id, amount)
        order.history.append(OrderEvent(from_status=order.status, to_status=order.status, actor_user_id=None,
                                        note=f"refund of {amount} failed at the payment provider"))


# Coupons -------------------------------------------------------------------------------------

def create_coupon(session: Session, actor: Actor, store_id: int, **fields) -> Coupon:
    """The owner offers a coupon. Commits."""
    store_queries.require_store(session, actor, store_id, Permission.COUPON_MANAGE)
    fields["code"] = fields["code"].strip().upper()
    _check_coupon(fields)
    if session.scalar(select(Coupon.id).where(Coupon.store_id == store_id, Coupon.code == fields["code"])):
        raise CouponCodeTaken()
    coupon = Coupon(store_id=store_id, redeemed=0, **fields)
    session.add(coupon)
    session.commit()
    return coupon


def _check_coupon(fields: dict) -> None:
    if fields.get("kind") == "percent" and fields.get("value", 0) > 100:
        raise InvalidInput(errors={"value": [str(_l("A percentage is at most 100."))]})
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts and ends and ends <= starts:
        raise InvalidInput(errors={"ends_at": [str(_l("Must be later than starts_at."))]})


def update_coupon(session: Session, actor: Actor, store_id: int, coupon_id: int, **fields) -> Coupon:
    """The owner changes a coupon's window, limits or switches it off. Commits."""
    coupon = queries.get_store_coupon(session, actor, store_id, coupon_id)
    coupon = session.scalar(select(Coupon).where(Coupon.id == coupon.id).with_for_update()
                            .execution_options(populate_existing=True))
    _check_coupon({"kind": coupon.kind, "value": coupon.value, "starts_at": coupon.starts_at,
                   "ends_at": coupon.ends_at, **fields})
    if fields.get("total_limit") is not None and fields["total_limit"] < coupon.redeemed:
        raise InvalidInput(errors={"total_limit": [str(_l("Already redeemed more often than this."))]})
    for name, value in fields.items():
        setattr(coupon, name, value)
    session.commit()
    return coupon


# Jobs' use cases -------------------------------------------------------------------------------

def expired_orders(session: Session, now: datetime, limit: int = 500) -> list[int]:
    return list(session.scalars(
        select(Order.id).where(Order.status == OrderStatus.AWAITING_PAYMENT, Order.reserved_until < now)
        .order_by(Order.id).limit(limit)
    ))


def expire_order(session: Session, order_id: int, now: datetime) -> str:
    """An unpaid order past its reservation: the payment is cancelled, the stock returned. Commits.

    If the payment succeeded meanwhile, Stripe refuses the cancel and the order stays for its
    webhook (which marks it paid); nothing is returned then.
    """
    order = session.get(Order, order_id)
    if order is None or order.status != OrderStatus.AWAITING_PAYMENT:
        return "skipped"
    order = _end_unpaid(session, order_id, reason="expired", actor_user_id=None)
    session.commit()
    return order.status


def _end_unpaid(session: Session, order_id: int, *, reason: str, actor_user_id: int | None) -> Order:
    """Cancels an unpaid order's payment, then the order if its payment's event has not. Does not commit."""
    order = session.get(Order, order_id)
    if order.payment_id is not None:
        _cancel_payment(session, order.payment_id, reason=reason, actor_user_id=actor_user_id)
    order = lock_order(session, order_id)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        cancel_unpaid(session, order, reason=reason, actor_user_id=actor_user_id)
    return order


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
        record(order, OrderStatus.COMPLETED, None, "completed automatically")
    session.commit()
    return order.status
