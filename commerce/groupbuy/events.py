"""What group buying does when a join's payment changes, inside payments' transaction.

Registered at import (by commerce/groupbuy/api). Safe to run twice: a repeated event finds the
join already moved.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from commerce.groupbuy import service
from payments import events

PREFIX = "groupjoin:"


def _join_id(payment) -> int | None:
    reference = payment.reference or ""
    if not reference.startswith(PREFIX) or not reference[len(PREFIX):].isdigit():
        return None
    return int(reference[len(PREFIX):])


def on_payment_authorized(session: Session, payment) -> None:
    join_id = _join_id(payment)
    if join_id is not None:
        service.join_authorized(session, join_id, payment)


def on_payment_succeeded(session: Session, payment) -> None:
    join_id = _join_id(payment)
    if join_id is not None:
        service.join_captured(session, join_id, payment)


def on_payment_canceled(session: Session, payment) -> None:
    join_id = _join_id(payment)
    if join_id is not None:
        service.join_canceled(session, join_id, payment)


events.subscribe(events.AUTHORIZED, on_payment_authorized)
events.subscribe(events.SUCCEEDED, on_payment_succeeded)
events.subscribe(events.CANCELED, on_payment_canceled)
