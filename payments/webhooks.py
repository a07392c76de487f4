"""Stripe's webhooks, verified and applied once per event, and reconciliation of payments whose webhook
never came. Both bring a payment forward to what Stripe says, never back (payments/state.py)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.metrics import observe_webhook_lag
from core.models import utcnow
from payments import ledger, refunds
from payments.errors import InvalidWebhook
from payments.gateway import gateway, verify_webhook
from payments.models import (
    Payment,
    StripeEvent,
)
from payments.service import _apply_intent, _current, _mark_succeeded
from payments.state import OPEN, lock_payment, payment_for_intent

log = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300
# Webhooks normally arrive within seconds; reconciliation asks Stripe only after this long, and
# stops asking once Stripe itself has given up on the intent (authorizations lapse after 7 days).
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_WITHIN = timedelta(days=8)


_INTENT_EVENTS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.amount_capturable_updated": "requires_capture",
    "payment_intent.payment_failed": "requires_payment_method",
    "payment_intent.canceled": "canceled",
}


def _apply_event(session: Session, kind: str, obj: dict) -> str:
    if kind in _INTENT_EVENTS:
        payment = payment_for_intent(session, obj.get("id"))
        if payment is None:
            return "ignored"
        if kind == "payment_intent.payment_failed" and not obj.get("last_payment_error"):
            obj = {**obj, "last_payment_error": {"code": "payment_failed"}}
        _apply_intent(session, payment, obj, _INTENT_EVENTS[kind])
        return "applied"
    if kind == "charge.refunded":
        payment = payment_for_intent(session, obj.get("payment_intent"))
        if payment is None:
            return "ignored"
        if payment.status in OPEN and obj.get("captured"):
            # The refund overtook the success: the charge proves the capture.
            _mark_succeeded(session, payment, int(obj.get("amount_captured") or obj.get("amount") or 0))
        for refund_object in (obj.get("refunds") or {}).get("data") or []:
            if isinstance(refund_object, dict):
                refunds.apply_stripe_refund(session, refund_object, payment)
        return "applied"
    if kind in ("refund.created", "charge.refund.updated", "refund.updated", "refund.failed"):
        return "applied" if refunds.apply_stripe_refund(session, obj) else "ignored"
    return "ignored"




def receive_stripe_event(session: Session, payload: bytes, signature: str | None) -> dict:
    """Verifies one webhook delivery and applies its event once (by event id).

    Commits; may post ledger entries, call payment handlers and enqueue the fee job. A forged,
    stale (older than 5 minutes) or unreadable delivery raises InvalidWebhook (400). Events for
    intents we do not know, and event types we do not use, are acknowledged and ignored.
    """
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        log.error("a Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = verify_webhook(payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
    except ValueError as exc:
        raise InvalidWebhook(str(exc)) from None
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 255 and isinstance(kind, str)
            and len(kind) <= 100 and isinstance(obj, dict)):
        raise InvalidWebhook("the event has no id, type or data.object")
    observe_webhook_lag("stripe", event.get("created"))  # /metrics: how late Stripe's deliveries arrive
    claimed = session.scalar(
        ledger.dialect_insert(session, StripeEvent)
        .values(id=event_id, type=kind, outcome="received", received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(StripeEvent.id)
    )
    if claimed is None:  # delivered before (or right now, by a concurrent delivery that committed)
        session.rollback()
        return {"received": True, "duplicate": True, "outcome": "duplicate"}
    outcome = _apply_event(session, kind, obj)
    session.execute(update(StripeEvent).where(StripeEvent.id == event_id).values(outcome=outcome))
    session.commit()
    return {"received": True, "duplicate": False, "outcome": outcome}


def payments_to_reconcile(session: Session, *, now: datetime | None = None) -> list[int]:
    """Open payments old enough that their webhook should have come, young enough to still matter."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Payment.id)
            .where(
                Payment.status.in_(OPEN),
                Payment.stripe_payment_intent_id.is_not(None),
                Payment.created_at <= now - RECONCILE_AFTER,
                Payment.created_at >= now - RECONCILE_WITHIN,
            )
            .order_by(Payment.id)
        )
    )


def reconcile_payment(session: Session, payment_id: int) -> str:
    """Asks Stripe for the truth of one open payment and applies it, as a webhook would have.

    Commits. Calls Stripe (a retrieve, with no lock held); may post entries and call payment handlers.
    """
    payment = _current(session, payment_id)
    if payment.status not in OPEN:
        session.rollback()
        return payment.status
    intent = gateway().retrieve_intent(payment.stripe_payment_intent_id, key=f"payment:{payment.id}:reconcile")
    payment = lock_payment(session, payment_id)
    _apply_intent(session, payment, intent)
    status = payment.status
    session.commit()
    return status
