"""Jobs of commerce; PERIODIC is collected into app.py's SCHEDULE."""
from __future__ import annotations

import logging
from datetime import datetime

from commerce.groupbuy import service as groupbuy
from commerce.orders import service as orders
from core.db import db
from core.errors import DomainError
from core.jobs import PeriodicJob, job
from core.models import utcnow

log = logging.getLogger(__name__)


@job("high", timeout=300)
def expire_unpaid_orders(now: datetime | None = None) -> int:
    """Cancels unpaid orders past their reservation and returns their stock. Safe to run twice."""
    now = now or utcnow()
    session = db.session
    expired = 0
    for order_id in orders.expired_orders(session, now):
        try:
            expired += orders.expire_order(session, order_id, now) == "cancelled"
        except DomainError as exc:  # e.g. Stripe refused the cancel: the intent succeeded meanwhile
            session.rollback()
            log.warning("order %s not expired: %s", order_id, exc.code)
    return expired


@job("low", timeout=300)
def complete_delivered_orders(now: datetime | None = None) -> int:
    """Completes orders delivered more than COMPLETE_AFTER ago. Safe to run twice."""
    now = now or utcnow()
    session = db.session
    return sum(orders.complete_order(session, order_id, now) == "completed"
               for order_id in orders.delivered_orders_due(session, now))


@job("default", timeout=120)
def close_due_group_deals(now: datetime | None = None) -> list[str]:
    """Closes each deal past its cut-off (each in its own transaction). Safe to run twice."""
    now = now or utcnow()
    outcomes = []
    for deal_id in groupbuy.due_deals(db.session, now):
        try:
            outcomes.append(groupbuy.close_deal(db.session, deal_id, now=now))
        except DomainError as exc:
            db.session.rollback()
            log.warning("group deal %s not closed yet: %s", deal_id, exc.code)
    return outcomes


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("commerce.close-due-group-deals", close_due_group_deals, interval=60),
    PeriodicJob("commerce.expire-unpaid-orders", expire_unpaid_orders, interval=60),
    PeriodicJob("commerce.complete-delivered-orders", complete_delivered_orders, interval=900),
]
