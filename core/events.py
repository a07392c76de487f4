"""Domain events announced inside the transaction that causes them (the contract of payments/events.py).

A floor declares its events (`EventBus({"order.paid", ...})`); a higher floor subscribes when the
app is created (never as a side effect of an import), and `handler(session, obj, ...)` then runs
in the same database transaction as the change, whatever caused it. A handler must not commit; if
it raises, the whole change rolls back. Handlers run in the order they subscribed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[..., None]
# Picks what a subscriber handles: the extra positional arguments for its handler, or None to skip.
Selector = Callable[[Any], tuple | None]


class EventBus:
    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self._subscribers: dict[str, list[tuple[Handler, Selector | None]]] = {name: [] for name in self.names}

    def subscribe(self, name: str, handler: Handler, *, select: Selector | None = None) -> None:
        """Registers `handler(session, obj, *select(obj), **details)`; registering twice is harmless."""
        if name not in self.names:
            raise ValueError(f"unknown event {name!r}; one of {sorted(self.names)}")
        if all(existing is not handler for existing, _ in self._subscribers[name]):
            self._subscribers[name].append((handler, select))

    def unsubscribe(self, name: str, handler: Handler) -> None:
        self._subscribers[name] = [(h, s) for h, s in self._subscribers.get(name, []) if h is not handler]

    def emit(self, session: Session, name: str, obj: Any, **details: Any) -> None:
        for handler, select in list(self._subscribers[name]):
            extra = () if select is None else select(obj)
            if extra is not None:
                handler(session, obj, *extra, **details)
