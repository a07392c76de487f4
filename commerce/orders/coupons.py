"""Use cases of coupons: stores offer them, residents claim the claimable ones into their wallet, and
checkout redeems them (a given code, or the best coupon of the wallet). Claims and redemptions
both count under the coupon's row lock, so its total and per-resident limits hold however many
residents race for it."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commerce.catalog.models import Category, Product
from commerce.errors import (
    CouponCodeTaken,
    CouponExhausted,
    CouponInvalid,
    CouponLimitReached,
    CouponMinimumNotMet,
)
from commerce.orders import pricing, queries
from commerce.orders.models import (
    Coupon,
    CouponClaim,
    CouponRedemption,
)
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require

log = logging.getLogger(__name__)



def find_coupon(session: Session, store_id: int, code: str, now: datetime, *, lock: bool) -> Coupon:
    query = select(Coupon).where(Coupon.store_id == store_id, Coupon.code == code.strip().upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    coupon = session.scalar(query)
    if coupon is None or not valid_at(coupon, now):
        raise CouponInvalid()
    return coupon


def valid_at(coupon: Coupon, now: datetime) -> bool:
    """Switched on and within its window."""
    return coupon.active and not (coupon.starts_at and now < coupon.starts_at) and not (
        coupon.ends_at and now >= coupon.ends_at)


def terms(coupon: Coupon) -> pricing.CouponTerms:
    return pricing.CouponTerms(kind=coupon.kind, value=coupon.value, min_spend=coupon.min_spend,
                               product_ids=frozenset(coupon.product_ids or ()),
                               category_ids=frozenset(coupon.category_ids or ()))


def coupon_problem(quoted: pricing.Quote, coupon: Coupon) -> Exception | None:
    if quoted.eligible_subtotal == 0:
        return CouponInvalid()
    if quoted.eligible_subtotal < coupon.min_spend:
        return CouponMinimumNotMet(min_spend=coupon.min_spend)
    return None


def use_problem(session: Session, actor: Actor, coupon: Coupon) -> Exception | None:
    """Why the resident cannot use this coupon now however the order looks: it is used up, all of a
    claimable one's are held by others, or the resident has used it as often as it allows."""
    if coupon.total_limit is not None and coupon.redeemed >= coupon.total_limit:
        return CouponExhausted()
    if coupon.claimable and coupon.total_limit is not None and coupon.claimed >= coupon.total_limit and not (
            session.scalar(select(CouponClaim.id).where(CouponClaim.coupon_id == coupon.id,
                                                        CouponClaim.user_id == actor.user_id))):
        return CouponExhausted()
    if coupon.per_resident_limit is not None:
        used = session.scalar(
            select(func.count()).where(CouponRedemption.coupon_id == coupon.id,
                                       CouponRedemption.user_id == actor.user_id,
                                       CouponRedemption.released_at.is_(None))
        )
        if used >= coupon.per_resident_limit:
            return CouponLimitReached()
    return None


def redeem(session: Session, actor: Actor, coupon: Coupon, quoted: pricing.Quote) -> None:
    problem = coupon_problem(quoted, coupon) or use_problem(session, actor, coupon)
    if problem is not None:
        raise problem
    coupon.redeemed += 1


def hold(session: Session, actor: Actor, coupon: Coupon) -> CouponClaim:
    """The resident's claim of a claimable coupon (locked by the caller), made now if they have none.

    Does not commit. A claim takes one of `total_limit`, so none is made once they are all claimed.
    """
    claim = session.scalar(select(CouponClaim).where(CouponClaim.coupon_id == coupon.id,
                                                     CouponClaim.user_id == actor.user_id))
    if claim is not None:
        return claim
    if coupon.total_limit is not None and coupon.claimed >= coupon.total_limit:
        raise CouponExhausted()
    coupon.claimed += 1
    claim = CouponClaim(coupon_id=coupon.id, user_id=actor.user_id, created_at=utcnow())
    session.add(claim)
    return claim


def claim_coupon(session: Session, actor: Actor, community_id: int, coupon_id: int) -> tuple[Coupon, bool]:
    """A resident puts a claimable coupon of a store serving their community in their wallet, once.

    Commits. Returns the coupon and whether this call claimed it (False: it already was theirs).
    Under the coupon's row lock, so of simultaneous claims of its last ones exactly those left succeed.
    """
    coupon = queries.get_claimable_coupon(session, actor, community_id, coupon_id)
    require(actor, Permission.SHOP, community_id)
    coupon = session.scalar(select(Coupon).where(Coupon.id == coupon.id).with_for_update()
                            .execution_options(populate_existing=True))
    now = utcnow()
    if not coupon.active or (coupon.ends_at and now >= coupon.ends_at):  # one that starts later may be claimed
        raise CouponInvalid()
    claimed_before = coupon.claimed
    hold(session, actor, coupon)
    created = coupon.claimed != claimed_before
    session.commit()
    return coupon, created


def best_claimed(session: Session, actor: Actor, store_id: int, price: Callable[[Coupon], pricing.Quote],
                 now: datetime, *, lock: bool) -> tuple[Coupon, pricing.Quote] | None:
    """The wallet's best coupon for what `price` prices: the largest discount, then the one that
    expires first (so the other keeps), among those valid now, applying, and not used up.

    With `lock`, every candidate is locked in id order first, as checkout redeems under the lock:
    another checkout of the resident's (in another community) waits, then sees this one's use.
    """
    candidates = queries.claimed_coupons(session, actor, store_id, now, lock=lock)
    live = queries.live_redemptions(session, actor, [c.id for c in candidates])
    best: tuple[tuple, Coupon, pricing.Quote] | None = None
    for coupon in candidates:
        if coupon.total_limit is not None and coupon.redeemed >= coupon.total_limit:
            continue
        if coupon.per_resident_limit is not None and live.get(coupon.id, 0) >= coupon.per_resident_limit:
            continue
        quoted = price(coupon)
        if coupon_problem(quoted, coupon) is not None or quoted.discount == 0:
            continue
        rank = (-quoted.discount, coupon.ends_at is None, coupon.ends_at or now, coupon.id)
        if best is None or rank < best[0]:
            best = (rank, coupon, quoted)
    return (best[1], best[2]) if best else None


def create_coupon(session: Session, actor: Actor, store_id: int, **fields) -> Coupon:
    """The owner offers a coupon, code-only or claimable (listed for residents). Commits."""
    store_queries.require_store(session, actor, store_id, Permission.COUPON_MANAGE)
    fields["code"] = fields["code"].strip().upper()
    _check_not_over(fields)
    _check_coupon(fields)
    if fields.get("claimable"):
        _check_claimable(fields)
        fields["per_resident_limit"] = 1
    _check_scope(session, store_id, fields.get("product_ids") or [], fields.get("category_ids") or [])
    if session.scalar(select(Coupon.id).where(Coupon.store_id == store_id, Coupon.code == fields["code"])):
        raise CouponCodeTaken()
    coupon = Coupon(store_id=store_id, redeemed=0, claimed=0, **fields)
    session.add(coupon)
    session.commit()
    return coupon


def _check_coupon(fields: dict) -> None:
    if fields.get("kind") == "percent" and fields.get("value", 0) > 100:
        raise InvalidInput(errors={"value": [str(_l("A percentage is at most 100."))]})
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts and ends and ends <= starts:
        raise InvalidInput(errors={"ends_at": [str(_l("Must be later than starts_at."))]})


def _check_not_over(fields: dict) -> None:
    """A coupon given an end that has already passed could never be used, and would be listed as if
    it could. Checked only on the end the caller sends: an old coupon's past end may stay."""
    ends = fields.get("ends_at")
    if ends is not None and ends <= utcnow():
        raise InvalidInput(errors={"ends_at": [str(_l("Must be in the future."))]})


def _check_claimable(fields: dict) -> None:
    # A holder's claim is one use at a time: more would spend other holders' share of total_limit.
    if fields.get("per_resident_limit") not in (None, 1):
        raise InvalidInput(errors={"per_resident_limit": [
            str(_l("A claimable coupon is used once by each resident who claims it."))]})


def _check_scope(session: Session, store_id: int, product_ids: list[int], category_ids: list[int]) -> None:
    """A coupon restricted to products or categories names this store's products and real categories:
    one naming another store's product (or a deleted one) could never apply, and would say it does."""
    errors = {}
    if product_ids:
        own = set(session.scalars(select(Product.id).where(Product.id.in_(set(product_ids)),
                                                           Product.store_id == store_id,
                                                           Product.archived_at.is_(None))))
        if own != set(product_ids):
            errors["product_ids"] = [str(_l("This store sells no such product."))]
    if category_ids:
        known = set(session.scalars(select(Category.id).where(Category.id.in_(set(category_ids)))))
        if known != set(category_ids):
            errors["category_ids"] = [str(_l("No category has this id."))]
    if errors:
        raise InvalidInput(errors=errors)


def update_coupon(session: Session, actor: Actor, store_id: int, coupon_id: int, **fields) -> Coupon:
    """The owner changes a coupon's window, limits or switches it off. Commits."""
    coupon = queries.get_store_coupon(session, actor, store_id, coupon_id)
    coupon = session.scalar(select(Coupon).where(Coupon.id == coupon.id).with_for_update()
                            .execution_options(populate_existing=True))
    _check_not_over(fields)
    _check_coupon({"kind": coupon.kind, "value": coupon.value, "starts_at": coupon.starts_at,
                   "ends_at": coupon.ends_at, **fields})
    if fields.get("total_limit") is not None and fields["total_limit"] < coupon.redeemed:
        raise InvalidInput(errors={"total_limit": [str(_l("Already redeemed more often than this."))]})
    if coupon.claimable:
        if "per_resident_limit" in fields:
            _check_claimable(fields)
            fields["per_resident_limit"] = 1
        if fields.get("total_limit") is not None and fields["total_limit"] < coupon.claimed:
            raise InvalidInput(errors={"total_limit": [str(_l("Already claimed by more residents than this."))]})
    for name, value in fields.items():
        setattr(coupon, name, value)
    session.commit()
    return coupon
