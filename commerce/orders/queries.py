"""Read-side selects of carts, coupons, orders, returns and reviews, scoped to what the actor may see."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from commerce.orders.models import Cart, Coupon, Order, ReturnRequest, StoreReview
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from community import queries as community_queries
from core.auth import Actor
from core.errors import NotFound
from core.policy import require
from payments.models import Payment


def find_cart(session: Session, actor: Actor, community_id: int, store_id: int) -> Cart | None:
    return session.scalar(
        select(Cart).where(Cart.user_id == actor.user_id, Cart.store_id == store_id,
                           Cart.community_id == community_id)
    )


def my_orders(actor: Actor, community_id: int, *, status: str | None = None) -> Select:
    """A resident's own orders in a community, newest first."""
    community_queries.require_member(actor, community_id)
    query = (
        select(Order)
        .where(Order.user_id == actor.user_id, Order.community_id == community_id)
        .order_by(Order.id.desc())
    )
    if status:
        query = query.where(Order.status == status)
    return query


def get_my_order(session: Session, actor: Actor, community_id: int, order_id: int) -> Order:
    """The resident's own order; anyone else's does not exist (404)."""
    community_queries.require_member(actor, community_id)
    order = session.get(Order, order_id)
    if order is None or order.user_id != actor.user_id or order.community_id != community_id:
        raise NotFound()
    return order


def with_client_secret(session: Session, order: Order) -> Order:
    """Adds what the resident's app needs to pay an unpaid order (the PaymentIntent's client secret)."""
    order.client_secret = None
    if order.payment_id is not None and order.status == "awaiting_payment":
        order.client_secret = session.scalar(select(Payment.client_secret).where(Payment.id == order.payment_id))
    return order


def store_orders(session: Session, actor: Actor, store_id: int, *, status: str | None = None,
                 community_id: int | None = None) -> Select:
    """The store's orders, for its staff, newest first (unpaid ones are not theirs to see yet)."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    query = (
        select(Order)
        .where(Order.store_id == store_id, Order.status != "awaiting_payment")
        .order_by(Order.id.desc())
    )
    if status:
        query = query.where(Order.status == status)
    if community_id:
        query = query.where(Order.community_id == community_id)
    return query


def get_store_order(session: Session, actor: Actor, store_id: int, order_id: int,
                    permission: Permission = Permission.STORE_OPERATE) -> Order:
    _store, access = store_queries.get_own_store(session, actor, store_id)
    order = session.get(Order, order_id)
    if order is None or order.store_id != store_id or order.status == "awaiting_payment":
        raise NotFound()
    require(actor, permission, access)
    return order


def store_coupons(session: Session, actor: Actor, store_id: int) -> Select:
    store_queries.require_store(session, actor, store_id, Permission.COUPON_MANAGE)
    return select(Coupon).where(Coupon.store_id == store_id).order_by(Coupon.id.desc())


def get_store_coupon(session: Session, actor: Actor, store_id: int, coupon_id: int) -> Coupon:
    _store, access = store_queries.get_own_store(session, actor, store_id)
    coupon = session.get(Coupon, coupon_id)
    if coupon is None or coupon.store_id != store_id:
        raise NotFound()
    require(actor, Permission.COUPON_MANAGE, access)
    return coupon


def store_reviews(session: Session, actor: Actor, community_id: int, store_id: int) -> Select:
    """A store's reviews, as the community's people see them (the store must serve them)."""
    store_queries.get_serving_store(session, actor, community_id, store_id)
    return select(StoreReview).where(StoreReview.store_id == store_id).order_by(StoreReview.id.desc())


def my_returns(actor: Actor, community_id: int, *, status: str | None = None) -> Select:
    """A resident's own return requests in a community, newest first."""
    community_queries.require_member(actor, community_id)
    query = select(ReturnRequest).where(ReturnRequest.user_id == actor.user_id,
                                        ReturnRequest.community_id == community_id)
    if status:
        query = query.where(ReturnRequest.status == status)
    return query.order_by(ReturnRequest.id.desc())


def get_my_return(session: Session, actor: Actor, community_id: int, return_id: int) -> ReturnRequest:
    community_queries.require_member(actor, community_id)
    found = session.get(ReturnRequest, return_id)
    if found is None or found.user_id != actor.user_id or found.community_id != community_id:
        raise NotFound()
    return found


def store_returns(session: Session, actor: Actor, store_id: int, *, status: str | None = None) -> Select:
    """The store's return requests, for its staff, open ones first, then newest."""
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    query = select(ReturnRequest).where(ReturnRequest.store_id == store_id)
    if status:
        query = query.where(ReturnRequest.status == status)
    return query.order_by((ReturnRequest.status == "requested").desc(), ReturnRequest.id.desc())


def get_store_return(session: Session, actor: Actor, store_id: int, return_id: int,
                     permission: Permission = Permission.STORE_OPERATE) -> ReturnRequest:
    _store, access = store_queries.get_own_store(session, actor, store_id)
    found = session.get(ReturnRequest, return_id)
    if found is None or found.store_id != store_id:
        raise NotFound()
    require(actor, permission, access)
    return found
