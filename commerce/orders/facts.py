"""Facts about a store's trade over a period, as they stood at a moment: for risk's features, which
must never look ahead. Reads only; no actor (a job or a model asks, not a person).

"As of" means: only what had happened before `as_of` counts (an order paid after it is not in the
period; a refund made after it does not reduce the period's sales). Amounts are minor units.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from commerce.orders.models import Order, OrderEvent, OrderStatus, StoreReview
from commerce.stores.models import Store
from core.errors import NotFound
from payments.models import Refund, RefundStatus

# A paid order not handed over within this long counts as late (until logistics promises windows).
LATE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class StoreFacts:
    store_id: int
    as_of: datetime
    since: datetime
    opened_at: datetime
    orders: int  # paid within the period
    sales: int  # what those orders totalled
    daily_sales: tuple[int, ...]  # per UTC day of the period, oldest first
    refunds: int  # refunds of the store's orders granted within the period (not failed)
    refunded: int
    cancelled_after_payment: int  # paid orders cancelled within the period
    late: int  # orders of the period handed over late, or still not handed over and already late
    reviews: int
    rating_total: int
    customers: int  # residents who paid at least one order within the period
    repeat_customers: int  # of them, those who paid two or more


def daily_totals(paid: list[tuple[datetime, int]], since: datetime, days: int) -> tuple[int, ...]:
    """Sums amounts into `days` UTC days counted from `since`'s day; amounts outside are left out."""
    start: date = since.date()
    totals = [0] * days
    for moment, amount in paid:
        index = (moment.date() - start).days
        if 0 <= index < days:
            totals[index] += amount
    return tuple(totals)


def _late(paid_at: datetime, delivered_at: datetime | None, ended_at: datetime | None, as_of: datetime) -> bool:
    due = paid_at + LATE_AFTER
    if delivered_at is not None and delivered_at < as_of:
        return delivered_at > due
    return ended_at is None and due < as_of


def store_facts(session: Session, store_id: int, *, as_of: datetime, days: int) -> StoreFacts:
    """The store's facts over the `days` days before `as_of`. NotFound (404) for no such store."""
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound()
    since = as_of - timedelta(days=days)
    in_period = and_(Order.store_id == store_id, Order.paid_at >= since, Order.paid_at < as_of)
    ended = (
        select(OrderEvent.order_id, func.min(OrderEvent.created_at).label("at"))
        .where(OrderEvent.to_status.in_((OrderStatus.CANCELLED, OrderStatus.REFUNDED)), OrderEvent.created_at < as_of)
        .group_by(OrderEvent.order_id)
        .subquery()
    )
    rows = session.execute(
        select(Order.user_id, Order.total, Order.paid_at, Order.delivered_at, ended.c.at)
        .outerjoin(ended, ended.c.order_id == Order.id)
        .where(in_period)
    ).all()
    per_customer: dict[int, int] = {}
    for user_id, *_rest in rows:
        per_customer[user_id] = per_customer.get(user_id, 0) + 1
    cancelled = session.scalar(
        select(func.count(func.distinct(OrderEvent.order_id)))
        .join(Order, Order.id == OrderEvent.order_id)
        .where(Order.store_id == store_id, OrderEvent.to_status == OrderStatus.CANCELLED,
               OrderEvent.created_at >= since, OrderEvent.created_at < as_of,
               Order.paid_at.is_not(None), Order.paid_at < OrderEvent.created_at)
    )
    refund_count, refunded = session.execute(
        select(func.count(Refund.id), func.coalesce(func.sum(Refund.amount), 0))
        .join(Order, Order.payment_id == Refund.payment_id)
        .where(Order.store_id == store_id, Refund.created_at >= since, Refund.created_at < as_of,
               Refund.status != RefundStatus.FAILED)
    ).one()
    reviews, rating_total = session.execute(
        select(func.count(StoreReview.id), func.coalesce(func.sum(StoreReview.rating), 0))
        .where(StoreReview.store_id == store_id, StoreReview.created_at >= since, StoreReview.created_at < as_of)
    ).one()
    return StoreFacts(
        store_id=store_id, as_of=as_of, since=since, opened_at=store.created_at,
        orders=len(rows), sales=sum(total for _user, total, *_ in rows),
        daily_sales=daily_totals([(paid_at, total) for _user, total, paid_at, *_ in rows], since, days),
        refunds=refund_count, refunded=refunded, cancelled_after_payment=cancelled,
        late=sum(_late(paid_at, delivered_at, ended_at, as_of) for _u, _t, paid_at, delivered_at, ended_at in rows),
        reviews=reviews, rating_total=rating_total,
        customers=len(per_customer), repeat_customers=sum(1 for n in per_customer.values() if n >= 2),
    )
