"""Use cases of group buying: pickup points, deals, joins held by payments, the cut-off, handing over.

Each commits once; each checks policy first. A join reserves its units (a conditional update of
the variant's stock, as checkout does) and holds the money with a manual-capture PaymentIntent;
it counts as a participant once Stripe reports the hold. At the cut-off the deal's row is locked
and every hold is captured (each capture's event creates that resident's order) or cancelled
(each cancel's event gives the units back). Stripe calls carry per-payment keys, so a cut-off that
fails half way is simply run again.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commerce.catalog import queries as catalog_queries
from commerce.catalog.models import Product, Variant
from commerce.errors import AlreadyJoined, DealClosed, JoinNotCancellable, NotServing, OutOfStock, ProductArchived
from commerce.groupbuy import queries
from commerce.groupbuy.models import LIVE_JOIN, DealStatus, GroupDeal, GroupJoin, JoinStatus, PickupPoint
from commerce.orders import lifecycle
from commerce.orders import refunds as order_refunds
from commerce.orders import service as orders
from commerce.orders.models import Order, OrderLine, OrderStatus
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from commerce.stores.models import ServiceStatus, Store, StoreCommunity
from community import queries as community_queries
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
from identity.service import find_user_by_login
from payments import ledger
from payments import service as payments
from payments.errors import PaymentProviderError

kinds.register("group_deal.succeeded", title=N_("Group deal %(deal)s is on"),
               body=N_("Enough neighbours joined: %(amount)s was charged. Collect it at %(point)s with code %(code)s "
                       "once it is ready."))
kinds.register("group_deal.failed", title=N_("Group deal %(deal)s did not happen"),
               body=N_("Fewer than %(min)s neighbours joined by the cut-off; the hold on your payment was released."))
kinds.register("group_deal.closed", title=N_("Group deal %(deal)s closed: %(outcome)s"),
               body=N_("%(count)s participant(s) at the cut-off (minimum %(min)s)."))


def _lock_deal(session: Session, deal_id: int) -> GroupDeal:
    return session.scalar(select(GroupDeal).where(GroupDeal.id == deal_id).with_for_update()
                          .execution_options(populate_existing=True))


# Pickup points -------------------------------------------------------------------------------

def create_pickup_point(session: Session, actor: Actor, community_id: int, *, host_login: str,
                        **fields) -> PickupPoint:
    """A manager names a place and its host (a resident), who receives group orders for a commission. Commits."""
    community_queries.require_member(actor, community_id)
    require(actor, Permission.PICKUP_POINT_MANAGE, community_id)
    host = find_user_by_login(session, host_login)
    lives_here = host is not None and session.scalar(
        select(Residency.id).where(Residency.user_id == host.id, Residency.community_id == community_id,
                                   Residency.status == ResidencyStatus.APPROVED)
    )
    if not lives_here:
        raise InvalidInput(errors={"host_login": [str(_l("The host must be a resident of this community."))]})
    point = PickupPoint(community_id=community_id, host_user_id=host.id, **fields)
    session.add(point)
    session.commit()
    return point


def update_pickup_point(session: Session, actor: Actor, community_id: int, point_id: int, **fields) -> PickupPoint:
    """Commits. A new commission rate applies to orders paid afterwards."""
    point = queries.get_pickup_point(session, actor, community_id, point_id)
    require(actor, Permission.PICKUP_POINT_MANAGE, community_id)
    for name, value in fields.items():
        setattr(point, name, value)
    session.commit()
    return point


def hand_over_at_point(session: Session, actor: Actor, community_id: int, point_id: int, *, order_id: int,
                       code: str) -> Order:
    """The host checks the resident's pickup code and hands the group order over. Commits."""
    point = queries.hosted_point(session, actor, community_id, point_id)
    order = session.get(Order, order_id)
    if order is None or order.pickup_point_id != point.id:
        raise NotFound()
    order = orders.hand_over(session, order, code=code, actor_user_id=actor.user_id)
    session.commit()
    return order


# Deals ---------------------------------------------------------------------------------------

def create_deal(session: Session, actor: Actor, store_id: int, *, community_id: int, variant_id: int,
                pickup_point_id: int, now: datetime | None = None, **fields) -> GroupDeal:
    """The store offers a variant at a group price in a community it serves, until a cut-off. Commits."""
    store = store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    serving = session.scalar(select(StoreCommunity.id).where(
        StoreCommunity.store_id == store_id, StoreCommunity.community_id == community_id,
        StoreCommunity.status == ServiceStatus.APPROVED))
    if not serving:
        raise NotServing()
    variant = session.get(Variant, variant_id)
    if variant is None or variant.store_id != store_id:
        raise InvalidInput(errors={"variant_id": [str(_l("This store sells no such variant."))]})
    # Locked: a deletion of the product at this moment waits, then sees this deal and refuses.
    if catalog_queries.get_store_product(session, store_id, variant.product_id, lock=True).archived_at is not None:
        raise ProductArchived()
    point = session.get(PickupPoint, pickup_point_id)
    if point is None or point.community_id != community_id or not point.active:
        raise InvalidInput(errors={"pickup_point_id": [str(_l("No open pickup point has this id here."))]})
    if fields["cut_off_at"] <= (now or utcnow()):
        raise InvalidInput(errors={"cut_off_at": [str(_l("Must be in the future."))]})
    deal = GroupDeal(store_id=store_id, community_id=community_id, product_id=variant.product_id,
                     variant_id=variant.id, pickup_point_id=point.id, currency=store.currency,
                     status=DealStatus.OPEN, **fields)
    session.add(deal)
    session.commit()
    deal.participants = 0
    return deal


def join_deal(session: Session, actor: Actor, community_id: int, deal_id: int, *, quantity: int,
              now: datetime | None = None) -> GroupJoin:
    """A resident joins by authorising the payment (a hold; nothing is taken before the cut-off).

    Commits twice: the join with its units reserved, then, after calling Stripe (a manual-capture
    PaymentIntent whose `client_secret` the app confirms), the secret. If Stripe fails the join
    ends and its units come back (502). The join counts once Stripe reports the hold.
    """
    now = now or utcnow()
    deal = queries.get_community_deal(session, actor, community_id, deal_id)
    require(actor, Permission.SHOP, community_id)
    if quantity > deal.max_quantity_per_resident:
        limit = deal.max_quantity_per_resident
        raise InvalidInput(errors={"quantity": [str(_l("At most %(n)s per resident.", n=limit))]})
    deal = _lock_deal(session, deal.id)
    if deal.status != DealStatus.OPEN or deal.cut_off_at <= now:
        raise DealClosed()
    live = select(GroupJoin.id).where(GroupJoin.deal_id == deal.id, GroupJoin.user_id == actor.user_id,
                                      GroupJoin.status.in_(LIVE_JOIN))
    if session.scalar(live) is not None:
        raise AlreadyJoined()
    taken = session.execute(
        update(Variant).where(Variant.id == deal.variant_id, Variant.stock >= quantity)
        .values(stock=Variant.stock - quantity).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise OutOfStock(variant_id=deal.variant_id)
    join = GroupJoin(deal_id=deal.id, user_id=actor.user_id, quantity=quantity, amount=deal.price * quantity,
                     status=JoinStatus.PENDING)
    session.add(join)
    # flush: the payment's reference names the join
    session.flush()
    store = session.get(Store, deal.store_id)
    payment = payments.record_payment(
        session, reference=f"groupjoin:{join.id}", payer_user_id=actor.user_id, community_id=community_id,
        amount=join.amount, currency=deal.currency, capture_method="manual", description=deal.title[:200],
        payee=f"store:{deal.store_id}", store_category=store.category,
    )
    join.payment_id = payment.id
    # Committed before Stripe is called: the deal's row (every join of the deal takes its lock)
    # and the stock are free again while Stripe answers.
    session.commit()
    try:
        payment = payments.request_intent(session, join.payment_id)
    except PaymentProviderError:
        session.rollback()
        payments.cancel_payment(session, join.payment_id)
        _end_join_if_live(session, join.id)
        session.commit()
        raise
    join.client_secret = payment.client_secret
    session.commit()
    return join


def leave_deal(session: Session, actor: Actor, community_id: int, deal_id: int, join_id: int) -> GroupJoin:
    """A resident leaves before the cut-off: the hold is released and the units come back.

    Commits. Calls Stripe (cancels the PaymentIntent; its event ends the join).
    """
    join = queries.get_my_join(session, actor, community_id, deal_id, join_id)
    deal = session.get(GroupDeal, deal_id)
    if deal.status != DealStatus.OPEN or join.status not in (JoinStatus.PENDING, JoinStatus.AUTHORIZED):
        raise JoinNotCancellable()
    if join.payment_id is not None:
        payments.cancel_payment(session, join.payment_id)
    join = _end_join_if_live(session, join.id)
    session.commit()
    return join


def cancel_deal(session: Session, actor: Actor, store_id: int, deal_id: int) -> GroupDeal:
    """The store withdraws an open deal: every hold is released. Commits. Calls Stripe per join."""
    deal = queries.get_store_deal(session, actor, store_id, deal_id)
    _release_all(session, deal.id, DealStatus.CANCELLED)
    session.commit()
    return queries.with_participants(session, [session.get(GroupDeal, deal.id)])[0]


def _lock_join(session: Session, join_id: int) -> GroupJoin:
    return session.scalar(select(GroupJoin).where(GroupJoin.id == join_id).with_for_update()
                          .execution_options(populate_existing=True))


def _end_join_if_live(session: Session, join_id: int) -> GroupJoin:
    """Ends a join whose payment was cancelled, unless the payment's event already has."""
    join = _lock_join(session, join_id)
    if join.status in (JoinStatus.PENDING, JoinStatus.AUTHORIZED):
        _end_join(session, join)
    return join


def _end_join(session: Session, join: GroupJoin) -> None:
    join.status = JoinStatus.CANCELLED
    deal = session.get(GroupDeal, join.deal_id)
    session.execute(update(Variant).where(Variant.id == deal.variant_id)
                    .values(stock=Variant.stock + join.quantity).execution_options(synchronize_session=False))


def _live_join_ids(session: Session, deal_id: int, *statuses: str) -> list[int]:
    return list(session.scalars(select(GroupJoin.id).where(GroupJoin.deal_id == deal_id,
                                                           GroupJoin.status.in_(statuses)).order_by(GroupJoin.id)))


def _release_all(session: Session, deal_id: int, outcome: str) -> list[int]:
    deal = _lock_deal(session, deal_id)
    if deal.status != DealStatus.OPEN:
        raise DealClosed()
    released = []
    for join_id in _live_join_ids(session, deal.id, JoinStatus.PENDING, JoinStatus.AUTHORIZED):
        join = session.get(GroupJoin, join_id)
        released.append(join.user_id)
        if join.payment_id is not None:
            payments.cancel_payment(session, join.payment_id)  # its event ends the join
        join = _lock_join(session, join_id)
        if join.status != JoinStatus.CANCELLED:
            _end_join(session, join)
    deal.status, deal.closed_at = outcome, utcnow()
    return released


def close_deal(session: Session, deal_id: int, *, now: datetime | None = None) -> str:
    """At the cut-off: capture every hold and create the orders if enough joined, else release every hold.

    Commits. Calls Stripe per join; notifies every participant and the store's staff. Joins whose
    payment was never authorised by the cut-off are dropped either way.
    """
    now = now or utcnow()
    deal = _lock_deal(session, deal_id)
    if deal is None or deal.status != DealStatus.OPEN or deal.cut_off_at > now:
        session.rollback()
        return deal.status if deal else "missing"
    authorized = _live_join_ids(session, deal.id, JoinStatus.AUTHORIZED)
    point = deal.pickup_point
    if len(authorized) >= deal.min_participants:
        for join_id in _live_join_ids(session, deal.id, JoinStatus.PENDING):
            join = session.get(GroupJoin, join_id)
            if join.payment_id is not None:
                payments.cancel_payment(session, join.payment_id)
            join = _lock_join(session, join_id)
            if join.status == JoinStatus.PENDING:
                _end_join(session, join)
        for join_id in authorized:
            join = session.get(GroupJoin, join_id)
            payments.capture_payment(session, join.payment_id)  # its event creates the order
            join = _lock_join(session, join_id)
            order = session.get(Order, join.order_id)
            notify(session, user_ids=[join.user_id], kind="group_deal.succeeded", community_id=deal.community_id,
                   params={"deal": deal.title, "amount": lifecycle.money(join.amount, deal.currency),
                              "point": f"{point.name} ({point.location})", "code": order.pickup_code if order else ""},
                   subject=("order", join.order_id or 0), dedupe_key=f"group_deal.succeeded:{join.id}")
        deal.status, deal.closed_at = DealStatus.SUCCEEDED, now
        outcome = "succeeded"
    else:
        released = _release_all(session, deal.id, DealStatus.FAILED)
        deal.closed_at = now
        notify(session, user_ids=released, kind="group_deal.failed", community_id=deal.community_id,
               params={"deal": deal.title, "min": deal.min_participants}, subject=("group_deal", deal.id),
               dedupe_key=f"group_deal.failed:{deal.id}")
        outcome = "failed"
    notify(session, user_ids=store_queries.staff_user_ids(session, deal.store_id), kind="group_deal.closed",
           community_id=deal.community_id,
           params={"deal": deal.title, "outcome": outcome, "count": len(authorized), "min": deal.min_participants},
           subject=("group_deal", deal.id), dedupe_key=f"group_deal.closed:{deal.id}")
    session.commit()
    return outcome


def due_deals(session: Session, now: datetime, limit: int = 100) -> list[int]:
    return list(session.scalars(
        select(GroupDeal.id).where(GroupDeal.status == DealStatus.OPEN, GroupDeal.cut_off_at <= now)
        .order_by(GroupDeal.cut_off_at).limit(limit)
    ))


# Payment outcomes (called by commerce/groupbuy/events.py inside payments' transaction) --------

def _join_of(session: Session, join_id: int, payment) -> GroupJoin | None:
    """The join a payment holds money for, locked; None for payments group buying did not start."""
    join = _lock_join(session, join_id)
    return join if join is not None and join.payment_id == payment.id else None


def join_authorized(session: Session, join_id: int, payment) -> None:
    join = _join_of(session, join_id, payment)
    if join is not None and join.status == JoinStatus.PENDING:
        join.status = JoinStatus.AUTHORIZED


def join_canceled(session: Session, join_id: int, payment) -> None:
    join = _join_of(session, join_id, payment)
    if join is not None and join.status in (JoinStatus.PENDING, JoinStatus.AUTHORIZED):
        _end_join(session, join)


def join_captured(session: Session, join_id: int, payment) -> None:
    """The hold was captured: the resident's order exists, paid, to be collected at the pickup point."""
    join = _join_of(session, join_id, payment)
    if join is None or join.status == JoinStatus.CAPTURED:
        return
    deal = session.get(GroupDeal, join.deal_id)
    variant = session.get(Variant, deal.variant_id)
    product = session.get(Product, deal.product_id)
    point = deal.pickup_point
    user = session.get(User, join.user_id)
    amount = payment.amount_captured
    order = Order(
        community_id=deal.community_id, store_id=deal.store_id, user_id=join.user_id, fulfilment="pickup",
        recipient_name=user.display_name, recipient_phone=user.phone, subtotal=amount, discount=0,
        delivery_fee=0, total=amount, refunded=0, currency=deal.currency, payment_id=payment.id,
        pickup_code=f"{secrets.randbelow(10**6):06d}", group_deal_id=deal.id, pickup_point_id=point.id,
        pickup_host_id=point.host_user_id, host_commission=amount * point.commission_bps // 10_000,
        paid_at=utcnow(),
    )
    order.lines = [OrderLine(product_id=product.id, variant_id=variant.id, product_name=product.name,
                             variant_name=variant.name, sku=variant.sku, unit_price=deal.price,
                             quantity=join.quantity, discount=0, refunded_quantity=0, refunded=0)]
    # Adds and flushes it: the join and the host's ledger entry name the order.
    lifecycle.set_status(session, order, OrderStatus.PAID, actor_user_id=None, note=f"group deal {deal.id}")
    join.status, join.order_id = JoinStatus.CAPTURED, order.id
    if order.host_commission > 0:
        ledger.post_entry(
            session, key=f"order:{order.id}:pickup_host", description=f"order:{order.id} pickup host's commission",
            postings=[(ledger.payee_account(f"store:{order.store_id}"), order.host_commission, order.currency),
                      (ledger.payee_account(order_refunds.host_payee(order)), -order.host_commission, order.currency)],
        )
