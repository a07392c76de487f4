"""The event bus shared by payments and commerce: subscribers in order, once each, selected by what they handle."""
import pytest

from core.events import EventBus


def test_subscribers_run_in_order_once_each_with_what_they_selected():
    bus = EventBus({"thing.done"})
    calls = []

    def first(session, obj, **details):
        calls.append(("first", obj, details))

    def only_odd(session, obj, half, **details):
        calls.append(("odd", obj, half))

    bus.subscribe("thing.done", first)
    bus.subscribe("thing.done", first)  # twice is harmless
    bus.subscribe("thing.done", only_odd, select=lambda obj: (obj // 2,) if obj % 2 else None)
    bus.emit(None, "thing.done", 7, why="test")
    bus.emit(None, "thing.done", 4)
    bus.unsubscribe("thing.done", first)
    bus.emit(None, "thing.done", 9)

    assert calls == [("first", 7, {"why": "test"}), ("odd", 7, 3), ("first", 4, {}), ("odd", 9, 4)]


def test_an_unknown_event_cannot_be_subscribed():
    with pytest.raises(ValueError, match="unknown event"):
        EventBus({"a.b"}).subscribe("a.c", lambda *a: None)
