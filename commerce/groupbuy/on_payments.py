"""What group buying does when a join's payment changes, inside payments' transaction.

Subscribed by `subscribe_to_payments`, which create_app calls. Safe to run twice: a repeated event
finds the join already moved.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from commerce.groupbuy import service
from payments import events

PREFIX = "groupjoin:"


def on_payment_authorized(session: Session, payment, join_id: int, **_details) -> None:
    service.join_authorized(session, join_id, payment)


def on_payment_succeeded(session: Session, payment, join_id: int, **_details) -> None:
    service.join_captured(session, join_id, payment)


def on_payment_canceled(session: Session, payment, join_id: int, **_details) -> None:
    service.join_canceled(session, join_id, payment)


def subscribe_to_payments() -> None:
    events.subscribe(events.AUTHORIZED, on_payment_authorized, reference_prefix=PREFIX)
    events.subscribe(events.SUCCEEDED, on_payment_succeeded, reference_prefix=PREFIX)
    events.subscribe(events.CANCELED, on_payment_canceled, reference_prefix=PREFIX)
