"""Use cases of reviews: a resident rates the store of a completed order, and its products. Each commits once."""
from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commerce.catalog.models import Product
from commerce.errors import (
    AlreadyReviewed,
    OrderStateConflict,
)
from commerce.orders import queries
from commerce.orders.lifecycle import lock_order
from commerce.orders.models import (
    OrderStatus,
    ProductReview,
    StoreReview,
)
from commerce.stores.models import Store
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)



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
