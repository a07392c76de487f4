"""Jobs of payments: reconciliation with Stripe and settlement; PERIODIC is collected into app.py."""
from __future__ import annotations

import logging
from datetime import datetime

from core.db import db
from core.jobs import PeriodicJob, job
from payments import exports, refunds, settlement, webhooks

log = logging.getLogger(__name__)


@job("default", timeout=300)
def reconcile_with_stripe(now: datetime | None = None) -> dict[str, int]:
    """Asks Stripe about payments and refunds whose webhook never came, books refunds Stripe made that
    our books miss, and sends refunds that never reached Stripe; each in its own transaction."""
    session = db.session
    done = {"payments": 0, "refunds": 0, "errors": 0}
    for payment_id in webhooks.payments_to_reconcile(session, now=now):
        try:
            webhooks.reconcile_payment(session, payment_id)
            done["payments"] += 1
        except Exception:
            session.rollback()
            done["errors"] += 1
            log.exception("reconciling payment %s failed; the next run retries", payment_id)
    listed = refunds.reconcile_refunds(session, now=now)
    done["refunds"] += listed["applied"] + listed["sent"]
    done["errors"] += listed["errors"]
    for refund_id in refunds.refunds_to_reconcile(session, now=now, after=webhooks.RECONCILE_AFTER):
        try:
            refunds.reconcile_refund(session, refund_id)
            done["refunds"] += 1
        except Exception:
            session.rollback()
            done["errors"] += 1
            log.exception("reconciling refund %s failed; the next run retries", refund_id)
    return done


@job("default", timeout=600)
def settle_payouts() -> dict[str, int]:
    """Pays every payee what it is owed, one payee per transaction; a failure waits for the next run."""
    session = db.session
    done = {"payouts": 0, "amount": 0, "errors": 0}
    for account_id in settlement.accounts_to_settle(session):
        try:
            payout = settlement.settle_account(session, account_id)
        except Exception:
            session.rollback()
            done["errors"] += 1
            log.exception("settling ledger account %s failed; the next run retries", account_id)
            continue
        if payout is not None:
            done["payouts"] += 1
            done["amount"] += payout.amount
    return done


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("payments.reconcile-with-stripe", reconcile_with_stripe, interval=600),
    PeriodicJob("payments.settle-payouts", settle_payouts, interval=86_400),
    PeriodicJob("payments.purge-exports", exports.purge_exports, interval=3600),
]
