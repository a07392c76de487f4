"""Settlement: where each payee's money goes (its payout account), and payouts of what the ledger says
it is owed, each with the postings it settles."""
from __future__ import annotations

import logging
from typing import Protocol

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from core.i18n import lazy_gettext as _l
from core.models import utcnow
from payments import ledger
from payments.gateway import gateway
from payments.models import (
    JournalEntry,
    LedgerAccount,
    Payout,
    PayoutAccount,
    PayoutLine,
    Posting,
)
from payments.validation import check_text, invalid

log = logging.getLogger(__name__)


class Withholder(Protocol):
    """A higher floor's claim on what settlement would pay a payee (financing withholds a share of each
    settlement until an advance is repaid). Registered when the app is created (`register_withholder`)."""

    def accounts(self, session: Session, payee: str, currency: str) -> list[str]:
        """Takes the withholder's own locks and names the ledger accounts `withhold` will post to, so that
        settlement locks them with the payee's, in one id order."""

    def withhold(self, session: Session, payee: str, account: LedgerAccount) -> None:
        """Posts what it withholds from the payee's locked `account`, in the caller's transaction."""


_WITHHOLDERS: list[Withholder] = []


def register_withholder(withholder: Withholder) -> None:
    if withholder not in _WITHHOLDERS:
        _WITHHOLDERS.append(withholder)


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


def set_up_payout_account(session: Session, *, payee: str, return_url: str | None = None) -> dict:
    """Where a payee's payouts go: its Stripe Connect Express account (created once), and the link
    where its owner finishes onboarding (in test mode, the fake Connect's account is ready at once).

    Does not commit (the caller checks who may and commits). Calls Stripe.
    """
    if not ledger.is_valid_payee(payee):
        raise invalid("payee", _l("Must look like store:3."))
    existing = session.scalar(select(PayoutAccount).where(PayoutAccount.payee == payee))
    account_id = existing.stripe_account_id if existing else gateway().create_connected_account(
        payee=payee, key=f"payee:{payee}:account")["id"]
    if existing is None:
        register_payout_account(session, payee=payee, stripe_account_id=account_id)
    status = gateway().retrieve_account(account_id, key=f"payee:{payee}:account:status")
    link = None
    if not status.get("payouts_enabled") or not status.get("details_submitted"):
        link = gateway().account_link(account_id, key=f"payee:{payee}:account:link:{utcnow().timestamp():.0f}",
                                      return_url=return_url or current_app.config["PAYOUT_ONBOARDING_RETURN_URL"])
    return {"stripe_account_id": account_id, "payouts_enabled": bool(status.get("payouts_enabled")),
            "onboarding_url": link["url"] if link else None}


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
    """Pays a payee everything its account owes, less what withholders take (an advance's remittance),
    with a statement of the postings it settles.

    Commits. Calls Stripe: a Connect transfer keyed by the account and the last posting settled,
    so a retry after a crash gets the same transfer. Posts the payout entry. A negative balance
    (refunds after the last payout) pays nothing and is netted against the next payout.
    """
    account = session.get(LedgerAccount, account_id)
    payee = ledger.payee_of(account.code) if account else None
    if payee is None:
        return None
    locked = [ledger.open_account(session, ledger.CLEARING, account.currency)]
    for withholder in _WITHHOLDERS:
        locked += [ledger.open_account(session, code, account.currency)
                   for code in withholder.accounts(session, payee, account.currency)]
    # Locked in id order, like post_entry: captures and refunds wait while the statement is drawn.
    account = next(a for a in ledger.lock_accounts(session, [account.id, *locked]) if a.id == account_id)
    for withholder in _WITHHOLDERS:
        withholder.withhold(session, payee, account)
    session.refresh(account)
    owed = -account.balance
    if 0 < owed < current_app.config["PAYOUT_MINIMUM"]:
        session.commit()  # what was withheld stays withheld
        log.info("payee %s is owed %s fen, under the payout minimum; it waits", payee, owed)
        return None
    destination = session.scalar(select(PayoutAccount.stripe_account_id).where(PayoutAccount.payee == payee))
    if owed <= 0 or destination is None:
        session.commit()
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
