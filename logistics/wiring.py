"""What logistics subscribes to when the app is created: commerce's order events, and its ledger
entries' name on statements."""
from __future__ import annotations

from commerce.orders import events
from logistics import service
from payments import statements


def register() -> None:
    events.subscribe("order.ready", service.on_order_ready)
    events.subscribe("order.cancelled", service.on_order_gone)
    events.subscribe("order.out_for_delivery", service.on_order_gone)
    statements.register_entry_kind("delivery:", "delivery_fee")
