"""Read-side selects of carts, coupons, orders, returns and reviews, scoped to what the actor may see."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from commerce.orders.models import (
    Cart,
    Coupon,
    CouponClaim,
    CouponRedemption,
    Order,
    ReturnRequest,
    StoreReview,
)
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


# Coupons as residents see them -------------------------------------------------------------------

# What a coupon is to a resident: in their wallet and usable now, later, or no more; or used by one
# of their live orders; or, not in their wallet, all claimed.
COUPON_STATES = ("available", "upcoming", "used", "expired", "exhausted")


def _listed(now: datetime) -> ColumnElement[bool]:
    """Claimable coupons residents can still claim: switched on and not ended (those starting later too)."""
    return and_(Coupon.claimable.is_(True), Coupon.active.is_(True),
                or_(Coupon.ends_at.is_(None), Coupon.ends_at > now))


def claimable_coupons(actor: Actor, community_id: int, *, now: datetime, store_id: int | None = None) -> Select:
    """The claimable coupons of the stores serving the community (of one of them), newest first."""
    community_queries.require_member(actor, community_id)
    query = (select(Coupon).where(_listed(now), Coupon.store_id.in_(store_queries.serving_store_ids(community_id)))
             .options(selectinload(Coupon.store)))
    if store_id is not None:
        query = query.where(Coupon.store_id == store_id)
    return query.order_by(Coupon.id.desc())


def store_claimable_coupons(session: Session, actor: Actor, community_id: int, store_id: int, *,
                            now: datetime) -> Select:
    """The claimable coupons of one store, as the community's people see it (404 unless it serves them)."""
    store_queries.get_serving_store(session, actor, community_id, store_id)
    return claimable_coupons(actor, community_id, now=now, store_id=store_id)


def get_claimable_coupon(session: Session, actor: Actor, community_id: int, coupon_id: int) -> Coupon:
    """A claimable coupon of a store serving the community; 404 for any other (code-only ones too)."""
    community_queries.require_member(actor, community_id)
    coupon = session.scalar(select(Coupon).where(
        Coupon.id == coupon_id, Coupon.claimable.is_(True),
        Coupon.store_id.in_(store_queries.serving_store_ids(community_id))))
    if coupon is None:
        raise NotFound()
    return coupon


def _in_use(user_id: int) -> ColumnElement[bool]:
    return exists().where(CouponRedemption.coupon_id == Coupon.id, CouponRedemption.user_id == user_id,
                          CouponRedemption.released_at.is_(None))


def wallet(actor: Actor, *, now: datetime, community_id: int | None = None, store_id: int | None = None,
           state: str | None = None) -> Select:
    """The coupons the resident claimed, last claimed first; of the stores serving `community_id`, or in `state`."""
    query = (select(Coupon).join(CouponClaim, CouponClaim.coupon_id == Coupon.id)
             .where(CouponClaim.user_id == actor.user_id).order_by(CouponClaim.id.desc())
             .options(selectinload(Coupon.store)))
    if community_id is not None:
        community_queries.require_member(actor, community_id)
        query = query.where(Coupon.store_id.in_(store_queries.serving_store_ids(community_id)))
    if store_id is not None:
        query = query.where(Coupon.store_id == store_id)
    if state is not None:
        used = _in_use(actor.user_id)
        # Spelled out around NULLs: NOT (NULL) is NULL, which would drop coupons that never end.
        ended = or_(Coupon.active.is_(False), and_(Coupon.ends_at.is_not(None), Coupon.ends_at <= now))
        later = and_(Coupon.starts_at.is_not(None), Coupon.starts_at > now)
        query = query.where({
            "used": used,
            "expired": and_(~used, ended),
            "upcoming": and_(~used, ~ended, later),
            "available": and_(~used, ~ended, ~later),
        }.get(state, False))
    return query


def as_resident_sees(session: Session, actor: Actor, coupons: list[Coupon], now: datetime) -> list[Coupon]:
    """Adds what the resident needs to see of each coupon: when they claimed it and its state to them."""
    ids = [c.id for c in coupons]
    claimed = dict(session.execute(select(CouponClaim.coupon_id, CouponClaim.created_at)
                                   .where(CouponClaim.user_id == actor.user_id, CouponClaim.coupon_id.in_(ids)))
                   .all()) if ids else {}
    live = live_redemptions(session, actor, ids)
    for coupon in coupons:
        coupon.claimed_at = claimed.get(coupon.id)
        if coupon.claimed_at is not None and live.get(coupon.id, 0) >= (coupon.per_resident_limit or 1):
            coupon.state = "used"
        elif not coupon.active or (coupon.ends_at and now >= coupon.ends_at):
            coupon.state = "expired"
        elif coupon.claimed_at is None and coupon.left == 0:
            coupon.state = "exhausted"
        elif coupon.starts_at and now < coupon.starts_at:
            coupon.state = "upcoming"
        else:
            coupon.state = "available"
    return coupons


def claimed_coupons(session: Session, actor: Actor, store_id: int, now: datetime, *, lock: bool) -> list[Coupon]:
    """The resident's claimed coupons of a store valid now, in id order (the order checkout locks them in)."""
    query = (select(Coupon).join(CouponClaim, CouponClaim.coupon_id == Coupon.id)
             .where(CouponClaim.user_id == actor.user_id, Coupon.store_id == store_id, Coupon.active.is_(True),
                    or_(Coupon.starts_at.is_(None), Coupon.starts_at <= now),
                    or_(Coupon.ends_at.is_(None), Coupon.ends_at > now))
             .order_by(Coupon.id))
    if lock:
        # OF coupons: the claims are the resident's own and nobody else writes them.
        query = query.with_for_update(of=Coupon).execution_options(populate_existing=True)
    return list(session.scalars(query))


def live_redemptions(session: Session, actor: Actor, coupon_ids: list[int]) -> dict[int, int]:
    """How many of the resident's live (unreleased) orders use each of these coupons."""
    if not coupon_ids:
        return {}
    return dict(session.execute(
        select(CouponRedemption.coupon_id, func.count())
        .where(CouponRedemption.user_id == actor.user_id, CouponRedemption.coupon_id.in_(coupon_ids),
               CouponRedemption.released_at.is_(None))
        .group_by(CouponRedemption.coupon_id)
    ).all())


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
