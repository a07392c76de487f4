"""Use cases of carts: what a resident is about to buy from one store, priced as checkout would. Each commits."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commerce.catalog.models import Product, ProductKind, ServiceSlot, Variant
from commerce.errors import (
    CouponInvalid,
    NotPurchasable,
    SlotRequired,
)
from commerce.orders import pricing, queries
from commerce.orders.coupons import best_claimed, coupon_problem, find_coupon, terms, use_problem
from commerce.orders.models import (
    Cart,
    CartLine,
    Coupon,
)
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from commerce.stores.models import Store
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require

log = logging.getLogger(__name__)



def shop(session: Session, actor: Actor, community_id: int, store_id: int) -> Store:
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


def check_slot(session: Session, product: Product, slot_id: int | None, now: datetime) -> ServiceSlot | None:
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
    shop(session, actor, community_id, store_id)
    variant, product = _purchasable(session, store_id, variant_id)
    if quantity > 0:
        check_slot(session, product, slot_id, utcnow())
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
    shop(session, actor, community_id, store_id)
    session.execute(delete(Cart).where(Cart.user_id == actor.user_id, Cart.store_id == store_id,
                                       Cart.community_id == community_id))
    session.commit()


def priced_lines(session: Session, cart: Cart) -> list[tuple[CartLine, Variant, Product]]:
    if not cart.lines:
        return []
    ids = [line.variant_id for line in cart.lines]
    rows = {v.id: (v, p) for v, p in session.execute(
        select(Variant, Product).join(Product, Product.id == Variant.product_id).where(Variant.id.in_(ids))
    )}
    return [(line, *rows[line.variant_id]) for line in cart.lines]


def quote(store: Store, rows, fulfilment: str, coupon: Coupon | None) -> pricing.Quote:
    lines = [pricing.Line(key=line.id or index, product_id=product.id, category_id=product.category_id,
                          unit_price=variant.price, quantity=line.quantity)
             for index, (line, variant, product) in enumerate(rows)]
    fee = store.delivery_fee if fulfilment == "delivery" else 0
    return pricing.quote(lines, delivery_fee=fee, coupon=terms(coupon) if coupon else None)


def view_cart(session: Session, actor: Actor, community_id: int, store_id: int, *, fulfilment: str | None = None,
              coupon_code: str | None = None, use_wallet: bool = True) -> dict:
    """The cart with its amounts as checkout would compute them now: with the coupon given, tried and
    not used, or else (unless `use_wallet` is false) the best coupon of the resident's wallet."""
    store = shop(session, actor, community_id, store_id)
    cart = queries.find_cart(session, actor, community_id, store_id)
    rows = priced_lines(session, cart) if cart else []
    fulfilment = fulfilment or ("pickup" if store.offers_pickup else "delivery")
    now = utcnow()
    coupon, coupon_error, from_wallet = None, None, False
    if coupon_code:
        try:
            coupon = find_coupon(session, store_id, coupon_code, now, lock=False)
        except CouponInvalid as exc:
            coupon_error = exc
    elif use_wallet and rows:
        best = best_claimed(session, actor, store_id, lambda c: quote(store, rows, fulfilment, c), now, lock=False)
        coupon, from_wallet = (best[0], True) if best else (None, False)
    quoted = quote(store, rows, fulfilment, coupon)
    if coupon is not None:
        # A code typed in is told apart from one that applies: used up, all claimed, or the
        # resident's own limit reached is said here, not first at checkout.
        coupon_error = coupon_problem(quoted, coupon) or (
            use_problem(session, actor, coupon) if not from_wallet else None)
        if coupon_error is not None:
            quoted = quote(store, rows, fulfilment, None)
    applied = coupon if coupon is not None and coupon_error is None else None
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
        "coupon_code": applied.code if applied else None,
        "coupon_error": getattr(coupon_error, "code", None),
        "coupon": {"id": applied.id, "code": applied.code, "description": applied.description,
                   "ends_at": applied.ends_at, "from_wallet": from_wallet} if applied else None,
    }
