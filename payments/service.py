"""Use cases of payments: PaymentIntents, capture, cancel, webhooks, reconciliation, commission
and settlement (refunds are in payments/refunds.py).

The contract for higher floors (`record_payment`, then `request_intent` once the caller has
committed what it reserved; `capture_payment`, `cancel_payment`, `commission_for`,
`register_payout_account`; `lock_payment` and refunds' `request_refund`) takes no actor and does
not commit: the calling use case checks its own policy and commits. The rest are this floor's own
use cases and jobs, and commit.

A payment only moves forward (payments/state.py): a late or repeated webhook cannot take it back.
Stripe is asked with no row lock held; its answer is applied under the payment's lock.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from community import queries as community_queries
from core.auth import Actor
from core.db import db
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from core.jobs import job, jobs
from core.models import utcnow
from core.policy import require
from payments import ledger, refunds
from payments.errors import InvalidWebhook, PaymentNotCancelable, PaymentNotCapturable, PaymentProviderError
from payments.gateway import MANUAL_CAPTURE_TYPES, gateway, verify_webhook
from payments.models import (
    CaptureMethod,
    CommissionRate,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentStatus,
    Payout,
    PayoutAccount,
    PayoutLine,
    Posting,
    StripeEvent,
)
from payments.policy import Permission
from payments.refunds import request_refund as request_refund
from payments.refunds import send_refund as send_refund
from payments.state import OPEN, can_move, move, payment_for_intent
from payments.state import lock_payment as lock_payment
from payments.validation import check_amount, check_text, invalid

log = logging.getLogger(__name__)
# Re-exported above (`x as x`): refunds' `request_refund`/`send_refund` and the payment's
# `lock_payment` are part of this floor's contract for higher floors, from the rooms they live in.

WEBHOOK_TOLERANCE_SECONDS = 300
# Webhooks normally arrive within seconds; reconciliation asks Stripe only after this long, and
# stops asking once Stripe itself has given up on the intent (authorizations lapse after 7 days).
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_WITHIN = timedelta(days=8)
ANY_CATEGORY = "*"

_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --- commission -------------------------------------------------------------------------------


def _rates(session: Session, community_id: int, store_category: str | None) -> tuple[int, int]:
    """The most specific rates: community and category, community, category, then the default."""
    category = store_category or ANY_CATEGORY
    rows = session.scalars(
        select(CommissionRate).where(
            or_(CommissionRate.community_id == community_id, CommissionRate.community_id.is_(None)),
            CommissionRate.store_category.in_({category, ANY_CATEGORY}),
        )
    ).all()
    if rows:
        best = max(rows, key=lambda r: (r.community_id is not None, r.store_category != ANY_CATEGORY))
        return best.platform_rate_bps, best.community_rate_bps
    config = current_app.config
    return config["COMMISSION_PLATFORM_BPS"], config["COMMISSION_COMMUNITY_BPS"]


def _split(amount: int, platform_bps: int, community_bps: int) -> tuple[int, int]:
    # Rounded down: a fen of doubt goes to the merchant.
    return amount * platform_bps // 10_000, amount * community_bps // 10_000


def commission_for(session: Session, *, community_id: int, store_category: str | None, amount: int) -> tuple[int, int]:
    """`(platform_share, community_share)` of `amount` at the rates for this community and category.

    Rates come from `commission_rates`: the row for (community, category), else (community, '*'),
    else (all communities, category), else the default row (all, '*'), else the configured
    COMMISSION_PLATFORM_BPS / COMMISSION_COMMUNITY_BPS. Shares are rounded down. Reads only.
    """
    return _split(amount, *_rates(session, community_id, store_category))


def set_commission_rate(
    session: Session, actor: Actor, *, community_id: int | None, store_category: str,
    platform_rate_bps: int, community_rate_bps: int,
) -> CommissionRate:
    """A platform admin sets the rates for a community (or all) and a store category (or '*').

    Commits. Applies to payments started afterwards; started ones keep their rates.
    """
    require(actor, Permission.COMMISSION_MANAGE)
    if community_id is not None:
        community_queries.get_community(session, community_id)
    if platform_rate_bps + community_rate_bps > 10_000:
        raise invalid("community_rate_bps", _l("The two rates together cannot exceed 10000 (100 %)."))
    scope = (
        CommissionRate.community_id.is_(None) if community_id is None else CommissionRate.community_id == community_id
    )
    rate = session.scalar(
        select(CommissionRate).where(scope, CommissionRate.store_category == store_category).with_for_update()
    )
    if rate is None:
        rate = CommissionRate(community_id=community_id, store_category=store_category)
        session.add(rate)
    rate.platform_rate_bps = platform_rate_bps
    rate.community_rate_bps = community_rate_bps
    rate.updated_by = actor.user_id
    session.commit()
    return rate


# --- the contract: payments ------------------------------------------------------------------


def method_types(configured: list[str], capture_method: str) -> list[str]:
    """The payment method types offered: the configured ones, only cards when capture is manual."""
    if capture_method == CaptureMethod.MANUAL:
        return [t for t in configured if t in MANUAL_CAPTURE_TYPES] or ["card"]
    return list(configured)


def record_payment(
    session: Session,
    *,
    reference: str,
    payer_user_id: int,
    community_id: int,
    amount: int,
    currency: str = "CNY",
    capture_method: str = CaptureMethod.AUTOMATIC,
    description: str = "",
    payee: str | None = None,
    store_category: str | None = None,
) -> Payment:
    """Records a pending Payment of `amount` (computed by the caller), without calling Stripe yet.

    Does not commit (flushes to get the id). The caller commits what it reserved for the payment,
    then calls `request_intent`: Stripe is never called while the caller holds its row locks.
    `reference` names what is paid ("order:42", "groupjoin:7"); `payee` who is owed the money
    ("store:3"; None means the platform itself); `store_category` picks the commission rates,
    which are fixed now. `capture_method` is "automatic" or "manual" (hold now, `capture_payment`
    later: group deals); manual capture offers only the method types that can hold money (cards).
    Raises InvalidInput (422) for a bad argument, PaymentProviderError (502) if Stripe refuses.
    """
    check_text(reference, "reference", min_length=1, max_length=100)
    check_amount(amount)
    check_text(description, "description", min_length=0, max_length=255)
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise invalid("currency", _l("Must be a three-letter currency code such as CNY."))
    if capture_method not in set(CaptureMethod):
        raise invalid("capture_method", _l("Must be automatic or manual."))
    if payee is not None and not ledger.is_valid_payee(payee):
        raise invalid("payee", _l("Must look like store:3."))
    if store_category is not None:
        check_text(store_category, "store_category", min_length=1, max_length=40)
    platform_bps, community_bps = _rates(session, community_id, store_category) if payee else (0, 0)
    payment = Payment(
        reference=reference, payer_user_id=payer_user_id, community_id=community_id, amount=amount,
        currency=currency, capture_method=capture_method, description=description, payee=payee,
        store_category=store_category, status=PaymentStatus.PENDING, amount_captured=0, amount_refunded=0,
        platform_rate_bps=platform_bps, community_rate_bps=community_bps,
    )
    session.add(payment)
    # flush: the PaymentIntent's idempotency key is derived from the payment's id
    session.flush()
    return payment


def request_intent(session: Session, payment_id: int) -> Payment:
    """Creates the Stripe PaymentIntent of a recorded payment.

    Does not commit. Calls Stripe (key `payment:<id>:create`, so a retry gets the same intent).
    Returns the payment with `client_secret` (for the mobile client to confirm) and
    `stripe_payment_intent_id`. Raises PaymentProviderError (502) if Stripe refuses or is down.
    """
    payment = session.get(Payment, payment_id)
    intent = gateway().create_intent(
        amount=payment.amount, currency=payment.currency, capture_method=payment.capture_method,
        payment_method_types=method_types(current_app.config["PAYMENT_METHOD_TYPES"], payment.capture_method),
        metadata={"payment_id": str(payment.id), "reference": payment.reference, "description": payment.description},
        key=f"payment:{payment.id}:create",
    )
    payment.stripe_payment_intent_id = intent["id"]
    payment.client_secret = intent["client_secret"]
    return payment


def _current(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id, populate_existing=True)
    if payment is None:
        raise NotFound()
    return payment


def capture_payment(session: Session, payment_id: int, *, amount: int | None = None) -> Payment:
    """Captures an authorized (manual-capture) payment, all of it or `amount` of it.

    Does not commit. Calls Stripe (key `payment:<id>:capture`) with no lock of payments held, then
    locks the payment and applies Stripe's answer: the capture entry and the "payment.succeeded"
    handlers. Raises PaymentNotCapturable (409) unless authorized.
    """
    payment = _current(session, payment_id)
    if payment.status != PaymentStatus.AUTHORIZED:
        raise PaymentNotCapturable()
    if amount is not None:
        check_amount(amount)
        if amount > payment.amount:
            raise invalid("amount", _l("Cannot capture more than was authorized."))
    captured = payment.amount if amount is None else amount
    intent = gateway().capture_intent(payment.stripe_payment_intent_id, amount=captured,
                                      key=f"payment:{payment.id}:capture")
    payment = lock_payment(session, payment_id)
    if intent.get("status") == "succeeded":
        _mark_succeeded(session, payment, captured)  # what we captured, whatever else the intent says
    else:
        _apply_intent(session, payment, intent)
    return payment


def cancel_payment(session: Session, payment_id: int, **details: Any) -> Payment:
    """Cancels a payment that was not captured (pending, failed or authorized: the hold is released).

    Does not commit. Calls Stripe (key `payment:<id>:cancel`) with no lock of payments held, then
    locks the payment and applies the answer: the "payment.canceled" handlers, which get `details`
    (e.g. the caller's `reason` and `actor_user_id`). Canceling a
    canceled payment returns it unchanged; a captured one raises PaymentNotCancelable (409):
    refund it instead. If the payer paid just before, Stripe refuses, and the payment's success is
    applied instead (its "payment.succeeded" handlers run, and the caller finds it paid).
    """
    payment = _current(session, payment_id)
    if payment.status == PaymentStatus.CANCELED:
        return payment
    if payment.status not in OPEN:
        raise PaymentNotCancelable()
    # Without an intent id (Stripe failed or never answered) nobody holds a client secret: an
    # intent Stripe may have made can never be confirmed, so there is nothing to cancel there.
    intent = None
    if payment.stripe_payment_intent_id is not None:
        try:
            intent = gateway().cancel_intent(payment.stripe_payment_intent_id, key=f"payment:{payment.id}:cancel")
        except PaymentProviderError as exc:
            if exc.uncertain:
                raise
            # Refused: the intent is past cancelling (paid a moment ago, or cancelled by an earlier
            # attempt whose transaction rolled back). What it is now is applied instead.
            intent = gateway().retrieve_intent(payment.stripe_payment_intent_id,
                                               key=f"payment:{payment.id}:cancel-refused")
    payment = lock_payment(session, payment_id)
    if intent is None:
        move(session, payment, PaymentStatus.CANCELED, **details)
    else:
        _apply_intent(session, payment, intent, **details)
    return payment


def register_payout_account(session: Session, *, payee: str, stripe_account_id: str) -> PayoutAccount:
    """Where settlement sends a payee's money: its Stripe Connect account ("acct_...").

    Does not commit. Settlement skips payees without one (their balance waits).
    """
    if not ledger.is_valid_payee(payee):
        raise invalid("payee", _l("Must look like store:3."))
    check_text(stripe_account_id, "stripe_account_id", min_length=1, max_length=255)
    account = session.scalar(select(PayoutAccount).where(PayoutAccount.payee == payee))
    if account is None:
        account = PayoutAccount(payee=payee, stripe_account_id=stripe_account_id)
        session.add(account)
    account.stripe_account_id = stripe_account_id
    return account



# --- state changes, entries and handlers -------------------------------------------------------


def _mark_succeeded(session: Session, payment: Payment, captured: int) -> None:
    if not can_move(payment.status, PaymentStatus.SUCCEEDED):
        move(session, payment, PaymentStatus.SUCCEEDED)  # only logs: late or repeated news
        return
    payment.amount_captured = max(1, min(int(captured), payment.amount))
    payment.failure_code = None
    currency = payment.currency
    if payment.payee is None:
        postings = [(ledger.CLEARING, payment.amount_captured, currency),
                    (ledger.PLATFORM_SALES, -payment.amount_captured, currency)]
    else:
        payment.platform_fee, payment.community_fee = _split(
            payment.amount_captured, payment.platform_rate_bps, payment.community_rate_bps
        )
        merchant = payment.amount_captured - payment.platform_fee - payment.community_fee
        postings = [
            (ledger.CLEARING, payment.amount_captured, currency),
            (ledger.payee_account(payment.payee), -merchant, currency),
            (ledger.PLATFORM_COMMISSION, -payment.platform_fee, currency),
            (ledger.community_revenue(payment.community_id), -payment.community_fee, currency),
        ]
    ledger.post_entry(
        session, key=f"payment:{payment.id}:capture", description=f"{payment.reference} paid",
        postings=[p for p in postings if p[1] != 0],
    )
    move(session, payment, PaymentStatus.SUCCEEDED)
    jobs.enqueue_after_commit(session, record_stripe_fee, payment.id)


def _received(intent: dict, payment: Payment) -> int:
    return int(intent.get("amount_received") or payment.amount_captured or intent.get("amount") or payment.amount)


def _apply_intent(session: Session, payment: Payment, intent: dict, status: str | None = None, **details: Any) -> None:
    """Brings the payment to what Stripe says of its intent (only ever forward); `details` go to the
    handlers of a cancellation."""
    status = status or intent.get("status")
    if status == "succeeded":
        _mark_succeeded(session, payment, _received(intent, payment))
    elif status == "requires_capture":
        move(session, payment, PaymentStatus.AUTHORIZED)
    elif status == "canceled":
        move(session, payment, PaymentStatus.CANCELED, **details)
    elif status == "requires_payment_method" and intent.get("last_payment_error"):
        if can_move(payment.status, PaymentStatus.FAILED):
            payment.failure_code = str((intent["last_payment_error"] or {}).get("code") or "failed")[:100]
        move(session, payment, PaymentStatus.FAILED)


# Webhook event types and the intent status each one reports.
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


# --- webhooks and reconciliation --------------------------------------------------------------


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


@job("low", timeout=60)
def record_stripe_fee(payment_id: int) -> int:
    """Posts Stripe's fee on a captured payment (once: the entry key is per payment)."""
    session = db.session
    payment = session.get(Payment, payment_id)
    if payment is None or payment.amount_captured == 0:
        return 0
    intent = gateway().retrieve_intent(payment.stripe_payment_intent_id, key=f"payment:{payment.id}:fee-intent")
    charge = intent.get("latest_charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge
    if not charge_id:
        return 0
    fee, currency = gateway().charge_fee(charge_id, key=f"payment:{payment.id}:fee-charge")
    if fee > 0:
        ledger.post_entry(
            session, key=f"payment:{payment.id}:fee", description=f"Stripe fee on {payment.reference}",
            postings=[(ledger.STRIPE_FEES, fee, currency), (ledger.CLEARING, -fee, currency)],
        )
        session.commit()
    return fee


# --- settlement -------------------------------------------------------------------------------


def accounts_to_settle(session: Session) -> list[int]:
    """Payee accounts that owe their payee money (a credit balance)."""
    return list(
        session.scalars(
            select(LedgerAccount.id)
            .where(
                or_(LedgerAccount.code.startswith(ledger.MERCHANT_PAYABLE_PREFIX),
                    LedgerAccount.code.startswith(ledger.PAYABLE_PREFIX)),
                LedgerAccount.balance < 0,
            )
            .order_by(LedgerAccount.id)
        )
    )


def settle_account(session: Session, account_id: int) -> Payout | None:
    """Pays a payee everything its account owes, with a statement of the postings it settles.

    Commits. Calls Stripe: a Connect transfer keyed by the account and the last posting settled,
    so a retry after a crash gets the same transfer. Posts the payout entry. A negative balance
    (refunds after the last payout) pays nothing and is netted against the next payout.
    """
    account = session.get(LedgerAccount, account_id)
    payee = ledger.payee_of(account.code) if account else None
    if payee is None:
        return None
    clearing_id = ledger.open_account(session, ledger.CLEARING, account.currency)
    # Locked in id order, like post_entry: captures and refunds wait while the statement is drawn.
    account = next(a for a in ledger.lock_accounts(session, [account.id, clearing_id]) if a.id == account_id)
    owed = -account.balance
    destination = session.scalar(select(PayoutAccount.stripe_account_id).where(PayoutAccount.payee == payee))
    if owed <= 0 or destination is None:
        session.rollback()
        if destination is None and owed > 0:
            log.info("payee %s has %s %s to settle but no payout account", payee, owed, account.currency)
        return None
    rows = session.execute(
        select(Posting, JournalEntry)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id == account.id,
            ~JournalEntry.key.startswith("payout:"),
            ~exists().where(PayoutLine.posting_id == Posting.id),
        )
        .order_by(Posting.id)
    ).all()
    if -sum(posting.amount for posting, _ in rows) != owed:
        session.rollback()
        log.error("payee %s: unsettled postings do not add up to the balance %s; not paying", payee, owed)
        return None
    key = f"payout:{account.code}:{account.currency}:{rows[-1][0].id}"
    transfer = gateway().transfer(amount=owed, currency=account.currency, destination=destination,
                                  metadata={"payee": payee}, key=key)
    entry = ledger.post_entry(
        session, key=key, description=f"Payout to {payee}",
        postings=[(account.code, owed, account.currency), (ledger.CLEARING, -owed, account.currency)],
    )
    payout = Payout(payee=payee, amount=owed, currency=account.currency, transfer_key=key,
                    stripe_transfer_id=transfer["id"], destination=destination, entry_id=entry.id)
    payout.lines = [
        PayoutLine(posting_id=posting.id, description=journal.description, amount=-posting.amount,
                   occurred_at=journal.occurred_at)
        for posting, journal in rows
    ]
    session.add(payout)
    session.commit()
    return payout
