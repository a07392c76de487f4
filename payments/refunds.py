"""Refunds of captured payments: recorded and booked first, sent to Stripe with no lock held, then
reconciled with what Stripe has, so that a refund Stripe made always ends up in the books.

The life of a refund (a row of `payment_refunds`):
1. `request_refund`, in the caller's transaction and under the payment's lock: checked against
   what remains, recorded as pending with its idempotency key, booked (the sale is reversed into
   `refunds`, the liability to pay back), the payment's refunded amount raised, "payment.refunded"
   announced, and a job that sends it enqueued after the commit. No Stripe call.
2. `send_refund`, after that commit: claims the refund for SEND_LEASE with a conditional update
   and commits, asks Stripe (key `refund:<payment id>:<key>`, metadata `refund_id`), then locks the
   payment and records Stripe's id and outcome. Stripe's refusal fails the refund: the booking is
   reversed and "payment.refund_failed" announced. No answer (a timeout, a 5xx): the refund stays
   pending and claimed, and reconciliation takes it up once the lease has run out.
3. `reconcile_refunds` (periodic, and `flask --app app ledger reconcile`): lists Stripe's refunds
   of the last days and applies each one: its outcome; a refund we recorded but never heard back
   about (the process died after Stripe answered) is matched by its metadata; one made outside
   Linli (the Dashboard) is imported and booked. Refunds still unsent after their lease are sent.
Whatever fails after Stripe answered, the refund is booked once: by the sender, the webhook
(`refund.created`, `charge.refunded`) or reconciliation, whichever comes first.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.auth import Actor
from core.db import db
from core.jobs import job, jobs
from core.models import utcnow
from core.policy import require
from payments import events, ledger
from payments import queries as payment_queries
from payments.errors import (
    PaymentNotRefundable,
    PaymentProviderError,
    RefundExceedsCaptured,
    RefundKeyReused,
)
from payments.gateway import gateway
from payments.models import JournalEntry, Payment, PaymentStatus, Refund, RefundStatus
from payments.policy import Permission
from payments.state import lock_payment, move, payment_for_intent
from payments.validation import check_amount, check_text

log = logging.getLogger(__name__)

# Longer than a Stripe call can take with the SDK's retries (3 times 80 s): while a sender may still
# get its answer, nobody else sends the same refund.
SEND_LEASE = timedelta(minutes=5)
# How far back reconciliation lists Stripe's refunds; `ledger reconcile --days` reaches further.
RECONCILE_DAYS = 2


def request_refund(session: Session, payment_id: int, *, amount: int, reason: str, key: str) -> Refund:
    """Records and books a refund of `amount` of a captured payment; Stripe is asked after the commit.

    Does not commit. Locks the payment (callers that lock what it pays for lock the payment first);
    posts the refund entry; calls the "payment.refunded" handlers; enqueues `send_refund_job` after
    the commit. The caller commits, then calls `send_refund` to have Stripe pay it back at once.
    `key` (the caller's, e.g. "order:42:refund:1") makes it idempotent: the same key returns the
    same refund. Concurrent refunds of one payment queue on its lock and never exceed the captured
    amount (RefundExceedsCaptured, 409; the database's check constraint is the last guard).
    """
    check_amount(amount)
    check_text(reason, "reason", min_length=1, max_length=200)
    check_text(key, "key", min_length=1, max_length=200)
    payment = lock_payment(session, payment_id)
    # Looked up under the payment's lock: a concurrent call with the same key has committed by now.
    existing = session.scalar(select(Refund).where(Refund.key == key))
    if existing is not None:
        if existing.payment_id != payment.id:
            raise RefundKeyReused()
        return existing
    if payment.status == PaymentStatus.REFUNDED:
        raise RefundExceedsCaptured()
    if payment.status != PaymentStatus.SUCCEEDED:
        raise PaymentNotRefundable()
    if payment.amount_refunded + amount > payment.amount_captured:
        raise RefundExceedsCaptured(remaining=payment.amount_captured - payment.amount_refunded)
    refund = Refund(payment_id=payment.id, key=key, amount=amount, currency=payment.currency, reason=reason,
                    status=RefundStatus.PENDING)
    session.add(refund)
    # flush: the refund's ledger entries are keyed by its id
    session.flush()
    _book_refund(session, payment, refund)
    jobs.enqueue_after_commit(session, send_refund_job, refund.id)
    return refund


def send_refund(session: Session, refund_id: int, *, now: datetime | None = None) -> Refund:
    """Asks Stripe to pay back a recorded refund, unless someone else is already asking.

    Commits (the claim, then Stripe's answer). Calls Stripe with no lock held. Stripe's refusal
    fails the refund (the booking reversed, "payment.refund_failed" handlers called) and raises
    PaymentProviderError (502); no answer leaves it pending for reconciliation and returns it.
    """
    now = now or utcnow()
    claimed = session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == RefundStatus.PENDING, Refund.stripe_refund_id.is_(None),
               or_(Refund.sending_until.is_(None), Refund.sending_until < now))
        .values(sending_until=now + SEND_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    refund = session.get(Refund, refund_id, populate_existing=True)
    if not claimed:
        return refund
    payment = session.get(Payment, refund.payment_id)
    try:
        answer = gateway().refund(
            payment.stripe_payment_intent_id, amount=refund.amount,
            metadata={"payment_id": str(payment.id), "refund_id": str(refund.id), "reason": refund.reason},
            key=f"refund:{payment.id}:{refund.key}",
        )
    except PaymentProviderError as exc:
        if exc.uncertain:
            log.warning("refund %s: no answer from Stripe; reconciliation asks again after %s", refund.id, SEND_LEASE)
            return refund
        _record_answer(session, refund.id, None)
        raise
    return _record_answer(session, refund.id, answer)


def _record_answer(session: Session, refund_id: int, answer: dict[str, Any] | None) -> Refund:
    """Stripe's answer to a refund we sent (None: Stripe refused it), under the payment's lock. Commits."""
    payment_id = session.scalar(select(Refund.payment_id).where(Refund.id == refund_id))
    lock_payment(session, payment_id)
    refund = session.get(Refund, refund_id, populate_existing=True)
    if answer is None:
        _refund_failed(session, refund)
    else:
        if refund.stripe_refund_id is None:  # else a webhook got here first and matched it already
            refund.stripe_refund_id = answer["id"]
        _apply_outcome(session, refund, answer.get("status"))
    session.commit()
    return refund


@job("high", timeout=300)
def send_refund_job(refund_id: int) -> str:
    """Sends a recorded refund to Stripe if its requester has not (a backstop, safe to run twice)."""
    session = db.session
    try:
        return send_refund(session, refund_id).status
    except PaymentProviderError:
        return RefundStatus.FAILED  # recorded and announced by send_refund; nothing to retry


def issue_refund(session: Session, actor: Actor, payment_id: int, *, amount: int, reason: str) -> Refund:
    """A platform admin refunds (part of) a payment, e.g. for support.

    Commits. Posts the refund entries; calls the "payment.refunded" handlers (which lock what the
    payment pays for after the payment); then calls Stripe with no lock held.
    """
    payment_queries.get_payment(session, actor, payment_id)
    require(actor, Permission.PAYMENT_REFUND, payment_id)
    refund = request_refund(session, payment_id, amount=amount, reason=reason,
                            key=f"admin:{actor.user_id}:{uuid.uuid4().hex}")
    session.commit()
    return send_refund(session, refund.id)


# --- booking ---------------------------------------------------------------------------------


def _book_refund(session: Session, payment: Payment, refund: Refund) -> None:
    """The refund's entry, the payment's refunded amount, and the "payment.refunded" handlers."""
    ledger.post_entry(
        session, key=f"refund:{refund.id}", description=f"{payment.reference} refunded: {refund.reason}",
        postings=refund_postings(payment, refund.amount),
    )
    payment.amount_refunded += refund.amount
    if payment.amount_refunded == payment.amount_captured:
        move(session, payment, PaymentStatus.REFUNDED, announce=False)
    events.emit(session, events.REFUNDED, payment)


def refund_postings(payment: Payment, amount: int) -> list[tuple[str, int, str]]:
    """Reverses the sale in proportion: cumulative shares, so a full refund returns them exactly."""
    currency = payment.currency
    if payment.payee is None:
        return [(ledger.PLATFORM_SALES, amount, currency), (ledger.REFUNDS, -amount, currency)]
    before, after = payment.amount_refunded, payment.amount_refunded + amount

    def share(total: int, refunded: int) -> int:
        return total * refunded // payment.amount_captured

    platform = share(payment.platform_fee, after) - share(payment.platform_fee, before)
    community = share(payment.community_fee, after) - share(payment.community_fee, before)
    postings = [
        (ledger.payee_account(payment.payee), amount - platform - community, currency),
        (ledger.PLATFORM_COMMISSION, platform, currency),
        (ledger.community_revenue(payment.community_id), community, currency),
        (ledger.REFUNDS, -amount, currency),
    ]
    return [p for p in postings if p[1] != 0]


def _apply_outcome(session: Session, refund: Refund, status: Any) -> None:
    if status == "succeeded":
        _refund_paid(session, refund)
    elif status in ("failed", "canceled"):
        _refund_failed(session, refund)


def _refund_paid(session: Session, refund: Refund) -> None:
    if refund.status != RefundStatus.PENDING:
        return
    refund.status = RefundStatus.SUCCEEDED
    ledger.post_entry(
        session, key=f"refund:{refund.id}:paid", description=f"Refund {refund.id} paid back by Stripe",
        postings=[(ledger.REFUNDS, refund.amount, refund.currency), (ledger.CLEARING, -refund.amount, refund.currency)],
    )


def _refund_failed(session: Session, refund: Refund) -> None:
    """The money never left: the booking is reversed and the payment is captured again."""
    if refund.status != RefundStatus.PENDING:
        if refund.status == RefundStatus.SUCCEEDED:
            log.error("Stripe reports refund %s failed after it succeeded; needs an adjustment", refund.id)
        return
    payment = lock_payment(session, refund.payment_id)
    refund.status = RefundStatus.FAILED
    granted = session.scalar(select(JournalEntry).where(JournalEntry.key == f"refund:{refund.id}"))
    ledger.post_entry(
        session, key=f"refund:{refund.id}:failed", description=f"Refund {refund.id} failed at Stripe",
        postings=[(p.account.code, -p.amount, p.currency) for p in granted.postings],
    )
    payment.amount_refunded -= refund.amount
    if payment.status == PaymentStatus.REFUNDED:
        # Not a resurrection: the money never left, so the payment is captured again.
        payment.status = PaymentStatus.SUCCEEDED
    events.emit(session, events.REFUND_FAILED, payment, refund=refund)


# --- what Stripe says of a refund (webhooks and reconciliation) --------------------------------


def apply_stripe_refund(session: Session, refund_object: dict, payment: Payment | None = None) -> bool:
    """Brings our books to what Stripe says of one of its refunds. Does not commit.

    Ours and known by its Stripe id: its outcome. Ours but never heard back about (metadata
    `refund_id`): matched, then its outcome. Not ours (made on the Dashboard): imported and
    booked as if made here. Returns False for a refund of no payment of ours.
    """
    stripe_id = refund_object.get("id")
    if not isinstance(stripe_id, str):
        return False
    refund = session.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_id))
    if refund is not None:
        lock_payment(session, refund.payment_id)
        refund = session.get(Refund, refund.id, populate_existing=True)
        _apply_outcome(session, refund, refund_object.get("status"))
        return True
    payment = payment or payment_for_intent(session, refund_object.get("payment_intent"))
    if payment is None:
        log.warning("Stripe refund %s is for no payment of Linli's; ignored", stripe_id)
        return False
    # The payment is locked first: a sender records the Stripe id under this lock, so whoever
    # comes second finds the refund matched and books nothing twice.
    payment = lock_payment(session, payment.id)
    refund = session.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_id)) or _ours_unanswered(
        session, payment, refund_object)
    if refund is not None:
        refund.stripe_refund_id = stripe_id
        _apply_outcome(session, refund, refund_object.get("status"))
        return True
    return _import_refund(session, payment, refund_object)


def _ours_unanswered(session: Session, payment: Payment, refund_object: dict) -> Refund | None:
    """Our refund that this Stripe refund is, by its metadata, if we never recorded Stripe's answer."""
    metadata = refund_object.get("metadata") if isinstance(refund_object.get("metadata"), dict) else {}
    refund_id = str(metadata.get("refund_id") or "")
    if not refund_id.isdigit():
        return None
    refund = session.get(Refund, int(refund_id), populate_existing=True)
    if refund is None or refund.payment_id != payment.id or refund.stripe_refund_id is not None:
        return None
    if refund.amount != refund_object.get("amount"):
        log.error("Stripe refund %s names refund %s but its amount differs; needs an adjustment",
                  refund_object.get("id"), refund.id)
        return None
    return refund


def _import_refund(session: Session, payment: Payment, refund_object: dict) -> bool:
    """A refund made outside Linli (the Stripe Dashboard, support): booked as if made here."""
    stripe_id, amount, status = refund_object.get("id"), refund_object.get("amount"), refund_object.get("status")
    if status in ("failed", "canceled") or not isinstance(amount, int) or amount <= 0:
        return False
    currency = str(refund_object.get("currency", "")).upper()
    if (payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED) or currency != payment.currency
            or payment.amount_refunded + amount > payment.amount_captured):
        log.error("Stripe refund %s of %s %s does not fit payment %s; needs an adjustment",
                  stripe_id, amount, currency, payment.id)
        return False
    refund = Refund(payment_id=payment.id, key=f"stripe:{stripe_id}", amount=amount, currency=payment.currency,
                    reason=str(refund_object.get("reason") or "refunded outside Linli")[:200],
                    status=RefundStatus.PENDING, stripe_refund_id=stripe_id)
    session.add(refund)
    # flush: the refund's ledger entries are keyed by its id
    session.flush()
    log.warning("imported Stripe refund %s of payment %s, made outside Linli", stripe_id, payment.id)
    _book_refund(session, payment, refund)
    _apply_outcome(session, refund, status)
    return True


def reconcile_refunds(session: Session, *, now: datetime | None = None, days: int = RECONCILE_DAYS) -> dict[str, int]:
    """Books every refund Stripe made in the last `days` that our books miss, and sends ours that
    never reached Stripe once their lease has run out.

    Commits one refund at a time. Calls Stripe (a list of refunds, then a refund per unsent one).
    """
    now = now or utcnow()
    done = {"listed": 0, "applied": 0, "sent": 0, "errors": 0}
    since = int((now - timedelta(days=days)).timestamp())
    for refund_object in gateway().list_refunds(created_since=since, key=f"refunds:list:{since}:{now.timestamp()}"):
        done["listed"] += 1
        try:
            if apply_stripe_refund(session, refund_object):
                done["applied"] += 1
            session.commit()
        except Exception:
            session.rollback()
            done["errors"] += 1
            log.exception("reconciling Stripe refund %s failed; the next run retries", refund_object.get("id"))
    unsent = session.scalars(
        select(Refund.id)
        .where(Refund.status == RefundStatus.PENDING, Refund.stripe_refund_id.is_(None),
               or_(Refund.sending_until.is_(None), Refund.sending_until < now))
        .order_by(Refund.id)
    ).all()
    for refund_id in unsent:
        try:
            send_refund(session, refund_id, now=now)
            done["sent"] += 1
        except PaymentProviderError:
            done["sent"] += 1  # Stripe refused it: failed and reversed by send_refund
        except Exception:
            session.rollback()
            done["errors"] += 1
            log.exception("sending refund %s failed; the next run retries", refund_id)
    return done


def refunds_to_reconcile(session: Session, *, now: datetime | None = None, after: timedelta) -> list[int]:
    """Refunds Stripe accepted but has not finished (its webhook never came), older than `after`."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Refund.id)
            .where(Refund.status == RefundStatus.PENDING, Refund.stripe_refund_id.is_not(None),
                   Refund.created_at <= now - after)
            .order_by(Refund.id)
        )
    )


def reconcile_refund(session: Session, refund_id: int) -> str:
    """Asks Stripe whether a pending refund was paid back or failed. Commits."""
    refund = session.get(Refund, refund_id)
    if refund is None or refund.status != RefundStatus.PENDING or refund.stripe_refund_id is None:
        return "done"
    answer = gateway().retrieve_refund(refund.stripe_refund_id, key=f"refund:{refund.id}:reconcile")
    apply_stripe_refund(session, answer)
    session.commit()
    return refund.status
