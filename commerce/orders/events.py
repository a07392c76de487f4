"""An order's status changes, announced to higher floors inside the transaction that makes them.

Every change of an order's status goes through `lifecycle.set_status`, which announces
`order.<new status>` (`order.paid`, `order.ready`, `order.delivered`, `order.cancelled`, ...), the
first status of a new order included. Same contract as payments/events.py: a higher floor
subscribes when the app is created,

    commerce.orders.events.subscribe("order.ready", on_order_ready)

and `on_order_ready(session, order, *, from_status, actor_user_id)` runs in the same transaction,
the order row-locked; it must not commit, and raising rolls the change back.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from commerce.orders.models import OrderStatus
from core.events import EventBus, Handler

NAMES = frozenset(f"order.{status}" for status in OrderStatus)
_bus = EventBus(NAMES)


def name_of(status: str) -> str:
    return f"order.{status}"


def subscribe(name: str, handler: Handler) -> None:
    """Registers `handler(session, order, *, from_status, actor_user_id)`; twice is harmless."""
    _bus.subscribe(name, handler)


def unsubscribe(name: str, handler: Handler) -> None:
    _bus.unsubscribe(name, handler)


def emit(session: Session, name: str, order: Any, **details: Any) -> None:
    _bus.emit(session, name, order, **details)
